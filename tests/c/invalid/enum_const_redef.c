enum { A, B };
enum { A = 5 };
int main(void) { return A; }

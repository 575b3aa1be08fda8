int x = 1;
enum { A = x };
int main(void) { return A; }

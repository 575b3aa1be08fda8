enum E { A };
enum E { B };
int main(void) { return 0; }

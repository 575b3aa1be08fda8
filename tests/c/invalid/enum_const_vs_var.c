enum { A };
int A;
int main(void) { return 0; }

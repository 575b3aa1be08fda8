int main(void) { int x = "a"; return x; }

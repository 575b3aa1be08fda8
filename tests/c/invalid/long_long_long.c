int main(void) { long long long x = 0; return (int)x; }

int main(void) { signed double x = 0; return 0; }

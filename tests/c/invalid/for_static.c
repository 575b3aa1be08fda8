int main(void) { for (static int i = 0; i < 1; i++) {} return 0; }

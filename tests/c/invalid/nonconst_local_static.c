int g = 1;
int main(void) { static int y = g; return y; }

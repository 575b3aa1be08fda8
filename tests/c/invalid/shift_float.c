int main(void) { double d = 1; return (int)(d << 1); }

int main(void) { unsigned float x = 0; return (int)x; }

int main(void) { return sizeof(int[-1]); }

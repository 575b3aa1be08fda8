int main(void) { return sizeof(int (void)); }

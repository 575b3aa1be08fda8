int main(void) { default: return 0; }

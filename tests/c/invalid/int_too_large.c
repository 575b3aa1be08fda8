int main(void) { return (int)99999999999999999999; }

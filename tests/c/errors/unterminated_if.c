#ifdef SOMETHING
int main(void) { return 0; }

int w[] = { 0 };
const int *p = L"\x100000000";
int main(void) { return 0; }

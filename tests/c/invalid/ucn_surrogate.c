const int *p = L"\ud800";
int main(void) { return 0; }

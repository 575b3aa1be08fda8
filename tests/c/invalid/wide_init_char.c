char s[] = L"wide";
int main(void) { return 0; }

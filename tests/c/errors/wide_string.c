int main(void) {
    const int *w = L"wide";
    return 0;
}

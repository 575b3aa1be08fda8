int x;
int main(void) {
    extern long x;
    return 0;
}

int main(void) {
    int x = 0;
    return __atomic_fetch_add(&x, 1);
}

int main(void) {
    long x = 0;
    return (int)__sync_val_compare_and_swap(x, 0, 1);
}

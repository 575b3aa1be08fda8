int main(void) {
    continue;
    return 0;
}

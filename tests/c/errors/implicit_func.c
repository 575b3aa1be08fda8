int main(void) {
    return frobnicate(3);
}

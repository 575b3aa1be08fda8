int main(void) {
    return L'\u12';
}

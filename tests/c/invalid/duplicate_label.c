int main(void) {
    goto a;
a:
    ;
a:
    return 0;
}

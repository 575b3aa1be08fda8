int main(void) {
    double d = 1.0;
    int *p = &d;
    return *p;
}

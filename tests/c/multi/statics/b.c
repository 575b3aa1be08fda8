static int count = 5;
static int bump(void) { return count += 10; }
int shared = 42;

static int counter(void) {
    static int n = 50;
    return ++n;
}

int b_bump(void) {
    counter();
    return bump();
}

int b_value(void) { return count * 1000 + counter(); }

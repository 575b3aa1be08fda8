/* Unions: shared storage, size, type punning of integers. */
#include <stdio.h>

union word {
    unsigned int u;
    unsigned char bytes[4];
    short halves[2];
};

struct tagged {
    int kind;
    union { int i; double d; } v;
};

void show(struct tagged t) {
    if (t.kind == 0) printf("int %d\n", t.v.i);
    else printf("double %.2f\n", t.v.d);
}

int main(void) {
    union word w;
    w.u = 0x11223344;
    printf("%x %x %x %x\n", w.bytes[0], w.bytes[1], w.bytes[2], w.bytes[3]);
    printf("%x %x\n", w.halves[0], w.halves[1]);
    printf("%lu %lu\n", sizeof(union word), sizeof(struct tagged));
    struct tagged t1 = {0, {5}};
    struct tagged t2;
    t2.kind = 1;
    t2.v.d = 2.75;
    show(t1);
    show(t2);
    union { float f; unsigned int bits; } pun;
    pun.f = 1.0f;
    printf("%08x\n", pun.bits);
    return 0;
}

#include <stdio.h>
/* GNU's labels as values, against gcc: a threaded-code interpreter
   dispatching through a static table of label addresses, a label address
   in a variable, and the position-independent table of label differences
   (`&&c - &&b`) gcc's manual recommends. */
static long run(const unsigned char *code, long n) {
    static void *ops[] = {&&op_inc, &&op_dbl, &&op_dec, &&op_loop, &&op_end};
    long acc = 0, i = 0;
    const unsigned char *pc = code;
    goto *ops[*pc];
op_inc:
    acc++;
    goto *ops[*++pc];
op_dbl:
    acc *= 2;
    goto *ops[*++pc];
op_dec:
    acc -= 3;
    goto *ops[*++pc];
op_loop:
    if (++i < n) {
        pc = code;
        goto *ops[*pc];
    }
    goto *ops[*++pc];
op_end:
    return acc;
}
int main(void) {
    unsigned char prog[] = {0, 1, 0, 2, 3, 4};
    printf("%ld\n", run(prog, 100000));
    void *here = &&a;
    int hops = 0;
a:
    if (hops++ < 3) goto *here;
    printf("hops %d %d\n", hops, &&a == here);
    static const int off[] = {&&b - &&b, &&c - &&b};
    int k = 0;
b:
    if (k++ == 0) goto *(&&b + off[1]);
    printf("b\n");
c:
    printf("c k=%d\n", k);
    return 0;
}

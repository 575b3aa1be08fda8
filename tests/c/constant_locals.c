/* Locals that only ever hold one constant (ir/src/constlocals.rs): read as
   the constant by the optimized module, folded through conversions and
   arithmetic, across loops with safepoints, calls and a longjmp. */
/* args: 3 */
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>

static jmp_buf env;

static unsigned long hash(const char *s) {
    unsigned long h = 5381;
    while (*s) h = h * 33 + (unsigned char)*s++;
    return h;
}

static int twice(int x, int k) { return x * k + k; }

static void jump(int v) { longjmp(env, v); }

int main(int argc, char **argv) {
    int reps = argc > 1 ? atoi(argv[1]) : 2;
    /* A divisor, a mask and a loop bound that never change. */
    int nb = 4096, deg = 8;
    long counts[8] = {0};
    unsigned long acc = 0;
    char word[16];
    for (int r = 0; r < reps * 1000; r++) {
        for (int k = 0; k < deg; k++) {
            word[k] = (char)('a' + (r * 7 + k * 3) % 26);
        }
        word[deg] = 0;
        unsigned long h = hash(word) % nb;
        acc += h / deg + h % (unsigned)deg;
        counts[h % deg]++;
    }
    printf("acc %lu\n", acc);
    for (int k = 0; k < deg; k++) printf("%ld ", counts[k]);
    printf("\n");

    /* A chain: each local computed from constants is a constant too. */
    int w = 37, h2 = w + 3;
    long n = (long)w * h2;
    short sh = (short)(n * 41);
    unsigned char uc = 200;
    long big = 1L << 40;
    printf("n %ld sh %d uc %d %d big %ld %ld\n", n, sh, uc + uc, (unsigned char)(uc + uc), big,
           (big + 12345) % big);

    /* Negative constants: signed division, remainder, shifts, compares. */
    int m = -7;
    long s = 0;
    for (int i = -20; i < 20; i++) s += i / m + i % m + (i >> 1) * (m < i) + (m >> 1);
    printf("neg %ld %d %u %d\n", s, m >> 2, (unsigned)m >> 28, m / 2);
    switch (m) {
    case -7: printf("switch -7\n"); break;
    default: printf("switch other\n");
    }

    /* The same constant on both paths of a branch; one written on one
       path only and read only there. */
    int same;
    if (argc > 5) same = 11; else same = 11;
    int only;
    if (reps > 1) {
        only = 5;
        printf("only %d\n", only * reps);
    }
    printf("same %d %d\n", same * reps, twice(reps, same));

    /* Written twice with different constants: not a constant. */
    int two = 1;
    if (reps > 2) two = 2;
    printf("two %d\n", two);

    /* A division by a constant zero that never runs stays a division. */
    int zero = 0;
    if (argc > 100) printf("%d\n", reps / zero);

    /* Across setjmp and longjmp. */
    int lim = 10;
    volatile int rounds = 0;
    int v = setjmp(env);
    if (v < lim) {
        rounds = rounds + 1;
        jump(v + 3);
    }
    printf("jumps %d v %d lim %d\n", rounds, v, lim);
    return 0;
}

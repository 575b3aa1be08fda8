/* gcc's bit builtins (popcount, ctz, clz, ffs, parity, clrsb, bswap, each
   width) and overflow builtins (add, sub, mul of mixed signed and unsigned
   operands into results of every width, and the typed s/u forms), on edge
   values and on a stream of random ones (argv[1] rounds, default 4000):
   results and overflow flags printed as gcc computes them. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>

static unsigned long long seed = 0x9e3779b97f4a7c15ull;

static unsigned long long next(void) {
    seed ^= seed << 13;
    seed ^= seed >> 7;
    seed ^= seed << 17;
    return seed;
}

static const long long edges[] = {
    0, 1, -1, 2, -2, 3, 7, 127, 128, 255, 256, 32767, 32768, 65535, 65536,
    INT_MAX, (long long)INT_MAX + 1, INT_MIN, (long long)INT_MIN - 1,
    UINT_MAX, (long long)UINT_MAX + 1, LLONG_MAX, LLONG_MIN, LLONG_MAX - 1,
    LLONG_MIN + 1, 0x5555555555555555ll, (long long)0xaaaaaaaaaaaaaaaaull,
    0x100000000ll, 0x7fffffff00000000ll, 3037000499ll, 3037000500ll,
    -3037000500ll, 4294967295ll * 2,
};

static unsigned long h = 1469598103934665603ul;

static void mix(long long v) {
    h = (h ^ (unsigned long long)v) * 1099511628211ul;
}

static void bits(unsigned long long x) {
    unsigned u = (unsigned)x;
    mix(__builtin_popcount(u));
    mix(__builtin_popcountl((unsigned long)x));
    mix(__builtin_popcountll(x));
    if (u) {
        mix(__builtin_ctz(u));
        mix(__builtin_clz(u));
    }
    if (x) {
        mix(__builtin_ctzl((unsigned long)x));
        mix(__builtin_ctzll(x));
        mix(__builtin_clzl((unsigned long)x));
        mix(__builtin_clzll(x));
    }
    mix(__builtin_ffs((int)u));
    mix(__builtin_ffsl((long)x));
    mix(__builtin_ffsll((long long)x));
    mix(__builtin_parity(u));
    mix(__builtin_parityl((unsigned long)x));
    mix(__builtin_parityll(x));
    mix(__builtin_clrsb((int)u));
    mix(__builtin_clrsbl((long)x));
    mix(__builtin_clrsbll((long long)x));
    mix(__builtin_bswap16((unsigned short)x));
    mix(__builtin_bswap32(u));
    mix((long long)__builtin_bswap64(x));
}

#define ALL(OP, a, b)                                                  \
    do {                                                               \
        signed char r1; unsigned char r2; short r3; unsigned short r4; \
        int r5; unsigned r6; long r7; unsigned long r8; long long r9;  \
        mix(OP(a, b, &r1)); mix(r1);                                   \
        mix(OP(a, b, &r2)); mix(r2);                                   \
        mix(OP(a, b, &r3)); mix(r3);                                   \
        mix(OP(a, b, &r4)); mix(r4);                                   \
        mix(OP(a, b, &r5)); mix(r5);                                   \
        mix(OP(a, b, &r6)); mix(r6);                                   \
        mix(OP(a, b, &r7)); mix(r7);                                   \
        mix(OP(a, b, &r9)); mix(r9);                                   \
        mix(OP(a, b, &r8)); mix((long long)r8);                        \
    } while (0)

static void overflow(long long x, long long y) {
    int xi = (int)x, yi = (int)y;
    unsigned xu = (unsigned)x, yu = (unsigned)y;
    unsigned long long xl = (unsigned long long)x;
    ALL(__builtin_add_overflow, x, y);
    ALL(__builtin_sub_overflow, x, y);
    ALL(__builtin_mul_overflow, x, y);
    ALL(__builtin_add_overflow, xi, yu);
    ALL(__builtin_sub_overflow, xu, yi);
    ALL(__builtin_mul_overflow, xl, y);
    ALL(__builtin_mul_overflow, xl, xl);
    ALL(__builtin_sub_overflow, xi, xl);
    int i; long l; long long ll; unsigned u; unsigned long ul; unsigned long long ull;
    mix(__builtin_sadd_overflow(xi, yi, &i)); mix(i);
    mix(__builtin_saddl_overflow(x, y, &l)); mix(l);
    mix(__builtin_saddll_overflow(x, y, &ll)); mix(ll);
    mix(__builtin_uadd_overflow(xu, yu, &u)); mix(u);
    mix(__builtin_uaddl_overflow(xl, y, &ul)); mix((long long)ul);
    mix(__builtin_uaddll_overflow(xl, y, &ull)); mix((long long)ull);
    mix(__builtin_ssub_overflow(xi, yi, &i)); mix(i);
    mix(__builtin_ssubl_overflow(x, y, &l)); mix(l);
    mix(__builtin_ssubll_overflow(x, y, &ll)); mix(ll);
    mix(__builtin_usub_overflow(xu, yu, &u)); mix(u);
    mix(__builtin_usubl_overflow(xl, y, &ul)); mix((long long)ul);
    mix(__builtin_usubll_overflow(xl, y, &ull)); mix((long long)ull);
    mix(__builtin_smul_overflow(xi, yi, &i)); mix(i);
    mix(__builtin_smull_overflow(x, y, &l)); mix(l);
    mix(__builtin_smulll_overflow(x, y, &ll)); mix(ll);
    mix(__builtin_umul_overflow(xu, yu, &u)); mix(u);
    mix(__builtin_umull_overflow(xl, y, &ul)); mix((long long)ul);
    mix(__builtin_umulll_overflow(xl, y, &ull)); mix((long long)ull);
}

int main(int argc, char **argv) {
    int n = sizeof edges / sizeof edges[0];
    int rounds = argc > 1 ? atoi(argv[1]) : 4000;
    for (int i = 0; i < n; i++) {
        bits((unsigned long long)edges[i]);
        for (int j = 0; j < n; j++) overflow(edges[i], edges[j]);
    }
    printf("edges %lx\n", h);
    for (int k = 0; k < rounds; k++) {
        unsigned long long a = next(), b = next();
        int s = (int)(next() % 64);
        bits(a >> s);
        overflow((long long)(a >> s), (long long)(b >> (63 - s)));
        overflow((long long)a, (long long)b);
    }
    printf("random %lx\n", h);
    int r, o = __builtin_add_overflow(INT_MAX, 1, &r);
    printf("%d %d", o, r);
    o = __builtin_mul_overflow(-1, INT_MIN, &r);
    printf(" %d %d\n", o, r);
    printf("%d %d %d %x\n", __builtin_popcount(0xf0f0u), __builtin_ctz(8u),
           __builtin_clzll(1ull), __builtin_bswap32(0x11223344u));
    return 0;
}

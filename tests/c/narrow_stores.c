/* Stores of the low bits of wider arithmetic (a char from a long product,
   a short from an int sum, an int from a long), and products of a sum
   with a constant ((i + k) * c, as the copies of an unrolled loop make
   them), in loops of every length 0..40 and in straight code; unsigned
   where the arithmetic wraps. The checksums are compared with gcc's. */
/* args: 7 */
#include <stdio.h>
#include <stdlib.h>

static unsigned long mix(unsigned long h, unsigned long v) {
    return (h ^ v) * 1099511628211UL;
}

static unsigned long sum_bytes(const unsigned char *p, long n) {
    unsigned long h = 14695981039346656037UL;
    for (long i = 0; i < n; i++) h = mix(h, p[i]);
    return h;
}

static unsigned long sum_shorts(const unsigned short *p, long n) {
    unsigned long h = 14695981039346656037UL;
    for (long i = 0; i < n; i++) h = mix(h, p[i]);
    return h;
}

static unsigned long sum_ints(const unsigned *p, long n) {
    unsigned long h = 14695981039346656037UL;
    for (long i = 0; i < n; i++) h = mix(h, p[i]);
    return h;
}

/* The same byte both stored and used at its width: the truncated value
   must stay what it is where it is not stored. */
static int kept(long x, signed char *out) {
    signed char c = (signed char)(x * 37);
    *out = c;
    return c < 0 ? -1 : c;
}

int main(int argc, char **argv) {
    long k = argc > 1 ? atol(argv[1]) : 7;
    unsigned char *b = malloc(64);
    unsigned short *s = malloc(128);
    unsigned *w = malloc(256);
    signed char *sc = malloc(64);
    unsigned long h = 0;
    for (long n = 0; n <= 40; n++) {
        for (long i = 0; i < 64; i++) b[i] = 0xAA;
        /* A byte from a long product: (i * k) and the unrolled (i + j) * k. */
        for (long i = 0; i < n; i++) b[i] = (unsigned char)(i * k);
        h = mix(h, sum_bytes(b, 64));
        /* A constant whose products overflow every width. */
        for (long i = 0; i < n; i++) b[i] = (unsigned char)((unsigned long)(i + 3) * 0x7fffffffffffff3fUL);
        h = mix(h, sum_bytes(b, 64));
        /* A negative constant, signed bytes. */
        for (long i = 0; i < n; i++) sc[i] = (signed char)((i - 5) * -29);
        h = mix(h, sum_bytes((unsigned char *)sc, 64));
        /* Shorts from int arithmetic, with a step of 3. */
        for (int i = 0; i < n; i++) s[i] = (unsigned short)((unsigned)(i + 40000) * 3u);
        h = mix(h, sum_shorts(s, 64));
        /* Ints from long arithmetic that wraps. */
        for (long i = 0; i < n; i++) w[i] = (unsigned)((unsigned long)(i + 0x7ffffffcL) * 0x10001UL);
        h = mix(h, sum_ints(w, 64));
        /* A factor that fits in 32 bits only narrowed. */
        for (long i = 0; i < n; i++) w[i] = (unsigned)((unsigned long)i * 2654435761UL);
        h = mix(h, sum_ints(w, 64));
        /* The wide value used beyond the store: a remainder and a quotient. */
        unsigned long carry = (unsigned long)k;
        for (long i = 0; i < n; i++) {
            unsigned long t = (unsigned long)w[i] * (unsigned long)k + carry;
            s[i] = (unsigned short)(t % 10007u);
            carry = t / 10007u;
        }
        h = mix(h, sum_shorts(s, 64) ^ carry);
        /* Masks that keep every stored bit, and ones that do not. */
        for (long i = 0; i < n; i++) b[i] = (unsigned char)((i * k + 0x1234) & 0xff);
        h = mix(h, sum_bytes(b, 64));
        for (long i = 0; i < n; i++) b[i] = (unsigned char)((i * k + 0x1234) & 0x7f);
        h = mix(h, sum_bytes(b, 64));
        for (long i = 0; i < n; i++) s[i] = (unsigned short)((i * k * 977) & 0x3ffff);
        h = mix(h, sum_shorts(s, 64));
        for (long i = 0; i < n; i++) s[i] = (unsigned short)((i * k * 977) & 0xfff0);
        h = mix(h, sum_shorts(s, 64));
        /* Extensions: a signed byte widened then stored as a short keeps
           its sign; an int widened and stored as an int is itself. */
        for (long i = 0; i < n; i++) {
            signed char c = (signed char)(i * 29 - 100);
            s[i] = (unsigned short)(long)c;
            w[i] = (unsigned)(long)(int)(i * -77);
        }
        h = mix(h, sum_shorts(s, 64) ^ sum_ints(w, 64));
        /* An int sum narrowed to a byte, stride 2. */
        for (int i = 0; i + 1 < n; i += 2) {
            b[i] = (unsigned char)(i * (int)k + 250);
            b[i + 1] = (unsigned char)((i + 1) * 3 + (int)k);
        }
        h = mix(h, sum_bytes(b, 64));
    }
    /* Straight code: (x + c) * k where x is no counter. */
    for (long x = -300; x <= 300; x += 37) {
        unsigned char u8 = (unsigned char)((x + 100) * 7);
        unsigned short u16 = (unsigned short)((x + 70000) * 13);
        unsigned u32 = (unsigned)((unsigned long)(x + 5000000000L) * 3UL);
        signed char c;
        int r = kept(x + k, &c);
        printf("%ld: %u %u %u %d %d\n", x, u8, u16, u32, r, c);
    }
    printf("%lu\n", h);
    free(b);
    free(s);
    free(w);
    free(sc);
    return 0;
}

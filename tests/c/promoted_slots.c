/* Local structs, unions and small arrays that pivm keeps in locals instead
   of frame memory (ir/src/promote.rs): fields read and written at
   constant offsets, whole copies in and out, fills, type punning through
   unions (an integer field read as a float and back, NaN payloads kept),
   bytes only ever copied (padding, members never named), nested structs,
   and, beside them, locals whose address escapes or that are indexed by a
   variable, which stay in memory. Output compared with gcc. */
#include <stdio.h>
#include <string.h>

typedef struct { double x, y; } pt;
typedef struct { pt a, b; int tag; char name[6]; } seg;
typedef union { double d; unsigned long long u; unsigned w[2]; } bits;
typedef struct { char c; int i; short s; } padded;

static pt mid(pt p, pt q) { pt r = { (p.x + q.x) / 2, (p.y + q.y) / 2 }; return r; }
static seg flip(seg s) { seg r = s; r.a = s.b; r.b = s.a; r.tag = -s.tag; return r; }
static double len2(const pt *p) { return p->x * p->x + p->y * p->y; }
static void bump(int *p) { (*p)++; }

int main(void) {
    double acc = 0;
    unsigned long long mix = 0;
    seg s = { { 1, 2 }, { 3, 4 }, 7, "abcde" };
    for (int i = 0; i < 300; i++) {
        pt m = mid(s.a, s.b);
        s = flip(s);
        s.a.x += 0.25 * i;
        acc += len2(&m);
        bits u;
        u.d = acc;
        mix = mix * 31 + u.w[0] + u.w[1];
        u.u ^= 0x8000000000000000ull;
        acc -= u.d * 1e-9;
        padded pd, pc;
        memset(&pd, 0, sizeof pd);
        pd.c = (char)i;
        pd.i = i * 3;
        pd.s = (short)-i;
        pc = pd;
        mix += (unsigned char)pc.c + pc.i + pc.s;
        int small[4] = { i, i + 1, i + 2, i + 3 };
        small[2] += small[0] * small[3];
        mix += small[2] - small[1];
    }
    printf("%.6f %llu %d %s %.3f %.3f\n", acc, mix, s.tag, s.name, s.a.x, s.b.y);
    /* A NaN with a payload, made from bits, copied as a double. */
    bits n;
    n.u = 0x7ff4000000000123ull;
    bits m = n;
    double d = m.d;
    bits back;
    back.d = d;
    printf("%llx %08x %08x\n", back.u, back.w[0], back.w[1]);
    /* Negative zero through a union and a struct copy. */
    pt z = { -0.0, 0.0 };
    pt zz = z;
    bits zb;
    zb.d = zz.x;
    printf("%llx %g\n", zb.u, zz.y);
    /* Escapes: its address goes to a function; indexed by a variable. */
    int counter = 5;
    bump(&counter);
    bump(&counter);
    int table[8];
    for (int i = 0; i < 8; i++)
        table[i] = i * i;
    int k = counter % 8;
    printf("%d %d %d\n", counter, table[k], table[7 - k]);
    /* Bytes only copied: a struct with padding copied whole, its bytes
       compared after a fill. */
    padded p1, p2;
    memset(&p1, 0x5a, sizeof p1);
    p1.i = 1234;
    p2 = p1;
    printf("%d %d %d\n", p2.i, p2.c, memcmp(&p1, &p2, sizeof p1));
    return 0;
}

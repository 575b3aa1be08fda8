/* GNU C extensions common in real programs, against gcc: statement
   expressions (the MAX of typeof, struct and pointer values, break and
   goto out of one, nested, void, in conditions and loops), the comma
   paste `, ## __VA_ARGS__`, named variable arguments `args...`,
   C23's __VA_OPT__, `a ?: b` (its first operand evaluated once), and
   attributes between 'struct', 'union' or 'enum' and the tag. */
#include <stdio.h>
#include <string.h>

#define MAX(a, b) ({ __typeof__(a) _a = (a), _b = (b); _a > _b ? _a : _b; })
#define LOG(fmt, ...) printf("[%s:%d] " fmt "\n", __func__, __LINE__, ##__VA_ARGS__)
#define SHOW(f, args...) printf(f "\n", ##args)
#define OPT(f, ...) printf(f "\n" __VA_OPT__(,) __VA_ARGS__)
#define COUNT(...) (sizeof((int[]){0 __VA_OPT__(, __VA_ARGS__)}) / sizeof(int) - 1)

struct __attribute__((unused)) pt {
    int x, y;
};
union __attribute__((__may_alias__)) word {
    int i;
    float f;
};
enum __attribute__((unused)) level { LOW, HIGH };

static int calls;
static int side(int v) {
    calls++;
    return v;
}

static int ticks;
static int tick(void) { return ticks++ % 3; }
static const char *or_none(const char *s) { return s ?: "(none)"; }
static int elvis_global = 0 ?: 7;

static struct pt shifted(struct pt p, int d) {
    return ({
        struct pt q = p;
        q.x += d;
        q.y -= d;
        q;
    });
}

static int first_over(const int *v, int n, int limit) {
    int at = -1;
    for (int i = 0; i < n; i++) {
        at = ({
            if (v[i] > limit)
                goto found;
            -1;
        });
        continue;
    found:
        at = i;
        break;
    }
    return at;
}

/* Limits read from memory: loops of a constant count and bounded work do
   not poll, and a snapshot test takes many points in these. */
static int ten = 10, six = 6;

int main(void) {
    int i = 3, j = 9;
    int m = MAX(side(i), side(j));
    LOG("max %d, arguments evaluated %d times", m, calls);
    LOG("no arguments");
    double dm = MAX(2.5, -1.0) * 2;
    printf("%.2f %ld\n", dm, (long)MAX(-5L, -7L));
    SHOW("named %d %d", 1, 2);
    SHOW("named, none");
    OPT("opt %d %s", 5, "five");
    OPT("opt, none");
    printf("count %zu %zu %zu\n", COUNT(), COUNT(7), COUNT(1, 2, 3));

    struct pt p = shifted((struct pt){i, j}, 100);
    printf("pt %d %d\n", p.x, p.y);
    const char *s = ({
        static char buf[16];
        strcpy(buf, "hey");
        buf;
    });
    printf("%s %zu\n", s, strlen(s));

    int total = 0;
    for (int k = 0; k < ten; k++)
        total += ({
            int t = k * k;
            if (t > 50)
                break;
            t;
        });
    printf("total %d\n", total);

    ({ printf("a void statement expression\n"); });
    int nested = ({
        int a = ({
            int b = 2;
            b * 3;
        });
        a + 1;
    });
    printf("nested %d\n", nested);
    if (({ int c = nested; c > 5; }))
        printf("as a condition\n");
    int w = 0;
    while (({ w++; w < 4; }))
        ;
    printf("while %d\n", w);

    int v[] = {4, 8, 15, 16, 23, 42};
    printf("first over 10: %d, over 99: %d\n", first_over(v, six, 10), first_over(v, six, 99));
    switch (i) {
    case 3: {
        int r = ({
            int x = 7;
            x * i;
        });
        printf("switch %d\n", r);
        break;
    }
    default:
        break;
    }
    int sized[0 ?: 3] = {1, 2, 3};
    for (int k = 0; k < 6; k++)
        printf("%d ", tick() ?: -1);
    printf("ticks %d %s %s %d %zu\n", ticks, or_none("x"), or_none(NULL), elvis_global,
           sizeof sized / sizeof *sized);
    double zero = 0.0;
    printf("%.1f %.1f %d\n", zero ?: 2.5, 1.5 ?: 9.0, i ?: 9);
    union word wd = {.i = 0x3f800000};
    printf("%.1f %d\n", wd.f, HIGH);
    return ({
        int r = nested - 7;
        r;
    });
}

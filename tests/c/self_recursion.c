/* Small functions that call themselves, which pivm inlines into
   themselves once (ir/src/inline.rs, `inline_recursive`): fib after its
   tail call became a loop, a tree built and freed by two calls each (with
   malloc and free in the body), a recursion with a loop of its own, one
   with a local array (a slot of its frame), one whose result is used
   before it returns, a void one printing on the way down and up, and
   64-bit and unsigned wrapping arithmetic across the calls. Output
   compared with gcc. */
#include <stdio.h>
#include <stdlib.h>

struct node { struct node *l, *r; int v; };

static int fib(int n) { return n < 2 ? n : fib(n - 1) + fib(n - 2); }

static struct node *make(int depth, int v) {
    struct node *n = malloc(sizeof *n);
    n->v = v;
    if (depth > 0) {
        n->l = make(depth - 1, 2 * v);
        n->r = make(depth - 1, 2 * v + 1);
    } else {
        n->l = n->r = NULL;
    }
    return n;
}

static long check(struct node *n) {
    if (!n->l) return n->v;
    return n->v + check(n->l) - check(n->r);
}

static void destroy(struct node *n) {
    if (n->l) {
        destroy(n->l);
        destroy(n->r);
    }
    free(n);
}

/* Partitions of n into parts of at most k: a loop around the call. */
static long parts(int n, int k) {
    if (n == 0) return 1;
    long total = 0;
    for (int p = 1; p <= k && p <= n; p++) total += parts(n - p, p);
    return total;
}

/* A local array whose address is taken: its slot joins the frame. */
static int digits(unsigned x, int depth) {
    int buf[4];
    for (int i = 0; i < 4; i++) buf[i] = (int)(x >> (8 * i)) & 0xff;
    if (depth == 0) return buf[0] + buf[3];
    int *p = &buf[depth % 4];
    return *p + digits(x * 2654435761u + (unsigned)depth, depth - 1) * 3;
}

/* The result is used before it is returned. */
static unsigned long long mix(unsigned long long x, int n) {
    if (n == 0) return x;
    unsigned long long y = mix(x * 6364136223846793005ull + 1442695040888963407ull, n - 1);
    return (y ^ (y >> 29)) + x;
}

static void walk(int n) {
    if (n == 0) {
        printf("bottom\n");
        return;
    }
    printf("down %d\n", n);
    walk(n - 1);
    printf("up %d\n", n);
}

int main(void) {
    printf("fib %d %d %d\n", fib(0), fib(1), fib(27));
    for (int d = 0; d <= 12; d += 3) {
        struct node *t = make(d, 1);
        printf("tree %d %ld\n", d, check(t));
        destroy(t);
    }
    printf("parts %ld %ld\n", parts(30, 30), parts(45, 7));
    printf("digits %d %d\n", digits(0x12345678u, 0), digits(0xdeadbeefu, 40));
    printf("mix %llu\n", mix(7, 1000));
    walk(3);
    return 0;
}

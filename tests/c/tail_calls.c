/* Functions that call themselves in tail position, which pivm turns into
   loops (ir/src/tailrec.rs): a plain tail call with its parameters
   swapped (gcd), sums gathered on the way (fib, a tree's node count, a
   sum of a list), a void function printing on the way down, a tail call
   of unsigned and 64-bit wrapping sums, a parameter read by a later
   argument, and beside them recursions that stay calls (a product, a
   call whose result is used before it is returned, mutual recursion, a
   function with a local whose address is taken). Output compared with
   gcc. */
#include <stdio.h>
#include <stdlib.h>

struct node { struct node *l, *r; int v; };

static unsigned gcd(unsigned a, unsigned b) { return b == 0 ? a : gcd(b, a % b); }

static int fib(int n) { return n < 2 ? n : fib(n - 1) + fib(n - 2); }

static long count(struct node *t) {
    if (!t) return 0;
    return 1 + count(t->l) + count(t->r);
}

static long sum_right(struct node *t, long bias) {
    if (!t) return bias;
    return t->v + sum_right(t->r, bias);
}

static struct node *build(int depth, int *next) {
    if (depth == 0) return NULL;
    struct node *n = malloc(sizeof *n);
    n->v = (*next)++;
    n->l = build(depth - 1, next);
    n->r = build(depth - 1, next);
    return n;
}

static void release(struct node *t) {
    if (!t) return;
    release(t->l);
    struct node *r = t->r;
    free(t);
    release(r);
}

static void countdown(int n, int step) {
    if (n <= 0) { printf("liftoff\n"); return; }
    if (n % 7 == 0) printf("%d ", n);
    countdown(n - step, step + (n & 1));
}

static unsigned wrap32(unsigned n, unsigned k) {
    if (n == 0) return k;
    return 0x9e3779b9u + wrap32(n - 1, k * 3u + n);
}

static unsigned long long wrap64(unsigned long long n) {
    if (n == 0) return 1;
    return (n * 0x9e3779b97f4a7c15ull) + wrap64(n - 1);
}

/* The second argument reads the first parameter, which the first
   argument changes. */
static long rotate(long a, long b, long c, int n) {
    if (n == 0) return a * 100 + b * 10 + c;
    return rotate(b, c + a, a, n - 1);
}

static long deep(long n, long acc) { return n == 0 ? acc : deep(n - 1, acc + (n & 3)); }

static long product(int n) { return n <= 1 ? 1 : n * product(n - 1); }

static int used_first(int n) {
    if (n == 0) return 0;
    int r = used_first(n - 1);
    return r + (r & 1) + n;
}

static int is_odd(int n);
static int is_even(int n) { return n == 0 ? 1 : is_odd(n - 1); }
static int is_odd(int n) { return n == 0 ? 0 : is_even(n - 1); }

static int *last_seen;

static int escapes(int n, int *acc) {
    int local = n * 2;
    last_seen = &local;
    *acc += *last_seen;
    if (n == 0) return *acc;
    return escapes(n - 1, acc);
}

int main(void) {
    unsigned g = 0;
    for (unsigned i = 1; i < 2000; i++) g += gcd(i * 7919u, 2000u - i + 31u);
    printf("gcd sum %u\n", g);
    printf("fib(24) %d\n", fib(24));
    int next = 1;
    struct node *t = build(12, &next);
    printf("count %ld sum_right %ld\n", count(t), sum_right(t, 5));
    release(t);
    countdown(100, 1);
    printf("wrap32 %u wrap64 %llu\n", wrap32(5000, 7), wrap64(3000));
    printf("rotate %ld %ld\n", rotate(1, 2, 3, 5), rotate(4, 0, 9, 11));
    printf("deep %ld\n", deep(20000, 0));
    printf("product %ld used_first %d\n", product(15), used_first(300));
    printf("even %d odd %d\n", is_even(1000), is_odd(777));
    int acc = 0;
    printf("escapes %d\n", escapes(50, &acc));
    return 0;
}

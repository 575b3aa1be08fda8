/* Functions called through pointers that pivm knows (ir/src/specialize.rs
   makes such calls direct and copies the callee for the pointer it is
   passed): qsort with several comparators (ints, a struct by two keys,
   strings through pointers, descending), bsearch, a recursive routine
   passing its callback on, one applying two callbacks, a callback stored
   in a struct (not known), a pointer chosen at run time, a parameter the
   callee overwrites, and a callback returning a value the caller
   ignores. Output compared with gcc. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct rec { int key; int sub; const char *name; };

static int by_int(const void *a, const void *b) {
    int x = *(const int *)a, y = *(const int *)b;
    return (x > y) - (x < y);
}
static int by_int_desc(const void *a, const void *b) { return by_int(b, a); }
static int by_rec(const void *a, const void *b) {
    const struct rec *x = a, *y = b;
    if (x->key != y->key) return x->key < y->key ? -1 : 1;
    return (x->sub > y->sub) - (x->sub < y->sub);
}
static int by_str(const void *a, const void *b) {
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Folds a tree-shaped range recursively, passing its callback on. */
static long fold(const int *v, int n, long (*f)(long, int)) {
    if (n == 1) return f(0, v[0]);
    int h = n / 2;
    return fold(v, h, f) + fold(v + h, n - h, f);
}
static long square(long acc, int x) { return acc + (long)x * x; }
static long odd(long acc, int x) { return acc + (x & 1); }

static long both(const int *v, int n, long (*f)(long, int), long (*g)(long, int)) {
    long a = 0, b = 0;
    for (int i = 0; i < n; i++) { a = f(a, v[i]); b = g(b, v[i]); }
    return a * 1000 + b;
}

/* The callee overwrites its pointer parameter: not specialized. */
static long first_then(const int *v, int n, long (*f)(long, int)) {
    long a = f(0, v[0]);
    f = odd;
    for (int i = 1; i < n; i++) a = f(a, v[i]);
    return a;
}

struct ops { long (*op)(long, int); };
static long via_struct(const struct ops *o, const int *v, int n) {
    long a = 0;
    for (int i = 0; i < n; i++) a = o->op(a, v[i]);
    return a;
}

static int counter;
static int bump(int by) { counter += by; return counter; }
static void twice(int (*f)(int), int by) { f(by); f(by); }

int main(int argc, char **argv) {
    enum { N = 2000 };
    static int v[N], w[N];
    unsigned s = 12345;
    for (int i = 0; i < N; i++) { s = s * 1103515245u + 12345u; v[i] = (int)(s >> 12) % 10007 - 5000; }
    memcpy(w, v, sizeof v);
    qsort(v, N, sizeof *v, by_int);
    qsort(w, N, sizeof *w, by_int_desc);
    long sum = 0;
    for (int i = 0; i < N; i += 97) sum = sum * 31 + v[i] - w[i];
    printf("ints %d %d %d %d %ld\n", v[0], v[N - 1], w[0], w[N - 1], sum);

    struct rec r[64];
    for (int i = 0; i < 64; i++) {
        r[i].key = (i * 37) % 11;
        r[i].sub = (i * 53) % 7;
        r[i].name = i % 3 ? "b" : "a";
    }
    qsort(r, 64, sizeof *r, by_rec);
    for (int i = 0; i < 64; i += 9) printf("%d/%d%s ", r[i].key, r[i].sub, r[i].name);
    printf("\n");

    const char *words[] = { "pear", "apple", "fig", "kiwi", "banana", "cherry", "date" };
    qsort(words, 7, sizeof *words, by_str);
    for (int i = 0; i < 7; i++) printf("%s ", words[i]);
    printf("\n");

    int key = v[N / 3];
    int *hit = bsearch(&key, v, N, sizeof *v, by_int);
    int miss = 5001;
    printf("bsearch %d %d\n", hit ? *hit : -1, bsearch(&miss, v, N, sizeof *v, by_int) != NULL);

    printf("fold %ld %ld\n", fold(v, N, square), fold(w, N, odd));
    printf("both %ld\n", both(v, 100, square, odd));
    printf("first_then %ld\n", first_then(v, 50, square));
    struct ops o = { square };
    printf("via_struct %ld\n", via_struct(&o, v, 40));
    long (*pick)(long, int) = argc > 5 ? square : odd;
    printf("picked %ld\n", fold(v, 300, pick));
    twice(bump, 3);
    twice(bump, 4);
    printf("counter %d\n", counter);
    return 0;
}

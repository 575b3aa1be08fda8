/* setjmp/longjmp: nested buffers, jumps through many frames and through
   recursion, from a callback called through a function pointer, setjmp
   again in a loop, several sites in one function, the value 0 (setjmp
   returns 1), the POSIX spellings, a jmp_buf on the heap, and locals
   after a jump (volatile, address-taken and plain: gcc -O0 keeps them in
   memory, and pivm gives every local its value at the call). */
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>

static jmp_buf outer, inner;
static int trail[64];
static int ntrail;

static void note(int v) { if (ntrail < 64) trail[ntrail++] = v; }

static int descend(int n, jmp_buf *to, int val) {
    int here = n * 3;
    note(n);
    if (n == 0) longjmp(*to, val);
    return descend(n - 1, to, val) + here;
}

static int nested(void) {
    volatile int stage = 0;
    int r = setjmp(outer);
    if (r != 0) {
        printf("outer got %d at stage %d\n", r, stage);
        return r;
    }
    stage = 1;
    if (setjmp(inner) == 0) {
        stage = 2;
        descend(5, &inner, 7); /* to inner: outer stays valid */
    } else {
        printf("inner got back at stage %d\n", stage);
    }
    stage = 3;
    descend(3, &outer, 9); /* skips the rest of nested's work */
    printf("not reached\n");
    return 0;
}

/* A recursion of 500 frames, each with its own buffer: the innermost
   jumps to the outermost, discarding 499 live buffers' frames. */
static jmp_buf *bottom;
static int recurse(int n) {
    jmp_buf mine;
    int local = n * n;
    if (n == 500) {
        longjmp(*bottom, n);
    }
    if (n == 0) {
        bottom = &mine;
        int r = setjmp(mine);
        if (r) return r + local;
    }
    return recurse(n + 1) + local;
}

/* A callback through a function pointer. */
typedef int (*visit_fn)(int, void *);
static int each(const int *v, int n, visit_fn f, void *env) {
    int s = 0;
    for (int i = 0; i < n; i++) s += f(v[i], env);
    return s;
}
struct finder { jmp_buf found; int want; int seen; };
static int look(int x, void *env) {
    struct finder *fd = env;
    fd->seen++;
    if (x == fd->want) longjmp(fd->found, x + 1000);
    return x;
}
static int find(const int *v, int n, int want) {
    struct finder *fd = malloc(sizeof *fd); /* the buffer on the heap */
    fd->want = want;
    fd->seen = 0;
    int r = setjmp(fd->found);
    if (r == 0) r = -each(v, n, look, fd);
    printf("find %d: %d after %d\n", want, r, fd->seen);
    free(fd);
    return r;
}

/* setjmp again and again in a loop: the same buffer, the same site. */
static int retries(int n) {
    jmp_buf b;
    volatile int count = 0;
    int plain = 0;
    int *addr = &plain;
    while (count < n) {
        int r = setjmp(b);
        if (r < 3) {
            count++;
            *addr += r;
            if (count % 2) longjmp(b, r + 1);
        }
    }
    return count * 100 + plain;
}

/* Several sites in one function, and the value 0. */
static int sites(int which) {
    jmp_buf a, b;
    int ra = setjmp(a), rb = 0;
    if (ra == 0) {
        rb = setjmp(b);
        if (rb == 0) {
            if (which) longjmp(b, 0);
            longjmp(a, 0);
        }
    }
    return ra * 10 + rb;
}

static sigjmp_buf posix;
static void posix_jump(int v) { siglongjmp(posix, v); }

int main(void) {
    printf("nested: %d\n", nested());
    printf("trail:");
    for (int i = 0; i < ntrail; i++) printf(" %d", trail[i]);
    printf("\n");
    printf("recurse: %d\n", recurse(0));
    int v[] = {4, 8, 15, 16, 23, 42};
    find(v, 6, 16);
    find(v, 6, 99);
    printf("retries: %d %d\n", retries(1), retries(7));
    printf("sites: %d %d\n", sites(0), sites(1));
    if (sigsetjmp(posix, 1) == 0) posix_jump(5);
    else printf("sigsetjmp came back\n");
    jmp_buf u;
    volatile int k = 0;
    if (_setjmp(u) < 4) { k++; _longjmp(u, k); }
    printf("_setjmp: k=%d\n", k);
    return 0;
}

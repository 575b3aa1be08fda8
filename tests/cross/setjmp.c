/* setjmp/longjmp across hosts: nearly every safepoint of this program is
   inside a protected call, two handlers deep (a chain of jmp_bufs linked
   through a struct, as Lua's ldo.c keeps them), so a snapshot at any
   point holds pending handlers whose buffers name frames by depth,
   function, serial and stack base, never by host address; resumed on
   another architecture and engine, the longjmps still land.
   usage: setjmp [N]   (rounds, default 40) */
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>

struct handler {
    struct handler *previous;
    jmp_buf b;
    volatile int status;
};

static struct handler *top;

static void raise_error(int status) {
    top->status = status;
    longjmp(top->b, 1);
}

static int protect(void (*f)(void *), void *ud) {
    struct handler h;
    h.previous = top;
    h.status = 0;
    top = &h;
    if (setjmp(h.b) == 0) f(ud);
    top = h.previous;
    return h.status;
}

struct round { int n; unsigned long long h; double x; };

static void grind(struct round *r, int depth) {
    for (int i = 0; i < 200; i++) {
        r->h = r->h * 6364136223846793005ULL + 1442695040888963407ULL + (unsigned)i;
        r->x = r->x * 0.999 + (double)(r->h >> 40) / 16777216.0;
    }
    if (depth < 4) grind(r, depth + 1);
    else if (r->n % 3 != 0) raise_error(r->n % 7 + 1);
}

static void inner(void *ud) {
    grind(ud, 0);
}

static void outer(void *ud) {
    struct round *r = ud;
    int st = protect(inner, r);
    if (st > 4) raise_error(st * 10); /* rethrown past this handler */
    r->h ^= (unsigned long long)st;
}

int main(int argc, char **argv) {
    int n = argc > 1 ? atoi(argv[1]) : 40;
    unsigned long long sum = 0;
    double xs = 0;
    for (int k = 0; k < n; k++) {
        struct round r = {k, (unsigned long long)k * 2654435761u, 1.0};
        int st = protect(outer, &r);
        sum += r.h + (unsigned long long)st;
        xs += r.x;
        printf("round %d: status %d h %016llx x %.6f\n", k, st, r.h, r.x);
    }
    printf("sum %016llx xs %.6f handlers %s\n", sum, xs, top ? "left" : "none");
    return 0;
}

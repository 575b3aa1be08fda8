/* Error handling as Lua does it (ldo.c): a chain of handlers linked
   through a struct, each a jmp_buf in its protected call's frame; errors
   thrown from deep inside, caught by the innermost handler, rethrown to
   the outer ones; work with loops between setjmp and longjmp, so a
   snapshot taken there resumes into a pending handler. */
#include <setjmp.h>
#include <stdio.h>
#include <string.h>

struct longjmp_ctx {
    struct longjmp_ctx *previous;
    jmp_buf b;
    volatile int status;
};

struct state {
    struct longjmp_ctx *error_jmp;
    char msg[64];
    int ncalls;
};

static void throw_error(struct state *L, int status, const char *msg) {
    snprintf(L->msg, sizeof L->msg, "%s", msg);
    if (L->error_jmp) {
        L->error_jmp->status = status;
        longjmp(L->error_jmp->b, 1);
    }
    printf("unprotected error: %s\n", msg);
}

typedef void (*pfunc)(struct state *, void *);

static int raw_run_protected(struct state *L, pfunc f, void *ud) {
    int oldncalls = L->ncalls;
    struct longjmp_ctx lj;
    lj.status = 0;
    lj.previous = L->error_jmp;
    L->error_jmp = &lj;
    if (setjmp(lj.b) == 0) {
        f(L, ud);
    }
    L->error_jmp = lj.previous;
    L->ncalls = oldncalls;
    return lj.status;
}

static long checksum(int n) {
    long h = 17;
    for (int i = 0; i < n; i++) h = (h * 31 + i) % 1000003;
    return h;
}

struct job { int depth; int fail_at; long result; };

static void deep(struct state *L, struct job *j, int d) {
    L->ncalls++;
    j->result += checksum(40 + d);
    if (d == j->fail_at) throw_error(L, 2 + d % 3, "failed deep inside");
    if (d < j->depth) deep(L, j, d + 1);
}

static void run_job(struct state *L, void *ud) {
    struct job *j = ud;
    deep(L, j, 0);
}

static void nested_job(struct state *L, void *ud) {
    struct job *j = ud;
    struct job inner = {j->depth, j->fail_at, 0};
    int st = raw_run_protected(L, run_job, &inner);
    j->result += inner.result;
    if (st != 0) {
        /* rethrow to the outer handler with a status of its own */
        char m[64];
        snprintf(m, sizeof m, "rethrown (%d): %s", st, L->msg);
        throw_error(L, 10 + st, m);
    }
    j->result += checksum(100);
}

int main(void) {
    struct state L;
    memset(&L, 0, sizeof L);
    long total = 0;
    for (int k = 0; k < 12; k++) {
        struct job j = {k % 6 + 3, (k % 4 == 0) ? -1 : k % 5, 0};
        int st = raw_run_protected(&L, k % 3 == 0 ? nested_job : run_job, &j);
        total += j.result;
        printf("job %d: status %d ncalls %d result %ld%s%s\n", k, st, L.ncalls, j.result,
               st ? " msg " : "", st ? L.msg : "");
    }
    printf("handlers left: %s\n", L.error_jmp ? "some" : "none");
    throw_error(&L, 1, "after all handlers");
    printf("total %ld\n", total);
    return 0;
}

/* <threads.h>: C11 threads with results through thrd_join, a plain and a
 * recursive mtx, a cnd hand-over between a producer and consumers,
 * call_once, tss with a destructor, thrd_current/equal/yield/sleep,
 * detach. The output does not depend on the schedule. */
#include <stdio.h>
#include <stdlib.h>
#include <threads.h>
#include <time.h>

#define WORKERS 4
#define ITEMS 600

static mtx_t lock;
static mtx_t rlock;
static cnd_t ready;
static int slot = -1;
static int done;
static long consumed_sum;
static int consumed;
static once_flag once = ONCE_FLAG_INIT;
static int init_calls;
static tss_t key;
static int dtor_calls;
static long dtor_sum;
static int recursive_depth;

static void init(void) { init_calls++; }

static void dtor(void *p) {
    mtx_lock(&lock);
    dtor_calls++;
    dtor_sum += *(int *)p;
    mtx_unlock(&lock);
    free(p);
}

static void nest(int n) {
    mtx_lock(&rlock);
    if (n > recursive_depth) recursive_depth = n;
    if (n < 3) nest(n + 1);
    mtx_unlock(&rlock);
}

static int consumer(void *arg) {
    int id = *(int *)arg;
    int mine = 0;
    call_once(&once, init);
    int *v = malloc(sizeof *v);
    *v = id + 1;
    tss_set(key, v);
    nest(1);
    for (;;) {
        mtx_lock(&lock);
        while (slot < 0 && !done) cnd_wait(&ready, &lock);
        if (slot < 0 && done) {
            mtx_unlock(&lock);
            break;
        }
        consumed_sum += slot;
        consumed++;
        slot = -1;
        mine++;
        cnd_broadcast(&ready);
        mtx_unlock(&lock);
        thrd_yield();
    }
    if (*(int *)tss_get(key) != id + 1) puts("tss mismatch");
    return 1000 + id + (mine > 0 ? 0 : 0);
}

static int detached(void *arg) {
    (void)arg;
    return 0;
}

static int exiter(void *arg) {
    (void)arg;
    thrd_exit(42);
    return 0;
}

int main(void) {
    if (mtx_init(&lock, mtx_plain) != thrd_success) return 1;
    if (mtx_init(&rlock, mtx_recursive | mtx_timed) != thrd_success) return 1;
    cnd_init(&ready);
    tss_create(&key, dtor);
    thrd_t t[WORKERS];
    int ids[WORKERS];
    for (int i = 0; i < WORKERS; i++) {
        ids[i] = i;
        if (thrd_create(&t[i], consumer, &ids[i]) != thrd_success) return 1;
    }
    for (int i = 1; i <= ITEMS; i++) {
        mtx_lock(&lock);
        while (slot >= 0) cnd_wait(&ready, &lock);
        slot = i;
        cnd_signal(&ready);
        mtx_unlock(&lock);
    }
    /* A deadline an hour away: under gcc it never passes, pivm has no clock. */
    struct timespec later = {time(0) + 3600, 0};
    mtx_lock(&lock);
    while (slot >= 0) cnd_timedwait(&ready, &lock, &later);
    done = 1;
    cnd_broadcast(&ready);
    mtx_unlock(&lock);
    int sum = 0;
    for (int i = 0; i < WORKERS; i++) {
        int r;
        thrd_join(t[i], &r);
        sum += r;
    }
    printf("consumed %d sum %ld results %d\n", consumed, consumed_sum, sum);
    printf("once %d dtors %d dtor sum %ld depth %d\n", init_calls, dtor_calls, dtor_sum,
           recursive_depth);
    thrd_t d, x;
    thrd_create(&d, detached, 0);
    printf("detach %d\n", thrd_detach(d) == thrd_success);
    int r = 0;
    thrd_create(&x, exiter, 0);
    thrd_join(x, &r);
    printf("exit %d equal %d %d\n", r, thrd_equal(thrd_current(), thrd_current()),
           thrd_equal(thrd_current(), x));
    printf("trylock %d ", mtx_trylock(&lock) == thrd_success);
    printf("%d\n", mtx_trylock(&lock) == thrd_busy);
    mtx_unlock(&lock);
    struct timespec ts = {0, 1000}, rem;
    printf("sleep %d\n", thrd_sleep(&ts, &rem));
    printf("values %d %d %d %d %d %d %d %d\n", thrd_success, thrd_busy, thrd_error, thrd_nomem,
           thrd_timedout, mtx_plain, mtx_recursive, mtx_timed);
    tss_delete(key);
    mtx_destroy(&lock);
    mtx_destroy(&rlock);
    cnd_destroy(&ready);
    return 0;
}

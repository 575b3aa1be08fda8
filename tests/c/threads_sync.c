/* POSIX threads: a bounded queue with a mutex and two condition
 * variables, worker results through pthread_join, thread-specific data
 * with a destructor, pthread_once, a recursive and an error-checking
 * mutex, detached threads, attributes. The output does not depend on the
 * schedule. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define QSIZE 8
#define ITEMS 2000
#define PRODUCERS 3
#define CONSUMERS 2

static int queue[QSIZE];
static int head, tail, count;
static pthread_mutex_t qlock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t not_full = PTHREAD_COND_INITIALIZER;
static pthread_cond_t not_empty = PTHREAD_COND_INITIALIZER;
static int producers_left = PRODUCERS;

static void put(int v) {
    pthread_mutex_lock(&qlock);
    while (count == QSIZE) pthread_cond_wait(&not_full, &qlock);
    queue[tail] = v;
    tail = (tail + 1) % QSIZE;
    count++;
    pthread_cond_signal(&not_empty);
    pthread_mutex_unlock(&qlock);
}

/* -1 once every producer is done and the queue is empty. */
static int get(void) {
    pthread_mutex_lock(&qlock);
    while (count == 0 && producers_left > 0) pthread_cond_wait(&not_empty, &qlock);
    int v = -1;
    if (count > 0) {
        v = queue[head];
        head = (head + 1) % QSIZE;
        count--;
        pthread_cond_signal(&not_full);
    }
    pthread_mutex_unlock(&qlock);
    return v;
}

static void *producer(void *arg) {
    int id = (int)(long)arg;
    for (int i = 0; i < ITEMS; i++) put(id * 100000 + i);
    pthread_mutex_lock(&qlock);
    producers_left--;
    pthread_cond_broadcast(&not_empty);
    pthread_mutex_unlock(&qlock);
    return NULL;
}

struct tally { long sum; long n; };

static void *consumer(void *arg) {
    (void)arg;
    struct tally *t = malloc(sizeof *t);
    t->sum = 0;
    t->n = 0;
    for (;;) {
        int v = get();
        if (v < 0) break;
        t->sum += v;
        t->n++;
    }
    return t;
}

/* Thread-specific data: each thread's buffer, freed by the destructor. */
static pthread_key_t key;
static pthread_once_t once = PTHREAD_ONCE_INIT;
static int destroyed;
static pthread_mutex_t dlock = PTHREAD_MUTEX_INITIALIZER;
static int inits;

static void destroy(void *p) {
    pthread_mutex_lock(&dlock);
    destroyed++;
    pthread_mutex_unlock(&dlock);
    free(p);
}

static void make_key(void) {
    inits++;
    pthread_key_create(&key, destroy);
}

static void *tsd_worker(void *arg) {
    pthread_once(&once, make_key);
    char *buf = malloc(32);
    snprintf(buf, 32, "worker %ld", (long)arg);
    pthread_setspecific(key, buf);
    long spin = 0;
    for (int i = 0; i < 50000; i++) spin += i & 3;
    char *mine = pthread_getspecific(key);
    return (void *)(long)(strcmp(mine, buf) == 0 && spin == 75000);
}

static int detached_done;
static pthread_mutex_t ddone = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t dcond = PTHREAD_COND_INITIALIZER;

static void *detached(void *arg) {
    pthread_mutex_lock(&ddone);
    detached_done += (int)(long)arg;
    pthread_cond_signal(&dcond);
    pthread_mutex_unlock(&ddone);
    return NULL;
}

int main(void) {
    pthread_t p[PRODUCERS], c[CONSUMERS];
    for (long i = 0; i < PRODUCERS; i++) pthread_create(&p[i], NULL, producer, (void *)(i + 1));
    for (int i = 0; i < CONSUMERS; i++) pthread_create(&c[i], NULL, consumer, NULL);
    long sum = 0, n = 0;
    for (int i = 0; i < CONSUMERS; i++) {
        void *r;
        pthread_join(c[i], &r);
        struct tally *t = r;
        sum += t->sum;
        n += t->n;
        free(t);
    }
    for (int i = 0; i < PRODUCERS; i++) pthread_join(p[i], NULL);
    printf("queue: %ld items, sum %ld\n", n, sum);

    pthread_t w[4];
    for (long i = 0; i < 4; i++) pthread_create(&w[i], NULL, tsd_worker, (void *)i);
    int ok = 0;
    for (int i = 0; i < 4; i++) {
        void *r;
        pthread_join(w[i], &r);
        ok += (int)(long)r;
    }
    printf("tsd: %d of 4 ok, key made %d time(s), %d destructor call(s)\n", ok, inits, destroyed);

    pthread_mutexattr_t ma;
    pthread_mutexattr_init(&ma);
    pthread_mutexattr_settype(&ma, PTHREAD_MUTEX_RECURSIVE);
    pthread_mutex_t rec;
    pthread_mutex_init(&rec, &ma);
    int r1 = pthread_mutex_lock(&rec), r2 = pthread_mutex_lock(&rec);
    int r3 = pthread_mutex_trylock(&rec);
    int u = pthread_mutex_unlock(&rec) + pthread_mutex_unlock(&rec) + pthread_mutex_unlock(&rec);
    printf("recursive: %d %d %d unlocks %d, busy destroy %d\n", r1, r2, r3, u, pthread_mutex_destroy(&rec));
    pthread_mutexattr_settype(&ma, PTHREAD_MUTEX_ERRORCHECK);
    pthread_mutex_t ec;
    pthread_mutex_init(&ec, &ma);
    pthread_mutex_lock(&ec);
    int e1 = pthread_mutex_lock(&ec) != 0;
    int e2 = pthread_mutex_unlock(&ec);
    int e3 = pthread_mutex_unlock(&ec) != 0;
    printf("errorcheck: relock fails %d, unlock %d, unlock again fails %d\n", e1, e2, e3);

    pthread_attr_t at;
    pthread_attr_init(&at);
    pthread_attr_setdetachstate(&at, PTHREAD_CREATE_DETACHED);
    pthread_attr_setstacksize(&at, 1 << 16);
    size_t ss;
    int ds;
    pthread_attr_getstacksize(&at, &ss);
    pthread_attr_getdetachstate(&at, &ds);
    for (long i = 1; i <= 5; i++) {
        pthread_t d;
        pthread_create(&d, &at, detached, (void *)i);
    }
    pthread_attr_destroy(&at);
    pthread_mutex_lock(&ddone);
    while (detached_done < 15) pthread_cond_wait(&dcond, &ddone);
    pthread_mutex_unlock(&ddone);
    printf("detached: %d (stack %zu, state %d)\n", detached_done, ss, ds);
    printf("self equal: %d, join self: %d\n", pthread_equal(pthread_self(), pthread_self()),
           pthread_join(pthread_self(), NULL) != 0);
    return 0;
}

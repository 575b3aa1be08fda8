/* Threads across a snapshot: workers in phases separated by a barrier
 * built from a mutex and a condition variable, a bounded queue between a
 * producer and the workers, results joined. Wherever the snapshot falls,
 * some threads are blocked (in the barrier, the queue, a join) and others
 * are running. The output does not depend on the schedule.
 * args: ROUNDS */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#define WORKERS 3
#define QSIZE 4

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t phase_cv = PTHREAD_COND_INITIALIZER;
static pthread_cond_t q_cv = PTHREAD_COND_INITIALIZER;
static int arrived, phase;
static long queue[QSIZE];
static int qhead, qcount, closed;
static double slot[WORKERS];
static unsigned long total;

static void barrier(void) {
    pthread_mutex_lock(&lock);
    int my = phase;
    if (++arrived == WORKERS) {
        arrived = 0;
        phase++;
        pthread_cond_broadcast(&phase_cv);
    } else {
        while (phase == my) pthread_cond_wait(&phase_cv, &lock);
    }
    pthread_mutex_unlock(&lock);
}

static long take(void) {
    pthread_mutex_lock(&lock);
    while (qcount == 0 && !closed) pthread_cond_wait(&q_cv, &lock);
    long v = -1;
    if (qcount > 0) {
        v = queue[qhead];
        qhead = (qhead + 1) % QSIZE;
        qcount--;
        pthread_cond_broadcast(&q_cv);
    }
    pthread_mutex_unlock(&lock);
    return v;
}

static void give(long v) {
    pthread_mutex_lock(&lock);
    while (qcount == QSIZE) pthread_cond_wait(&q_cv, &lock);
    queue[(qhead + qcount) % QSIZE] = v;
    qcount++;
    pthread_cond_broadcast(&q_cv);
    pthread_mutex_unlock(&lock);
}

static void *worker(void *arg) {
    int id = (int)(long)arg;
    for (int r = 0; r < 3; r++) {
        double s = 0;
        for (int i = 1; i < 20000; i++) s += 1.0 / ((double)i * (id + r + 1));
        slot[id] += s;
        barrier();
    }
    unsigned long mine = 0;
    long v;
    while ((v = take()) >= 0) {
        unsigned long h = 5381;
        for (int k = 0; k < 2000; k++) h = h * 33 + (unsigned long)(v ^ k);
        mine += h;
    }
    pthread_mutex_lock(&lock);
    total += mine;
    pthread_mutex_unlock(&lock);
    return (void *)(long)id;
}

int main(int argc, char **argv) {
    int n = argc > 1 ? atoi(argv[1]) : 200;
    pthread_t t[WORKERS];
    for (long i = 0; i < WORKERS; i++) pthread_create(&t[i], NULL, worker, (void *)i);
    for (long v = 0; v < n; v++) give(v * 7919 % 10007);
    pthread_mutex_lock(&lock);
    closed = 1;
    pthread_cond_broadcast(&q_cv);
    pthread_mutex_unlock(&lock);
    long ids = 0;
    for (int i = 0; i < WORKERS; i++) {
        void *r;
        pthread_join(t[i], &r);
        ids += (long)r;
    }
    printf("phases %d ids %ld\n", phase, ids);
    for (int i = 0; i < WORKERS; i++) printf("slot %d: %.12f\n", i, slot[i]);
    printf("items %d, total %lu\n", n, total);
    return 0;
}

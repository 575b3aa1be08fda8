/* Timed waits that end by a wake, not by their timeout: a semaphore, a
   condition variable and a mutex, each waited for with a 10 s deadline
   and released soon after. The waiters then end (not joined yet) while
   main computes, so snapshots taken anywhere hold threads whose timed
   waits are over. Output does not depend on the machine. */
#include <pthread.h>
#include <semaphore.h>
#include <stdio.h>
#include <time.h>

static sem_t sem;
static pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t c = PTHREAD_COND_INITIALIZER;
static int ready;

static struct timespec in_10s(void) {
    struct timespec t;
    clock_gettime(CLOCK_REALTIME, &t);
    t.tv_sec += 10;
    return t;
}

static void *on_sem(void *arg) {
    (void)arg;
    struct timespec t = in_10s();
    printf("sem: %d\n", sem_timedwait(&sem, &t));
    return 0;
}

static void *on_cond(void *arg) {
    (void)arg;
    struct timespec t = in_10s();
    pthread_mutex_lock(&m);
    int r = 0;
    while (!ready && r == 0) r = pthread_cond_timedwait(&c, &m, &t);
    pthread_mutex_unlock(&m);
    printf("cond: %d\n", r);
    return 0;
}

static unsigned long long work(int n) {
    unsigned long long s = 1;
    for (int i = 0; i < n; i++) s = s * 6364136223846793005ULL + (unsigned long long)i;
    return s;
}

int main(void) {
    pthread_t a, b;
    sem_init(&sem, 0, 0);
    pthread_create(&a, 0, on_sem, 0);
    pthread_create(&b, 0, on_cond, 0);
    printf("work %llu\n", work(300000));
    sem_post(&sem);
    pthread_mutex_lock(&m);
    ready = 1;
    pthread_cond_signal(&c);
    pthread_mutex_unlock(&m);
    printf("work %llu\n", work(300000));
    pthread_join(a, 0);
    pthread_join(b, 0);
    printf("done\n");
    return 0;
}

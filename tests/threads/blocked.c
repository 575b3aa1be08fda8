/* Every thread but one blocked (a condition wait, a mutex, a join) while
 * the last one computes: a snapshot request from outside is served at the
 * running thread's next safepoint. args: N */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
static pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER, held = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static int go;
static long n;
static void *waiter(void *arg) {
    pthread_mutex_lock(&m);
    while (!go) pthread_cond_wait(&cv, &m);
    pthread_mutex_unlock(&m);
    return arg;
}
static void *locker(void *arg) {
    pthread_mutex_lock(&held);
    pthread_mutex_unlock(&held);
    return arg;
}
static void *computer(void *arg) {
    unsigned long x = 1;
    for (long i = 0; i < n; i++) x = x * 6364136223846793005UL + 1442695040888963407UL;
    pthread_mutex_unlock(&held);
    pthread_mutex_lock(&m);
    go = 1;
    pthread_cond_broadcast(&cv);
    pthread_mutex_unlock(&m);
    return (void *)(x >> 40);
}
int main(int argc, char **argv) {
    n = argc > 1 ? atol(argv[1]) : 1000;
    pthread_t w[2], l, c;
    pthread_mutex_lock(&held);
    for (long i = 0; i < 2; i++) pthread_create(&w[i], 0, waiter, (void *)i);
    pthread_create(&l, 0, locker, (void *)7);
    pthread_create(&c, 0, computer, 0);
    void *r;
    long sum = 0;
    pthread_join(c, &r);
    printf("computed %lx\n", (unsigned long)r);
    for (int i = 0; i < 2; i++) {
        pthread_join(w[i], &r);
        sum += (long)r;
    }
    pthread_join(l, &r);
    printf("joined %ld %ld\n", sum, (long)r);
    return 0;
}

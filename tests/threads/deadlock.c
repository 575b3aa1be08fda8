/* Two threads take two mutexes in opposite orders: a native build hangs,
 * pivm traps once every thread is blocked. */
#include <pthread.h>
#include <stdio.h>
static pthread_mutex_t a = PTHREAD_MUTEX_INITIALIZER, b = PTHREAD_MUTEX_INITIALIZER;
static void *other(void *arg) {
    (void)arg;
    pthread_mutex_lock(&b);
    sched_yield();
    for (volatile int i = 0; i < 10; i++) {}
    pthread_mutex_lock(&a);
    return 0;
}
int main(void) {
    pthread_t t;
    pthread_mutex_lock(&a);
    pthread_create(&t, 0, other, 0);
    sched_yield();
    for (volatile int i = 0; i < 10; i++) {}
    pthread_mutex_lock(&b);
    printf("not reached\n");
    return 0;
}

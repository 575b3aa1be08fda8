/* Output that depends on the schedule (unsynchronized updates, the order
 * in which threads pass a point): pivm's deterministic schedule makes it
 * the same on every engine, host and resume. Not in tests/c: gcc's
 * output is whatever the host's scheduler did. */
#include <pthread.h>
#include <stdio.h>
static volatile unsigned long h = 1469598103934665603UL;
static int order[64];
static int n;
static void *worker(void *arg) {
    long id = (long)arg;
    for (int i = 0; i < 300000; i++) {
        h = (h ^ (unsigned long)(id + i)) * 1099511628211UL;
        if (i % 50000 == 0 && n < 64) order[n++] = (int)id;
        if (i % 77777 == 0) sched_yield();
    }
    return 0;
}
int main(void) {
    pthread_t t[3];
    for (long i = 0; i < 3; i++) pthread_create(&t[i], 0, worker, (void *)i);
    worker((void *)9);
    for (int i = 0; i < 3; i++) pthread_join(t[i], 0);
    printf("h=%lx order:", h);
    for (int i = 0; i < n; i++) printf(" %d", order[i]);
    printf("\n");
    return 0;
}

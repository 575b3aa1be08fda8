/* Two threads hand a token back and forth N times through a mutex and a
 * condition variable: every hand-over blocks one thread and wakes the
 * other, so the run is almost all thread switches. Prints the token. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

static pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t c = PTHREAD_COND_INITIALIZER;
static long turn, rounds;

static void *player(void *arg) {
    long me = (long)arg;
    for (;;) {
        pthread_mutex_lock(&m);
        while (turn % 2 != me && turn < rounds) pthread_cond_wait(&c, &m);
        if (turn >= rounds) {
            pthread_mutex_unlock(&m);
            return NULL;
        }
        turn++;
        pthread_cond_signal(&c);
        pthread_mutex_unlock(&m);
    }
}

int main(int argc, char **argv) {
    rounds = argc > 1 ? atol(argv[1]) : 200000;
    pthread_t a, b;
    pthread_create(&a, NULL, player, (void *)0L);
    pthread_create(&b, NULL, player, (void *)1L);
    pthread_join(a, NULL);
    pthread_join(b, NULL);
    printf("%ld hand-overs\n", turn);
    return 0;
}

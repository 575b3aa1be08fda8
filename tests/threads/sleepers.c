/* Every thread asleep most of the time: two sleepers, an interval timer
   whose handler counts, and main joining. Prints the order of events and
   checks the monotonic clock: the run takes about 0.6 s of it, however
   long the program spent as a snapshot in between (the clock stops). */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t ticks;
static void on_alarm(int sig) {
    (void)sig;
    ticks++;
}

static long long now_ms(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1000LL + t.tv_nsec / 1000000;
}

static void *sleeper(void *arg) {
    long ms = (long)arg;
    usleep(ms * 1000);
    printf("slept %ld ms, ticks %d\n", ms, (int)ticks);
    return 0;
}

int main(void) {
    long long t0 = now_ms();
    signal(SIGALRM, on_alarm);
    struct itimerval v = {{0, 200000}, {0, 200000}};
    setitimer(ITIMER_REAL, &v, 0);
    pthread_t a, b;
    pthread_create(&a, 0, sleeper, (void *)300L);
    pthread_create(&b, 0, sleeper, (void *)500L);
    pthread_join(a, 0);
    pthread_join(b, 0);
    while (ticks < 3) pause();
    long long took = now_ms() - t0;
    printf("ticks %d; took 0.6 s of the clock, not more than 1 s: %d\n", (int)ticks,
           took >= 590 && took < 1000);
    return 0;
}

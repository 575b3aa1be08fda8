/* Time: the monotonic clock, sleeps a signal handler interrupts, alarm
   and interval timers (SIGALRM), timed waits that time out, sleeping
   threads waking in the order of their deadlines, and SIGALRM's default
   action. Durations are tens of milliseconds: what is printed does not
   depend on how fast the machine is. */
#include <errno.h>
#include <pthread.h>
#include <semaphore.h>
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

static long long now_ns(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1000000000LL + t.tv_nsec;
}

static void arm_ms(long first, long every) {
    struct itimerval v = {{every / 1000, every % 1000 * 1000}, {first / 1000, first % 1000 * 1000}};
    setitimer(ITIMER_REAL, &v, 0);
}

/* A realtime deadline `ms` from now, as the timed waits take. */
static struct timespec in_ms(long ms) {
    struct timespec t;
    clock_gettime(CLOCK_REALTIME, &t);
    t.tv_nsec += ms * 1000000L;
    t.tv_sec += t.tv_nsec / 1000000000L;
    t.tv_nsec %= 1000000000L;
    return t;
}

static void *sleeper(void *arg) {
    long ms = (long)arg;
    struct timespec d = {0, ms * 1000000L};
    nanosleep(&d, 0);
    printf("thread that slept %ld ms\n", ms);
    return 0;
}

static pthread_mutex_t held = PTHREAD_MUTEX_INITIALIZER;
static volatile int holding;
static void *holder(void *arg) {
    (void)arg;
    pthread_mutex_lock(&held);
    holding = 1;
    usleep(150000);
    pthread_mutex_unlock(&held);
    return 0;
}

int main(void) {
    signal(SIGALRM, on_alarm);

    /* A busy loop sees a one-shot timer's signal. */
    long long t0 = now_ns();
    arm_ms(40, 0);
    volatile unsigned long spins = 0;
    while (ticks < 1) spins++;
    printf("one-shot: ticks %d after >= 40 ms: %d\n", (int)ticks, now_ns() - t0 >= 40000000LL);

    /* A sleep ends early when a handler runs. */
    t0 = now_ns();
    arm_ms(30, 0);
    int r = usleep(2000000);
    printf("usleep interrupted: %d EINTR %d ticks %d early %d\n", r, errno == EINTR, (int)ticks,
           now_ns() - t0 < 1000000000LL);
    struct timespec d = {5, 0}, rem;
    arm_ms(30, 0);
    r = nanosleep(&d, &rem);
    printf("nanosleep interrupted: %d EINTR %d, left 4..5 s: %d\n", r, errno == EINTR,
           rem.tv_sec == 4);

    /* An interval timer: three pauses, each ended by a tick. */
    arm_ms(20, 20);
    for (int i = 0; i < 3; i++) {
        r = pause();
        printf("pause %d EINTR %d\n", r, errno == EINTR);
    }
    struct itimerval off = {{0, 0}, {0, 0}}, old, now;
    setitimer(ITIMER_REAL, &off, &old);
    getitimer(ITIMER_REAL, &now);
    printf("interval was %ld us; now %d; ticks %d\n", (long)old.it_interval.tv_usec,
           timerisset(&now.it_value), (int)ticks);

    /* alarm returns what the previous alarm had left. */
    printf("alarm with none set: %u\n", alarm(5));
    printf("alarm cancelled with 5 s left: %u\n", alarm(0));

    /* Threads asleep wake in the order of their deadlines. */
    pthread_t a, b;
    pthread_create(&a, 0, sleeper, (void *)120L);
    pthread_create(&b, 0, sleeper, (void *)40L);
    pthread_join(a, 0);
    pthread_join(b, 0);

    /* Timed waits time out. */
    pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
    pthread_cond_t c = PTHREAD_COND_INITIALIZER;
    pthread_mutex_lock(&m);
    t0 = now_ns();
    struct timespec until = in_ms(50);
    r = pthread_cond_timedwait(&c, &m, &until);
    printf("cond_timedwait: %s after >= 45 ms: %d\n", r == ETIMEDOUT ? "ETIMEDOUT" : "?",
           now_ns() - t0 >= 45000000LL);
    pthread_mutex_unlock(&m);
    sem_t s;
    sem_init(&s, 0, 0);
    until = in_ms(30);
    r = sem_timedwait(&s, &until);
    printf("sem_timedwait: %d %s\n", r, errno == ETIMEDOUT ? "ETIMEDOUT" : "?");
    sem_post(&s);
    until = in_ms(30);
    printf("sem_timedwait with a post: %d\n", sem_timedwait(&s, &until));
    pthread_t h;
    pthread_create(&h, 0, holder, 0);
    while (!holding) sched_yield();
    until = in_ms(30);
    r = pthread_mutex_timedlock(&held, &until);
    printf("mutex_timedlock on a held mutex: %s\n", r == ETIMEDOUT ? "ETIMEDOUT" : "?");
    until = in_ms(2000);
    r = pthread_mutex_timedlock(&held, &until);
    printf("mutex_timedlock once released: %d\n", r);
    pthread_mutex_unlock(&held);
    pthread_join(h, 0);

    /* Absolute sleeps and bad arguments. */
    struct timespec at;
    clock_gettime(CLOCK_MONOTONIC, &at);
    at.tv_nsec += 30000000L;
    if (at.tv_nsec >= 1000000000L) {
        at.tv_sec++;
        at.tv_nsec -= 1000000000L;
    }
    r = clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &at, 0);
    struct timespec after;
    clock_gettime(CLOCK_MONOTONIC, &after);
    printf("clock_nanosleep absolute: %d, reached %d\n", r,
           after.tv_sec > at.tv_sec || (after.tv_sec == at.tv_sec && after.tv_nsec >= at.tv_nsec));
    struct timespec bad = {0, 1000000000L};
    r = nanosleep(&bad, 0);
    printf("nanosleep(1e9 ns): %d EINVAL %d\n", r, errno == EINVAL);
    r = clock_gettime(12345, &at);
    printf("clock_gettime(12345): %d EINVAL %d\n", r, errno == EINVAL);
    struct timeval tv;
    gettimeofday(&tv, 0);
    printf("gettimeofday after 2020: %d\n", tv.tv_sec > 1577836800L);

    /* SIGALRM's default action ends the process (status 128 + 14). */
    fflush(stdout);
    signal(SIGALRM, SIG_DFL);
    arm_ms(20, 0);
    pause();
    printf("not reached\n");
    return 0;
}

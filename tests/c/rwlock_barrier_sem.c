/* pthread read-write locks (readers share, a writer excludes everyone),
 * a barrier between phases (one serial thread per phase), spin locks,
 * and a producer/consumer bounded by two semaphores. Counts and sums
 * only: the output does not depend on the schedule. */
#include <errno.h>
#include <pthread.h>
#include <semaphore.h>
#include <stdio.h>

#define READERS 3
#define WRITERS 2
#define ROUNDS 400
#define PHASES 5
#define PARTIES 4
#define SLOTS 4
#define ITEMS 1000

static pthread_rwlock_t rw = PTHREAD_RWLOCK_INITIALIZER;
static long table[8];
static int readers_in, writers_in, bad;
static long reads_ok;
static pthread_spinlock_t spin;
static long spin_count;

static void *reader(void *arg) {
    (void)arg;
    for (int i = 0; i < ROUNDS; i++) {
        pthread_rwlock_rdlock(&rw);
        /* Readers hold the lock together: their counts are atomic. */
        __sync_add_and_fetch(&readers_in, 1);
        if (writers_in) __sync_add_and_fetch(&bad, 1);
        long first = table[0];
        sched_yield();
        int same = 1;
        for (int k = 1; k < 8; k++) same &= table[k] == first;
        __sync_fetch_and_add(&reads_ok, same);
        __sync_sub_and_fetch(&readers_in, 1);
        pthread_rwlock_unlock(&rw);
        pthread_spin_lock(&spin);
        spin_count++;
        pthread_spin_unlock(&spin);
    }
    return 0;
}

static void *writer(void *arg) {
    (void)arg;
    for (int i = 0; i < ROUNDS; i++) {
        if (i % 2) {
            while (pthread_rwlock_trywrlock(&rw) == EBUSY) sched_yield();
        } else {
            pthread_rwlock_wrlock(&rw);
        }
        writers_in++;
        if (writers_in != 1 || readers_in) bad++;
        for (int k = 0; k < 8; k++) {
            table[k]++;
            if (k == 3) sched_yield();
        }
        writers_in--;
        pthread_rwlock_unlock(&rw);
    }
    return 0;
}

static pthread_barrier_t barrier;
static int phase_data[PARTIES];
static long phase_sums[PHASES];
static int serials[PHASES];

static void *party(void *arg) {
    int id = (int)(long)arg;
    for (int p = 0; p < PHASES; p++) {
        phase_data[id] = (p + 1) * (id + 1);
        sched_yield();
        int r = pthread_barrier_wait(&barrier);
        if (r == PTHREAD_BARRIER_SERIAL_THREAD) {
            long s = 0;
            for (int k = 0; k < PARTIES; k++) s += phase_data[k];
            phase_sums[p] = s;
            serials[p]++;
        } else if (r != 0) {
            __sync_add_and_fetch(&bad, 1);
        }
        pthread_barrier_wait(&barrier);
    }
    return 0;
}

static sem_t empty, full;
static int ring[SLOTS];
static int in_pos, out_pos;
static pthread_mutex_t ring_lock = PTHREAD_MUTEX_INITIALIZER;
static long got_sum;
static int got;

static void *producer(void *arg) {
    int base = (int)(long)arg;
    for (int i = 0; i < ITEMS / 2; i++) {
        sem_wait(&empty);
        pthread_mutex_lock(&ring_lock);
        ring[in_pos] = base + i;
        in_pos = (in_pos + 1) % SLOTS;
        pthread_mutex_unlock(&ring_lock);
        sem_post(&full);
    }
    return 0;
}

static void *consumer(void *arg) {
    (void)arg;
    for (;;) {
        sem_wait(&full);
        pthread_mutex_lock(&ring_lock);
        int v = ring[out_pos];
        out_pos = (out_pos + 1) % SLOTS;
        if (v < 0) {
            pthread_mutex_unlock(&ring_lock);
            sem_post(&empty);
            return 0;
        }
        got_sum += v;
        got++;
        pthread_mutex_unlock(&ring_lock);
        sem_post(&empty);
    }
}

int main(void) {
    pthread_t t[8];
    pthread_spin_init(&spin, PTHREAD_PROCESS_PRIVATE);
    for (long i = 0; i < READERS; i++) pthread_create(&t[i], 0, reader, 0);
    for (long i = 0; i < WRITERS; i++) pthread_create(&t[READERS + i], 0, writer, 0);
    for (int i = 0; i < READERS + WRITERS; i++) pthread_join(t[i], 0);
    printf("rwlock table %ld reads consistent %ld of %d bad %d spin %ld\n", table[7], reads_ok,
           READERS * ROUNDS, bad, spin_count);
    pthread_rwlock_rdlock(&rw);
    int a = pthread_rwlock_tryrdlock(&rw);
    int b = pthread_rwlock_trywrlock(&rw);
    pthread_rwlock_unlock(&rw);
    pthread_rwlock_unlock(&rw);
    int c = pthread_rwlock_trywrlock(&rw);
    int d = pthread_rwlock_tryrdlock(&rw);
    pthread_rwlock_unlock(&rw);
    printf("try %d %d %d %d destroy %d\n", a, b == EBUSY, c, d == EBUSY,
           pthread_rwlock_destroy(&rw));
    pthread_rwlock_t rw2;
    pthread_rwlockattr_t ra;
    pthread_rwlockattr_init(&ra);
    pthread_rwlock_init(&rw2, &ra);
    pthread_rwlock_wrlock(&rw2);
    pthread_rwlock_unlock(&rw2);
    pthread_rwlockattr_destroy(&ra);
    pthread_rwlock_destroy(&rw2);

    printf("barrier init 0: %d\n", pthread_barrier_init(&barrier, 0, 0) == EINVAL);
    pthread_barrier_init(&barrier, 0, PARTIES);
    for (long i = 0; i < PARTIES; i++) pthread_create(&t[i], 0, party, (void *)i);
    for (int i = 0; i < PARTIES; i++) pthread_join(t[i], 0);
    for (int p = 0; p < PHASES; p++) printf("phase %d sum %ld serial %d\n", p, phase_sums[p], serials[p]);
    pthread_barrier_destroy(&barrier);

    sem_init(&empty, 0, SLOTS);
    sem_init(&full, 0, 0);
    pthread_create(&t[0], 0, producer, (void *)0L);
    pthread_create(&t[1], 0, producer, (void *)100000L);
    pthread_create(&t[2], 0, consumer, 0);
    pthread_create(&t[3], 0, consumer, 0);
    pthread_join(t[0], 0);
    pthread_join(t[1], 0);
    for (int i = 0; i < 2; i++) {
        sem_wait(&empty);
        pthread_mutex_lock(&ring_lock);
        ring[in_pos] = -1;
        in_pos = (in_pos + 1) % SLOTS;
        pthread_mutex_unlock(&ring_lock);
        sem_post(&full);
    }
    pthread_join(t[2], 0);
    pthread_join(t[3], 0);
    int v;
    sem_getvalue(&empty, &v);
    printf("semaphore got %d sum %ld empty %d\n", got, got_sum, v);
    sem_t s;
    sem_init(&s, 0, 1);
    int r1 = sem_trywait(&s);
    int r2 = sem_trywait(&s);
    int e2 = errno;
    sem_post(&s);
    sem_getvalue(&s, &v);
    printf("trywait %d %d %d value %d\n", r1, r2, e2 == EAGAIN, v);
    sem_destroy(&s);
    sem_destroy(&empty);
    sem_destroy(&full);
    pthread_spin_destroy(&spin);
    return 0;
}

/* <stdatomic.h>: _Atomic objects updated by several threads with the
 * atomic_ functions and with plain operators, an atomic_flag spin lock,
 * compare-exchange loops, atomic pointers. Totals only: the output does
 * not depend on the schedule. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>

#define THREADS 4
#define ROUNDS 2500

static atomic_int hits = ATOMIC_VAR_INIT(0);
static atomic_long total;
static atomic_uint mask;
static atomic_size_t sizes;
static _Atomic int plain_ops;
static _Atomic(unsigned long long) big;
static atomic_bool seen_last;
static atomic_flag lock = ATOMIC_FLAG_INIT;
static long guarded;
static atomic_int max_seen;

static void *work(void *arg) {
    int id = (int)(long)arg;
    for (int i = 0; i < ROUNDS; i++) {
        atomic_fetch_add(&hits, 1);
        atomic_fetch_add_explicit(&total, i, memory_order_relaxed);
        atomic_fetch_sub_explicit(&total, 1, memory_order_release);
        atomic_fetch_or(&mask, 1u << ((i + id) % 32));
        atomic_fetch_xor(&mask, 0);
        atomic_fetch_and_explicit(&mask, 0xffffffffu, memory_order_acq_rel);
        sizes += sizeof(long);
        plain_ops++;
        plain_ops += 2;
        --plain_ops;
        big += 1ull << 40;
        int v = id * ROUNDS + i, cur = atomic_load(&max_seen);
        while (v > cur && !atomic_compare_exchange_weak(&max_seen, &cur, v)) {
        }
        while (atomic_flag_test_and_set_explicit(&lock, memory_order_acquire)) sched_yield();
        long g = guarded;
        sched_yield();
        guarded = g + 1;
        atomic_flag_clear_explicit(&lock, memory_order_release);
        if (i == ROUNDS - 1) atomic_store(&seen_last, true);
    }
    atomic_thread_fence(memory_order_seq_cst);
    atomic_signal_fence(memory_order_seq_cst);
    return 0;
}

int main(void) {
    pthread_t t[THREADS];
    for (long i = 0; i < THREADS; i++) pthread_create(&t[i], 0, work, (void *)i);
    for (int i = 0; i < THREADS; i++) pthread_join(t[i], 0);
    printf("hits %d total %ld mask %08x sizes %zu plain %d big %llu\n", atomic_load(&hits),
           atomic_load_explicit(&total, memory_order_acquire), atomic_load(&mask),
           atomic_load(&sizes), plain_ops, (unsigned long long)big);
    printf("last %d guarded %ld max %d\n", (int)atomic_load(&seen_last), guarded,
           atomic_load(&max_seen));

    atomic_int a;
    atomic_init(&a, 40);
    int old = atomic_exchange(&a, 41);
    int e = 40;
    bool ok = atomic_compare_exchange_strong(&a, &e, 50);
    printf("exchange %d cmpxchg %d expected %d a %d\n", old, ok, e, atomic_load(&a));
    ok = atomic_compare_exchange_strong_explicit(&a, &e, 50, memory_order_seq_cst,
                                                 memory_order_relaxed);
    printf("cmpxchg %d expected %d a %d\n", ok, e, atomic_load(&a));
    atomic_store_explicit(&a, 7, memory_order_relaxed);
    old = atomic_exchange_explicit(&a, 8, memory_order_acq_rel);
    printf("old %d now %d lockfree %d %d\n", old, a, atomic_is_lock_free(&a),
           ATOMIC_INT_LOCK_FREE);
    static int arr[3] = {10, 20, 30};
    _Atomic(int *) ap = arr;
    int *was = atomic_load(&ap);
    atomic_store(&ap, arr + 2);
    printf("ptr %d %d\n", *was, *atomic_load(&ap));
    atomic_char c = 'a';
    c += 2;
    atomic_short s = 1;
    s <<= 3;
    atomic_ullong u = 0;
    u--;
    printf("%c %d %llu %d\n", (char)c, (int)s, (unsigned long long)u,
           (int)sizeof(atomic_int) + (int)sizeof(_Atomic long));
    atomic_flag f = ATOMIC_FLAG_INIT;
    int first = atomic_flag_test_and_set(&f);
    int second = atomic_flag_test_and_set(&f);
    atomic_flag_clear(&f);
    int third = atomic_flag_test_and_set(&f);
    printf("flag %d %d %d order %d\n", first, second, third, (int)memory_order_seq_cst);
    return 0;
}

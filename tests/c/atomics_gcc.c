/* GCC's atomic builtins: several threads bump shared counters of each
 * width with each kind of __sync_ and __atomic_ operation, a spin lock
 * and a lock-free (Treiber) stack built on compare-and-swap. The totals,
 * not the interleaving, are printed, so the output does not depend on
 * the schedule. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#define THREADS 4
#define ROUNDS 3000

static long counter_l;
static int counter_i;
static short counter_s;
static unsigned char counter_c;
static unsigned long long counter_ull;
static long sub_counter = 1000000;
static unsigned bits_or, bits_and = 0xffffffffu, bits_xor;
static int cas_counter;
static long val_cas_counter;
static int xchg_tickets;
static int spin;
static long in_critical, max_in_critical, critical_work;

struct node {
    struct node *next;
    int value;
};
static struct node *top;
static struct node nodes[THREADS * ROUNDS / 10];

static void push(struct node *n) {
    struct node *old;
    do {
        old = __atomic_load_n(&top, __ATOMIC_ACQUIRE);
        n->next = old;
    } while (!__atomic_compare_exchange_n(&top, &old, n, 1, __ATOMIC_RELEASE,
                                          __ATOMIC_RELAXED));
}

static struct node *pop(void) {
    struct node *old = top;
    while (old && !__sync_bool_compare_and_swap(&top, old, old->next)) old = top;
    return old;
}

static void *worker(void *arg) {
    int id = (int)(long)arg;
    for (int i = 0; i < ROUNDS; i++) {
        __sync_fetch_and_add(&counter_l, 2);
        __sync_add_and_fetch(&counter_i, 1);
        __atomic_fetch_add(&counter_s, 1, __ATOMIC_RELAXED);
        __atomic_add_fetch(&counter_c, 3, __ATOMIC_SEQ_CST);
        __sync_fetch_and_add(&counter_ull, 1ull << 33);
        __sync_fetch_and_sub(&sub_counter, 5);
        __atomic_sub_fetch(&sub_counter, 1, __ATOMIC_SEQ_CST);
        __sync_fetch_and_or(&bits_or, 1u << ((id * 8 + i) % 32));
        __atomic_fetch_and(&bits_and, ~(1u << ((id * 5 + i) % 31)), __ATOMIC_RELAXED);
        __sync_xor_and_fetch(&bits_xor, (unsigned)(i + id * 7) * 2654435761u);
        /* A CAS loop: retries until the increment lands. */
        int seen;
        do {
            seen = __atomic_load_n(&cas_counter, __ATOMIC_RELAXED);
        } while (!__sync_bool_compare_and_swap(&cas_counter, seen, seen + 1));
        long v = val_cas_counter;
        long prev;
        while ((prev = __sync_val_compare_and_swap(&val_cas_counter, v, v + 7)) != v) v = prev;
        /* A spin lock on test-and-set. */
        while (__sync_lock_test_and_set(&spin, 1)) sched_yield();
        long in = ++in_critical;
        if (in > max_in_critical) max_in_critical = in;
        critical_work += i % 7;
        sched_yield();
        in_critical--;
        __sync_lock_release(&spin);
        __atomic_exchange_n(&xchg_tickets, i, __ATOMIC_ACQ_REL);
        if (i % 10 == 0) {
            struct node *n = &nodes[id * (ROUNDS / 10) + i / 10];
            n->value = id * 100000 + i;
            push(n);
        }
        __sync_synchronize();
        __atomic_thread_fence(__ATOMIC_SEQ_CST);
        __atomic_signal_fence(__ATOMIC_SEQ_CST);
    }
    return 0;
}

int main(void) {
    pthread_t t[THREADS];
    for (long i = 0; i < THREADS; i++) pthread_create(&t[i], 0, worker, (void *)i);
    for (int i = 0; i < THREADS; i++) pthread_join(t[i], 0);
    printf("long %ld int %d short %d uchar %d ull %llu\n", counter_l, counter_i, counter_s,
           counter_c, counter_ull);
    printf("sub %ld or %08x and %08x xor %08x\n", sub_counter, bits_or, bits_and, bits_xor);
    printf("cas %d valcas %ld max in critical %ld work %ld\n", cas_counter, val_cas_counter,
           max_in_critical, critical_work);
    long sum = 0, count = 0;
    struct node *n;
    while ((n = pop())) {
        sum += n->value;
        count++;
    }
    printf("stack popped %ld sum %ld\n", count, sum);

    /* The values each form returns, on one thread (one call a
     * statement: the order of a call's arguments is unspecified). */
    int x = 10, r;
    r = __sync_fetch_and_nand(&x, 6);
    printf("%d %d ", r, x);
    r = __sync_nand_and_fetch(&x, 3);
    printf("%d %d ", r, x);
    r = __atomic_fetch_xor(&x, 0xff, __ATOMIC_RELAXED);
    printf("%d %d\n", r, x);
    signed char sc = 127;
    r = __sync_add_and_fetch(&sc, 1);
    printf("%d ", r);
    r = __atomic_fetch_sub(&sc, 1, 0);
    printf("%d %d ", r, sc);
    unsigned short us = 0;
    r = __sync_sub_and_fetch(&us, 1);
    printf("%d ", r);
    r = __atomic_and_fetch(&us, 0xf0f0, 0);
    printf("%d\n", r);
    int expected = 5, obj = 7;
    int ok = __atomic_compare_exchange_n(&obj, &expected, 9, 0, 5, 5);
    printf("cmpxchg %d expected %d obj %d; ", ok, expected, obj);
    ok = __atomic_compare_exchange_n(&obj, &expected, 9, 0, 5, 5);
    printf("%d expected %d obj %d\n", ok, expected, obj);
    r = __sync_val_compare_and_swap(&obj, 1, 2);
    printf("valcas %d obj %d ", r, obj);
    r = __sync_val_compare_and_swap(&obj, 9, 2);
    printf("valcas %d obj %d ", r, obj);
    r = __sync_bool_compare_and_swap(&obj, 2, 4);
    printf("boolcas %d obj %d ", r, obj);
    r = __sync_bool_compare_and_swap(&obj, 2, 5);
    printf("boolcas %d obj %d\n", r, obj);
    r = __atomic_exchange_n(&obj, 11, 5);
    printf("xchg %d obj %d ", r, obj);
    r = __sync_lock_test_and_set(&obj, 12);
    printf("lock %d obj %d ", r, obj);
    __sync_lock_release(&obj);
    printf("released %d\n", obj);
    __atomic_store_n(&obj, -3, __ATOMIC_RELEASE);
    printf("load %d\n", __atomic_load_n(&obj, __ATOMIC_ACQUIRE));
    /* On pointers the operand is in bytes, as gcc has it. */
    int arr[4] = {1, 2, 3, 4};
    int *p = arr;
    int *q = __atomic_add_fetch(&p, sizeof(int) * 2, __ATOMIC_RELAXED);
    printf("ptr %d %d ", *p, *q);
    q = __sync_fetch_and_sub(&p, sizeof(int));
    printf("%ld %ld\n", (long)(q - arr), (long)(p - arr));
    /* Each operand is evaluated once. */
    long arrl[3] = {0, 0, 0};
    int k = 0;
    __sync_fetch_and_add(&arrl[k++], 5);
    __atomic_compare_exchange_n(&arrl[k++], &arrl[2], 20L, 0, 5, 5);
    long *e = &arrl[0];
    __atomic_compare_exchange_n(&arrl[k++], e++, 30L, 0, 5, 5);
    int mo = 0;
    __atomic_fetch_add(&arrl[0], 1, (mo++, __ATOMIC_RELAXED));
    __atomic_load_n(&arrl[0], (mo++, __ATOMIC_ACQUIRE));
    printf("memory orders evaluated %d; ", mo);
    printf("once k %d %ld %ld %ld e %ld\n", k, arrl[0], arrl[1], arrl[2], (long)(e - arrl));
    unsigned char flag = 0;
    r = __atomic_test_and_set(&flag, 5);
    printf("tas %d ", r);
    r = __atomic_test_and_set(&flag, 5);
    printf("%d ", r);
    __atomic_clear(&flag, 5);
    printf("clear %d lockfree %d\n", flag, __atomic_always_lock_free(sizeof(long), 0));
    return 0;
}

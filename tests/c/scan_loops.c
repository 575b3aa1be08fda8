/* Small loops that test data to stop, which the optimizer unrolls twice
 * (ir/src/unroll.rs) so that they poll every second iteration: partition
 * scans, a search for a key, a Collatz walk, a string's length, a list
 * walk, a loop left in the middle, a do-while, an odd and an even number
 * of iterations -- against gcc, and snapshotted inside them. */
#include <stdio.h>
#include <stdlib.h>

struct node {
    int v;
    struct node *next;
};

static unsigned seed = 7;

static unsigned next(void) {
    seed = seed * 1103515245u + 12345u;
    return seed >> 4;
}

static long partition_scans(int *a, int n) {
    long moves = 0;
    for (int r = 0; r < 40; r++) {
        int pivot = a[(r * 37) % n];
        int i = 0, j = n - 1;
        while (i <= j) {
            while (a[i] < pivot) i++;
            while (a[j] > pivot) j--;
            if (i <= j) {
                int t = a[i];
                a[i] = a[j];
                a[j] = t;
                i++;
                j--;
                moves++;
            }
        }
        moves += i * 3 + j;
    }
    return moves;
}

static long searches(const int *a, int n) {
    long found = 0;
    for (int q = 0; q < 300; q++) {
        int key = a[(q * 7919) % n];
        int i = 0;
        while (a[i] != key) i++;
        found += i;
    }
    return found;
}

static long collatz(long lim) {
    long best = 0, total = 0;
    for (long s = 1; s < lim; s++) {
        long n = s, steps = 0;
        while (n != 1) {
            n = (n & 1) ? 3 * n + 1 : n >> 1;
            steps++;
        }
        total += steps;
        if (steps > best) best = steps;
    }
    return total * 1000 + best;
}

static long lengths(char *buf, int n) {
    long total = 0;
    for (int k = 0; k < n; k++) {
        int len = 1 + (int)(next() % 60);
        for (int i = 0; i < len; i++) buf[i] = (char)('a' + (i + k) % 26);
        buf[len] = 0;
        const char *p = buf;
        while (*p) p++;
        total += p - buf;
    }
    return total;
}

static long list_walk(int n) {
    struct node *head = 0;
    for (int i = 0; i < n; i++) {
        struct node *x = malloc(sizeof *x);
        x->v = (int)(next() % 1000);
        x->next = head;
        head = x;
    }
    long sum = 0;
    for (int r = 0; r < 20; r++) {
        /* Walk to the first value above a threshold. */
        struct node *p = head;
        while (p && p->v < 900 + r) p = p->next;
        sum += p ? p->v : -1;
        /* Count all of them. */
        int count = 0;
        for (p = head; p; p = p->next) count++;
        sum += count;
    }
    while (head) {
        struct node *x = head;
        head = head->next;
        free(x);
    }
    return sum;
}

static long middle_exits(const int *a, int n) {
    long s = 0;
    for (int r = 0; r < 50; r++) {
        int i = r;
        for (;;) {
            if (a[i % n] % 97 == r % 97) break;
            s += a[i % n] & 7;
            i += 3;
        }
        int k = r;
        do {
            k = (k * 5 + 1) % 1021;
            s++;
        } while (k != r % 1021 && k % 64 != 0);
    }
    return s;
}

int main(int argc, char **argv) {
    int n = argc > 1 ? atoi(argv[1]) : 4000;
    int *a = malloc(sizeof(int) * n);
    for (int i = 0; i < n; i++) a[i] = (int)(next() % 100000);
    char *buf = malloc(64);
    printf("partition %ld\n", partition_scans(a, n));
    printf("search %ld\n", searches(a, n));
    printf("collatz %ld\n", collatz(3000));
    printf("lengths %ld\n", lengths(buf, 500));
    printf("list %ld\n", list_walk(2000));
    printf("middle %ld\n", middle_exits(a, n));
    free(buf);
    free(a);
    return 0;
}

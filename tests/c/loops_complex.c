/* Loops with complex conditions, early exits and nested control flow:
   a prime sieve, a collatz search and a small state machine. */
#include <stdio.h>
#include <string.h>

int main(void) {
    char sieve[1000];
    memset(sieve, 1, sizeof sieve);
    sieve[0] = sieve[1] = 0;
    for (int i = 2; i * i < 1000; i++)
        if (sieve[i])
            for (int j = i * i; j < 1000; j += i) sieve[j] = 0;
    int count = 0, last = 0;
    for (int i = 0; i < 1000; i++)
        if (sieve[i]) {
            count++;
            last = i;
        }
    printf("%d primes, last %d\n", count, last);
    int best = 0, best_len = 0;
    for (int start = 1; start < 3000; start++) {
        long n = start;
        int len = 1;
        while (n != 1) {
            n = n % 2 ? 3 * n + 1 : n / 2;
            len++;
        }
        if (len > best_len) {
            best_len = len;
            best = start;
        }
    }
    printf("collatz %d %d\n", best, best_len);
    const char *input = "if x then y else z end";
    enum { START, WORD, SPACE } state = START;
    int words = 0, transitions = 0;
    for (const char *p = input; *p; p++) {
        int is_space = *p == ' ';
        switch (state) {
        case START:
        case SPACE:
            if (!is_space) {
                state = WORD;
                words++;
                transitions++;
            }
            break;
        case WORD:
            if (is_space) {
                state = SPACE;
                transitions++;
            }
            break;
        }
    }
    printf("%d words %d transitions\n", words, transitions);
    int i = 0, j = 100;
    while (i < j && (i * j) % 17 != 5) {
        i += 3;
        j -= 2;
    }
    printf("%d %d\n", i, j);
    return 0;
}

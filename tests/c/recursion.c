/* Recursion and mutual recursion. */
#include <stdio.h>

int fib(int n) { return n < 2 ? n : fib(n - 1) + fib(n - 2); }

long fact(int n) { return n <= 1 ? 1 : n * fact(n - 1); }

int is_odd(int n);
int is_even(int n) { return n == 0 ? 1 : is_odd(n - 1); }
int is_odd(int n) { return n == 0 ? 0 : is_even(n - 1); }

int ackermann(int m, int n) {
    if (m == 0) return n + 1;
    if (n == 0) return ackermann(m - 1, 1);
    return ackermann(m - 1, ackermann(m, n - 1));
}

void hanoi(int n, int from, int to, int via, int *moves) {
    if (n == 0) return;
    hanoi(n - 1, from, via, to, moves);
    (*moves)++;
    hanoi(n - 1, via, to, from, moves);
}

int gcd(int a, int b) { return b ? gcd(b, a % b) : a; }

int main(void) {
    printf("%d %ld\n", fib(20), fact(20));
    printf("%d %d\n", is_even(10), is_odd(7));
    printf("%d\n", ackermann(2, 3));
    int moves = 0;
    hanoi(10, 1, 3, 2, &moves);
    printf("%d %d\n", moves, gcd(1071, 462));
    return 0;
}

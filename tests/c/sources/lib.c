/* The second file of the program in main.c. */
int divide(int a, int b) {
    int q = a / b;
    return q;
}

long spin(long n) {
    long t = 0;
    for (long i = 0; i < n; i++)
        t += i % 7;
    return t;
}

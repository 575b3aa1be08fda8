/* A function defined in a header: its lines are this file's. */
static long count_up(long n) {
    long t = 0;
    for (long i = 0; i < n; i++)
        t = t * 3 % 1000003 + i;
    return t;
}

#include <stdio.h>
#include "log.h"

static int twice(const char *fmt, ...) {
    va_list ap, copy;
    va_start(ap, fmt);
    va_copy(copy, ap);
    int a = log_v(fmt, ap);
    int b = log_v(fmt, copy);
    va_end(copy);
    va_end(ap);
    return a + b;
}

int main(void) {
    int (*lf)(const char *, ...) = log_msg;
    long total = 0;
    for (int i = 0; i < 5; i++)
        total += lf("step %d of %s: %.1f", i, "five", i * 0.5);
    total += twice("%s/%x/%lu", "pair", 0xbeefu, 1234567890123UL);
    printf("total %ld count %d\n", total, log_count);
    return 0;
}

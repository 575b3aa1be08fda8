#include <stdio.h>
#include "log.h"

int log_count;
static char last[64];

int log_v(const char *fmt, va_list ap) {
    int n = vsnprintf(last, sizeof last, fmt, ap);
    log_count++;
    printf("log %d: %s (%d)\n", log_count, last, n);
    return n;
}

int log_msg(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    int n = log_v(fmt, ap);
    va_end(ap);
    return n;
}

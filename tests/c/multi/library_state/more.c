#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>

static void bye_more(void) { printf("bye from more.c (runs first)\n"); }

void register_more(void) { atexit(bye_more); }

void raise_it(int sig) { raise(sig); }

int parse_errno(const char *s) {
    strtol(s, NULL, 10);
    return errno;
}

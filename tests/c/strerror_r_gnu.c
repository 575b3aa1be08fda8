/* GNU strerror_r (with _GNU_SOURCE, as glibc): the message of a known
   error (not in the buffer), "Unknown error N" in the buffer for another,
   cut to the buffer's size; and strcasestr. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>

int main(void) {
    char buf[64];
    int errs[] = {0, EINVAL, ENOENT, ERANGE, EDOM, 9999, -5};
    for (int i = 0; i < 7; i++) {
        memset(buf, 'x', sizeof buf);
        buf[sizeof buf - 1] = 0;
        char *m = strerror_r(errs[i], buf, sizeof buf);
        printf("%d: [%s] in buf %d\n", errs[i], m, m == buf);
    }
    char small[8];
    char *m = strerror_r(12345, small, sizeof small);
    printf("cut: [%s] %d\n", m, m == small);
    const char *hay = "The Quick brown FOX jumps";
    const char *needles[] = {"quick", "QUICK", "fox J", "", "foxes", "s", "THE q", "z"};
    for (int i = 0; i < 8; i++) {
        char *p = strcasestr(hay, needles[i]);
        printf("'%s': %ld\n", needles[i], p ? (long)(p - hay) : -1L);
    }
    printf("empty hay: %d %d\n", strcasestr("", "") != NULL, strcasestr("", "a") != NULL);
    return 0;
}

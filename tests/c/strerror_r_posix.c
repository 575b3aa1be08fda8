/* POSIX strerror_r (without _GNU_SOURCE, as glibc's default): the message
   copied into the buffer, 0; ERANGE when the buffer is too small (the
   message cut, still terminated); EINVAL for an unknown error. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

int main(void) {
    int errs[] = {0, EINVAL, ENOENT, ERANGE, EDOM, 9999, -5};
    size_t sizes[] = {64, 21, 8, 1};
    for (int i = 0; i < 7; i++)
        for (int k = 0; k < 4; k++) {
            char buf[64];
            memset(buf, 'x', sizeof buf);
            buf[sizeof buf - 1] = 0;
            int r = strerror_r(errs[i], buf, sizeof buf < sizes[k] ? sizeof buf : sizes[k]);
            printf("%d/%zu: %d [%s]\n", errs[i], sizes[k], r == ERANGE ? -1 : r == EINVAL ? -2 : r, buf);
        }
    char one = 'q';
    int r = strerror_r(EINVAL, &one, 0);
    printf("size 0: %d %c\n", r == ERANGE, one);
    return 0;
}

/* sysconf and getpagesize: the answers gcc's build gets on Linux x86_64
   (pivm gives them on every host), an unknown name's EINVAL, and at
   least one processor. */
#include <errno.h>
#include <stdio.h>
#include <unistd.h>

int main(void) {
    printf("page %ld %ld %d\n", sysconf(_SC_PAGESIZE), sysconf(_SC_PAGE_SIZE), getpagesize());
    printf("clock ticks %ld\n", sysconf(_SC_CLK_TCK));
    printf("processors: at least one %d, online <= configured %d\n",
           sysconf(_SC_NPROCESSORS_ONLN) >= 1,
           sysconf(_SC_NPROCESSORS_ONLN) <= sysconf(_SC_NPROCESSORS_CONF));
    errno = 0;
    long bad = sysconf(-5);
    printf("unknown: %ld, EINVAL %d\n", bad, errno == EINVAL);
    return 0;
}

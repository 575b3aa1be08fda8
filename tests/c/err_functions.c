/* err.h as glibc's: warn and warnx print the program's name (argv[0]'s
   last part), the message and, for warn, errno's text on stderr and
   return; err and errx exit with their status (here errx, 3) after their
   message. stdout and the exit status are compared with gcc's run;
   stderr, which names the program, by vm/tests/cli.rs. */
#include <err.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>

static void report(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vwarnx(fmt, ap);
    va_end(ap);
}

int main(int argc, char **argv) {
    errno = ENOENT;
    warn("cannot open %s", "data.txt");
    printf("after warn, errno %d\n", errno);
    errno = EACCES;
    warn(NULL);
    warnx("%d items, %s", 3, "done");
    warnx(NULL);
    report("reported %ld", 42L);
    fflush(stdout);
    if (argc > 5) err(2, "unreachable");
    errx(3, "giving up after %d tries", 2);
    printf("not reached\n");
    return 0;
}

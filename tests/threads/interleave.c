/* Two processes computing side by side, each printing as it goes: the
 * interleaving is the schedule's, the same on every engine, host and
 * resume. Not in tests/c: gcc's output is the host scheduler's. */
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>
int main(void) {
    fflush(stdout);
    pid_t p = fork();
    const char *who = p == 0 ? "child" : "parent";
    long s = 0;
    for (long i = 0; i < 1000000; i++) {
        s += i % 7;
        if (i % 200000 == 0) {
            printf("%s %ld\n", who, i);
            fflush(stdout);
        }
    }
    if (p) waitpid(p, 0, 0);
    printf("%s done %ld\n", who, s);
    return 0;
}

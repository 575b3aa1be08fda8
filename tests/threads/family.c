/* A family where every process but one is blocked: the parent in
 * waitpid, two children reading a pipe nobody has written yet, one
 * computing. A snapshot request from outside is served at the computing
 * child's next safepoint. args: N */
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>
int main(int argc, char **argv) {
    long n = argc > 1 ? atol(argv[1]) : 1000;
    int p[2];
    pipe(p);
    fflush(stdout);
    pid_t readers[2];
    for (int k = 0; k < 2; k++) {
        readers[k] = fork();
        if (readers[k] == 0) {
            close(p[1]);
            long v = 0;
            read(p[0], &v, sizeof v);
            exit((int)(v % 100) + k);
        }
    }
    pid_t c = fork();
    if (c == 0) {
        close(p[0]);
        unsigned long x = 1;
        for (long i = 0; i < n; i++) x = x * 6364136223846793005UL + 1442695040888963407UL;
        long v = (long)(x >> 40);
        write(p[1], &v, sizeof v);
        write(p[1], &v, sizeof v);
        exit(1);
    }
    close(p[0]);
    close(p[1]);
    int st, sum = 0;
    waitpid(c, &st, 0);
    sum += WEXITSTATUS(st);
    for (int k = 0; k < 2; k++) {
        waitpid(readers[k], &st, 0);
        sum += WEXITSTATUS(st);
    }
    printf("statuses %d\n", sum);
    return 0;
}

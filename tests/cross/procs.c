/* Processes across a snapshot: a pipeline parent -> mapper -> reducer ->
 * parent over three pipes, plus workers that compute and report their
 * results through one pipe each; wherever the snapshot falls, processes
 * are blocked in pipe reads and writes and in waitpid while others
 * compute. Only the parent prints, after its waits.
 * args: N */
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

static void mapper(int in, int out) {
    long v;
    while (read(in, &v, sizeof v) == sizeof v) {
        long m = 0;
        for (int k = 0; k < 300; k++) m += (v * v + k) % 1009;
        write(out, &m, sizeof m);
    }
    exit(3);
}

static void reducer(int in, int out) {
    long v, sum = 0, n = 0;
    while (read(in, &v, sizeof v) == sizeof v) {
        sum += v;
        n++;
    }
    long r[2] = {sum, n};
    write(out, r, sizeof r);
    exit(4);
}

int main(int argc, char **argv) {
    int n = argc > 1 ? atoi(argv[1]) : 1000;
    int a[2], b[2], c[2];
    pipe(a);
    pipe(b);
    pipe(c);
    fflush(stdout);
    pid_t m = fork();
    if (m == 0) {
        close(a[1]);
        close(b[0]);
        close(c[0]);
        close(c[1]);
        mapper(a[0], b[1]);
    }
    pid_t r = fork();
    if (r == 0) {
        close(a[0]);
        close(a[1]);
        close(b[1]);
        close(c[0]);
        reducer(b[0], c[1]);
    }
    close(a[0]);
    close(b[0]);
    close(b[1]);
    close(c[1]);
    int w[3][2];
    pid_t kids[3];
    for (int k = 0; k < 3; k++) {
        pipe(w[k]);
        kids[k] = fork();
        if (kids[k] == 0) {
            close(w[k][0]);
            double s = 0;
            for (int i = 1; i <= n * 40; i++) s += 1.0 / ((double)i * i + k);
            write(w[k][1], &s, sizeof s);
            exit(10 + k);
        }
        close(w[k][1]);
    }
    for (long v = 0; v < n; v++) write(a[1], &v, sizeof v);
    close(a[1]);
    long res[2] = {0, 0};
    read(c[0], res, sizeof res);
    int st, codes = 0;
    waitpid(m, &st, 0);
    codes += WEXITSTATUS(st);
    waitpid(r, &st, 0);
    codes += WEXITSTATUS(st);
    printf("pipeline: %ld items, sum %ld\n", res[1], res[0]);
    for (int k = 0; k < 3; k++) {
        double s = 0;
        read(w[k][0], &s, sizeof s);
        waitpid(kids[k], &st, 0);
        codes += WEXITSTATUS(st);
        printf("worker %d: %.15f\n", k, s);
    }
    printf("exit codes %d\n", codes);
    return 0;
}

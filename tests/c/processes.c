/* Processes: fork, pipes between a parent and its children (a ping-pong
 * over two pipes, one pipe per worker), waitpid with exit statuses and
 * a child that dies of abort(), getpid/getppid, _exit, end of file when
 * every writer has closed, SIGPIPE, ECHILD, EBADF. Every line is printed
 * by one process at a point its parent has waited for, so the output
 * does not depend on the schedule. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static long work(int k) {
    long s = 0;
    for (long i = 0; i < 200000 + 50000 * k; i++) s += (i * (k + 1)) % 7;
    return s;
}

static int ping_pong(void) {
    int down[2], up[2];
    if (pipe(down) || pipe(up)) return -1;
    fflush(stdout);
    pid_t c = fork();
    if (c == 0) {
        close(down[1]);
        close(up[0]);
        int v;
        while (read(down[0], &v, sizeof v) == sizeof v) {
            v = v * 3 + 1;
            write(up[1], &v, sizeof v);
        }
        _exit(7);
    }
    close(down[0]);
    close(up[1]);
    int total = 0;
    for (int i = 1; i <= 50; i++) {
        int v = i, r = 0;
        write(down[1], &v, sizeof v);
        if (read(up[0], &r, sizeof r) != sizeof r) return -2;
        total += r;
    }
    close(down[1]);
    int st = 0;
    pid_t w = waitpid(c, &st, 0);
    printf("ping-pong: total %d, child exited %d with %d\n", total, w == c && WIFEXITED(st),
           WEXITSTATUS(st));
    close(up[0]);
    return 0;
}

int main(void) {
    pid_t me = getpid();
    int r = ping_pong();
    printf("ping-pong returned %d\n", r);

    enum { N = 4 };
    int fds[N][2];
    pid_t kids[N];
    fflush(stdout);
    for (int k = 0; k < N; k++) {
        pipe(fds[k]);
        kids[k] = fork();
        if (kids[k] < 0) return 1;
        if (kids[k] == 0) {
            close(fds[k][0]);
            char msg[80];
            int n = snprintf(msg, sizeof msg, "worker %d: %ld, parent ok %d", k, work(k),
                             getppid() == me);
            write(fds[k][1], msg, n);
            exit(20 + k);
        }
        close(fds[k][1]);
    }
    for (int k = N - 1; k >= 0; k--) {
        char buf[128];
        ssize_t got = 0, n;
        while ((n = read(fds[k][0], buf + got, sizeof buf - 1 - got)) > 0) got += n;
        buf[got] = 0;
        close(fds[k][0]);
        int st;
        pid_t w = waitpid(kids[k], &st, 0);
        printf("%s; status %d (waited %d)\n", buf, WEXITSTATUS(st), w == kids[k]);
    }

    fflush(stdout);
    pid_t a = fork();
    if (a == 0) abort();
    int st;
    waitpid(a, &st, 0);
    printf("abort: signaled %d, signal %d\n", WIFSIGNALED(st), WTERMSIG(st));

    errno = 0;
    int none = (int)wait(NULL);
    int echild = errno == ECHILD;
    printf("wait with no child: %d, ECHILD %d\n", none, echild);

    /* A write to a pipe nobody reads kills the writer with SIGPIPE. */
    int p[2];
    pipe(p);
    close(p[0]);
    fflush(stdout);
    pid_t w = fork();
    if (w == 0) {
        write(p[1], "x", 1);
        printf("not reached\n");
        exit(0);
    }
    close(p[1]);
    waitpid(w, &st, 0);
    printf("sigpipe: signaled %d, signal %d\n", WIFSIGNALED(st), WTERMSIG(st));
    int c = close(p[1]);
    int ebadf = errno == EBADF;
    printf("close again: %d, EBADF %d\n", c, ebadf);
    return 0;
}

/* Signals from another process reach a process whose threads are all
 * blocked: a handler runs in a child blocked in a pipe read (which then
 * goes on reading), and a default action ends a child blocked for good.
 * Not in tests/c: natively the first kill races the child's signal(). */
#include <signal.h>
#include <stdio.h>
#include <unistd.h>
#include <sys/wait.h>
static volatile int got;
static void h(int s) { got = s; }
int main(void) {
    int p[2];
    pipe(p);
    fflush(stdout);
    pid_t c = fork();
    if (c == 0) {
        signal(SIGUSR1, h);
        close(p[1]);
        char b;
        read(p[0], &b, 1);   /* blocked until the parent closes */
        printf("child: got %d\n", got);
        return 3;
    }
    close(p[0]);
    for (volatile int i = 0; i < 100000; i++) {}
    kill(c, SIGUSR1);
    for (volatile int i = 0; i < 100000; i++) {}
    close(p[1]);
    int st;
    waitpid(c, &st, 0);
    pid_t d = fork();
    if (d == 0) { char b; int q[2]; pipe(q); read(q[0], &b, 1); return 0; }
    for (volatile int i = 0; i < 100000; i++) {}
    kill(d, SIGTERM);
    int st2;
    waitpid(d, &st2, 0);
    printf("parent: child exit %d, second killed by %d\n", WEXITSTATUS(st), WTERMSIG(st2));
    return 0;
}

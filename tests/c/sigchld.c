/* SIGCHLD: a parent with a handler learns that its children ended (the
   signals may merge, as on Linux, so only "at least one" is printed); one
   that blocks SIGCHLD and waits in sigsuspend is woken by it; without a
   handler nothing changes. psignal writes glibc's words to stderr. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static volatile sig_atomic_t chld;

static void on_chld(int sig) {
    if (sig == SIGCHLD) chld++;
}

int main(void) {
    int st, sum = 0, n = 0;
    pid_t p;

    /* Default disposition: ignored, the children are reaped as usual. */
    for (int i = 0; i < 2; i++)
        if (fork() == 0) _exit(i + 1);
    while ((p = wait(&st)) > 0) sum += WEXITSTATUS(st), n++;
    printf("no handler: reaped %d, statuses sum %d, handler ran %d\n", n, sum, (int)chld);
    fflush(stdout); /* the children exit() and would flush it again */

    /* A handler. */
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_chld;
    sa.sa_flags = SA_RESTART;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGCHLD, &sa, NULL);
    for (int i = 0; i < 3; i++)
        if (fork() == 0) {
            for (volatile long k = 0; k < 20000L * (i + 1); k++) {
            }
            exit(10 + i);
        }
    n = sum = 0;
    while ((p = wait(&st)) > 0) sum += WEXITSTATUS(st), n++;
    printf("handler: reaped %d, statuses sum %d, handler ran: %s\n", n, sum,
           chld > 0 ? "yes" : "no");
    fflush(stdout);

    /* Blocked, then waited for with sigsuspend. */
    sigset_t block, old, none;
    sigemptyset(&block);
    sigaddset(&block, SIGCHLD);
    sigprocmask(SIG_BLOCK, &block, &old);
    chld = 0;
    p = fork();
    if (p == 0) _exit(0);
    sigemptyset(&none);
    while (!chld) sigsuspend(&none);
    sigprocmask(SIG_SETMASK, &old, NULL);
    waitpid(p, &st, 0);
    printf("sigsuspend woken by SIGCHLD: %d, child exited %d\n", (int)chld, WEXITSTATUS(st));

    fflush(stdout);
    psignal(SIGCHLD, "psignal");
    psignal(SIGUSR1, NULL);
    psignal(SIGTERM, "");
    return 0;
}

/* Signals between processes: a parent kills its children and waits for
   them. One handles SIGUSR1 and exits with a status of its own, one is
   ended by SIGTERM's default action, one ignores SIGTERM and is ended by
   SIGKILL, one has SIGUSR2 blocked and finds it pending, then delivered
   when it unblocks it; a child signals its parent, whose handler runs
   before its waitpid returns. Dispositions and the mask are inherited
   through fork, so a signal sent right after fork finds them set; a pipe
   orders the rest, so the output does not depend on scheduling. Every
   line is flushed at once (the children share the parent's stdout). */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static volatile sig_atomic_t got;

static void say(const char *fmt, int a, int b) {
    printf(fmt, a, b);
    fflush(stdout);
}

static void on_signal(int sig) {
    got = sig;
    say("handler for %d%.0d\n", sig, 0);
}

static void report(pid_t pid, int n) {
    int status;
    if (waitpid(pid, &status, 0) != pid) say("child %d: waitpid failed%.0d\n", n, 0);
    else if (WIFEXITED(status)) say("child %d: exited %d\n", n, WEXITSTATUS(status));
    else if (WIFSIGNALED(status)) say("child %d: killed by %d\n", n, WTERMSIG(status));
}

int main(void) {
    int go[2];
    char c = 'x';
    pid_t pid;
    struct sigaction sa;
    sigset_t set, pend;

    if (pipe(go)) return 1;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sa.sa_flags = SA_RESTART; /* a parent's waitpid goes on after its handler */
    sigemptyset(&sa.sa_mask);
    sigaction(SIGUSR1, &sa, NULL);
    sigaction(SIGUSR2, &sa, NULL);

    /* 1: a handler, then an exit status of its own. */
    pid = fork();
    if (pid == 0) {
        while (!got) sched_yield();
        exit(got + 30);
    }
    kill(pid, SIGUSR1);
    report(pid, 1);

    /* 2: SIGTERM's default action. */
    pid = fork();
    if (pid == 0)
        for (;;) sched_yield();
    kill(pid, SIGTERM);
    report(pid, 2);

    /* 3: SIGTERM ignored, SIGKILL cannot be. */
    signal(SIGTERM, SIG_IGN);
    pid = fork();
    if (pid == 0)
        for (;;) sched_yield();
    signal(SIGTERM, SIG_DFL);
    kill(pid, SIGTERM);
    kill(pid, SIGKILL);
    report(pid, 3);

    /* 4: blocked, pending, delivered when unblocked. */
    sigemptyset(&set);
    sigaddset(&set, SIGUSR2);
    sigprocmask(SIG_BLOCK, &set, NULL);
    pid = fork();
    if (pid == 0) {
        if (read(go[0], &c, 1) != 1) exit(98);
        sigpending(&pend);
        say("child 4: USR2 pending %d, got %d\n", sigismember(&pend, SIGUSR2), got);
        sigprocmask(SIG_UNBLOCK, &set, NULL);
        say("child 4: unblocked, got %d%.0d\n", got, 0);
        exit(0);
    }
    sigprocmask(SIG_UNBLOCK, &set, NULL);
    kill(pid, SIGUSR2);
    if (write(go[1], &c, 1) != 1) return 2;
    report(pid, 4);

    /* 5: a child signals its parent. */
    pid = fork();
    if (pid == 0) {
        kill(getppid(), SIGUSR1);
        exit(0);
    }
    report(pid, 5);
    say("parent: got %d%.0d\n", got, 0);
    errno = 0;
    say("reaped child: kill %d ESRCH %d\n", kill(pid, 0), 0);
    say("ESRCH %d%.0d\n", errno == ESRCH, 0);
    return 0;
}

/* signal.h within one process: sigaction with sa_mask, SA_RESETHAND,
   SA_NODEFER and SA_SIGINFO, masks and sets, pending signals delivered
   when unblocked (several at once: Linux nests them, so the last one
   taken runs first, and takes the synchronous ones first), handlers that raise other signals, sigpending, kill to the
   process itself, signal()'s BSD semantics, the errors and strsignal. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <pthread.h>
#include <string.h>
#include <unistd.h>

static volatile sig_atomic_t depth;
static char trace[256];
static int tlen;

static void note(char c) {
    if (tlen < 255) trace[tlen++] = c;
    trace[tlen] = 0;
}

static void blocked_now(const char *what) {
    sigset_t cur;
    sigprocmask(SIG_BLOCK, NULL, &cur);
    printf("%s blocked:", what);
    for (int s = 1; s < NSIG; s++)
        if (sigismember(&cur, s) == 1) printf(" %d", s);
    printf("\n");
}

static void on_usr(int sig) {
    depth++;
    printf("handler %d depth %d\n", sig, depth);
    depth--;
}

static void raises_other(int sig) {
    printf("in %d, raising %d\n", sig, SIGUSR2);
    raise(SIGUSR2);
    printf("back in %d\n", sig);
}

static void shows_mask(int sig) {
    char what[32];
    snprintf(what, sizeof what, "in handler %d", sig);
    blocked_now(what);
}

static int reentered;
static void nodefer(int sig) {
    note('n');
    if (reentered++ < 2) raise(sig);
    note('N');
}

static void oneshot(int sig) {
    struct sigaction now;
    sigaction(sig, NULL, &now);
    printf("oneshot %d, disposition now %s\n", sig,
           now.sa_handler == SIG_DFL ? "SIG_DFL" : "handler");
}

static void with_info(int sig, siginfo_t *info, void *ctx) {
    printf("siginfo handler %d: signo %d code %d\n", sig, info->si_signo, info->si_code);
    (void)ctx;
}

static void counted(int sig) {
    note((char)('a' + sig - 1));
}

int main(void) {
    struct sigaction sa, old;
    sigset_t set, pend;
    int i;

    /* Sets. */
    sigemptyset(&set);
    printf("empty has USR1 %d\n", sigismember(&set, SIGUSR1));
    sigaddset(&set, SIGUSR1);
    sigaddset(&set, SIGRTMAX);
    printf("has USR1 %d RTMAX %d USR2 %d\n", sigismember(&set, SIGUSR1),
           sigismember(&set, SIGRTMAX), sigismember(&set, SIGUSR2));
    sigdelset(&set, SIGUSR1);
    printf("after del %d\n", sigismember(&set, SIGUSR1));
    sigfillset(&set);
    printf("full: 1 %d 31 %d 32 %d 33 %d 34 %d 64 %d\n", sigismember(&set, 1),
           sigismember(&set, 31), sigismember(&set, 32), sigismember(&set, 33),
           sigismember(&set, 34), sigismember(&set, 64));
    for (i = -1; i <= 66; i += 33) {
        errno = 0;
        int r = sigaddset(&set, i);
        printf("sigaddset(%d) = %d errno %s\n", i, r, errno == EINVAL ? "EINVAL" : "0");
    }
    errno = 0;
    i = sigismember(&set, 0);
    printf("sigismember(0) = %d EINVAL %d\n", i, errno == EINVAL);

    /* Blocked signals wait; unblocking delivers them, nested. */
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_usr;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGUSR1, &sa, NULL);
    sigaction(SIGUSR2, &sa, NULL);
    sigaction(SIGTERM, &sa, &old);
    printf("old TERM default %d flags %x\n", old.sa_handler == SIG_DFL, old.sa_flags);
    sigaction(SIGTERM, NULL, &old);
    printf("TERM now ours %d flags %x\n", old.sa_handler == on_usr, old.sa_flags);

    sigemptyset(&set);
    sigaddset(&set, SIGUSR1);
    sigaddset(&set, SIGUSR2);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGKILL);
    sigaddset(&set, SIGSTOP);
    sigprocmask(SIG_BLOCK, &set, NULL);
    blocked_now("after SIG_BLOCK");
    raise(SIGTERM);
    raise(SIGUSR2);
    kill(getpid(), SIGUSR1);
    raise(SIGUSR1); /* one bit per signal: no queueing, but kill's and */
    raise(SIGUSR1); /* raise's are apart (the process's, the thread's) */
    printf("raised three while blocked\n");
    sigpending(&pend);
    printf("pending USR1 %d USR2 %d TERM %d INT %d\n", sigismember(&pend, SIGUSR1),
           sigismember(&pend, SIGUSR2), sigismember(&pend, SIGTERM), sigismember(&pend, SIGINT));
    sigemptyset(&set);
    sigaddset(&set, SIGUSR2);
    sigprocmask(SIG_UNBLOCK, &set, NULL);
    printf("unblocked USR2\n");
    sigprocmask(SIG_SETMASK, NULL, &set); /* query only */
    sigemptyset(&set);
    sigprocmask(SIG_SETMASK, &set, &old.sa_mask);
    printf("unblocked all; was blocking USR1 %d\n", sigismember(&old.sa_mask, SIGUSR1));
    sigpending(&pend);
    printf("pending now USR1 %d TERM %d\n", sigismember(&pend, SIGUSR1), sigismember(&pend, SIGTERM));

    /* A handler that raises another: delivered at once inside it. */
    sa.sa_handler = raises_other;
    sigaction(SIGINT, &sa, NULL);
    raise(SIGINT);
    /* The same, with the other in sa_mask: delivered after it returns. */
    sigaddset(&sa.sa_mask, SIGUSR2);
    sigaction(SIGINT, &sa, NULL);
    raise(SIGINT);

    /* What a handler runs with: its signal, sa_mask, and what was blocked. */
    sa.sa_handler = shows_mask;
    sigemptyset(&sa.sa_mask);
    sigaddset(&sa.sa_mask, SIGHUP);
    sigaddset(&sa.sa_mask, SIGKILL);
    sigaction(SIGALRM, &sa, NULL);
    sigemptyset(&set);
    sigaddset(&set, SIGPIPE);
    sigprocmask(SIG_BLOCK, &set, NULL);
    raise(SIGALRM);
    blocked_now("after the handler");
    sa.sa_flags = SA_NODEFER;
    sigaction(SIGALRM, &sa, NULL);
    raise(SIGALRM);
    sigprocmask(SIG_UNBLOCK, &set, NULL);

    /* SA_NODEFER lets a handler's own signal in; without it, it waits. */
    sa.sa_handler = nodefer;
    sa.sa_flags = SA_NODEFER;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGUSR1, &sa, NULL);
    raise(SIGUSR1);
    printf("nodefer trace %s\n", trace);
    tlen = 0;
    reentered = 0;
    sa.sa_flags = 0;
    sigaction(SIGUSR1, &sa, NULL);
    raise(SIGUSR1);
    printf("deferred trace %s\n", trace);
    tlen = 0;

    /* SA_RESETHAND: SIG_DFL before the handler runs. */
    sa.sa_handler = oneshot;
    sa.sa_flags = SA_RESETHAND;
    sigaction(SIGCHLD, &sa, NULL);
    raise(SIGCHLD);
    raise(SIGCHLD); /* default now: ignored */
    sigaction(SIGCHLD, NULL, &old);
    printf("after oneshot default %d\n", old.sa_handler == SIG_DFL);

    /* SA_SIGINFO handlers get (sig, NULL, NULL). */
    sa.sa_sigaction = with_info;
    sa.sa_flags = SA_SIGINFO;
    sigaction(SIGUSR2, &sa, NULL);
    raise(SIGUSR2);

    /* signal(): the handler stays, its signal blocked while it runs. */
    printf("signal old %d\n", signal(SIGHUP, shows_mask) == SIG_DFL);
    raise(SIGHUP);
    raise(SIGHUP);
    printf("signal keeps it %d\n", signal(SIGHUP, SIG_IGN) == shows_mask);
    raise(SIGHUP);

    /* Ignored while blocked: pending, discarded when unblocked; setting
       SIG_IGN discards a pending one. */
    sigemptyset(&set);
    sigaddset(&set, SIGHUP);
    sigaddset(&set, SIGWINCH);
    sigaddset(&set, SIGQUIT);
    sigprocmask(SIG_BLOCK, &set, NULL);
    raise(SIGHUP);
    raise(SIGWINCH);
    raise(SIGQUIT);
    sigpending(&pend);
    printf("pending HUP %d WINCH %d QUIT %d\n", sigismember(&pend, SIGHUP),
           sigismember(&pend, SIGWINCH), sigismember(&pend, SIGQUIT));
    signal(SIGQUIT, SIG_IGN);
    sigpending(&pend);
    printf("QUIT pending after SIG_IGN %d\n", sigismember(&pend, SIGQUIT));
    sigprocmask(SIG_UNBLOCK, &set, NULL);
    sigpending(&pend);
    printf("pending after unblock HUP %d WINCH %d\n", sigismember(&pend, SIGHUP),
           sigismember(&pend, SIGWINCH));

    /* Many at once, in a loop: every one delivered once, highest first. */
    sa.sa_handler = counted;
    sa.sa_flags = 0;
    sigemptyset(&sa.sa_mask);
    sigfillset(&set);
    sigprocmask(SIG_SETMASK, &set, NULL);
    for (i = 1; i <= 26; i++) {
        if (i == SIGKILL || i == SIGSTOP) continue;
        sigaction(i, &sa, NULL);
        raise(i);
        raise(i);
    }
    sigprocmask(SIG_SETMASK, NULL, &set);
    printf("still blocked: KILL %d STOP %d USR1 %d\n", sigismember(&set, SIGKILL),
           sigismember(&set, SIGSTOP), sigismember(&set, SIGUSR1));
    sigemptyset(&set);
    sigprocmask(SIG_SETMASK, &set, NULL);
    printf("burst trace %s\n", trace);
    tlen = 0;

    /* sigsuspend with a signal pending that its mask lets in. */
    sa.sa_handler = on_usr;
    sigaction(SIGUSR1, &sa, NULL);
    sigemptyset(&set);
    sigaddset(&set, SIGUSR1);
    sigprocmask(SIG_BLOCK, &set, NULL);
    raise(SIGUSR1);
    sigemptyset(&set);
    sigaddset(&set, SIGUSR2);
    errno = 0;
    i = sigsuspend(&set);
    printf("sigsuspend %d EINTR %d\n", i, errno == EINTR);
    blocked_now("after sigsuspend");
    sigemptyset(&set);
    sigprocmask(SIG_SETMASK, &set, NULL);

    /* Errors (errno read after the call: argument order is unspecified). */
    errno = 0;
    i = sigaction(SIGKILL, &sa, NULL);
    printf("sigaction(KILL) %d EINVAL %d\n", i, errno == EINVAL);
    i = sigaction(SIGKILL, NULL, &old);
    printf("sigaction(KILL, NULL) %d default %d\n", i, old.sa_handler == SIG_DFL);
    errno = 0;
    i = sigaction(65, NULL, NULL);
    printf("sigaction(65) %d EINVAL %d\n", i, errno == EINVAL);
    errno = 0;
    i = signal(SIGSTOP, on_usr) == SIG_ERR;
    printf("signal(STOP) err %d EINVAL %d\n", i, errno == EINVAL);
    errno = 0;
    i = sigprocmask(9, &set, NULL);
    printf("sigprocmask(9) %d EINVAL %d\n", i, errno == EINVAL);
    printf("sigprocmask(9, NULL) %d\n", sigprocmask(9, NULL, NULL));
    printf("pthread_sigmask(9) %d\n", pthread_sigmask(9, &set, NULL) == EINVAL);
    errno = 0;
    i = raise(65);
    printf("raise(65) %d EINVAL %d\n", i, errno == EINVAL);
    printf("raise(0) %d\n", raise(0));
    printf("kill(self, 0) %d\n", kill(getpid(), 0));
    errno = 0;
    i = kill(getpid(), -1);
    printf("kill(self, -1) %d EINVAL %d\n", i, errno == EINVAL);

    for (i = 0; i <= 66; i += 11) printf("strsignal(%d) %s\n", i, strsignal(i));
    printf("strsignal(%d) %s\n", SIGCHLD, strsignal(SIGCHLD));
    printf("strsignal(%d) %s\n", SIGRTMIN, strsignal(SIGRTMIN));
    return 0;
}

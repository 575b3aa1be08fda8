/* Signals for the cross matrix: each round blocks a few signals, raises
   and kills itself with them, and computes while they are pending and
   blocked (where most safepoints, and so the snapshots, fall); then
   unblocks them, and the handlers (nested in Linux's order, some with
   sa_mask, SA_NODEFER or SA_RESETHAND, some raising others) compute in
   turn. A snapshot thus holds dispositions, the mask, both pending sets
   and handler frames mid-run. args: rounds. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static unsigned long long sum = 1469598103934665603ULL;
static char trace[64];
static int tlen;

static void mix(unsigned long long v) {
    sum = (sum ^ v) * 1099511628211ULL;
}

static unsigned long long work(int n) {
    unsigned long long s = 0;
    for (int i = 0; i < n; i++) s = s * 31 + (unsigned long long)(i ^ (i >> 3));
    return s;
}

static void handler(int sig) {
    if (tlen < 63) trace[tlen++] = (char)('A' + sig - 1);
    mix(work(2000 + sig * 50) + (unsigned long long)sig);
    if (sig == SIGUSR1) raise(SIGALRM); /* in sa_mask of USR1: after it */
    if (sig == SIGHUP) raise(SIGINT);   /* not masked: nested at once */
}

static void install(int sig, int flags, int masked) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = handler;
    sa.sa_flags = flags;
    sigemptyset(&sa.sa_mask);
    if (masked) sigaddset(&sa.sa_mask, masked);
    sigaction(sig, &sa, NULL);
}

int main(int argc, char **argv) {
    int rounds = argc > 1 ? atoi(argv[1]) : 20;
    sigset_t set, pend;
    install(SIGUSR1, 0, SIGALRM);
    install(SIGUSR2, SA_NODEFER, 0);
    install(SIGHUP, 0, 0);
    install(SIGINT, 0, 0);
    install(SIGALRM, 0, 0);
    install(SIGTERM, SA_RESETHAND, 0);
    install(SIGSEGV, 0, 0);
    for (int r = 0; r < rounds; r++) {
        tlen = 0;
        sigemptyset(&set);
        sigaddset(&set, SIGUSR1);
        sigaddset(&set, SIGUSR2);
        sigaddset(&set, SIGHUP);
        sigaddset(&set, SIGTERM);
        sigaddset(&set, SIGSEGV);
        sigprocmask(SIG_BLOCK, &set, NULL);
        if (r % 2) raise(SIGUSR2);
        kill(getpid(), SIGUSR1);
        raise(SIGHUP);
        if (r % 3 == 0) {
            install(SIGTERM, SA_RESETHAND, 0);
            raise(SIGTERM);
        }
        if (r % 5 == 4) raise(SIGSEGV);
        mix(work(60000 + r * 100)); /* signals pending and blocked */
        sigpending(&pend);
        for (int s = 1; s < NSIG; s++)
            if (sigismember(&pend, s) == 1) mix((unsigned long long)s << 8);
        sigprocmask(SIG_UNBLOCK, &set, NULL);
        printf("round %d: %s %016llx\n", r, trace, sum);
    }
    return 0;
}

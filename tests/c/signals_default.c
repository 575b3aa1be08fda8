/* A signal's default action ends the program as a native one killed by
   it looks to a shell: exit status 128 + 15 here, without atexit handlers.
   Before that: ignored defaults (SIGCHLD, SIGWINCH, SIGCONT), SIG_IGN, a
   handler restored to SIG_DFL by SA_RESETHAND, and SIGTERM pending while
   blocked, delivered when sigprocmask unblocks it. stdout is flushed
   first: what a killed native program has buffered is lost. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void never(void) { printf("atexit handler ran\n"); }

static void once(int sig) { printf("handler %d, disposition reset\n", sig); }

int main(void) {
    struct sigaction sa;
    sigset_t set;
    atexit(never);
    raise(SIGCHLD);
    raise(SIGWINCH);
    raise(SIGCONT);
    signal(SIGINT, SIG_IGN);
    raise(SIGINT);
    printf("ignored ones passed\n");
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = once;
    sa.sa_flags = SA_RESETHAND;
    sigaction(SIGTERM, &sa, NULL);
    raise(SIGTERM);
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigprocmask(SIG_BLOCK, &set, NULL);
    raise(SIGTERM);
    printf("SIGTERM pending, blocked\n");
    fflush(stdout);
    sigprocmask(SIG_UNBLOCK, &set, NULL);
    printf("not reached\n");
    return 0;
}

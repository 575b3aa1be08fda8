/* The exec family fails (pivm runs no host program; glibc fails the same
   way on a missing one, with another errno): a child that cannot exec
   says so and exits 127, and its parent sees that status. */
#include <errno.h>
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

int main(void) {
    char *argv[] = {"pivm-no-such-program", NULL};
    char *envp[] = {NULL};
    fflush(stdout);
    pid_t p = fork();
    if (p == 0) {
        execvp(argv[0], argv);
        printf("child: execvp failed: %s\n", errno ? "yes" : "no");
        fflush(stdout);
        _exit(127);
    }
    int st;
    waitpid(p, &st, 0);
    printf("parent: child exited %d\n", WEXITSTATUS(st));
    printf("execv %d, execve %d, execl %d, execlp %d\n",
           execv("/pivm/no/such", argv), execve("/pivm/no/such", argv, envp),
           execl("/pivm/no/such", "x", (char *)0), execlp("pivm-no-such-program", "x", (char *)0));
    return 0;
}

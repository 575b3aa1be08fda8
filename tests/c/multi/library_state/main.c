/* Library state shared by the files of a program: errno, the atexit
   handlers (registered in both files, run when main returns), the signal
   handlers (installed in one file, raised in the other). */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>

void register_more(void);
void raise_it(int sig);
int parse_errno(const char *s);

static void handler(int sig) { printf("handler %d\n", sig); }
static void bye_main(void) { printf("bye from main.c\n"); }

int main(void) {
    atexit(bye_main);
    register_more();
    signal(SIGUSR2, handler);
    raise_it(SIGUSR2);
    errno = 0;
    printf("errno from the other file: %d (ERANGE %d)\n", parse_errno("999999999999999999999"), ERANGE);
    printf("errno here: %d\n", errno);
    printf("main returns 4\n");
    return 4;
}

/* setenv, getenv, unsetenv, putenv and clearenv as glibc's, on names the
   host's environment does not have (pivm starts a program with an empty
   one): overwrite or not, replacing, putenv's string itself in the table
   (a later change to it shows), putenv without '=' unsetting, invalid
   names (EINVAL). */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void show(const char *name) {
    const char *v = getenv(name);
    printf("%s=%s\n", name, v ? v : "(unset)");
}

int main(void) {
    show("PIVM_ENV_A");
    printf("%d\n", setenv("PIVM_ENV_A", "one", 0));
    show("PIVM_ENV_A");
    printf("%d\n", setenv("PIVM_ENV_A", "two", 0));
    show("PIVM_ENV_A");
    printf("%d\n", setenv("PIVM_ENV_A", "three", 1));
    show("PIVM_ENV_A");
    show("PIVM_ENV");
    static char put[] = "PIVM_ENV_B=from putenv";
    printf("%d\n", putenv(put));
    show("PIVM_ENV_B");
    put[11] = 'F';
    show("PIVM_ENV_B");
    for (int i = 0; i < 20; i++) {
        char name[32], value[32];
        snprintf(name, sizeof name, "PIVM_ENV_N%d", i);
        snprintf(value, sizeof value, "%d", i * i);
        setenv(name, value, 1);
    }
    show("PIVM_ENV_N7");
    show("PIVM_ENV_N19");
    printf("%d\n", unsetenv("PIVM_ENV_A"));
    show("PIVM_ENV_A");
    show("PIVM_ENV_B");
    printf("%d\n", putenv("PIVM_ENV_B"));
    show("PIVM_ENV_B");
    errno = 0;
    int r = setenv("BAD=NAME", "x", 1);
    printf("%d %d\n", r, errno == EINVAL);
    errno = 0;
    r = setenv("", "x", 1);
    printf("%d %d\n", r, errno == EINVAL);
    errno = 0;
    r = unsetenv("A=B");
    printf("%d %d\n", r, errno == EINVAL);
    printf("%d\n", unsetenv("PIVM_ENV_NEVER"));
    clearenv();
    show("PIVM_ENV_N7");
    setenv("PIVM_ENV_C", "after clear", 1);
    show("PIVM_ENV_C");
    return 0;
}

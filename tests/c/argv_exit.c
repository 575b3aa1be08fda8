/* main's argc/argv and a nonzero exit code through return. */
/* args: one two three */
#include <stdio.h>

int main(int argc, char **argv) {
    printf("argc=%d\n", argc);
    for (int i = 1; i < argc; i++) printf("arg %s\n", argv[i]);
    printf("%d\n", argv[argc] == 0);
    return 3;
}

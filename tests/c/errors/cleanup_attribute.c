/* gcc calls a cleanup function where the variable's scope ends. */
#include <stdlib.h>
static void release(char **p) { free(*p); }
int main(void) {
    char *buf __attribute__((__cleanup__(release))) = malloc(16);
    return buf == 0;
}

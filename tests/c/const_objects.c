/* const objects that are not written (pointers to const are, and may be):
   no false "read-only" error. */
#include <stdio.h>
#include <string.h>
struct S { const char *name; int v; };
static const struct S table[] = {{"a", 1}, {"b", 2}};
const char *names[3];
int main(void) {
    const char *p = "xyz";
    const char *q[2];
    char buf[8];
    const int n = 3;
    int *ip;
    int arr[3] = {0};
    const int *cp = arr;
    q[0] = p; q[1] = "w";
    names[0] = q[1];
    p++;
    cp++;
    ip = (int *)cp;
    *ip = 7;
    strcpy(buf, p);
    for (const char *s = "hi"; *s; s++) putchar(*s);
    printf(" %s %s %s %d %d %s\n", q[0], q[1], names[0], n, arr[1], buf);
    printf("%s %d\n", table[1].name, table[0].v);
    return 0;
}

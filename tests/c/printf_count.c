/* printf's %n: the count so far stored through the pointer, as the
   length modifier's integer (hh, h, l, ll), to stdout and to strings
   (snprintf counts what it would have written). */
#include <stdio.h>
int main(void) {
    int a = -1, b = -1; signed char c = 0; short d = 0; long e = 0; long long f = 0;
    printf("hello%n world %s%n!\n", &a, "xyz", &b);
    printf("%d %d\n", a, b);
    char buf[64];
    int n = snprintf(buf, 8, "abcdefghij%n|%hhn%hn%ln%lln", &a, &c, &d, &e, &f);
    printf("%d %d %d %d %ld %lld [%s]\n", n, a, c, d, e, f, buf);
    sprintf(buf, "%5d%n", 42, &a);
    printf("%d [%s]\n", a, buf);
    return 0;
}

/* printf format coverage (the runtime formats like glibc). */
#include <stdio.h>

int main(void) {
    printf("[%d] [%5d] [%-5d] [%05d] [%+d] [% d]\n", 42, 42, 42, 42, 42, 42);
    printf("[%x] [%X] [%#x] [%o] [%#o] [%08x]\n", 255, 255, 255, 8, 8, 0xbeef);
    printf("[%u] [%lu] [%ld] [%lld] [%llu]\n", 3000000000u, 10000000000UL, -10000000000L, -1LL, 18446744073709551615ULL);
    printf("[%hd] [%hhd] [%hu]\n", (short)-5, (char)-3, (unsigned short)65535);
    printf("[%c] [%5c] [%-3c]\n", 'a', 'b', 'c');
    printf("[%s] [%10s] [%-10s] [%.3s]\n", "str", "right", "left", "truncate");
    printf("[%f] [%.2f] [%10.3f] [%-10.1f] [%e] [%.3E]\n", 3.14159, 3.14159, 3.14159, 3.14159, 314.159, 0.000314159);
    printf("[%g] [%g] [%g] [%.3g] [%G]\n", 0.0001, 123456789.0, 100.0, 3.14159, 1e-10);
    printf("[%%] [%5.1f%%]\n", 99.5);
    printf("[%*d] [%-*d] [%.*f]\n", 6, 7, 4, 8, 2, 1.23456);
    printf("[%ld] [%i]\n", sizeof(int) * 3, -17);
    printf("[%p]\n", (void *)0);
    float f = 2.5f;
    printf("[%f] [%.1f]\n", f, f * 2);
    char c = 'A';
    short s = 300;
    printf("[%d] [%d] [%c]\n", c, s, c + 1);
    printf("%s\n", "");
    printf("no args\n");
    fprintf(stdout, "to %s\n", "stdout");
    fputs("fputs line\n", stdout);
    puts("puts line");
    putchar('!');
    putchar('\n');
    char buf[100];
    int n = sprintf(buf, "%d-%s-%.2f", 7, "x", 1.005);
    printf("%s %d\n", buf, n);
    n = snprintf(buf, 8, "%s", "overflowing");
    printf("%s %d\n", buf, n);
    return 0;
}

/* Block scoping and shadowing. */
#include <stdio.h>

int x = 1;

int main(void) {
    printf("%d\n", x);
    int x = 2;
    printf("%d\n", x);
    {
        int x = 3;
        printf("%d\n", x);
        {
            x = 4;
            int x = 5;
            printf("%d\n", x);
        }
        printf("%d\n", x);
    }
    printf("%d\n", x);
    for (int x = 10; x < 12; x++) printf("loop %d\n", x);
    printf("%d\n", x);
    int y = x * 10;
    {
        int y = y + 1;
        (void)y;
    }
    printf("%d\n", y);
    struct s { int a; };
    {
        struct s { double b; };
        struct s v = {2.5};
        printf("%.1f\n", v.b);
    }
    struct s w = {7};
    printf("%d\n", w.a);
    return 0;
}

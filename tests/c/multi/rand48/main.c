/* The 48-bit generators' state, a and c are one object for the whole
   program: seeded and changed in one file, drawn from in the other. */
#include <stdio.h>
#include <stdlib.h>

long draw_more(void);
void reseed_more(long s);

int main(void) {
    srand48(2024);
    long a = lrand48();
    long b = draw_more();
    long c = lrand48();
    reseed_more(99);
    long d = lrand48();
    unsigned short p[7] = {1, 2, 3, 11, 0, 0, 5};
    lcong48(p);
    long e = draw_more();
    printf("%ld %ld %ld %ld %ld\n", a, b, c, d, e);
    return 0;
}

/* ctype.h, assert.h, stdbool.h, stdint.h, limits.h, stddef.h, stdlib.h. */
#include <assert.h>
#include <ctype.h>
#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

struct s { char c; int i; double d; };

int main(void) {
    const char *t = "Hello, World 42!\t";
    int up = 0, low = 0, dig = 0, sp = 0, pun = 0;
    for (const char *p = t; *p; p++) {
        if (isupper(*p)) up++;
        if (islower(*p)) low++;
        if (isdigit(*p)) dig++;
        if (isspace(*p)) sp++;
        if (ispunct(*p)) pun++;
    }
    printf("%d %d %d %d %d\n", up, low, dig, sp, pun);
    printf("%c%c %d %d\n", toupper('q'), tolower('Q'), isalpha('x'), isxdigit('G'));
    printf("%d %d\n", isalnum('5'), isdigit('a'));
    bool b = true;
    assert(b);
    assert(1 + 1 == 2);
    printf("%d %d %lu\n", b, !b, sizeof(bool));
    int8_t i8 = -128;
    uint8_t u8 = 255;
    int16_t i16 = INT16_MIN;
    uint32_t u32 = UINT32_MAX;
    int64_t i64 = INT64_MIN;
    uint64_t u64 = UINT64_MAX;
    printf("%d %d %d %u %ld %lu\n", i8, u8, i16, u32, i64, u64);
    printf("%d %d %u %ld %lu\n", INT_MAX, INT_MIN, UINT_MAX, LONG_MAX, ULONG_MAX);
    printf("%d %d %d %d\n", CHAR_BIT, SCHAR_MIN, UCHAR_MAX, SHRT_MAX);
    printf("%lu %lu %lu\n", offsetof(struct s, c), offsetof(struct s, i), offsetof(struct s, d));
    size_t sz = sizeof(struct s);
    ptrdiff_t pd = &t[5] - &t[1];
    printf("%lu %ld\n", sz, pd);
    int *np = NULL;
    printf("%d\n", np == NULL);
    printf("%d %ld %d\n", abs(-5), labs(-7L), atoi("  123xyz"));
    printf("%ld %.3f\n", strtol("ff", NULL, 16), atof("2.5e2"));
    char *end;
    long v = strtol("789rest", &end, 10);
    printf("%ld %s\n", v, end);
    printf("%lu\n", strtoul("4294967296", NULL, 10));
    printf("%d %d\n", EXIT_SUCCESS, EXIT_FAILURE);
    return 0;
}

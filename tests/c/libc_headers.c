/* limits.h, float.h, inttypes.h, errno.h, locale.h (the C locale),
   signal.h (handlers called by raise), and the stdlib helpers div,
   strtoll and getenv. */
#include <errno.h>
#include <float.h>
#include <inttypes.h>
#include <limits.h>
#include <locale.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static volatile sig_atomic_t got;
static int calls;
static void handler(int s) {
    got = s;
    calls++;
}

int main(void) {
    printf("%d %d %u %ld %lu %d %d\n", INT_MIN, INT_MAX, UINT_MAX, LONG_MIN, ULONG_MAX, CHAR_BIT, MB_LEN_MAX);
    printf("%.17g %.17g %.17g %g\n", DBL_MAX, DBL_MIN, DBL_EPSILON, DBL_TRUE_MIN);
    printf("%.9g %.9g %.9g\n", (double)FLT_MAX, (double)FLT_EPSILON, (double)FLT_TRUE_MIN);
    printf("%d %d %d %d %d %d\n", DBL_MAX_EXP, DBL_MIN_EXP, DBL_MAX_10_EXP, DBL_MIN_10_EXP, FLT_MAX_EXP, FLT_MIN_EXP);
    printf("%d %d %d %d\n", FLT_ROUNDS, FLT_EVAL_METHOD, DBL_DECIMAL_DIG, FLT_DECIMAL_DIG);

    int64_t a = -1234567890123LL;
    uint32_t b = 4000000000u;
    printf("%" PRId64 " %" PRIu32 " %" PRIx32 " %" PRIX64 "\n", a, b, b, (uint64_t)0xDEADBEEFCAFEULL);
    printf("%" PRIi8 " %" PRIu16 " %" PRIo32 " %" PRIdPTR "\n", (int8_t)-5, (uint16_t)65535, (uint32_t)8, (intptr_t)-3);
    printf("%" PRIdMAX " %" PRIuMAX "\n", strtoimax("-42", NULL, 10), strtoumax("ff", NULL, 16));
    imaxdiv_t d = imaxdiv(17, -5);
    printf("%jd %jd %jd\n", d.quot, d.rem, imaxabs(-9));
    div_t dv = div(-17, 5);
    ldiv_t lv = ldiv(17L, -5L);
    lldiv_t llv = lldiv(-17LL, -5LL);
    printf("%d %d %ld %ld %lld %lld\n", dv.quot, dv.rem, lv.quot, lv.rem, llv.quot, llv.rem);
    printf("%lld %llu %lld\n", strtoll("-9223372036854775808", NULL, 10), strtoull("18446744073709551615", NULL, 10),
           atoll("123456789012"));
    printf("%.9g\n", strtof("1.1", NULL));

    errno = 0;
    printf("errno %d, %d %d %d %d %d\n", errno, EDOM, ERANGE, EINVAL, ENOENT, EILSEQ);
    errno = EDOM;
    printf("errno %d\n", errno);

    printf("locale %s %s %d\n", setlocale(LC_ALL, NULL), setlocale(LC_ALL, "C"), setlocale(LC_ALL, "xx_YY") == NULL);
    struct lconv *lc = localeconv();
    printf("'%s' '%s' %d %d\n", lc->decimal_point, lc->thousands_sep, lc->frac_digits, lc->n_sign_posn);

    /* A native process inherits its dispositions (a shell's background
       job starts with SIGINT ignored); the VM's start at the default. */
    signal(SIGINT, SIG_DFL);
    signal(SIGTERM, SIG_DFL);
    printf("signal %d\n", signal(SIGINT, handler) == SIG_DFL);
    raise(SIGINT);
    raise(SIGINT);
    printf("got %d calls %d\n", got, calls);
    printf("ignored %d\n", signal(SIGTERM, SIG_IGN) == SIG_DFL);
    printf("raise %d\n", raise(SIGTERM));
    printf("old %d err %d\n", signal(SIGINT, SIG_DFL) == handler, signal(SIGKILL, handler) == SIG_ERR);
    printf("getenv %s\n", getenv("PIVM_SURELY_UNSET_VARIABLE") ? "set" : "unset");
    return 0;
}

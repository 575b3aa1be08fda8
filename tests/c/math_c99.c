/* The C99 additions to math.h: rounding, classification, decomposition,
   special functions and the float variants, over ordinary and edge
   values (zeros, subnormals, infinities, NaN). */
#include <stdio.h>
#include <math.h>
#include <float.h>

static void classify(const char *name, double x) {
    printf("%-8s fp=%d nan=%d inf=%d fin=%d norm=%d sign=%d\n", name, fpclassify(x), isnan(x) != 0, isinf(x),
           isfinite(x) != 0, isnormal(x) != 0, signbit(x) != 0);
}

int main(void) {
    classify("zero", 0.0);
    classify("-zero", -0.0);
    classify("one", 1.0);
    classify("subnorm", 1e-310);
    classify("inf", INFINITY);
    classify("-inf", -INFINITY);
    classify("nan", NAN);
    classify("max", DBL_MAX);
    printf("%d %d %d %d %d %d\n", isgreater(2.0, 1.0), isgreaterequal(1.0, 1.0), isless(2.0, 1.0),
           islessequal(1.0, 2.0), islessgreater(1.0, 1.0), isunordered(NAN, 1.0));

    double r[] = {2.5, -2.5, 3.5, 0.49999999999999994, -0.5, 1e300, -7.25};
    for (int i = 0; i < 7; i++)
        printf("round %g: %g %g %g %ld %ld %g\n", r[i], round(r[i]), rint(r[i]), nearbyint(r[i]),
               i == 5 ? 0L : lround(r[i]), i == 5 ? 0L : lrint(r[i]), trunc(r[i]));

    double fx[] = {48.0, 0.1, -3.0, 1e-310, 0.0, DBL_MAX};
    for (int i = 0; i < 6; i++) {
        int e;
        double m = frexp(fx[i], &e);
        printf("frexp %.17g = %.17g * 2^%d; ldexp back %.17g; ilogb %d logb %g\n", fx[i], m, e, ldexp(m, e),
               ilogb(fx[i]), logb(fx[i]));
    }
    printf("ldexp %g %g %g\n", ldexp(0.75, 6), ldexp(1.0, -1074), ldexp(1.0, 1024));
    printf("scalbn %g %g\n", scalbn(1.0, 10), scalbln(3.0, -1));
    double ip;
    double fp = modf(3.75, &ip);
    printf("modf %g %g\n", fp, ip);
    fp = modf(-2.5, &ip);
    printf("modf %g %g\n", fp, ip);
    fp = modf(-INFINITY, &ip);
    printf("modf %g %g\n", fp, ip);

    printf("copysign %g %g %g\n", copysign(3.0, -1.0), copysign(-2.0, 1.0), copysign(1.0, -0.0));
    printf("fma %.17g %.17g\n", fma(1.5, 2.0, 0.25), fma(0.1, 10.0, -1.0));
    printf("nextafter %.17g %.17g %g %g\n", nextafter(1.0, 2.0), nextafter(1.0, 0.0), nextafter(0.0, 1.0),
           nextafter(0.0, -1.0));
    printf("nextafterf %.9g %.9g\n", nextafterf(1.0f, 2.0f), nextafterf(0.0f, -1.0f));
    printf("fmin/fmax %g %g %g %g\n", fmin(1.0, 2.0), fmax(1.0, 2.0), fmin(NAN, 3.0), fmax(-1.0, NAN));
    printf("hypot %.17g %.17g\n", hypot(3.0, 4.0), hypot(1e300, 1e300));
    printf("cbrt %.17g %.17g %.17g\n", cbrt(27.0), cbrt(-8.0), cbrt(2.0));
    printf("expm1 %.17g %.15g\n", expm1(1e-10), expm1(1.0));
    printf("log1p %.17g %.17g\n", log1p(1e-10), log1p(1.0));
    printf("exp2 %.17g %.17g\n", exp2(3.5), exp2(-1074.0));
    printf("remainder %.17g %.17g %.17g\n", remainder(10.0, 3.0), remainder(11.0, 3.0), remainder(-7.5, 2.0));
    int q;
    double rq = remquo(10.0, 3.0, &q);
    printf("remquo %g %d", rq, q);
    rq = remquo(-29.0, 3.0, &q);
    printf(" %g %d\n", rq, q);
    printf("fdim %g %g\n", fdim(5.0, 3.0), fdim(3.0, 5.0));
    printf("erf %.17g %.17g %.17g\n", erf(0.5), erfc(0.5), erf(-3.0));
    printf("tgamma %.17g %.15g %.15g\n", tgamma(5.0), tgamma(0.5), tgamma(-1.5));
    printf("lgamma %.17g %.17g\n", lgamma(10.0), lgamma(0.5));
    printf("asinh %.17g\n", asinh(1.0));
    /* The C99 functions are musl's (the libm crate's) on every host, the
       same bits everywhere; glibc differs from them in the last place for
       some arguments (expm1(1), tgamma(0.5), tgamma(-1.5), acosh(2),
       atanh(0.5)), so those print 15 digits. */
    printf("acosh atanh %.15g %.15g\n", acosh(2.0), atanh(0.5));

    float f = 2.0f;
    printf("%.9g %.9g %.9g %.9g\n", sqrtf(f), sinf(f), expf(f), logf(f));
    printf("%.9g %.9g %.9g %.9g\n", powf(f, 0.5f), atan2f(1.0f, f), tanf(f), fmodf(7.0f, f));
    printf("%.9g %.9g %.9g\n", hypotf(3.0f, 4.0f), copysignf(1.0f, -0.0f), cbrtf(27.0f));
    int e;
    float mf = frexpf(12.0f, &e);
    float ipf;
    float fpf = modff(2.25f, &ipf);
    printf("%g %d %g %g %g\n", mf, e, fpf, ipf, ldexpf(1.5f, 3));
    printf("%d %d\n", FP_ILOGB0 == ilogb(0.0), (int)sizeof(float_t));
    return 0;
}

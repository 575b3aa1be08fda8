/* errno after the math functions, against gcc and glibc: domain errors
   (EDOM: a NaN from arguments that are not NaN), overflows and poles
   (ERANGE: an infinity from finite arguments), underflows to zero
   (ERANGE) where glibc reports them, and the cases that set nothing (a
   subnormal result, infinite or NaN arguments, fma); nextafter's own
   rule; the float functions' range errors of their float result.
   sqrt is inlined by the JIT, in straight code and in loops it
   compiles twice, reading errno in the loop too. NaNs print as "nan"
   (their sign is the host's in C, canonical in the VM). */
#include <errno.h>
#include <float.h>
#include <math.h>
#include <stdio.h>

static void show(const char *f, double x, double y, double r) {
    if (isnan(r))
        printf("%-9s %-12g %-12g = nan errno %d\n", f, x, y, errno);
    else
        printf("%-9s %-12g %-12g = %-12g errno %d\n", f, x, y, r, errno);
}

#define T1(f, x) do { volatile double vx = (x); errno = 0; double r = f(vx); show(#f, vx, 0, r); } while (0)
#define F1(f, x) do { volatile float vx = (x); errno = 0; float r = f(vx); show(#f, vx, 0, r); } while (0)
#define F2(f, x, y) do { volatile float vx = (x), vy = (y); errno = 0; float r = f(vx, vy); show(#f, vx, vy, r); } while (0)
#define T2(f, x, y) do { volatile double vx = (x), vy = (y); errno = 0; double r = f(vx, vy); show(#f, vx, vy, r); } while (0)

static double total_roots(const double *a, int n, int *errs) {
    double s = 0;
    for (int i = 0; i < n; i++) {
        errno = 0;
        double r = sqrt(a[i]);
        if (errno == EDOM)
            ++*errs;
        else
            s += r;
    }
    return s;
}

static double sum_roots(const double *a, int n) {
    double s = 0;
    for (int i = 0; i < n; i++)
        s += sqrt(a[i] * a[i] + 1.0) - sqrt(a[i] + 100.0);
    return s;
}

int main(void) {
    double inf = INFINITY, nan_ = NAN;
    T1(sqrt, -1.0); T1(sqrt, -0.0); T1(sqrt, nan_); T1(sqrt, -inf); T1(sqrt, 4.0);
    T1(log, 0.0); T1(log, -1.0); T1(log, -inf); T1(log, inf); T1(log, nan_); T1(log, 1.0);
    T1(log10, 0.0); T1(log10, -2.0); T1(log2, 0.0); T1(log2, -2.0);
    T1(log1p, -1.0); T1(log1p, -2.0);
    T1(exp, 1000.0); T1(exp, -1000.0); T1(exp, -745.2); T1(exp, -740.0); T1(exp, -inf); T1(exp, inf);
    T1(exp2, 2000.0); T1(exp2, -2000.0); T1(exp2, -1070.0);
    T1(expm1, 1000.0); T1(expm1, -1000.0);
    T1(acos, 2.0); T1(asin, -2.0); T1(acosh, 0.5); T1(atanh, 1.0); T1(atanh, 2.0); T1(atanh, -1.0);
    T1(cosh, 1000.0); T1(sinh, -1000.0); T1(sinh, 1e-320);
    T1(sin, inf); T1(cos, -inf); T1(tan, inf); T1(atan, inf); T1(tanh, inf);
    T1(tgamma, 0.0); T1(tgamma, -1.0); T1(tgamma, 200.0); T1(tgamma, -200.5); T1(tgamma, -inf);
    T1(lgamma, 0.0); T1(lgamma, -1.0); T1(lgamma, 1e308); T1(lgamma, -inf);
    T1(erfc, 30.0); T1(erfc, 27.0); T1(erf, 1e-320);
    T1(cbrt, -8.0); T1(asinh, inf); T1(fabs, -inf); T1(floor, nan_); T1(rint, 1e300); T1(round, inf);
    T1(ceil, -0.5); T1(trunc, -inf);
    T2(pow, 0.0, -1.0); T2(pow, -0.0, -3.0); T2(pow, -2.0, 0.5); T2(pow, 10.0, 400.0);
    T2(pow, 10.0, -400.0); T2(pow, -10.0, 401.0); T2(pow, 2.0, -1074.0); T2(pow, 2.0, -1075.0);
    T2(pow, inf, 2.0); T2(pow, 0.0, 0.0); T2(pow, nan_, 0.0); T2(pow, 1.0, nan_);
    T2(pow, 0.5, 2000.0); T2(pow, -inf, -1.0); T2(pow, 0.0, -inf); T2(pow, 0.0, 3.0);
    T2(fmod, 1.0, 0.0); T2(fmod, inf, 1.0); T2(fmod, 1.0, inf); T2(fmod, nan_, 0.0); T2(fmod, 4.0, 2.0);
    T2(remainder, 1.0, 0.0); T2(remainder, inf, 2.0);
    T2(hypot, 1e308, 1e308); T2(hypot, inf, nan_); T2(hypot, 3.0, 4.0);
    T2(atan2, 0.0, 0.0); T2(atan2, inf, inf);
    T2(nextafter, 1e308, inf); T2(nextafter, DBL_MAX, inf); T2(nextafter, 4.9e-324, 0.0);
    T2(nextafter, 0.0, 1.0); T2(nextafter, DBL_MIN, 0.0); T2(nextafter, 1.0, nan_);
    T2(nextafter, -4.9e-324, -1.0); T2(nextafter, 2.0, 2.0); T2(nextafter, inf, 0.0);
    T2(nextafter, -DBL_MAX, -inf); T2(nextafter, 0.0, -1.0);
    T2(copysign, inf, -1.0); T2(fmin, nan_, 1.0); T2(fmax, inf, 1.0);
    { volatile double x = 1.0; errno = 0; double r = ldexp(x, 5000); show("ldexp", x, 5000, r); }
    { volatile double x = 1.0; errno = 0; double r = ldexp(x, -5000); show("ldexp", x, -5000, r); }
    { volatile double x = 1.0; errno = 0; double r = ldexp(x, -1074); show("ldexp", x, -1074, r); }
    { volatile double x = 3.0; errno = 0; double r = ldexp(x, -1075); show("ldexp", x, -1075, r); }
    { volatile double x = INFINITY; errno = 0; double r = ldexp(x, 5); show("ldexp", x, 5, r); }
    { volatile double x = 0.0; errno = 0; double r = ldexp(x, -5000); show("ldexp", x, -5000, r); }
    { volatile double x = INFINITY, z = 0.0; errno = 0; double r = fma(x, z, 1.0); show("fma", x, z, r); }
    { volatile double x = 1e308; errno = 0; double r = fma(x, 10.0, 0.0); show("fma", x, 10, r); }

    /* The float functions: an overflow to infinity or an underflow to
       zero of the float result is a range error. */
    F1(expf, 100.0f); F1(expf, -110.0f); F1(expf, 88.0f); F1(expf, 89.0f);
    F1(sinhf, 100.0f); F1(coshf, -100.0f); F1(tgammaf, 40.0f); F1(lgammaf, 1e38f);
    F1(erfcf, 11.0f); F1(exp2f, 200.0f); F1(exp2f, -160.0f); F1(expm1f, 100.0f);
    F1(sqrtf, -1.0f); F1(logf, 0.0f); F1(floorf, 1e30f); F1(fabsf, -3e38f);
    F2(powf, 10.0f, 39.0f); F2(powf, 10.0f, -50.0f); F2(powf, 2.0f, -149.0f);
    F2(powf, 2.0f, -150.0f); F2(hypotf, 3e38f, 3e38f); F2(fmodf, 1.0f, 0.0f);
    F2(fdimf, 3e38f, -3e38f);
    { volatile float x = 1.0f; errno = 0; float r = ldexpf(x, 200); show("ldexpf", x, 200, r); }
    { volatile float x = 1.0f; errno = 0; float r = ldexpf(x, -200); show("ldexpf", x, -200, r); }

    /* errno is only ever set: a later success leaves it. */
    errno = 0;
    volatile double m = -4.0;
    double a = sqrt(m), b = sqrt(-m);
    printf("kept %d %g %d\n", errno, b, isnan(a) != 0);

    /* sqrt in loops (inlined, and compiled twice by the JIT). */
    double v[1000];
    for (int i = 0; i < 1000; i++)
        v[i] = (i % 7 == 3) ? -(double)i : i * 0.5;
    int errs = 0;
    double s = total_roots(v, 1000, &errs);
    printf("roots %.6f, %d domain errors\n", s, errs);
    errno = 0;
    double t = sum_roots(v, 1000);
    printf("sum %s errno %d\n", isnan(t) ? "nan" : "number", errno);
    for (int i = 0; i < 1000; i++)
        v[i] = i * 0.25;
    errno = 0;
    t = sum_roots(v, 1000);
    printf("sum %.6f errno %d\n", t, errno);
    return 0;
}

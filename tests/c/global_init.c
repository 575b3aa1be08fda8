/* Globals with constant initializers: scalars, arrays, nested braces,
   strings, addresses of globals and functions, designators. */
#include <stdio.h>

int i1 = 42;
long l1 = -5000000000L;
double d1 = 3.25;
float f1 = -1.5f;
char c1 = 'z';
unsigned char uc = 255;
short sh = -300;
int arr[5] = {1, 2, 3};
int mat[2][3] = {{1, 2, 3}, {4, 5}};
char str[] = "global";
char sized[10] = "abc";
const char *strs[] = {"alpha", "beta", "gamma"};
int *ip = &arr[2];
int **ipp = &ip;
struct pt { int x; int y; };
struct pt pts[] = {{1, 2}, {3, 4}, [3] = {7, 8}};
struct line { struct pt a, b; const char *label; } ln = {{1, 1}, {5, 5}, "diag"};
struct pt *pp = &pts[1];
int sq(int x) { return x * x; }
int (*fptr)(int) = sq;
struct des { int a, b, c; } ds = {.c = 3, .a = 1};
int flat[2][2] = {1, 2, 3, 4};
long expr_init = 3 * 4 + (1 << 10) - sizeof(struct pt);
char *end_ptr = str + 6;
union u { int i; char c[4]; } un = {0x41424344};
int zero_arr[1000];
double dvals[] = {1.0, 2.5, -0.125};

int main(void) {
    printf("%d %ld %.2f %.2f %c %d %d\n", i1, l1, d1, f1, c1, uc, sh);
    printf("%d %d %d %d\n", arr[0], arr[2], arr[3], arr[4]);
    printf("%d %d %d\n", mat[0][2], mat[1][1], mat[1][2]);
    printf("%s %s %lu %d\n", str, sized, sizeof str, sized[5]);
    printf("%s %s %s\n", strs[0], strs[1], strs[2]);
    printf("%d %d\n", *ip, **ipp);
    printf("%d %d %d %d %lu\n", pts[0].x, pts[1].y, pts[2].x, pts[3].y, sizeof pts / sizeof pts[0]);
    printf("%d %d %s\n", ln.a.x, ln.b.y, ln.label);
    printf("%d %d\n", pp->x, fptr(9));
    printf("%d %d %d\n", ds.a, ds.b, ds.c);
    printf("%d %d\n", flat[1][0], flat[1][1]);
    printf("%ld %d\n", expr_init, *(end_ptr - 1));
    printf("%c%c\n", un.c[0], un.c[3]);
    printf("%d %.3f\n", zero_arr[999], dvals[2]);
    return 0;
}

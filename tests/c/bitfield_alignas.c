/* A member's _Alignas or aligned after a bit-field in the same struct:
   each member keeps its own request (they were matched by position among
   the non-bit-field members only, so the request went to the wrong one). */
#include <stddef.h>
#include <stdio.h>

struct s { int a : 3; _Alignas(16) int b; char c; };
struct t { unsigned x : 5, y : 7; char z; int w __attribute__((aligned(8))); };
struct u { char c; int k : 4; _Alignas(32) char d; };

int main(void) {
    struct s v = { 3, 4, 'c' };
    struct t w = { 17, 99, 'z', 12 };
    printf("%zu %zu %zu\n", sizeof(struct s), offsetof(struct s, b), offsetof(struct s, c));
    printf("%zu %zu %zu\n", sizeof(struct t), offsetof(struct t, z), offsetof(struct t, w));
    printf("%zu %zu\n", sizeof(struct u), offsetof(struct u, d));
    printf("%d %d %c %u %u %c %d\n", v.a, v.b, v.c, w.x, w.y, w.z, w.w);
    return 0;
}

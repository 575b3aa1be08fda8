/* #pragma pack: push and pop, a cap on members that _Alignas and aligned
   cannot pass (but a struct type's own aligned can), nested structs laid
   out under another cap, pack() lifting it; and _Pragma. */
#include <stdio.h>
#include <stddef.h>
#pragma pack(push, 2)
struct a { char c; int i; double d; long double ld; };
struct b { char c; int i __attribute__((aligned(8))); };
struct c { char c; _Alignas(8) int i; };
struct d { char c; int i; } __attribute__((aligned(16)));
#pragma pack(pop)
#pragma pack(1)
struct e { char c; struct a x; short s; };
struct f { char c; int i; } __attribute__((packed));
#pragma pack()
struct g { char c; int i; };
int main(void) {
  printf("a %zu %zu %zu %zu %zu\n", sizeof(struct a), _Alignof(struct a), offsetof(struct a, i), offsetof(struct a, d), offsetof(struct a, ld));
  printf("b %zu %zu %zu\n", sizeof(struct b), _Alignof(struct b), offsetof(struct b, i));
  printf("c %zu %zu %zu\n", sizeof(struct c), _Alignof(struct c), offsetof(struct c, i));
  printf("d %zu %zu\n", sizeof(struct d), _Alignof(struct d));
  printf("e %zu %zu %zu\n", sizeof(struct e), _Alignof(struct e), offsetof(struct e, s));
  printf("f %zu g %zu\n", sizeof(struct f), sizeof(struct g));
  int check_h(void);
  printf("h %d\n", check_h());
  return 0;
}
_Pragma("pack(push, 4)")
struct h { char c; double d; };
_Pragma("pack(pop)")
struct h2 { char c; double d; };
int check_h(void) { return (int)(sizeof(struct h) * 100 + sizeof(struct h2)); }

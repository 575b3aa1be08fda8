/* Alignments are powers of 2 up to 2^28; _Alignas(0) and aligned(0) ask
   nothing (gcc ignores the second with a warning). */
struct a { _Alignas(0) int ok; _Alignas(1 << 29) int big; };
struct b { int zero __attribute__((aligned(0))); int huge __attribute__((aligned(1 << 30))); };
int main(void) { return 0; }

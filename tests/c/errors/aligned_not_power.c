/* An alignment must be a positive power of 2. */
struct s { int x __attribute__((aligned(12))); };
int main(void) { return 0; }

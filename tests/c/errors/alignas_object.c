/* An automatic variable is aligned to at most 16 (the shadow stack's
   frames): a stricter _Alignas is refused (static and global variables
   may ask more). */
int main(void) { _Alignas(32) int x = 0; return x; }

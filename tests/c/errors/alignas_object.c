/* An automatic variable is aligned as its type: a stricter _Alignas is
   refused (static and global variables may ask more). */
int main(void) { _Alignas(16) int x = 0; return x; }

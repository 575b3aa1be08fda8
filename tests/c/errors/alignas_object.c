/* A variable is aligned as its type: a stricter _Alignas is refused. */
_Alignas(16) int x;
int main(void) { return x; }

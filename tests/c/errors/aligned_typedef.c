/* gcc's aligned on a typedef changes the type's alignment: refused. */
typedef double vec __attribute__((aligned(16)));
int main(void) { vec v = 1.0; return (int)v; }

/* gcc's constructor and destructor attributes, against gcc: prioritized
   constructors first (ascending), then the others in the order of their
   attributes (one given on a prototype before the definition); main;
   the atexit handlers; then destructors the other way round, also on a
   call of exit from elsewhere; a main called again does not run the
   constructors again. */
#include <stdio.h>
#include <stdlib.h>
static int runs;
static void c1(void) __attribute__((constructor));
static void c1(void) { printf("c1 %d\n", runs++); }
__attribute__((constructor)) static void c2(void) { printf("c2 %d\n", runs++); }
__attribute__((constructor(200))) static void c3(void) { printf("c3 prio 200 %d\n", runs++); }
static void __attribute__((__constructor__(101))) c4(void) { printf("c4 prio 101 %d\n", runs++); }
__attribute__((destructor)) static void d1(void) { printf("d1\n"); }
__attribute__((destructor)) static void d2(void) { printf("d2\n"); }
__attribute__((destructor(200))) static void d3(void) { printf("d3 prio 200\n"); }
__attribute__((destructor(101))) static void d4(void) { printf("d4 prio 101\n"); }
static void handler(void) { printf("atexit handler\n"); }
static void leave(void) {
    printf("exit from elsewhere\n");
    exit(0);
}
int main(int argc, char **argv) {
    static int depth;
    if (depth++ < 2)
        return main(argc, argv);
    atexit(handler);
    printf("main after %d constructors\n", runs);
    leave();
    return 0;
}

/* A local header included twice: guarded. */
#ifndef HELPER_H
#define HELPER_H
#define HELPER_VALUE 7
static int helper_twice(int x) { return 2 * x; }
#endif

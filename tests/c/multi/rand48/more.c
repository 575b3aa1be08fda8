#include <stdlib.h>

long draw_more(void) { return lrand48(); }

void reseed_more(long s) { srand48(s); }

#ifndef SCALE
#error "SCALE must be defined with -D"
#endif
#define SCALED(x) ((x) * SCALE)
int scaled_sum(int n);

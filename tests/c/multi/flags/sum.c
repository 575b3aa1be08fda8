#include "config.h"

int scaled_sum(int n) {
    int s = 0;
    for (int i = 1; i <= n; i++)
        s += SCALED(i);
    return s;
}

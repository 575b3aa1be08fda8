#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdint.h>
/* N! in base 10^9 limbs with 64-bit products, then its digit sum. */
int main(int argc, char **argv) {
    int n = argc > 1 ? atoi(argv[1]) : 20000;
    int cap = 8 + n; /* limbs */
    uint32_t *d = calloc(cap, sizeof *d);
    int len = 1; d[0] = 1;
    for (int k = 2; k <= n; k++) {
        uint64_t carry = 0;
        for (int i = 0; i < len; i++) {
            uint64_t v = (uint64_t)d[i] * (uint64_t)k + carry;
            d[i] = (uint32_t)(v % 1000000000u);
            carry = v / 1000000000u;
        }
        while (carry) { d[len++] = (uint32_t)(carry % 1000000000u); carry /= 1000000000u; }
    }
    long sum = 0;
    for (int i = 0; i < len; i++) { uint32_t v = d[i]; while (v) { sum += v % 10; v /= 10; } }
    printf("%d! has %d limbs, digit sum %ld, top %u\n", n, len, sum, d[len - 1]);
    return 0;
}

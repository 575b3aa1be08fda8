/* Cross-architecture coverage: integers of every width (signed and
 * unsigned, wrapping), floats and doubles (arithmetic and printing), a
 * struct array on the stack, a linked list of heap structs (pointers
 * stored in the heap), and recursion -- all live across safepoints, so a
 * snapshot in the middle carries every kind of value between hosts. */
#include <stdio.h>
#include <stdlib.h>
#include <stdint.h>

struct acc {
    int8_t i8;
    uint8_t u8;
    int16_t i16;
    uint16_t u16;
    int32_t i32;
    uint32_t u32;
    int64_t i64;
    uint64_t u64;
    float f;
    double d;
};

struct node {
    struct node *next;
    uint32_t key;
    double weight;
};

static uint64_t depth_sum(int n, uint64_t x) {
    if (n == 0)
        return x;
    return depth_sum(n - 1, x * 6364136223846793005ULL + 1442695040888963407ULL) ^ (uint64_t)n;
}

int main(void) {
    struct acc a[4];
    struct node *list = 0;
    int i, k;
    for (k = 0; k < 4; k++) {
        a[k].i8 = (int8_t)(k * 37);
        a[k].u8 = (uint8_t)(200 + k);
        a[k].i16 = (int16_t)(-30000 + k);
        a[k].u16 = (uint16_t)(65000 + k);
        a[k].i32 = -2000000000 + k;
        a[k].u32 = 4000000000u + (uint32_t)k;
        a[k].i64 = -9000000000000000000LL + k;
        a[k].u64 = 18000000000000000000ULL + (uint64_t)k;
        a[k].f = 0.1f * (float)(k + 1);
        a[k].d = 1.0 / (double)(k + 3);
    }
    for (i = 0; i < 3000; i++) {
        struct acc *p = &a[i & 3];
        struct node *n = malloc(sizeof(struct node));
        p->i8 += 7;
        p->u8 += 13;
        p->i16 -= 1234;
        p->u16 += 4321;
        p->i32 += 1000000007;
        p->u32 *= 2654435761u;
        p->i64 -= 123456789012345LL;
        p->u64 = p->u64 * 6364136223846793005ULL + 1;
        p->f = p->f * 1.0001f + 0.5f;
        p->d = p->d * 0.999 + 1.0 / (double)(i + 1);
        n->next = list;
        n->key = p->u32 ^ (uint32_t)i;
        n->weight = p->d;
        list = n;
        if (i % 500 == 499) {
            printf("%d: %d %u %d %u %d %u %lld %llu %.4f %.9f %llu\n", i, p->i8, p->u8, p->i16,
                   p->u16, p->i32, p->u32, (long long)p->i64, (unsigned long long)p->u64,
                   (double)p->f, p->d, (unsigned long long)depth_sum(i % 50, p->u64));
        }
    }
    {
        uint64_t h = 1469598103934665603ULL;
        double w = 0;
        int count = 0;
        while (list) {
            struct node *n = list;
            h = (h ^ n->key) * 1099511628211ULL;
            w += n->weight;
            count++;
            list = n->next;
            free(n);
        }
        printf("list: %d nodes, hash %llu, weight %.6e, %g\n", count, (unsigned long long)h, w, w / count);
    }
    return 0;
}

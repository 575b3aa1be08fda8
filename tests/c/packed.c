/* gcc's __attribute__((packed)): on a struct (before its tag or after its
   body) every member at the next byte, the struct aligned to 1 unless a
   member or the type asks more; on a member, that member alone. Sizes,
   offsets, the bytes of the objects and members read and written at
   unaligned addresses, in arrays, globals, copies and through pointers. */
#include <stddef.h>
#include <stdio.h>
#include <string.h>

struct __attribute__((packed)) header {
    unsigned char tag;
    unsigned int length;
    unsigned short flags;
    double value;
};
struct record {
    char kind;
    long long id;
    struct header h;
    short tail;
} __attribute__((__packed__));
struct mixed {
    char c;
    int loose;
    int tight __attribute__((packed));
    char d;
    long long aligned_in_packed __attribute__((packed, aligned(4)));
};
struct packed_aligned { char a; int b; } __attribute__((packed, aligned(8)));
union __attribute__((packed)) pu { char c; int i; double d; };
struct outer { char c; struct header h; int after; };

static struct record table[3] = {
    {'a', 1, {1, 100, 7, 1.5}, -1},
    {'b', 2, {2, 200, 8, 2.5}, -2},
};
static struct header g = {9, 0x01020304u, 0x0506, -0.25};

static unsigned sum_bytes(const void *p, size_t n) {
    const unsigned char *b = p;
    unsigned s = 0;
    for (size_t i = 0; i < n; i++) s = s * 31 + b[i];
    return s;
}

static unsigned length_of(const struct header *h) { return h->length; }

int main(void) {
    printf("header %zu %zu: %zu %zu %zu\n", sizeof(struct header), _Alignof(struct header),
           offsetof(struct header, length), offsetof(struct header, flags), offsetof(struct header, value));
    printf("record %zu %zu: %zu %zu %zu\n", sizeof(struct record), _Alignof(struct record),
           offsetof(struct record, id), offsetof(struct record, h), offsetof(struct record, tail));
    printf("mixed %zu %zu: %zu %zu %zu %zu\n", sizeof(struct mixed), _Alignof(struct mixed),
           offsetof(struct mixed, loose), offsetof(struct mixed, tight), offsetof(struct mixed, d),
           offsetof(struct mixed, aligned_in_packed));
    printf("packed_aligned %zu %zu %zu; union %zu %zu; outer %zu %zu %zu\n",
           sizeof(struct packed_aligned), _Alignof(struct packed_aligned),
           offsetof(struct packed_aligned, b), sizeof(union pu), _Alignof(union pu),
           sizeof(struct outer), offsetof(struct outer, h), offsetof(struct outer, after));

    table[2].kind = 'c';
    table[2].id = 0x1122334455667788LL;
    table[2].h = g;
    table[2].h.length += 5;
    table[2].tail = 300;
    unsigned total = 0;
    for (int i = 0; i < 3; i++) {
        struct record r = table[i];
        r.h.value *= 2;
        total += length_of(&table[i].h) + (unsigned)r.h.value + (unsigned)r.tail;
        printf("%c %lld %u %u %u %g %d\n", r.kind, r.id, r.h.tag, r.h.length, r.h.flags, r.h.value, r.tail);
    }
    printf("total %u bytes %u %u\n", total, sum_bytes(table, sizeof table), sum_bytes(&g, sizeof g));

    unsigned char buf[64];
    memset(buf, 0, sizeof buf);
    struct header *hp = (struct header *)(buf + 3);
    hp->length = 0xdeadbeef;
    hp->value = 3.75;
    hp->flags = 0xabcd;
    printf("%u %u %g %u\n", (unsigned)buf[4], sum_bytes(buf, sizeof buf), hp->value, hp->flags);

    struct mixed m;
    memset(&m, 0, sizeof m);
    m.c = 1; m.loose = 2; m.tight = 3; m.d = 4; m.aligned_in_packed = -5;
    union pu u;
    u.d = 1.0;
    u.c = 7;
    printf("%u %lld %d\n", sum_bytes(&m, sizeof m), m.aligned_in_packed, u.c);
    return 0;
}

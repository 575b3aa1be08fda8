/* Structs holding function pointers (a tiny vtable), functions returning
   structs called through pointers, anonymous unions, flexible arrays. */
#include <stdio.h>
#include <stdlib.h>

struct shape;
struct vtable {
    double (*area)(const struct shape *);
    const char *(*name)(void);
};
struct shape {
    const struct vtable *vt;
    union {
        struct { double w, h; };
        double r;
    };
};

double rect_area(const struct shape *s) { return s->w * s->h; }
const char *rect_name(void) { return "rect"; }
double circle_area(const struct shape *s) { return 3.0 * s->r * s->r; }
const char *circle_name(void) { return "circle"; }

const struct vtable rect_vt = {rect_area, rect_name};
const struct vtable circle_vt = {circle_area, circle_name};

struct pair { int a, b; };
struct pair mkpair(int a, int b) {
    struct pair p = {a, b};
    return p;
}

struct buf {
    int len;
    int data[];
};

int main(void) {
    struct shape shapes[3];
    shapes[0].vt = &rect_vt;
    shapes[0].w = 2;
    shapes[0].h = 3;
    shapes[1].vt = &circle_vt;
    shapes[1].r = 1.5;
    shapes[2] = shapes[0];
    shapes[2].h = 10;
    for (int i = 0; i < 3; i++) printf("%s %.2f\n", shapes[i].vt->name(), shapes[i].vt->area(&shapes[i]));
    struct pair (*mk)(int, int) = mkpair;
    struct pair p = mk(4, 5);
    printf("%d %d %d\n", p.a, p.b, mk(7, 8).b);
    struct buf *b = malloc(sizeof(struct buf) + 5 * sizeof(int));
    b->len = 5;
    for (int i = 0; i < b->len; i++) b->data[i] = i * i;
    printf("%lu %d\n", sizeof(struct buf), b->data[4]);
    free(b);
    return 0;
}

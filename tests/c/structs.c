/* Structs: nested, arrays of structs, assignment, pass and return by value. */
#include <stdio.h>

struct point { int x, y; };
struct rect { struct point min, max; char name[8]; };

struct point add(struct point a, struct point b) {
    struct point r = {a.x + b.x, a.y + b.y};
    return r;
}

void bump(struct point p) { p.x += 100; }

void bump_ptr(struct point *p) { p->x += 100; }

int area(struct rect r) { return (r.max.x - r.min.x) * (r.max.y - r.min.y); }

struct rect make(int w, int h) {
    struct rect r;
    r.min.x = 0;
    r.min.y = 0;
    r.max.x = w;
    r.max.y = h;
    r.name[0] = 'r';
    r.name[1] = 0;
    return r;
}

int main(void) {
    struct point a = {1, 2}, b = {10, 20};
    struct point c = add(a, b);
    printf("%d %d\n", c.x, c.y);
    bump(c);
    printf("%d\n", c.x);
    bump_ptr(&c);
    printf("%d\n", c.x);
    struct rect r = make(3, 4);
    printf("%d %s\n", area(r), r.name);
    struct rect r2 = r;
    r2.max.x = 10;
    printf("%d %d\n", area(r), area(r2));
    struct point pts[4];
    for (int i = 0; i < 4; i++) {
        pts[i].x = i;
        pts[i].y = i * i;
    }
    struct point *pp = pts;
    pp[2] = pts[3];
    printf("%d %d %d\n", pts[2].y, (pp + 1)->y, pp->x);
    printf("%lu %lu\n", sizeof(struct point), sizeof(struct rect));
    struct { char c; double d; int i; } mixed;
    printf("%lu\n", sizeof mixed);
    a = b = c;
    printf("%d %d\n", a.x, b.y);
    printf("%d\n", add(a, add(b, c)).y);
    struct rect *rp = &r;
    rp->min = rp->max;
    printf("%d %d\n", r.min.x, r.min.y);
    return 0;
}

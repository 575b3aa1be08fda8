/* Struct copies: arrays of structs, nested struct members, structs with
   arrays, self-assignment, returns used directly. */
#include <stdio.h>
#include <string.h>

struct rec { char name[16]; int scores[4]; double avg; };

struct rec make(const char *n, int a, int b, int c, int d) {
    struct rec r;
    strcpy(r.name, n);
    r.scores[0] = a;
    r.scores[1] = b;
    r.scores[2] = c;
    r.scores[3] = d;
    r.avg = (a + b + c + d) / 4.0;
    return r;
}

struct rec best(struct rec *all, int n) {
    struct rec b = all[0];
    for (int i = 1; i < n; i++)
        if (all[i].avg > b.avg) b = all[i];
    return b;
}

struct pair { struct rec first, second; };

struct pair swap(struct pair p) {
    struct rec t = p.first;
    p.first = p.second;
    p.second = t;
    return p;
}

int main(void) {
    struct rec all[3];
    all[0] = make("ann", 90, 80, 70, 60);
    all[1] = make("bob", 95, 85, 75, 65);
    all[2] = make("cy", 50, 60, 70, 80);
    struct rec b = best(all, 3);
    printf("%s %.2f\n", b.name, b.avg);
    b.scores[0] = 0;
    printf("%d %d\n", b.scores[0], all[1].scores[0]);
    all[0] = all[0];
    printf("%s\n", all[0].name);
    struct pair p = {all[0], all[2]};
    struct pair q = swap(p);
    printf("%s %s %s %s\n", p.first.name, p.second.name, q.first.name, q.second.name);
    printf("%d\n", make("x", 1, 2, 3, 4).scores[2]);
    printf("%.1f\n", swap(q).second.avg);
    struct rec copy;
    memcpy(&copy, &all[2], sizeof copy);
    printf("%s %d\n", copy.name, copy.scores[3]);
    return 0;
}

/* Tentative definitions, use before definition, extern declarations in
   blocks, globals modified by several functions. */
#include <stdio.h>

int total;
int total;
extern int later;
int history[8];
int pos;

void record(int v) {
    history[pos++ % 8] = v;
    total += v;
}

int get_later(void) {
    extern int later;
    return later;
}

int later = 99;

struct config { const char *name; int level; } cfg = {"default", 1};

void reconfigure(const char *n) {
    cfg.name = n;
    cfg.level++;
}

int main(void) {
    for (int i = 1; i <= 10; i++) record(i * i);
    printf("%d %d\n", total, pos);
    for (int i = 0; i < 8; i++) printf("%d ", history[i]);
    printf("\n%d\n", get_later());
    later = 5;
    printf("%d\n", get_later());
    reconfigure("custom");
    printf("%s %d\n", cfg.name, cfg.level);
    return 0;
}

/* scanf on stdin: a count, then that many numbers of mixed forms, then
   words until the end, with work between reads so that safepoints fall
   between scanf calls (when scanf's lookahead byte waits in the stream).
   pivm must print what gcc does, also when snapshotted anywhere and
   resumed with the rest of the input. */
#include <stdio.h>

/* The rounds of work, read from memory: a loop of a constant count and
   bounded work would not poll. */
static int work_rounds = 300;

static unsigned long work(unsigned long h, int rounds) {
    for (int i = 0; i < rounds; i++) h = h * 6364136223846793005UL + 1442695040888963407UL;
    return h;
}

int main(void) {
    int n = 0;
    unsigned long h = 1;
    if (scanf("%d", &n) != 1) return 1;
    /* Pushed back over scanf's own lookahead. */
    int u = ungetc('#', stdin);
    printf("ungetc %d %c\n", u, getchar());
    double sum = 0;
    for (int i = 0; i < n; i++) {
        double x;
        if (scanf("%lf", &x) != 1) {
            printf("bad number %d\n", i);
            return 1;
        }
        sum += x;
        h = work(h ^ (unsigned long)(long)(x * 1000), work_rounds);
        printf("%d: %g sum %g\n", i, x, sum);
    }
    char word[64];
    int c;
    while (scanf("%63s%n", word, &c) == 1) {
        h = work(h + (unsigned long)c, work_rounds);
        printf("word %s (%d) next %d\n", word, c, getchar());
    }
    printf("h %lx\n", h);
    return 0;
}

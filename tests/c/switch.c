/* switch: fallthrough, default in the middle, nested switch, char cases. */
#include <stdio.h>

int classify(int x) {
    int r = 0;
    switch (x) {
    case 1:
        r += 1;
    case 2:
        r += 10;
        break;
    default:
        r = -1;
    case 3:
        r += 100;
        break;
    case 4: {
        int t = 5;
        r = t * 2;
        break;
    }
    case -7:
        r = 7;
    }
    return r;
}

const char *kind(char c) {
    switch (c) {
    case 'a': case 'e': case 'i': case 'o': case 'u':
        return "vowel";
    case ' ':
        return "space";
    }
    return "other";
}

int main(void) {
    for (int i = -7; i <= 6; i++) printf("%d:%d ", i, classify(i));
    printf("\n");
    const char *s = "hi you";
    for (int i = 0; s[i]; i++) printf("%s ", kind(s[i]));
    printf("\n");
    int total = 0;
    for (int i = 0; i < 4; i++) {
        switch (i % 2) {
        case 0:
            switch (i) {
            case 0: total += 1; break;
            case 2: total += 2; break;
            }
            break;
        case 1:
            total += 100;
            continue;
        }
        total += 1000;
    }
    printf("%d\n", total);
    long big = 5000000000L;
    switch (big) {
    case 5000000000L: printf("long case\n"); break;
    default: printf("no\n");
    }
    switch (3) { default: printf("only default\n"); }
    switch (3) { case 1: printf("never\n"); }
    unsigned char uc = 200;
    switch (uc) { case 200: printf("uchar 200\n"); break; }
    return 0;
}

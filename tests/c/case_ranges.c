/* GNU case ranges (`case LO ... HI:`), as gcc -std=gnu11 accepts them:
   with single cases beside them, on a char and an unsigned switch, an
   empty range, and negative bounds. */
#include <stdio.h>

static const char *kind(int c) {
    switch (c) {
    case '0' ... '9':
        return "digit";
    case 'a' ... 'z':
    case 'A' ... 'Z':
        return "letter";
    case ' ':
        return "space";
    case -5 ... -1:
        return "negative";
    case 300 ... 200:
        return "never";
    default:
        return "other";
    }
}

int main(void) {
    const char *s = "a Z 7 ;";
    for (const char *p = s; *p; p++)
        printf("%s ", kind(*p));
    printf("%s %s %s\n", kind(-3), kind(250), kind(-6));
    unsigned u = 4000000000u;
    switch (u) {
    case 3999999999u ... 4000000001u:
        printf("big\n");
        break;
    }
    signed char sc = -100;
    switch (sc) {
    case -128 ... -100:
        printf("low %d\n", sc);
        break;
    case 0 ... 127:
        printf("high\n");
    }
    return 0;
}

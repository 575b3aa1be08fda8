/* POSIX strtok_r and BSD strsep: tokens between runs of delimiters,
   only delimiters, a last token at the string's end, nested tokenizing
   with two save pointers, empty fields of strsep and a null *sp. */
#define _DEFAULT_SOURCE
#include <stdio.h>
#include <string.h>
int main(void) {
    char a[] = ",,alpha,,beta;gamma,,", *save = NULL, *t;
    for (t = strtok_r(a, ",;", &save); t; t = strtok_r(NULL, ",;", &save))
        printf("[%s] rest=%ld\n", t, (long)(save - a));
    printf("end save=%ld\n", (long)(save - a));
    char b[] = "x", *s2;
    printf("%s\n", strtok_r(b, ",", &s2));
    printf("%p\n", (void *)strtok_r(NULL, ",", &s2));
    char c[] = ",,,", *s3;
    t = strtok_r(c, ",", &s3);
    printf("%p %ld\n", (void *)t, (long)(s3 - c));
    char d[] = "a:b::c", *r = d, *tok;
    while ((tok = strsep(&r, ":")) != NULL)
        printf("<%s> %s\n", tok, r ? "more" : "last");
    char e[] = "", *re = e;
    t = strsep(&re, ",");
    printf("<%s> %p\n", t, (void *)re);
    char *nul = NULL;
    printf("%p\n", (void *)strsep(&nul, ","));
    /* nested tokenizing, the reason for strtok_r */
    char m[] = "a=1;b=2;c=3", *o, *in;
    for (char *kv = strtok_r(m, ";", &o); kv; kv = strtok_r(NULL, ";", &o)) {
        char *k = strtok_r(kv, "=", &in), *v = strtok_r(NULL, "=", &in);
        printf("%s -> %s\n", k, v);
    }
    return 0;
}

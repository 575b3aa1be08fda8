/* qsort (stable, like glibc's), bsearch, strtok, strspn, strcspn, strpbrk,
   memchr: provided by pivm's headers as C functions. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct item { int key; int order; };

int by_key(const void *a, const void *b) {
    const struct item *x = a, *y = b;
    return x->key - y->key;
}

int cmp_int(const void *a, const void *b) {
    int x = *(const int *)a, y = *(const int *)b;
    return (x > y) - (x < y);
}

int cmp_str(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

int main(void) {
    struct item items[10];
    for (int i = 0; i < 10; i++) {
        items[i].key = (i * 7) % 4;
        items[i].order = i;
    }
    qsort(items, 10, sizeof items[0], by_key);
    for (int i = 0; i < 10; i++) printf("%d:%d ", items[i].key, items[i].order);
    printf("\n");
    int nums[] = {42, -1, 17, 99, 0, 17, 5};
    qsort(nums, 7, sizeof(int), cmp_int);
    for (int i = 0; i < 7; i++) printf("%d ", nums[i]);
    int want = 17;
    int *hit = bsearch(&want, nums, 7, sizeof(int), cmp_int);
    int missing = 18;
    printf("\n%ld %d\n", hit ? (long)(hit - nums) : -1L, bsearch(&missing, nums, 7, sizeof(int), cmp_int) == NULL);
    const char *words[] = {"pear", "apple", "fig", "banana"};
    qsort(words, 4, sizeof(char *), cmp_str);
    for (int i = 0; i < 4; i++) printf("%s ", words[i]);
    printf("\n");
    char line[] = "  alpha, beta;gamma  ,, delta ";
    for (char *t = strtok(line, " ,;"); t; t = strtok(NULL, " ,;")) printf("[%s]", t);
    printf("\n");
    printf("%lu %lu %s\n", strspn("aabbcx", "ab"), strcspn("hello world", " "), strpbrk("find the vowel", "aeiou"));
    const char *mem = "abcdef";
    printf("%s %d\n", (const char *)memchr(mem, 'd', 6), memchr(mem, 'z', 6) == NULL);
    return 0;
}

/* Heap allocation: malloc, calloc, realloc, free, linked structures. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct node { int value; struct node *next; };

struct node *push(struct node *head, int v) {
    struct node *n = malloc(sizeof(struct node));
    n->value = v;
    n->next = head;
    return n;
}

int main(void) {
    int *a = malloc(100 * sizeof(int));
    for (int i = 0; i < 100; i++) a[i] = i * 3;
    long s = 0;
    for (int i = 0; i < 100; i++) s += a[i];
    printf("%ld\n", s);
    a = realloc(a, 200 * sizeof(int));
    for (int i = 100; i < 200; i++) a[i] = 1;
    printf("%d %d\n", a[99], a[150]);
    free(a);
    double *z = (double *)calloc(50, sizeof(double));
    double t = 0;
    for (int i = 0; i < 50; i++) t += z[i];
    printf("%.1f\n", t);
    free(z);
    struct node *list = 0;
    for (int i = 0; i < 10; i++) list = push(list, i);
    int sum = 0, len = 0;
    for (struct node *p = list; p; p = p->next) {
        sum += p->value;
        len++;
    }
    printf("%d %d\n", sum, len);
    while (list) {
        struct node *next = list->next;
        free(list);
        list = next;
    }
    int rows = 4, cols = 5;
    int **m = malloc(rows * sizeof(int *));
    for (int i = 0; i < rows; i++) {
        m[i] = malloc(cols * sizeof(int));
        for (int j = 0; j < cols; j++) m[i][j] = i * j;
    }
    printf("%d %d\n", m[3][4], m[2][3]);
    for (int i = 0; i < rows; i++) free(m[i]);
    free(m);
    char *str = malloc(32);
    strcpy(str, "heap string");
    printf("%s\n", str);
    free(str);
    return 0;
}

/* The binary-trees benchmark: allocate and walk perfect binary trees.
   usage: binarytrees [DEPTH]   (default 10) */
#include <stdio.h>
#include <stdlib.h>

struct node { struct node *left, *right; };

static struct node *make(int depth) {
    struct node *n = malloc(sizeof(struct node));
    if (depth > 0) {
        n->left = make(depth - 1);
        n->right = make(depth - 1);
    } else {
        n->left = n->right = NULL;
    }
    return n;
}

static long check(struct node *n) {
    if (!n->left) return 1;
    return 1 + check(n->left) + check(n->right);
}

static void destroy(struct node *n) {
    if (n->left) {
        destroy(n->left);
        destroy(n->right);
    }
    free(n);
}

int main(int argc, char **argv) {
    int max_depth = argc > 1 ? atoi(argv[1]) : 10;
    int min_depth = 4;
    if (max_depth < min_depth + 2) max_depth = min_depth + 2;
    struct node *stretch = make(max_depth + 1);
    printf("stretch tree of depth %d\t check: %ld\n", max_depth + 1, check(stretch));
    destroy(stretch);
    struct node *long_lived = make(max_depth);
    for (int d = min_depth; d <= max_depth; d += 2) {
        long iterations = 1L << (max_depth - d + min_depth);
        long total = 0;
        for (long i = 0; i < iterations; i++) {
            struct node *t = make(d);
            total += check(t);
            destroy(t);
        }
        printf("%ld\t trees of depth %d\t check: %ld\n", iterations, d, total);
    }
    printf("long lived tree of depth %d\t check: %ld\n", max_depth, check(long_lived));
    destroy(long_lived);
    return 0;
}

/* A binary search tree: recursive insert, traversal, height, deletion. */
#include <stdio.h>
#include <stdlib.h>

typedef struct tree {
    int key;
    struct tree *left, *right;
} tree;

tree *insert(tree *t, int key) {
    if (!t) {
        t = malloc(sizeof *t);
        t->key = key;
        t->left = t->right = NULL;
        return t;
    }
    if (key < t->key) t->left = insert(t->left, key);
    else if (key > t->key) t->right = insert(t->right, key);
    return t;
}

void inorder(const tree *t) {
    if (!t) return;
    inorder(t->left);
    printf("%d ", t->key);
    inorder(t->right);
}

int height(const tree *t) {
    if (!t) return 0;
    int l = height(t->left), r = height(t->right);
    return 1 + (l > r ? l : r);
}

tree *remove_min(tree *t, int *out) {
    if (!t->left) {
        tree *r = t->right;
        *out = t->key;
        free(t);
        return r;
    }
    t->left = remove_min(t->left, out);
    return t;
}

void destroy(tree *t) {
    if (!t) return;
    destroy(t->left);
    destroy(t->right);
    free(t);
}

int main(void) {
    tree *root = NULL;
    unsigned x = 17;
    for (int i = 0; i < 30; i++) {
        x = x * 1103515245u + 12345u;
        root = insert(root, (int)(x >> 16) % 100);
    }
    inorder(root);
    printf("\nheight %d\n", height(root));
    int m;
    for (int i = 0; i < 5; i++) {
        root = remove_min(root, &m);
        printf("%d ", m);
    }
    printf("\n");
    destroy(root);
    return 0;
}

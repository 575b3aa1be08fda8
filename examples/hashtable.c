/* A chained hash table with string keys: insert, update, look up, delete.
   usage: hashtable [N]   (default 5000) */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct entry {
    char *key;
    long value;
    struct entry *next;
};

struct table {
    struct entry **buckets;
    unsigned long nbuckets;
    unsigned long count;
};

static unsigned long hash(const char *s) {
    unsigned long h = 5381;
    while (*s) h = h * 33 + (unsigned char)*s++;
    return h;
}

static struct entry *find(struct table *t, const char *key) {
    for (struct entry *e = t->buckets[hash(key) % t->nbuckets]; e; e = e->next)
        if (strcmp(e->key, key) == 0) return e;
    return NULL;
}

static void grow(struct table *t) {
    unsigned long n = t->nbuckets * 2;
    struct entry **b = calloc(n, sizeof(struct entry *));
    for (unsigned long i = 0; i < t->nbuckets; i++) {
        struct entry *e = t->buckets[i];
        while (e) {
            struct entry *next = e->next;
            unsigned long h = hash(e->key) % n;
            e->next = b[h];
            b[h] = e;
            e = next;
        }
    }
    free(t->buckets);
    t->buckets = b;
    t->nbuckets = n;
}

static void put(struct table *t, const char *key, long value) {
    struct entry *e = find(t, key);
    if (e) {
        e->value = value;
        return;
    }
    if (t->count * 4 >= t->nbuckets * 3) grow(t);
    e = malloc(sizeof(struct entry));
    e->key = strdup(key);
    e->value = value;
    unsigned long h = hash(key) % t->nbuckets;
    e->next = t->buckets[h];
    t->buckets[h] = e;
    t->count++;
}

static int del(struct table *t, const char *key) {
    struct entry **p = &t->buckets[hash(key) % t->nbuckets];
    while (*p) {
        if (strcmp((*p)->key, key) == 0) {
            struct entry *e = *p;
            *p = e->next;
            free(e->key);
            free(e);
            t->count--;
            return 1;
        }
        p = &(*p)->next;
    }
    return 0;
}

int main(int argc, char **argv) {
    int n = argc > 1 ? atoi(argv[1]) : 5000;
    struct table t = {calloc(8, sizeof(struct entry *)), 8, 0};
    char key[32];
    for (int i = 0; i < n; i++) {
        sprintf(key, "key-%d", i * 7919 % (n + 1));
        put(&t, key, i);
    }
    for (int i = 0; i < n; i += 3) {
        sprintf(key, "key-%d", i);
        struct entry *e = find(&t, key);
        if (e) put(&t, key, e->value * 2);
    }
    int deleted = 0;
    for (int i = 0; i < n; i += 5) {
        sprintf(key, "key-%d", i);
        deleted += del(&t, key);
    }
    long sum = 0;
    int found = 0;
    for (int i = 0; i <= n; i++) {
        sprintf(key, "key-%d", i);
        struct entry *e = find(&t, key);
        if (e) {
            found++;
            sum += e->value;
        }
    }
    printf("hashtable n=%d count=%lu buckets=%lu deleted=%d found=%d sum=%ld\n", n, t.count,
           t.nbuckets, deleted, found, sum);
    for (unsigned long i = 0; i < t.nbuckets; i++) {
        struct entry *e = t.buckets[i];
        while (e) {
            struct entry *next = e->next;
            free(e->key);
            free(e);
            e = next;
        }
    }
    free(t.buckets);
    return 0;
}

/* getopt_long_only against glibc's: long options after one '-' or two,
   abbreviated, with "=value" or the next argument; an element that
   matches no long option read as short options when its first letter is
   one, else reported; ambiguous prefixes; a single letter that is a short
   option. What each call returns, optarg and the long index go to stdout,
   the messages (with the prefix the element used) to stderr. */
#include <getopt.h>
#include <stdio.h>

static int flag;
static const struct option longs[] = {
    {"verbose", no_argument, &flag, 7},
    {"output", required_argument, NULL, 'o'},
    {"optional", optional_argument, NULL, 'p'},
    {"count", required_argument, NULL, 'c'},
    {"color", no_argument, NULL, 'C'},
    {0, 0, 0, 0},
};

static void run(char **argv) {
    int argc = 0;
    while (argv[argc]) argc++;
    optind = 0;
    flag = 0;
    int c, index = -1;
    printf("run:");
    while ((c = getopt_long_only(argc, argv, "vo:xc:", longs, &index)) != -1) {
        printf(" [%d:%c idx %d arg %s flag %d]", c, c > 32 ? c : '.', index,
               optarg ? optarg : "-", flag);
        index = -1;
    }
    printf(" | optind %d:", optind);
    for (int i = optind; i < argc; i++) printf(" %s", argv[i]);
    printf("\n");
}

int main(void) {
    char *a[] = {"prog", "-verbose", "-output", "file", "--output=x", "-o", "y", "rest", NULL};
    char *b[] = {"prog", "-verb", "-out=z", "-opt", "-optional=q", "--opt", NULL};
    char *c[] = {"prog", "-vx", "-xv", "-v", "-c", "3", "-co", NULL};
    char *d[] = {"prog", "-col", "-c=5", "-zzz", "-x", "--nope", "-verbose=1", "-output", NULL};
    char *e[] = {"prog", "-", "--", "-v", NULL};
    run(a);
    run(b);
    run(c);
    run(d);
    run(e);
    return 0;
}

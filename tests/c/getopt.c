/* getopt and getopt_long against glibc's: GNU permutation of argv
   (non-options after the options), '+' (stop at the first non-option)
   and '-' (non-options as option 1), "--", grouped short options,
   required and optional arguments, a leading ':' for missing arguments,
   invalid options, long options with "=value" or the next argument,
   unique abbreviations, ambiguous and unknown names, flag/val, and a
   restart with optind = 0. Messages go to stderr (opterr); what each
   call returns, and argv afterwards, to stdout. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static void show_argv(int argc, char **argv) {
    printf("  argv:");
    for (int i = 0; i < argc; i++) printf(" %s", argv[i]);
    printf(" | optind %d\n", optind);
}

static void run_short(const char *spec, char **argv) {
    int argc = 0;
    while (argv[argc]) argc++;
    optind = 0;
    printf("getopt \"%s\":", spec);
    int c;
    while ((c = getopt(argc, argv, spec)) != -1) {
        if (c == 1)
            printf(" [1:%s]", optarg);
        else if (c == '?' || c == ':')
            printf(" [%c optopt %c]", c, optopt);
        else
            printf(" [%c%s%s]", c, optarg ? "=" : "", optarg ? optarg : "");
    }
    printf("\n");
    show_argv(argc, argv);
}

static int verbose, brief;
static const struct option longs[] = {
    {"verbose", no_argument, &verbose, 1},
    {"brief", no_argument, &brief, 7},
    {"output", required_argument, NULL, 'o'},
    {"color", optional_argument, NULL, 'c'},
    {"count", required_argument, NULL, 'n'},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

static void run_long(const char *spec, char **argv) {
    int argc = 0;
    while (argv[argc]) argc++;
    optind = 0;
    verbose = brief = 0;
    printf("getopt_long \"%s\":", spec);
    int c, index = -1;
    while ((c = getopt_long(argc, argv, spec, longs, &index)) != -1) {
        if (c == 0)
            printf(" [flag %s]", longs[index].name);
        else if (c == '?' || c == ':')
            printf(" [%c optopt %d]", c, optopt);
        else
            printf(" [%c%s%s idx %d]", c, optarg ? "=" : "", optarg ? optarg : "", index);
        index = -1;
    }
    printf(" verbose %d brief %d\n", verbose, brief);
    show_argv(argc, argv);
}

int main(void) {
    char *a1[] = {"prog", "x", "-a", "-bfoo", "y", "-b", "bar", "z", NULL};
    run_short("ab:", a1);
    char *a2[] = {"prog", "-ab", "val", "-c", "--", "-a", "tail", NULL};
    run_short("ab:c", a2);
    char *a3[] = {"prog", "-x", "-a", "-", "file", "-b", NULL};
    run_short("ab:", a3);
    char *a4[] = {"prog", "-a", "-b", NULL};
    run_short(":ab:", a4);
    char *a5[] = {"prog", "-cfast", "-c", "slow", "-d", NULL};
    run_short("c::d", a5);
    char *a6[] = {"prog", "-a", "one", "-b", "two", NULL};
    run_short("+ab", a6);
    char *a7[] = {"prog", "-a", "one", "-b", "two", NULL};
    run_short("-ab", a7);
    char *a8[] = {"prog", "p1", "p2", "-a", "p3", "-ab", "p4", NULL};
    run_short("ab", a8);
    char *a9[] = {"prog", "-:", "-;", NULL};
    run_short("ab", a9);

    char *l1[] = {"prog", "--verbose", "in", "--output=out.txt", "--color", "--col=red",
                  "--count", "5", "-h", "--brief", "last", NULL};
    run_long("hn:o:c::", l1);
    char *l2[] = {"prog", "--verb", "--out", "f", "--co", "--bogus", "--help=x", NULL};
    run_long("h", l2);
    char *l3[] = {"prog", "--output", NULL};
    run_long(":o:", l3);
    char *l4[] = {"prog", "--", "--verbose", NULL};
    run_long("", l4);
    return 0;
}

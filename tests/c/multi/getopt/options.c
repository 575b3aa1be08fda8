#include <getopt.h>
#include <unistd.h>
int verbose_level(void) { return opterr; }
const char *last_arg(void) { return optarg ? optarg : "no argument"; }
int options_seen(void) { return optind; }

/* getopt's globals are one object in every unit that includes unistd.h
   or getopt.h: main parses, options.c reads optind and optarg. */
/* args: -v -n 3 input -q extra */
#include <stdio.h>
#include <unistd.h>
int verbose_level(void);
const char *last_arg(void);
int options_seen(void);
int main(int argc, char **argv) {
    int c, v = 0;
    while ((c = getopt(argc, argv, "vn:q")) != -1) {
        if (c == 'v') v++;
        printf("option %c %s (optind %d, units agree: %d)\n", c, optarg ? optarg : "-", optind,
               options_seen() == optind);
    }
    printf("verbose %d, %s, operands:", v + verbose_level(), last_arg());
    for (int i = optind; i < argc; i++) printf(" %s", argv[i]);
    printf("\n");
    return 0;
}

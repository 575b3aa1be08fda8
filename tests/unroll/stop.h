/* What the programs of this folder share: they make passes over an array
   until `pass_limit` passes are made, or, with argument "stop", until the
   file "stop" exists in the working directory (checked every 16 passes),
   so that a test can snapshot them while they loop and then end them. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Whether the file "stop" exists in the working directory. */
static int stop_file(void) {
    FILE *f = fopen("stop", "r");
    if (!f) return 0;
    fclose(f);
    return 1;
}

/* The passes asked for: argv[1] (default 50), or -1 for "stop". */
static long pass_limit(int argc, char **argv) {
    return argc < 2 ? 50 : strcmp(argv[1], "stop") == 0 ? -1 : atol(argv[1]);
}

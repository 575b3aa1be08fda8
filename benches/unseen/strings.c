#include <stdio.h>
#include <stdlib.h>
#include <string.h>
int main(int argc, char **argv) {
  int n = argc > 1 ? atoi(argv[1]) : 2000000;
  char buf[64]; unsigned long h = 5381; long total = 0;
  for (int i = 0; i < n; i++) {
    sprintf(buf, "item-%d-%x", i, i * 2654435761u);
    total += strlen(buf);
    for (char *p = buf; *p; p++) h = h * 33 + (unsigned char)*p;
    if (strcmp(buf, "item-5-0") == 0) total++;
  }
  printf("%ld %lu\n", total, h); return 0; }

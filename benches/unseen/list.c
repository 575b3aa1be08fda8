#include <stdio.h>
#include <stdlib.h>
struct node { long v; struct node *next; };
int main(int argc, char **argv) {
  int n = argc > 1 ? atoi(argv[1]) : 1000000;
  struct node *head = 0;
  for (int i = 0; i < n; i++) { struct node *x = malloc(sizeof *x); x->v = (i * 7919L) % 1000003; x->next = head; head = x; }
  long s = 0;
  for (int r = 0; r < 30; r++) for (struct node *p = head; p; p = p->next) s += p->v ^ r;
  while (head) { struct node *x = head->next; free(head); head = x; }
  printf("%ld\n", s); return 0; }

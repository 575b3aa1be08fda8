#include <stdio.h>
#include <stdlib.h>
enum { PUSH, ADD, SUB, JNZ, DUP, DEC, SWAP, POP, HALT };
int main(int argc, char **argv) {
  int n = argc > 1 ? atoi(argv[1]) : 30000000;
  int prog[] = { PUSH, 0, PUSH, 0, /*loop:*/ SWAP, PUSH, 3, ADD, SWAP, DEC, DUP, JNZ, 4, POP, HALT };
  prog[3] = n;
  long stack[64]; int sp = 0, pc = 0; long steps = 0;
  for (;;) { steps++;
    switch (prog[pc]) {
    case PUSH: stack[sp++] = prog[pc + 1]; pc += 2; break;
    case ADD: sp--; stack[sp - 1] += stack[sp]; pc++; break;
    case SUB: sp--; stack[sp - 1] -= stack[sp]; pc++; break;
    case DUP: stack[sp] = stack[sp - 1]; sp++; pc++; break;
    case DEC: stack[sp - 1]--; pc++; break;
    case SWAP: { long t = stack[sp - 1]; stack[sp - 1] = stack[sp - 2]; stack[sp - 2] = t; pc++; break; }
    case POP: sp--; pc++; break;
    case JNZ: sp--; pc = stack[sp] ? prog[pc + 1] : pc + 2; break;
    case HALT: printf("%ld %ld\n", stack[sp - 1], steps); return 0;
    }
  }
}

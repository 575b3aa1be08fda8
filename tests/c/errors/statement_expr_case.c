/* A case label inside a statement expression belongs to no switch
   outside it: gcc too refuses a jump into a statement expression. */
int main(void) {
    int x = 1;
    switch (x) {
    case 0:
        x = ({ case 1: 2; });
    }
    return x;
}

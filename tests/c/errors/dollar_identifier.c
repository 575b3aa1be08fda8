/* C identifiers are letters, digits and _: a `$` (a GCC extension) would
   make a name the .pir text of the program cannot carry. */
int main(void) {
    int a$b = 1;
    return a$b;
}

/* A range designator's value is evaluated once (gcc): a copy per
   element would repeat its side effects. */
int g(void);
int main(void) {
    int a[4] = {[0 ... 3] = g()};
    return a[0];
}
int g(void) { return 1; }

/* What a computed goto may not do: jump through a non-pointer, take the
   address of a label that does not exist, or land (possibly) in the scope
   of a variable-length array, which the jump would skip. */
void *at_file_scope = 0;
int f(int n) {
    goto *n;
}
int g(void) {
    void *p = &&missing;
    goto *p;
}
int h(int n) {
    void *p = &&out;
    int vla[n];
    vla[0] = 1;
    goto *p;
out:
    return vla[0];
}
int main(void) { return f(1) + g() + h(2); }

/* A diagnostic after #line names the file and line it gives. */
#line 20 "renamed.c"
int main(void) {
    return undeclared_thing;
}

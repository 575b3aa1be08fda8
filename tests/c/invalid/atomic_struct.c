/* An atomic builtin on a struct: gcc's are over integers and pointers. */
struct pair { int a, b; };
int main(void) {
    struct pair p = {1, 2};
    __sync_fetch_and_add(&p, 1);
    return 0;
}

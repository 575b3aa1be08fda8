#define ADD(a, b) ((a) + (b))
int main(void) {
    return ADD(1);
}

struct opaque;
int main(void) {
    struct opaque o;
    return 0;
}

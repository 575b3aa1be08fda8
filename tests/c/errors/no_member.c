struct point { int x, y; };
int main(void) {
    struct point p;
    return p.z;
}

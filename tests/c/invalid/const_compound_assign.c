int main(void) {
    static const double scale = 2.0;
    scale *= 3;
    return (int)scale;
}

/* A statement expression runs statements: only a function can. */
int g = ({ 1; });
int main(void) { return g; }

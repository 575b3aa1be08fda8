struct T { char a; char b[]; };
struct T g = {'f', 'o', 'o', 0};
int main(void) { return g.a; }

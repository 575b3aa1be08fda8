/* gcc packs the bit-fields of a packed struct across their units: refused. */
struct flags { unsigned char kind; unsigned int a : 3, b : 20; } __attribute__((packed));
int main(void) { struct flags f = {1, 2, 3}; return f.a; }

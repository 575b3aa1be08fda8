/* An attribute between 'struct' and the tag is read as one after the
   body is: a layout-changing one is refused. */
struct __attribute__((unused)) fine {
    int a;
};
struct __attribute__((packed)) p {
    char c;
    int i;
};
int main(void) { return sizeof(struct p); }

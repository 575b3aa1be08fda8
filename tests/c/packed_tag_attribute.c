/* An attribute between 'struct' and the tag is read as one after the
   body is: packed there packs the struct (5 bytes, the exit status). */
struct __attribute__((unused)) fine {
    int a;
};
struct __attribute__((packed)) p {
    char c;
    int i;
};
int main(void) { return sizeof(struct p); }

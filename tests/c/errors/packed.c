struct header {
    char tag;
    int length;
} __attribute__((packed));
int main(void) { return sizeof(struct header); }

/* A packed struct's size as the exit status (5, as gcc lays it out). */
struct header {
    char tag;
    int length;
} __attribute__((packed));
int main(void) { return sizeof(struct header); }

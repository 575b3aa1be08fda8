/* #pragma pack(push, 1) packs the struct after it (5 bytes, the exit
   status, as gcc makes it); pack(push), pack(16), pack() and pack(pop)
   around it change nothing. */
#pragma pack(push)
#pragma pack(16)
#pragma pack()
#pragma pack(push, 1)
struct packed {
    char c;
    int i;
};
#pragma pack(pop)
int main(void) { return sizeof(struct packed); }

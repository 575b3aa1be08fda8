/* #pragma pack would change the layout of the structs after it (gcc
   makes this struct 5 bytes): refused, never ignored. pack(push),
   pack(16), pack() and pack(pop) change nothing and are accepted. */
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

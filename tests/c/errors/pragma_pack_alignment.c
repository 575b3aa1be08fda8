/* #pragma pack takes 1, 2, 4, 8 or 16. */
#pragma pack(3)
struct s { char c; int i; };
int main(void) { return sizeof(struct s); }

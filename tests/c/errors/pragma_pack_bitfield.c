/* gcc packs bit-fields across their units under #pragma pack: refused. */
#pragma pack(push, 1)
struct s { char c; int a : 3, b : 9; };
#pragma pack(pop)
int main(void) { struct s v = {0, 1, 2}; return v.b; }

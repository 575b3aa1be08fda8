struct S;
int main(void) { return sizeof(struct S); }

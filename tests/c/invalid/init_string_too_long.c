char s[2] = "abc";
int main(void) { return s[0]; }

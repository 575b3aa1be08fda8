/* __VA_OPT__ must enclose its tokens in parentheses. */
#define F(a, ...) f(a) __VA_OPT__(+ 1
int f(int a) { return a; }
int main(void) { return F(1, 2); }

_Thread_local int f(void);
int main(void) { return 0; }

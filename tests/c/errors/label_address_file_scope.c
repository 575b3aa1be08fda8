/* A label belongs to a function: its address is one only inside it. */
void *p = &&l;
int main(void) { return 0; }

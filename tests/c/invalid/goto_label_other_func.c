void g(void) { lab: ; }
int main(void) { goto lab; }

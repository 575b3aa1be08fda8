int main(void) { x: ; { x: ; } return 0; }

struct flags {
    unsigned ready : 1;
};
int main(void) { return 0; }

enum { ONE = 1 };
int main(void) {
    int c = 1;
    switch (c) {
    case ONE:
        return 1;
    case 2 - 1:
        return 2;
    }
    return 0;
}

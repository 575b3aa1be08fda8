int main(void) {
    switch (3) {
    case 1 ... 5:
        return 1;
    case 4:
        return 2;
    }
    return 0;
}

int main(void) {
    switch (3) {
    case 'a':
    case 97:
        return 1;
    }
    return 0;
}

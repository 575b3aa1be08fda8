int main(void) {
    switch (3) {
    case 1 ... 5:
        return 1;
    }
    return 0;
}

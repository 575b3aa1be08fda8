int main(void) {
    int y = 1;
    switch (1) {
    case y:
        return 1;
    }
    return 0;
}

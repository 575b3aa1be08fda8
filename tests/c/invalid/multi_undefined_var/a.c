extern int y;
int main(void) {
    return y;
}

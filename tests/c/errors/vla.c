int main(int argc, char **argv) {
    int buf[argc];
    return 0;
}

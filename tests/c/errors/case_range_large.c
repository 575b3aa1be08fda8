/* A case range is a table entry per value: at most 4096. */
int main(void) {
    switch (3) {
    case 0 ... 100000:
        return 1;
    }
    return 0;
}

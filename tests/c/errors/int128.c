/* 128-bit integers are refused with a located error. */
static unsigned __int128 wide(unsigned long a, unsigned long b) {
    return (unsigned __int128)a * b;
}
int main(void) { return (int)wide(3, 4); }

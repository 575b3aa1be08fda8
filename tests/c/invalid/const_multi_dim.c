int main(void) {
    const char grid[2][3] = {"ab", "cd"};
    grid[1][2] = 0;
    return grid[0][0];
}

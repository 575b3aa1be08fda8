extern int t;
extern int u;
extern int arr[];
int later = 9;
int hidden = -4;

void fill(void) {
    t += 7;
    u *= 2;
    arr[0] = 11;
    arr[3] = 44;
    later++;
}

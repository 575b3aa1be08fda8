#include <stdio.h>

int t;
int t;
int u = 3;
int arr[];
int arr[4];
extern int later;
int *pl = &later;
void fill(void);

int main(void) {
    fill();
    printf("t %d u %d arr %d %d later %d %d\n", t, u, arr[0], arr[3], later, *pl);
    {
        extern int hidden;
        printf("hidden %d\n", hidden);
    }
    return 0;
}

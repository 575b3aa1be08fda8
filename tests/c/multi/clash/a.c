#include <stdio.h>

static int helper(void) { return 1; }
static int value = 10;
int helper_b(void);
int value_b(void);
int (*get_helper(void))(void);

int main(void) {
    int (*h)(void) = get_helper();
    printf("%d %d %d %d %d\n", helper(), helper_b(), value, value_b(), h());
    return 0;
}

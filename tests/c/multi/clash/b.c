int helper(void) { return 2; }
int value = 20;
int helper_b(void) { return helper(); }
int value_b(void) { return value; }
static int helper2(void) { return 3; }
int (*get_helper(void))(void) { return helper2; }

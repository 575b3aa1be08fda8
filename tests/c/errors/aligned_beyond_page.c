/* Variables are aligned to at most a page. */
static char big[16] __attribute__((aligned(8192)));
int main(void) { return big[0]; }

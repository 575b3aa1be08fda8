#include <string.h>
int main(void) {
    unsigned long (*f)(const char *) = strlen;
    return (int)f("abc");
}

#include <stdarg.h>
int log_msg(const char *fmt, ...);
int log_v(const char *fmt, va_list ap);
extern int log_count;

/* time.h in UTC: gmtime over a range of instants (before the Epoch, leap
   days, century years), timegm normalizing out-of-range fields, strftime
   with every C-locale conversion, asctime, difftime. */
#include <stdio.h>
#include <string.h>
#include <time.h>

int main(void) {
    time_t ts[] = {0, 1700000000, -1, 951782400, 4107542400L, -2208988800L, 1234567890, 68169600};
    char buf[256];
    for (int i = 0; i < 8; i++) {
        struct tm *g = gmtime(&ts[i]);
        printf("%ld: %d-%02d-%02d %02d:%02d:%02d wday=%d yday=%d dst=%d\n", (long)ts[i], g->tm_year + 1900,
               g->tm_mon + 1, g->tm_mday, g->tm_hour, g->tm_min, g->tm_sec, g->tm_wday, g->tm_yday, g->tm_isdst);
        size_t n = strftime(buf, sizeof buf,
                            "%Y-%m-%d %H:%M:%S|%a %A %b %B|%j %U %W %u %w|%y %C %e|%I %p|%D %F %T %R|%%", g);
        printf("  %zu [%s]\n", n, buf);
        printf("  %s", asctime(g));
        struct tm copy = *g;
        printf("  back %ld\n", (long)timegm(&copy));
    }
    struct tm tm;
    memset(&tm, 0, sizeof tm);
    tm.tm_year = 100;
    tm.tm_mon = 13;
    tm.tm_mday = -3;
    tm.tm_hour = 25;
    tm.tm_min = 61;
    tm.tm_sec = -5;
    time_t t = timegm(&tm);
    printf("normalized %ld: %d-%d-%d %d:%d:%d wday %d yday %d\n", (long)t, tm.tm_year, tm.tm_mon, tm.tm_mday,
           tm.tm_hour, tm.tm_min, tm.tm_sec, tm.tm_wday, tm.tm_yday);
    printf("strftime too small: %zu\n", strftime(buf, 5, "%Y-%m-%d", &tm));
    printf("difftime %g %g\n", difftime(100, 40), difftime(ts[1], ts[2]));
    time_t now = time(NULL), now2;
    time(&now2);
    printf("time sane %d %d\n", now > 1600000000, now2 >= now);
    printf("clock sane %d %d\n", clock() >= 0, (int)CLOCKS_PER_SEC);
    return 0;
}

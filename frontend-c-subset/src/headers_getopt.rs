//! `getopt` (`unistd.h`) and `getopt_long` (`getopt.h`) as glibc's: the
//! GNU permutation of `argv` (non-options move after the options, unless
//! the option string starts with `+`; `-` returns them as option 1),
//! `--` ending the options, a leading `:` for silent missing arguments,
//! optional arguments (`::`), long options with `=value` or the next
//! argument, unique abbreviations, `flag`/`val`, and glibc's messages on
//! stderr; `getopt_long_only`, whose long options may start with one `-`.
//! `optind = 0` starts over.

/// The part `unistd.h` and `getopt.h` share: the globals and the parser.
pub const GETOPT_CORE: &str = r#"#ifndef __PIVM_GETOPT_CORE_H
#define __PIVM_GETOPT_CORE_H
#include <stddef.h>
struct __pivm_FILE;
int fprintf(struct __pivm_FILE *stream, const char *fmt, ...);
size_t strlen(const char *s);
int strncmp(const char *a, const char *b, size_t n);
char *strchr(const char *s, int c);
/* One object each however many units include this (the library's names
   merge across units). */
#define optarg __pivm_optarg
#define optind __pivm_optind
#define opterr __pivm_opterr
#define optopt __pivm_optopt
char *optarg;
int optind = 1;
int opterr = 1;
int optopt = '?';
struct __pivm_option { const char *name; int has_arg; int *flag; int val; };
static char *__pivm_nextchar;
static int __pivm_first_nonopt, __pivm_last_nonopt, __pivm_getopt_ready;
/* Moves the non-options [first_nonopt, last_nonopt) after the options
   [last_nonopt, optind), keeping each group's order. */
static void __pivm_getopt_exchange(char **argv) {
    int bottom = __pivm_first_nonopt, middle = __pivm_last_nonopt, top = optind;
    while (top > middle && middle > bottom) {
        if (top - middle > middle - bottom) {
            int len = middle - bottom;
            for (int i = 0; i < len; i++) {
                char *t = argv[bottom + i];
                argv[bottom + i] = argv[top - (middle - bottom) + i];
                argv[top - (middle - bottom) + i] = t;
            }
            top -= len;
        } else {
            int len = top - middle;
            for (int i = 0; i < len; i++) {
                char *t = argv[bottom + i];
                argv[bottom + i] = argv[middle + i];
                argv[middle + i] = t;
            }
            bottom += len;
        }
    }
    __pivm_first_nonopt += optind - __pivm_last_nonopt;
    __pivm_last_nonopt = optind;
}
/* A long option at __pivm_nextchar (after prefix, "--", or "-" for
   getopt_long_only); -1 if getopt_long_only should read it as short
   options instead. */
static int __pivm_getopt_long1(int argc, char **argv, const char *optstring,
                               const struct __pivm_option *longopts, int *longindex,
                               int long_only, const char *prefix) {
    char *name = __pivm_nextchar, *end = name;
    while (*end && *end != '=') end++;
    size_t len = (size_t)(end - name);
    const struct __pivm_option *found = NULL;
    int index = -1, ambiguous = 0, exact = 0, print = opterr && optstring[0] != ':';
    for (int i = 0; longopts[i].name; i++) {
        if (strncmp(longopts[i].name, name, len)) continue;
        if (strlen(longopts[i].name) == len) {
            found = &longopts[i];
            index = i;
            exact = 1;
            break;
        }
        if (!found) {
            found = &longopts[i];
            index = i;
        } else if (found->has_arg != longopts[i].has_arg || found->flag != longopts[i].flag
                   || found->val != longopts[i].val) {
            ambiguous = 1;
        }
    }
    if (ambiguous && !exact) {
        if (print) {
            fprintf((struct __pivm_FILE *)3, "%s: option '%s%s' is ambiguous; possibilities:", argv[0], prefix, name);
            for (int i = 0; longopts[i].name; i++)
                if (!strncmp(longopts[i].name, name, len))
                    fprintf((struct __pivm_FILE *)3, " '%s%s'", prefix, longopts[i].name);
            fprintf((struct __pivm_FILE *)3, "\n");
        }
        __pivm_nextchar = NULL;
        optind++;
        optopt = 0;
        return '?';
    }
    if (!found) {
        if (long_only && argv[optind][1] != '-' && strchr(optstring, *name)) return -1;
        if (print)
            fprintf((struct __pivm_FILE *)3, "%s: unrecognized option '%s%s'\n", argv[0], prefix, name);
        __pivm_nextchar = NULL;
        optind++;
        optopt = 0;
        return '?';
    }
    optind++;
    __pivm_nextchar = NULL;
    if (*end) {
        if (found->has_arg) {
            optarg = end + 1;
        } else {
            if (print)
                fprintf((struct __pivm_FILE *)3, "%s: option '%s%s' doesn't allow an argument\n", argv[0], prefix, found->name);
            optopt = found->val;
            return '?';
        }
    } else if (found->has_arg == 1) {
        if (optind < argc) {
            optarg = argv[optind++];
        } else {
            if (print)
                fprintf((struct __pivm_FILE *)3, "%s: option '%s%s' requires an argument\n", argv[0], prefix, found->name);
            optopt = found->val;
            return optstring[0] == ':' ? ':' : '?';
        }
    } else {
        optarg = NULL;
    }
    if (longindex) *longindex = index;
    if (found->flag) {
        *found->flag = found->val;
        return 0;
    }
    return found->val;
}
static int __pivm_getopt(int argc, char **argv, const char *optstring,
                         const struct __pivm_option *longopts, int *longindex, int long_only) {
    if (argc < 1) return -1;
    optarg = NULL;
    if (optind == 0 || !__pivm_getopt_ready) {
        if (optind == 0) optind = 1;
        __pivm_first_nonopt = __pivm_last_nonopt = optind;
        __pivm_nextchar = NULL;
        __pivm_getopt_ready = 1;
    }
    int order = 0; /* 0 permute, 1 require order, 2 return in order */
    if (*optstring == '-') { order = 2; optstring++; }
    else if (*optstring == '+') { order = 1; optstring++; }
    int colon = *optstring == ':';
    if (!__pivm_nextchar || !*__pivm_nextchar) {
        if (__pivm_last_nonopt > optind) __pivm_last_nonopt = optind;
        if (__pivm_first_nonopt > optind) __pivm_first_nonopt = optind;
        if (order == 0) {
            if (__pivm_first_nonopt != __pivm_last_nonopt && __pivm_last_nonopt != optind)
                __pivm_getopt_exchange(argv);
            else if (__pivm_last_nonopt != optind)
                __pivm_first_nonopt = optind;
            while (optind < argc && (argv[optind][0] != '-' || argv[optind][1] == 0)) optind++;
            __pivm_last_nonopt = optind;
        }
        if (optind != argc && argv[optind][0] == '-' && argv[optind][1] == '-' && argv[optind][2] == 0) {
            optind++;
            if (__pivm_first_nonopt != __pivm_last_nonopt && __pivm_last_nonopt != optind)
                __pivm_getopt_exchange(argv);
            else if (__pivm_first_nonopt == __pivm_last_nonopt)
                __pivm_first_nonopt = optind;
            __pivm_last_nonopt = argc;
            optind = argc;
        }
        if (optind == argc) {
            if (__pivm_first_nonopt != __pivm_last_nonopt) optind = __pivm_first_nonopt;
            return -1;
        }
        if (argv[optind][0] != '-' || argv[optind][1] == 0) {
            if (order == 1) return -1;
            optarg = argv[optind++];
            return 1;
        }
        if (longopts && (argv[optind][1] == '-'
                         || (long_only && (argv[optind][2] || !strchr(optstring, argv[optind][1]))))) {
            int dashes = argv[optind][1] == '-';
            __pivm_nextchar = argv[optind] + 1 + dashes;
            int code = __pivm_getopt_long1(argc, argv, optstring, longopts, longindex, long_only,
                                           dashes ? "--" : "-");
            if (code != -1) return code;
        }
        __pivm_nextchar = argv[optind] + 1;
    }
    char c = *__pivm_nextchar++;
    const char *spec = c ? strchr(optstring, c) : NULL;
    if (!*__pivm_nextchar) optind++;
    if (!spec || c == ':' || c == ';') {
        if (opterr && !colon)
            fprintf((struct __pivm_FILE *)3, "%s: invalid option -- '%c'\n", argv[0], c);
        optopt = c;
        return '?';
    }
    if (spec[1] == ':') {
        if (spec[2] == ':') {
            if (*__pivm_nextchar) {
                optarg = __pivm_nextchar;
                optind++;
            } else {
                optarg = NULL;
            }
            __pivm_nextchar = NULL;
        } else if (*__pivm_nextchar) {
            optarg = __pivm_nextchar;
            optind++;
            __pivm_nextchar = NULL;
        } else if (optind == argc) {
            if (opterr && !colon)
                fprintf((struct __pivm_FILE *)3, "%s: option requires an argument -- '%c'\n", argv[0], c);
            optopt = c;
            __pivm_nextchar = NULL;
            return colon ? ':' : '?';
        } else {
            optarg = argv[optind++];
            __pivm_nextchar = NULL;
        }
    }
    return c;
}
static int getopt(int argc, char *const argv[], const char *optstring) {
    return __pivm_getopt(argc, (char **)argv, optstring, NULL, NULL, 0);
}
#endif
"#;

/// `getopt.h`.
pub const GETOPT: &str = r#"#ifndef __PIVM_GETOPT_H
#define __PIVM_GETOPT_H
#include <__pivm_getopt.h>
struct option { const char *name; int has_arg; int *flag; int val; };
#define no_argument 0
#define required_argument 1
#define optional_argument 2
static int getopt_long(int argc, char *const argv[], const char *optstring,
                       const struct option *longopts, int *longindex) {
    return __pivm_getopt(argc, (char **)argv, optstring,
                         (const struct __pivm_option *)longopts, longindex, 0);
}
/* Long options may also start with one '-'; an element that matches none
   and whose first letter is a short option is read as short options. */
static int getopt_long_only(int argc, char *const argv[], const char *optstring,
                            const struct option *longopts, int *longindex) {
    return __pivm_getopt(argc, (char **)argv, optstring,
                         (const struct __pivm_option *)longopts, longindex, 1);
}
#endif
"#;

/// `err.h` as glibc's: `warn`, `warnx`, `err`, `errx` and their `v`
/// forms print the program's name (the last part of `argv[0]`, glibc's
/// `program_invocation_short_name`), the message and, for `warn` and
/// `err`, `errno`'s text, on stderr; `err` and `errx` then exit. `main`
/// keeps `argv[0]` in `__pivm_progname` when its file includes this
/// header (`lower.rs`, `PROGNAME`); a program whose `main` is in another
/// file prints an empty name.
pub const ERR: &str = r#"#ifndef __PIVM_ERR_H
#define __PIVM_ERR_H
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
/* One object however many units include this. */
char *__pivm_progname;
static const char *__pivm_short_name(void) {
    const char *p = __pivm_progname ? __pivm_progname : "";
    const char *s = strrchr(p, '/');
    return s ? s + 1 : p;
}
static void vwarn(const char *fmt, va_list ap) {
    int e = errno;
    fprintf(stderr, "%s: ", __pivm_short_name());
    if (fmt) {
        vfprintf(stderr, fmt, ap);
        fputs(": ", stderr);
    }
    fprintf(stderr, "%s\n", strerror(e));
}
static void vwarnx(const char *fmt, va_list ap) {
    fprintf(stderr, "%s: ", __pivm_short_name());
    if (fmt) vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
}
static void warn(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vwarn(fmt, ap);
    va_end(ap);
}
static void warnx(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vwarnx(fmt, ap);
    va_end(ap);
}
static void verr(int status, const char *fmt, va_list ap) {
    vwarn(fmt, ap);
    exit(status);
}
static void verrx(int status, const char *fmt, va_list ap) {
    vwarnx(fmt, ap);
    exit(status);
}
static void err(int status, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    verr(status, fmt, ap);
}
static void errx(int status, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    verrx(status, fmt, ap);
}
#endif
"#;

//! Headers of glibc outside ISO C that older and benchmark code includes
//! for a macro or two: `memory.h`, `malloc.h`, `sys/param.h`, `endian.h`,
//! `byteswap.h` and `libgen.h`. Their macros and functions behave as
//! glibc's on x86_64 (VM memory is little-endian on every host, so the
//! byte-order macros are those of a little-endian machine everywhere).

/// `memory.h`: the old name of `string.h`'s memory functions.
pub const MEMORY: &str = r#"#ifndef __PIVM_MEMORY_H
#define __PIVM_MEMORY_H
#include <string.h>
#endif
"#;

/// `malloc.h`: `stdlib.h`'s allocation functions and glibc's obsolete
/// aligned ones. `memalign` rounds an alignment that is not a power of
/// two up to one, as glibc does; `valloc` and `pvalloc` align to a 4 KiB
/// page (`pvalloc` rounding the size up to whole pages).
pub const MALLOC: &str = r#"#ifndef __PIVM_MALLOC_H
#define __PIVM_MALLOC_H
#include <stddef.h>
void *malloc(size_t size);
void *calloc(size_t n, size_t size);
void *realloc(void *p, size_t size);
void free(void *p);
void *aligned_alloc(size_t alignment, size_t size);
static void *memalign(size_t alignment, size_t size) {
    size_t a = 1;
    while (a < alignment && a < ((size_t)1 << 62)) a <<= 1;
    return aligned_alloc(a, size);
}
static void *valloc(size_t size) { return aligned_alloc(4096, size); }
static void *pvalloc(size_t size) {
    if (size > (size_t)-1 - 4095) return 0;
    return aligned_alloc(4096, size ? (size + 4095) & ~(size_t)4095 : 4096);
}
#endif
"#;

/// `sys/param.h`: glibc's macros (and the headers it includes).
pub const SYS_PARAM: &str = r#"#ifndef __PIVM_SYS_PARAM_H
#define __PIVM_SYS_PARAM_H
#include <stddef.h>
#include <limits.h>
#include <endian.h>
#include <sys/types.h>
#define NBBY 8
#define MAXPATHLEN 4096
#define MAXSYMLINKS 20
#define MAXHOSTNAMELEN 64
#define NOFILE 256
#define NCARGS 131072
#define NGROUPS 65536
#define HZ 100
#define DEV_BSIZE 512
#define setbit(a, i) ((a)[(i) / NBBY] |= 1 << ((i) % NBBY))
#define clrbit(a, i) ((a)[(i) / NBBY] &= ~(1 << ((i) % NBBY)))
#define isset(a, i) ((a)[(i) / NBBY] & (1 << ((i) % NBBY)))
#define isclr(a, i) (((a)[(i) / NBBY] & (1 << ((i) % NBBY))) == 0)
#define howmany(x, y) (((x) + ((y) - 1)) / (y))
#define roundup(x, y) ((((x) + ((y) - 1)) / (y)) * (y))
#define powerof2(x) ((((x) - 1) & (x)) == 0)
#define MIN(a, b) (((a) < (b)) ? (a) : (b))
#define MAX(a, b) (((a) > (b)) ? (a) : (b))
#endif
"#;

/// `endian.h`: the byte-order macros of a little-endian machine and the
/// conversions to and from big- and little-endian order.
pub const ENDIAN: &str = r#"#ifndef __PIVM_ENDIAN_H
#define __PIVM_ENDIAN_H
#define __LITTLE_ENDIAN 1234
#define __BIG_ENDIAN 4321
#define __PDP_ENDIAN 3412
#define __BYTE_ORDER __LITTLE_ENDIAN
#define __FLOAT_WORD_ORDER __BYTE_ORDER
#define LITTLE_ENDIAN __LITTLE_ENDIAN
#define BIG_ENDIAN __BIG_ENDIAN
#define PDP_ENDIAN __PDP_ENDIAN
#define BYTE_ORDER __BYTE_ORDER
#define htobe16(x) __builtin_bswap16(x)
#define htole16(x) ((unsigned short)(x))
#define be16toh(x) __builtin_bswap16(x)
#define le16toh(x) ((unsigned short)(x))
#define htobe32(x) __builtin_bswap32(x)
#define htole32(x) ((unsigned int)(x))
#define be32toh(x) __builtin_bswap32(x)
#define le32toh(x) ((unsigned int)(x))
#define htobe64(x) __builtin_bswap64(x)
#define htole64(x) ((unsigned long)(x))
#define be64toh(x) __builtin_bswap64(x)
#define le64toh(x) ((unsigned long)(x))
#endif
"#;

/// `byteswap.h`: glibc's byte swaps.
pub const BYTESWAP: &str = r#"#ifndef __PIVM_BYTESWAP_H
#define __PIVM_BYTESWAP_H
#define bswap_16(x) __builtin_bswap16(x)
#define bswap_32(x) __builtin_bswap32(x)
#define bswap_64(x) __builtin_bswap64(x)
#endif
"#;

/// `libgen.h`: POSIX `basename` and `dirname`, which may write into their
/// argument (a trailing slash, the last component), as glibc's
/// `__xpg_basename` and `dirname`; "." for a null or empty path.
pub const LIBGEN: &str = r#"#ifndef __PIVM_LIBGEN_H
#define __PIVM_LIBGEN_H
static char __pivm_dot[] = ".";
static char *__pivm_xpg_basename(char *path) {
    if (!path || !*path) {
        __pivm_dot[0] = '.';
        __pivm_dot[1] = 0;
        return __pivm_dot;
    }
    char *p = 0;
    for (char *q = path; *q; q++)
        if (*q == '/') p = q;
    if (!p) return path;
    if (p[1]) return p + 1;
    while (p > path && p[-1] == '/') --p;
    if (p > path) {
        *p-- = 0;
        while (p > path && p[-1] != '/') --p;
    } else {
        while (p[1]) ++p;
    }
    return p;
}
#define basename __pivm_xpg_basename
static char *dirname(char *path) {
    char *last = 0;
    if (path)
        for (char *q = path; *q; q++)
            if (*q == '/') last = q;
    if (last && last != path && last[1] == 0) {
        char *run = last;
        while (run != path && run[-1] == '/') --run;
        if (run != path) {
            last = 0;
            for (char *q = path; q < run; q++)
                if (*q == '/') last = q;
        }
    }
    if (!last) {
        __pivm_dot[0] = '.';
        __pivm_dot[1] = 0;
        return __pivm_dot;
    }
    char *run = last;
    while (run != path && run[-1] == '/') --run;
    if (run == path) last = last == path + 1 ? last + 1 : path + 1;
    else last = run;
    *last = 0;
    return path;
}
#endif
"#;

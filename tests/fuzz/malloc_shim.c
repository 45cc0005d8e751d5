/* jemalloc's four entry points that lib/alloc.c uses, on top of libc
 * malloc, for the fuzz build only (make fuzz links this file instead of
 * jemalloc): every host table then lives in memory that AddressSanitizer
 * tracks, so an overflow of a grey stack or host-data array is reported
 * where it happens.  Only what lib/alloc.c needs is supported: the
 * alignment and zero flags; the private arena is refused (mallctl fails),
 * which lib/alloc.c handles by using plain flags.  Once lib/alloc.c honours
 * GCP_METADATA_LIBC itself, nothing calls these. */
#include <errno.h>
#include <malloc.h>
#include <stdlib.h>
#include <string.h>

void *mallocx(size_t size, int flags);
void *rallocx(void *ptr, size_t size, int flags);
void dallocx(void *ptr, int flags);
int mallctl(const char *name, void *oldp, size_t *oldlenp, void *newp, size_t newlen);

#define SHIM_LG_ALIGN_MASK 0x3f   /* MALLOCX_LG_ALIGN / MALLOCX_ALIGN */
#define SHIM_ZERO 0x40            /* MALLOCX_ZERO */

void *mallocx(size_t size, int flags)
{
    size_t align = (flags & SHIM_LG_ALIGN_MASK) ? (size_t)1 << (flags & SHIM_LG_ALIGN_MASK) : 0;
    void *p = NULL;
    if (align > sizeof(void *)) {
        if (posix_memalign(&p, align, size) != 0)
            return NULL;
    } else {
        p = malloc(size);
    }
    if (p && (flags & SHIM_ZERO))
        memset(p, 0, size);
    return p;
}

void *rallocx(void *ptr, size_t size, int flags)
{
    size_t old = malloc_usable_size(ptr);
    void *p = realloc(ptr, size);
    if (p && (flags & SHIM_ZERO) && size > old)
        memset((char *)p + old, 0, size - old);
    return p;
}

void dallocx(void *ptr, int flags)
{
    (void)flags;
    free(ptr);
}

int mallctl(const char *name, void *oldp, size_t *oldlenp, void *newp, size_t newlen)
{
    (void)name;
    (void)oldp;
    (void)oldlenp;
    (void)newp;
    (void)newlen;
    return ENOENT;
}

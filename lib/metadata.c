/* SPDX-License-Identifier: MIT */
#include "lib/metadata.h"

#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define LIBC_ONLY 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer) || \
    __has_feature(memory_sanitizer)
#define LIBC_ONLY 1
#endif
#endif
#if defined(GCP_METADATA_LIBC) && !defined(LIBC_ONLY)
#define LIBC_ONLY 1
#endif

/* The libc side, used by every build: it is all there is in sanitizer
 * builds and in the shared library (GCP_METADATA_LIBC), which then holds no
 * reference to jemalloc at all. */

static void *libc_calloc_lines(size_t total)
{
    void *p = aligned_alloc(GCP_CACHE_LINE, total);
    return p ? memset(p, 0, total) : NULL;
}

/* n * size rounded up to whole cache lines, or 0 on overflow. */
static size_t lines_total(size_t n, size_t size)
{
    if (size && n > SIZE_MAX / size)
        return 0;
    size_t total = n * size;
    if (total > SIZE_MAX - GCP_CACHE_LINE)
        return 0;
    total = (total + GCP_CACHE_LINE - 1) & ~(size_t)(GCP_CACHE_LINE - 1);
    return total ? total : GCP_CACHE_LINE;
}

#ifdef LIBC_ONLY

bool gcp__alloc_uses_libc(void) { return true; }
void *gcp__malloc(size_t size) { return malloc(size ? size : 1); }

void *gcp__calloc(size_t n, size_t size)
{
    if (size && n > SIZE_MAX / size)
        return NULL;
    size_t total = n * size;
    return calloc(total ? total : 1, 1);
}

void *gcp__calloc_lines(size_t n, size_t size)
{
    size_t total = lines_total(n, size);
    return total ? libc_calloc_lines(total) : NULL;
}

void *gcp__realloc(void *p, size_t size) { return realloc(p, size ? size : 1); }
void gcp__free(void *p) { free(p); }

#else /* jemalloc: a private arena, or libc when GCPOOL_METADATA=libc */

#include <jemalloc/jemalloc.h>

static bool use_libc;
static int arena_flags;
static pthread_once_t arena_once = PTHREAD_ONCE_INIT;

static void arena_init(void)
{
    const char *env = getenv("GCPOOL_METADATA");
    use_libc = env && strcmp(env, "libc") == 0;
    if (use_libc)
        return;
    unsigned idx;
    size_t sz = sizeof idx;
    if (mallctl("arenas.create", &idx, &sz, NULL, 0) == 0) {
        /* A private arena bypasses the thread caches, which belong to the
         * automatic arenas: every block stays accounted to this arena. */
        arena_flags = (int)MALLOCX_ARENA(idx) | MALLOCX_TCACHE_NONE;
    } else {
        arena_flags = 0; /* fall back to jemalloc's automatic arenas */
    }
}

static int flags(void)
{
    pthread_once(&arena_once, arena_init);
    return arena_flags;
}

bool gcp__alloc_uses_libc(void)
{
    (void)flags();
    return use_libc;
}

void *gcp__malloc(size_t size)
{
    int f = flags();
    if (use_libc)
        return malloc(size ? size : 1);
    return mallocx(size ? size : 1, f);
}

void *gcp__calloc(size_t n, size_t size)
{
    if (size && n > SIZE_MAX / size)
        return NULL;
    size_t total = n * size;
    int f = flags();
    if (use_libc)
        return calloc(total ? total : 1, 1);
    return mallocx(total ? total : 1, f | MALLOCX_ZERO);
}

void *gcp__calloc_lines(size_t n, size_t size)
{
    size_t total = lines_total(n, size);
    if (!total)
        return NULL;
    int f = flags();
    if (use_libc)
        return libc_calloc_lines(total);
    return mallocx(total, f | MALLOCX_ZERO | MALLOCX_ALIGN(GCP_CACHE_LINE));
}

void *gcp__realloc(void *p, size_t size)
{
    if (!p)
        return gcp__malloc(size);
    int f = flags();
    if (use_libc)
        return realloc(p, size ? size : 1);
    return rallocx(p, size ? size : 1, f);
}

void gcp__free(void *p)
{
    if (!p)
        return;
    int f = flags();
    if (use_libc)
        free(p);
    else
        dallocx(p, f);
}

#endif

#include "lib/alloc.h"

#include <jemalloc/jemalloc.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer) || \
    __has_feature(memory_sanitizer)
#define SANITIZED 1
#endif
#endif
#if defined(GCP_METADATA_LIBC) && !defined(SANITIZED)
#define SANITIZED 1
#endif

static bool use_libc;
static int arena_flags;
static pthread_once_t arena_once = PTHREAD_ONCE_INIT;

static void arena_init(void)
{
#ifdef SANITIZED
    use_libc = true;
#else
    const char *env = getenv("GCPOOL_METADATA");
    use_libc = env && strcmp(env, "libc") == 0;
#endif
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
    if (size && n > SIZE_MAX / size)
        return NULL;
    size_t total = n * size;
    if (total > SIZE_MAX - GCP_CACHE_LINE)
        return NULL;
    total = (total + GCP_CACHE_LINE - 1) & ~(size_t)(GCP_CACHE_LINE - 1);
    if (!total)
        total = GCP_CACHE_LINE;
    int f = flags();
    if (use_libc) {
        void *p = aligned_alloc(GCP_CACHE_LINE, total);
        return p ? memset(p, 0, total) : NULL;
    }
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

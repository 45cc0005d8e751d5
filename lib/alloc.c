#include "lib/alloc.h"

#include <jemalloc/jemalloc.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>

static unsigned arena_index;
static int arena_flags;
static pthread_once_t arena_once = PTHREAD_ONCE_INIT;

static void arena_init(void)
{
    unsigned idx;
    size_t sz = sizeof idx;
    if (mallctl("arenas.create", &idx, &sz, NULL, 0) == 0) {
        arena_index = idx;
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

void *gcp__malloc(size_t size)
{
    return mallocx(size ? size : 1, flags());
}

void *gcp__calloc(size_t n, size_t size)
{
    if (size && n > SIZE_MAX / size)
        return NULL;
    size_t total = n * size;
    return mallocx(total ? total : 1, flags() | MALLOCX_ZERO);
}

void *gcp__calloc_lines(size_t n, size_t size)
{
    if (size && n > SIZE_MAX / size)
        return NULL;
    size_t total = n * size;
    if (total > SIZE_MAX - GCP_CACHE_LINE)
        return NULL;
    total = (total + GCP_CACHE_LINE - 1) & ~(size_t)(GCP_CACHE_LINE - 1);
    return mallocx(total ? total : GCP_CACHE_LINE,
                   flags() | MALLOCX_ZERO | MALLOCX_ALIGN(GCP_CACHE_LINE));
}

void *gcp__realloc(void *p, size_t size)
{
    if (!p)
        return gcp__malloc(size);
    return rallocx(p, size ? size : 1, flags());
}

void gcp__free(void *p)
{
    if (p)
        dallocx(p, flags());
}

size_t gcp__arena_allocated(void)
{
    char name[64];
    uint64_t epoch = 1;
    size_t esz = sizeof epoch;
    (void)flags();
    if (arena_flags == 0)
        return 0;
    mallctl("epoch", &epoch, &esz, &epoch, esz);
    size_t small = 0, large = 0, sz = sizeof(size_t);
    snprintf(name, sizeof name, "stats.arenas.%u.small.allocated", arena_index);
    if (mallctl(name, &small, &sz, NULL, 0) != 0)
        return 0;
    snprintf(name, sizeof name, "stats.arenas.%u.large.allocated", arena_index);
    sz = sizeof(size_t);
    if (mallctl(name, &large, &sz, NULL, 0) != 0)
        return 0;
    return small + large;
}

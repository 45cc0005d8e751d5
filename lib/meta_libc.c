/* SPDX-License-Identifier: MIT */
/* Host-side metadata from the C library's malloc: the allocator of the
 * shared library libgcpool.so.  Debian's jemalloc uses initial-exec TLS
 * (2.6 KiB of static TLS), which makes any shared object that contains it
 * fail to dlopen ("cannot allocate memory in static TLS block"), so the
 * shared library takes its metadata from the host's malloc instead; the
 * static archive keeps a private jemalloc arena (lib/alloc.c).  README.md,
 * "What the library loads into a host", gives the measured trade-off.
 * Same interface and accounting as lib/alloc.h. */
#include "lib/alloc.h"

#include <malloc.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static atomic_size_t allocated;   /* usable bytes of live blocks */

static void *counted(void *p)
{
    if (p)
        atomic_fetch_add_explicit(&allocated, malloc_usable_size(p), memory_order_relaxed);
    return p;
}

void *gcp__malloc(size_t size) { return counted(malloc(size ? size : 1)); }

void *gcp__calloc(size_t n, size_t size)
{
    if (size && n > SIZE_MAX / size)
        return NULL;
    size_t total = n * size;
    return counted(calloc(total ? total : 1, 1));
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
    void *p = aligned_alloc(GCP_CACHE_LINE, total);
    if (p)
        memset(p, 0, total);
    return counted(p);
}

void *gcp__realloc(void *p, size_t size)
{
    if (!p)
        return gcp__malloc(size);
    size_t old = malloc_usable_size(p);
    void *q = realloc(p, size ? size : 1);
    if (!q)
        return NULL;   /* p is untouched and still counted */
    atomic_fetch_sub_explicit(&allocated, old, memory_order_relaxed);
    return counted(q);
}

void gcp__free(void *p)
{
    if (!p)
        return;
    atomic_fetch_sub_explicit(&allocated, malloc_usable_size(p), memory_order_relaxed);
    free(p);
}

size_t gcp__arena_allocated(void) { return atomic_load_explicit(&allocated, memory_order_relaxed); }

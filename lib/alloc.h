/* Host-side metadata allocation from gcpool's own jemalloc arena. */
#ifndef GCP_LIB_ALLOC_H
#define GCP_LIB_ALLOC_H

#include <stddef.h>

/* All return NULL on failure.  Memory comes from a jemalloc arena created
 * on first use and used only by gcpool, so its footprint is accounted
 * apart from the application's heap. */
void *gcp__malloc(size_t size);
void *gcp__calloc(size_t n, size_t size);
void *gcp__realloc(void *p, size_t size);
void gcp__free(void *p);
/* Zeroed n * size bytes on whole cache lines (64-byte aligned, length
 * rounded up): for state that different threads write, so that two such
 * blocks never share a line.  Free with gcp__free. */
void *gcp__calloc_lines(size_t n, size_t size);

#define GCP_CACHE_LINE 64
/* Allocated bytes in the arena (jemalloc's stats; 0 if unavailable). */
size_t gcp__arena_allocated(void);

#endif

/* SPDX-License-Identifier: MIT */
/* Host-side metadata allocation: a leaf that lib/ and pool/ both use.
 *
 * In the static archive and the test builds the memory comes from a
 * jemalloc arena created on first use and used only by gcpool, so its
 * footprint is accounted apart from the application's heap; a process
 * started with GCPOOL_METADATA=libc in its environment (for valgrind) takes
 * it from libc's malloc instead, the choice made once, at the first
 * allocation.  Builds that define GCP_METADATA_LIBC (the shared library,
 * which must load with dlopen: Debian's jemalloc uses initial-exec TLS) and
 * sanitizer builds use libc's malloc only and hold no reference to
 * jemalloc; there the tools see every block and report any overflow of a
 * host table. */
#ifndef GCP_LIB_METADATA_H
#define GCP_LIB_METADATA_H

#include <stdbool.h>
#include <stddef.h>

/* All return NULL on failure. */
void *gcp__malloc(size_t size);
void *gcp__calloc(size_t n, size_t size);
void *gcp__realloc(void *p, size_t size);
void gcp__free(void *p);
/* Zeroed n * size bytes on whole cache lines (64-byte aligned, length
 * rounded up): for state that different threads write, so that two such
 * blocks never share a line.  Free with gcp__free; never realloc. */
void *gcp__calloc_lines(size_t n, size_t size);

/* Whether host metadata comes from libc's malloc (see above). */
bool gcp__alloc_uses_libc(void);

#define GCP_CACHE_LINE 64

#endif

/* SPDX-License-Identifier: MIT */
/* The one growable vector behind every host-side table (grey stack, work
 * lists, zero-count table, roots lists, host-data entries).  Every push is
 * checked against the capacity and against a hard limit on the element
 * count; growth goes through the host-metadata allocator (lib/metadata.h).
 * A table whose size a heap can influence sets the limit from what the heap
 * can legitimately hold, so a forged heap meets GCP_ELIMIT, never an
 * overflow. */
#ifndef GCP_LIB_VEC_H
#define GCP_LIB_VEC_H

#include <stddef.h>
#include <stdint.h>

#include "gcpool.h"

typedef struct gcp_vec {
    unsigned char *data;
    size_t n;       /* elements in use: data[0 .. n) */
    size_t cap;     /* elements allocated */
    size_t limit;   /* most elements ever held (SIZE_MAX / elem when unset) */
    size_t elem;    /* bytes per element */
} gcp_vec;

/* An empty vector of elem-byte elements holding at most limit of them
 * (0: as many as memory allows).  Allocates nothing. */
void gcp__vec_init(gcp_vec *v, size_t elem, size_t limit);
/* Frees the storage; the vector is empty (and reusable) afterwards. */
void gcp__vec_free(gcp_vec *v);
/* Changes the limit (0: none).  Elements already held past a lower limit
 * stay; only later pushes are refused (storage past it stays allocated but
 * unused). */
void gcp__vec_set_limit(gcp_vec *v, size_t limit);

/* Makes room for at least `more` further elements without changing n.
 * GCP_ELIMIT when n + more passes the limit, GCP_ENOMEM. */
gcp_status gcp__vec_reserve(gcp_vec *v, size_t more);

/* Appends one element and gives its (uninitialised) storage in *slot.
 * GCP_ELIMIT at the limit, GCP_ENOMEM; *slot is untouched on failure. */
static inline gcp_status gcp__vec_push(gcp_vec *v, void **slot)
{
    if (v->n == v->cap) {
        gcp_status st = gcp__vec_reserve(v, 1);
        if (st != GCP_OK)
            return st;
    }
    *slot = v->data + v->n * v->elem;
    v->n++;
    return GCP_OK;
}

/* The i-th element; callers index only below n. */
static inline void *gcp__vec_at(const gcp_vec *v, size_t i)
{
    return v->data + i * v->elem;
}

/* Removes the last element and returns its storage (valid until the next
 * push), or NULL when empty. */
static inline void *gcp__vec_pop(gcp_vec *v)
{
    if (v->n == 0)
        return NULL;
    v->n--;
    return v->data + v->n * v->elem;
}

/* Drops elements past the first n (n <= current count; larger n is
 * ignored).  Storage is kept. */
static inline void gcp__vec_truncate(gcp_vec *v, size_t n)
{
    if (n < v->n)
        v->n = n;
    if (v->cap > v->limit)   /* held past a lowered limit (see set_limit) */
        v->cap = v->n > v->limit ? v->n : v->limit;
}

#endif

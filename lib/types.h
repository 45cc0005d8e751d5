/* SPDX-License-Identifier: MIT */
/* Internal view of the type registry, for heaps and collectors. */
#ifndef GCP_LIB_TYPES_H
#define GCP_LIB_TYPES_H

#include <stdbool.h>
#include <stdint.h>

#include "gcpool.h"

typedef struct gcp_type {
    gcp_kind kind;            /* GCP_KIND_STRUCT or GCP_KIND_ARRAY */
    uint32_t payload_bytes;   /* struct: payload size */
    uint32_t elem_bytes;      /* array: element size */
    bool elems_are_refs;      /* array */
    uint8_t elem_shift;       /* array: log2(elem_bytes) */
    uint32_t n_refs;          /* struct: number of ref fields */
    /* struct: the whole object's size, header included (what the size
     * word of every valid object of this type holds); array: 0. */
    uint32_t obj_bytes;
    /* struct: the payload bytes below the first ref field and from the
     * end of the last one on hold no ref (payload_bytes and 0 without
     * ref fields): a scalar access inside either needs no search. */
    uint32_t refs_from, refs_to;
    const uint32_t *ref_offsets; /* struct: sorted ascending */
} gcp_type;

/* Types per chunk of the registry: chunk 0 holds indices below this. */
#define GCP_TYPES_CHUNK (1u << 10)

/* Adds a reference (for pools).  NULL ignored. */
void gcp__types_retain(gcp_types *types);
/* The type at index, or NULL when index is not registered (or types is
 * NULL).  Lock-free; safe concurrently with registration. */
const gcp_type *gcp__types_get(const gcp_types *types, uint32_t index);

/* A holder's snapshot of the registry's first chunk (a heap keeps one):
 * the first `n` types, which never move nor change once published, so
 * they are read without an atomic load.  The registry may grow meanwhile;
 * an index past `n` goes to gcp__types_snap_get, which takes a new
 * snapshot.  Zero-initialised (n = 0) is a valid, empty snapshot. */
typedef struct gcp_types_snap {
    const gcp_type *first;    /* chunk 0, or NULL while n == 0 */
    uint32_t n;               /* <= GCP_TYPES_CHUNK */
} gcp_types_snap;

/* The type at index, as gcp__types_get, through the snapshot snap of the
 * same registry: a bounds check and an add when index < snap->n.  One
 * thread at a time per snapshot (the heap's). */
const gcp_type *gcp__types_snap_get(const gcp_types *types, gcp_types_snap *snap,
                                    uint32_t index);
static inline __attribute__((always_inline)) const gcp_type *
gcp__types_lookup(const gcp_types *types, gcp_types_snap *snap, uint32_t index)
{
    if (index < snap->n)
        return snap->first + index;
    return gcp__types_snap_get(types, snap, index);
}

#endif

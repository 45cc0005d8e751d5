/* SPDX-License-Identifier: MIT */
/* Internal view of the type registry, for heaps and collectors. */
#ifndef GCP_LIB_TYPES_H
#define GCP_LIB_TYPES_H

#include <stdbool.h>
#include <stdint.h>

#include "gcpool.h"

/* A registered type: struct gcp__type, defined in gcpool.h because the
 * header's inline fast paths read it. */
typedef struct gcp__type gcp_type;

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

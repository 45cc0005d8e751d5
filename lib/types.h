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
    uint32_t n_refs;          /* struct: number of ref fields */
    const uint32_t *ref_offsets; /* struct: sorted ascending */
} gcp_type;

/* Adds a reference (for pools).  NULL ignored. */
void gcp__types_retain(gcp_types *types);
/* The type at index, or NULL when index is not registered (or types is
 * NULL).  Lock-free; safe concurrently with registration. */
const gcp_type *gcp__types_get(const gcp_types *types, uint32_t index);

#endif

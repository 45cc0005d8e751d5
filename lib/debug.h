/* SPDX-License-Identifier: MIT */
/* The debug mode (gcp_pool_config.debug, or GCPOOL_DEBUG=1 in the
 * environment): the whole heap verified after every collection, freed and
 * vacated memory filled with a poison pattern, and every object moved at
 * every compacting collection, so that a raw ref the host kept across a
 * collection without rooting it is reported as GCP_ESTALEREF. */
#ifndef GCP_LIB_DEBUG_H
#define GCP_LIB_DEBUG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "gcpool.h"
#include "lib/heap.h"

static inline bool gcp__debug_enabled(const gcp_heap *heap) { return heap->debug; }

/* Fills [off, off + size) with the poison byte (debug mode only: a no-op
 * otherwise).  The range must lie inside the bound. */
void gcp__debug_poison(gcp_heap *heap, gcp_ref off, uint32_t size);
/* Makes [off, off + size) one free block whose payload is poison (size at
 * least GCP_OBJ_HEADER_BYTES, a multiple of 8, inside the bound). */
void gcp__debug_poison_block(gcp_heap *heap, gcp_ref off, uint32_t size);

/* Verifies the whole heap [GCP_HEAP_START, frontier): every block a valid
 * object or free block, every ref slot of every object null, i31 or the
 * start of an object, every externref's id bound to it in table (NULL:
 * not checked), every root (NULL: none) null, i31 or an object start.  GCP_ECORRUPT + poison with the offending offset in
 * gcp_last_error; GCP_ENOMEM. */
gcp_status gcp__debug_verify(gcp_heap *heap, const gcp_hostdata *table, const gcp_roots *roots,
                             uint64_t frontier);

#endif

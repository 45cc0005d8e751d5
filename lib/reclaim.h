/* What the reclaiming collectors (lib/drc.c, lib/marksweep.c) share, and
 * the internal views tests and benchmarks use to look inside them. */
#ifndef GCP_LIB_RECLAIM_H
#define GCP_LIB_RECLAIM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/freelist.h"
#include "lib/heap.h"

/* First member of the DRC and mark-sweep per-heap state (heap->cdata). */
typedef struct gcp_flc {
    gcp_freelist fl;
    uint64_t last_step_units;   /* work units done by the latest gc_step */
} gcp_flc;

/* Shared hooks: allocation from the free lists, and their high water. */
gcp_status gcp__flc_alloc(gcp_heap *heap, uint32_t size, gcp_ref *out);
size_t gcp__flc_high_water(const gcp_heap *heap);

/* The step budget as a count of units (a zero budget still makes progress). */
static inline uint64_t gcp__flc_budget(const gcp_heap *heap)
{
    return heap->step_budget ? heap->step_budget : 1u;
}

/* The heap's free lists, or NULL for a collector without them (null). */
gcp_freelist *gcp__heap_freelist(gcp_heap *heap);
/* Units of work the latest collection step did (0 for the null collector).
 * Units: mark-sweep counts one per root read, one per object taken from the
 * grey stack, one per reference slot scanned and one per block swept; DRC
 * one per root, one per zero-count-table entry or heap block examined, and
 * one per object freed plus one per reference slot it held. */
uint64_t gcp__gc_last_step_units(const gcp_heap *heap);

/* DRC.  need_gc_before_entering_wasm(n) is true when the exposed set would
 * hold more than this many refs. */
#define GCP_DRC_EXPOSED_CAP 1024u
/* Header flag (bits 8..15 of word 0) of an object queued in the DRC
 * zero-count table. */
#define GCP_DRC_FLAG_ZCT 0x01u
/* Refs in the exposed set, and entries in the zero-count table. */
size_t gcp__drc_exposed_count(const gcp_heap *heap);
size_t gcp__drc_zct_count(const gcp_heap *heap);

#endif

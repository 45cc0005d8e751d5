/* SPDX-License-Identifier: MIT */
/* Views into a heap's collector for tests and benchmarks (never used by
 * the library itself).  Each works for any collector through its ops
 * table; what does not apply to a collector reads as zero or NULL. */
#ifndef GCP_LIB_INSPECT_H
#define GCP_LIB_INSPECT_H

#include <stddef.h>
#include <stdint.h>

#include "lib/collector.h"
#include "lib/drc.h"
#include "lib/freelist.h"
#include "lib/heap.h"

/* The collector's whole view (see gcp_gc_view in lib/collector.h). */
gcp_gc_view gcp__gc_view(const gcp_heap *heap);

/* The heap's free lists, or NULL for a collector without them (null). */
gcp_freelist *gcp__heap_freelist(gcp_heap *heap);
/* Units of work the latest gcp_collection_step did, over all the slices a
 * time budget cut it into (0 for the null collector and after a reset).
 * Units: mark-sweep counts one per root read, one per object taken from the
 * grey stack, one per reference slot scanned and one per block swept; DRC
 * one per root, one per zero-count-table entry or heap block examined, and
 * one per object freed plus one per reference slot it held; its backup
 * trace one per block walked and one per reference slot, three walks; its
 * merge of free blocks one per block walked. */
uint64_t gcp__gc_last_step_units(const gcp_heap *heap);

/* Refs in the exposed set, and entries in the zero-count table. */
size_t gcp__drc_exposed_count(const gcp_heap *heap);
size_t gcp__drc_zct_count(const gcp_heap *heap);
/* Makes the next collection a full one (DRC: ends with a backup trace
 * whatever it frees); nothing for collectors whose collections all are. */
void gcp__drc_request_trace(gcp_heap *heap);
/* 0: no trace pending; 1: after an allocation failure (conditional);
 * 2: requested. */
int gcp__drc_trace_pending(const gcp_heap *heap);

#endif

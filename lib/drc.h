/* SPDX-License-Identifier: MIT */
/* Constants of the deferred reference-counting collector (lib/drc.c). */
#ifndef GCP_LIB_DRC_H
#define GCP_LIB_DRC_H

/* need_gc_before_entering_wasm(n) is true when the exposed set would hold
 * more than this many refs. */
#define GCP_DRC_EXPOSED_CAP 1024u
/* Header flag (bits 8..15 of word 0) of an object queued in the zero-count
 * table. */
#define GCP_DRC_FLAG_ZCT 0x01u
/* After an allocation got GCP_NEED_GC, the next collection ends with a
 * backup trace if its zero-count pass freed less than 1/this of the heap
 * below the frontier. */
#define GCP_DRC_TRACE_FRACTION 4u
/* A collection that freed at least 1/this of the heap below the frontier
 * ends by merging the free blocks (a sliced walk of the heap). */
#define GCP_DRC_COALESCE_FRACTION 4u

#endif

/* What the reclaiming collectors (lib/drc.c, lib/marksweep.c) share, and
 * the internal views tests and benchmarks use to look inside them. */
#ifndef GCP_LIB_RECLAIM_H
#define GCP_LIB_RECLAIM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/freelist.h"
#include "lib/heap.h"
#include "lib/object.h"
#include "lib/vec.h"

/* A grey object: taken from the stack `done - 1` of its reference slots
 * scanned (0: not taken yet), so a large array is scanned across steps. */
typedef struct gcp_grey {
    gcp_ref ref;
    uint32_t done;
} gcp_grey;

/* Tri-colour marking state, all in host memory: a mark bitmap (one bit per
 * 8-byte granule below the frontier; compiled code cannot forge a mark, and
 * nothing stale survives from an earlier collection since the bitmap is
 * cleared each time) and the grey stack (each object is pushed once, when
 * it is marked, so its depth is bounded by the objects below the frontier).
 * White: no mark.  Grey: marked and on the stack.  Black: marked, scanned. */
typedef struct gcp_tracer {
    uint64_t *marks;
    size_t mark_words;
    gcp_vec stack;              /* of gcp_grey; limit: objects below the frontier */
} gcp_tracer;

/* First member of the DRC and mark-sweep per-heap state (heap->cdata). */
typedef struct gcp_flc {
    gcp_freelist fl;
    uint64_t last_step_units;   /* work units done by the latest gc_step */
    gcp_tracer tracer;
} gcp_flc;

/* Prepares the tracer of a new heap state (no host memory yet). */
void gcp__trace_init(gcp_flc *c);
/* Clears the marks for the heap below the frontier and empties the grey
 * stack, whose limit becomes the number of objects that fit below the
 * frontier.  GCP_ENOMEM. */
gcp_status gcp__trace_begin(gcp_flc *c);
/* Frees the tracer's host memory. */
void gcp__trace_free(gcp_flc *c);
static inline bool gcp__trace_marked(const gcp_flc *c, gcp_ref r)
{
    uint64_t g = r / GCP_OBJ_ALIGN;
    return (c->tracer.marks[g >> 6] >> (g & 63u)) & 1u;
}
/* Validates an object the collector reached (a valid object, below the
 * frontier): GCP_ECORRUPT + poison otherwise, also for a FREE block unless
 * blocks is true. */
gcp_status gcp__trace_reach(gcp_flc *c, gcp_ref r, gcp_obj *o, bool blocks);
/* White -> grey for a heap ref (null and i31 are ignored).  *moved gets the
 * ref's location after the collection: the same ref, as no collector moves
 * objects yet; callers write it back (gcp_roots_set, the field), so a
 * moving collector only has to change this function. */
gcp_status gcp__trace_shade(gcp_flc *c, gcp_ref r, gcp_ref *moved);
/* Grey objects waiting to be scanned. */
static inline size_t gcp__trace_pending(const gcp_flc *c) { return c->tracer.stack.n; }
/* Empties the grey stack (storage kept). */
static inline void gcp__trace_drop(gcp_flc *c) { gcp__vec_truncate(&c->tracer.stack, 0); }
/* Scans grey objects until the stack is empty or *units reaches budget:
 * one unit per object taken, one per reference slot scanned.  More grey
 * entries than objects fit below the frontier can only come from forged
 * (overlapping) objects: GCP_ECORRUPT + poison. */
gcp_status gcp__trace_drain(gcp_flc *c, uint64_t budget, uint64_t *units);

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
 * one per object freed plus one per reference slot it held; its backup
 * trace one per block walked and one per reference slot, three walks. */
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
/* After an allocation got GCP_NEED_GC, the next DRC collection ends with a
 * backup trace if its zero-count pass freed less than 1/this of the heap
 * below the frontier. */
#define GCP_DRC_TRACE_FRACTION 4u
/* Makes the next DRC collection end with a backup trace whatever it frees. */
void gcp__drc_request_trace(gcp_heap *heap);
/* 0: no trace pending; 1: after an allocation failure (conditional);
 * 2: requested. */
int gcp__drc_trace_pending(const gcp_heap *heap);

#endif

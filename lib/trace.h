/* SPDX-License-Identifier: MIT */
/* The tracer and what else the collectors built on free lists (lib/drc.c,
 * lib/marksweep.c) share: their per-heap state, allocation, the bound on
 * their host tables, and reclaiming a dead object. */
#ifndef GCP_LIB_TRACE_H
#define GCP_LIB_TRACE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/freelist.h"
#include "lib/collector.h"
#include "lib/heap.h"
#include "lib/object.h"
#include "lib/vec.h"

/* A grey object: taken from the stack `done - 1` of its reference slots
 * scanned (0: not taken yet), so a large array is scanned across steps.
 * What its validation found when it was marked comes along (headers do not
 * change while a collection runs: the mutator is kept out), so a pop reads
 * only its slots: how many there are, and the struct type whose ref
 * offsets they lie at (GCP_GREY_ARRAY: a ref array's elements). */
typedef struct gcp_grey {
    gcp_ref ref;
    uint32_t done;
    uint32_t nrefs;
    uint32_t type;
} gcp_grey;

#define GCP_GREY_ARRAY UINT32_MAX

/* Refs waiting in the prefetch queue of a tracer (a power of two). */
#define GCP_TRACE_QUEUE 8u

/* Tri-colour marking state, all in host memory: a mark bitmap (one bit per
 * 8-byte granule below the frontier; compiled code cannot forge a mark, and
 * nothing stale survives from an earlier collection since the bitmap is
 * cleared each time) and the grey stack (each object is pushed once, when
 * it is marked, so its depth is bounded by the objects below the frontier).
 * White: no mark.  Grey: marked and on the stack.  Black: marked, scanned.
 *
 * A ref found unmarked is not validated at once: its header is prefetched
 * and the ref waits in a short FIFO queue (host memory) until
 * GCP_TRACE_QUEUE more have been found or the stack runs dry, so the
 * header loads of several objects overlap instead of each stalling the
 * trace.  It is validated and marked when it leaves the queue, exactly as
 * before; pending counts the queue too. */
typedef struct gcp_tracer {
    gcp_heap *heap;
    uint64_t frontier;          /* nothing at or above it was handed out */
    uint64_t *marks;
    /* With track_ends (set by the collector after gcp__trace_init): a second
     * bitmap of the same size, with a bit at the last granule of each
     * marked object, so a sweep learns every marked object's extent from
     * host memory alone; NULL otherwise. */
    uint64_t *ends;
    bool track_ends;
    size_t mark_words;          /* words allocated at marks (both bitmaps) */
    uint64_t marked;            /* objects marked since the trace began */
    gcp_vec stack;              /* of gcp_grey; limit: objects below the frontier */
    gcp_ref queue[GCP_TRACE_QUEUE];   /* refs found, not yet validated */
    uint32_t q_head, q_n;
} gcp_tracer;

/* First member of the DRC and mark-sweep per-heap state (heap->cdata). */
typedef struct gcp_flc {
    gcp_freelist fl;
    gcp_tracer tracer;
} gcp_flc;

/* Most objects that fit below a frontier: the limit of every host table
 * that holds each object at most once. */
static inline size_t gcp__max_objects(uint64_t frontier)
{
    return (size_t)(frontier / GCP_OBJ_HEADER_BYTES) + 1;
}

/* Prepares a tracer (no host memory yet). */
void gcp__trace_init(gcp_tracer *t);
/* Starts a trace of heap below frontier (<= the bound): clears the marks
 * and empties the grey stack, whose limit becomes the number of objects
 * that fit below the frontier.  GCP_ENOMEM. */
gcp_status gcp__trace_begin(gcp_tracer *t, gcp_heap *heap, uint64_t frontier);
/* Frees the tracer's host memory. */
void gcp__trace_free(gcp_tracer *t);
/* Whether the object at r (below the frontier) is marked. */
static inline bool gcp__trace_marked(const gcp_tracer *t, gcp_ref r)
{
    uint64_t g = r / GCP_OBJ_ALIGN;
    return (t->marks[g >> 6] >> (g & 63u)) & 1u;
}
/* The first set bit in [g, end) of a bitmap, or end. */
static inline uint64_t gcp__bits_next(const uint64_t *bits, uint64_t g, uint64_t end)
{
    while (g < end) {
        uint64_t w = bits[g >> 6] >> (g & 63u);
        if (w) {
            uint64_t at = g + (uint64_t)__builtin_ctzll(w);
            return at < end ? at : end;
        }
        g = (g | 63u) + 1u;
    }
    return end;
}
/* The first marked granule (offset / GCP_OBJ_ALIGN) in [g, end), or end
 * (end at most the frontier's granule). */
static inline uint64_t gcp__trace_next_mark(const gcp_tracer *t, uint64_t g, uint64_t end)
{
    return gcp__bits_next(t->marks, g, end);
}
/* The first granule in [g, end) that ends a marked object, or end (needs
 * track_ends). */
static inline uint64_t gcp__trace_next_end(const gcp_tracer *t, uint64_t g, uint64_t end)
{
    return gcp__bits_next(t->ends, g, end);
}
/* Objects marked so far. */
static inline uint64_t gcp__trace_count(const gcp_tracer *t) { return t->marked; }
/* Validates an object a collector reached: a valid object ending at or
 * below frontier; GCP_ECORRUPT + poison otherwise, also for a FREE block
 * unless blocks is true. */
gcp_status gcp__reach(gcp_heap *heap, uint64_t frontier, gcp_ref r, gcp_obj *o, bool blocks);
/* gcp__reach with the tracer's heap and frontier. */
static inline gcp_status gcp__trace_reach(gcp_tracer *t, gcp_ref r, gcp_obj *o, bool blocks)
{
    return gcp__reach(t->heap, t->frontier, r, o, blocks);
}
/* White -> grey for a heap ref (null and i31 are ignored): the ref joins
 * the prefetch queue; the one it pushes out is validated (GCP_ECORRUPT +
 * poison) and marked. */
gcp_status gcp__trace_shade(gcp_tracer *t, gcp_ref r);
/* Grey objects waiting to be scanned, and refs waiting in the queue. */
static inline size_t gcp__trace_pending(const gcp_tracer *t) { return t->stack.n + t->q_n; }
/* Empties the grey stack (storage kept) and the queue. */
static inline void gcp__trace_drop(gcp_tracer *t)
{
    gcp__vec_truncate(&t->stack, 0);
    t->q_head = t->q_n = 0;
}
/* Scans grey objects (and validates queued refs when the stack is empty)
 * until nothing is pending or *units reaches budget:
 * one unit per object taken, one per reference slot scanned.  More grey
 * entries than objects fit below the frontier can only come from forged
 * (overlapping) objects: GCP_ECORRUPT + poison. */
gcp_status gcp__trace_drain(gcp_tracer *t, uint64_t budget, uint64_t *units);

/* Shared hooks: allocation from the free lists, their high water, and the
 * free-list part of the inspection view. */
gcp_status gcp__flc_alloc(gcp_heap *heap, uint32_t size, gcp_ref *out);
size_t gcp__flc_high_water(const gcp_heap *heap);
void gcp__flc_inspect(const gcp_heap *heap, gcp_gc_view *out);
size_t gcp__flc_live_bytes(const gcp_heap *heap);
size_t gcp__flc_frontier(const gcp_heap *heap);

/* gcp__max_objects for the free-list frontier. */
static inline size_t gcp__flc_max_objects(const gcp_flc *c) { return gcp__max_objects(c->fl.frontier); }

/* The common part of reclaiming a dead object o: an externref's host data
 * is finalized (an id not bound to o is corruption) and its bytes counted
 * in gc->bytes_reclaimed; in the debug mode the block becomes a free block
 * of poison.  The caller gives the block back. */
gcp_status gcp__flc_finalize(gcp_collection *gc, const gcp_obj *o);

/* The step budget as a count of units (a zero budget still makes progress). */
static inline uint64_t gcp__flc_budget(const gcp_heap *heap)
{
    return heap->step_budget ? heap->step_budget : 1u;
}

#endif

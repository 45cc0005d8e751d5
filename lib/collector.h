/* SPDX-License-Identifier: MIT */
/* The collector ops table: everything that differs between collectors sits
 * behind it.  The heap core (lib/heap.c, lib/access.c, lib/gc.c) validates
 * arguments and refs, checks the poisoned / busy / no-GC state, writes object
 * headers and zeroes payloads; a collector only manages space, counts and
 * reclamation.
 *
 * Contract for every hook (unless stated otherwise):
 *  - refs handed to a hook are already validated (gcp__obj_check) or are
 *    null / i31; refs a hook reads from the heap itself must be validated with
 *    lib/object.h before use, and a failed check must be reported with
 *    gcp__heap_corrupt() (which poisons the heap and gives GCP_ECORRUPT);
 *  - a hook never touches memory outside [base, base + bound) and its work is
 *    bounded by the heap size (no endless loop on a hostile heap);
 *  - host-side memory comes from gcp__malloc and friends (lib/metadata.h).
 *
 * Adding a collector: define a `const gcp_collector_ops` in its own file
 * (see lib/null.c; inline_alloc may stay GCP_INLINE_ALLOC_NONE), declare
 * it below and return it from
 * gcp__collector_ops() in lib/heap.c for its gcp_collector kind.  Useful
 * pieces: lib/object.h (validation, ref slots, header words, free blocks),
 * gcp__heap_grow, gcp__heap_corrupt, gcp__hostdata_reclaim (lib/hostdata.h),
 * gcp_roots_count / gcp_roots_get / gcp_roots_set for the roots. */
#ifndef GCP_LIB_COLLECTOR_H
#define GCP_LIB_COLLECTOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "gcpool.h"

/* A collection in progress.  One per heap, embedded in it (never
 * allocated); gcp_heap_gc_start hands out a pointer to it. */
struct gcp_collection {
    gcp_heap *heap;
    gcp_roots *roots;          /* may be NULL: no roots */
    gcp_hostdata *table;       /* host data of reclaimed externrefs goes here */
    /* Started and neither complete nor failed: heap->gc_active.  Once
     * not active: what every later step answers.  GCP_OK after a
     * completion (with GCP_COMPLETE), the error that ended it, or
     * GCP_ESTATE when its heap was released or its roots list changed. */
    gcp_status end;
    uint64_t roots_version;    /* of `roots` when it started */
    uint64_t bytes_reclaimed;  /* collector adds what it freed */
    /* Work units of the latest gcp_collection_step: the core zeroes it
     * before the step, each gc_step call adds the units it did. */
    uint64_t step_units;
};

/* What a collector shows tests and benchmarks about itself (see
 * lib/inspect.h); fields that do not apply stay zero. */
typedef struct gcp_gc_view {
    struct gcp_freelist *freelist;  /* its free lists, if built on them */
    uint64_t last_step_units;       /* work units of the latest gcp_collection_step
                                     * (the core fills it from gc->step_units) */
    size_t exposed;                 /* DRC: refs in the exposed set */
    size_t zct;                     /* DRC: zero-count table entries */
    int trace_pending;              /* DRC: 0 none, 1 after a failed allocation, 2 requested */
} gcp_gc_view;

/* Allocation the heap core may do inline, without calling the alloc hook
 * (see gcp_collector_ops.inline_alloc). */
typedef enum gcp_inline_alloc {
    GCP_INLINE_ALLOC_NONE = 0,   /* always the alloc hook */
    GCP_INLINE_ALLOC_BUMP,       /* cdata is the null collector's gcp_bump (lib/null.h) */
    GCP_INLINE_ALLOC_FREELIST    /* cdata starts with a gcp_flc (lib/trace.h, gcp__fl_bump) */
} gcp_inline_alloc;

typedef struct gcp_collector_ops {
    const char *name;

    /* What the core's fast allocation path may do without the alloc hook
     * (the hook still gets every allocation it does not take): the same
     * bump the hook would make first, with nothing else to do on success. */
    gcp_inline_alloc inline_alloc;

    /* Value written into the collector word (header bytes 12..15) of every
     * new object (DRC: an initial count of 1 for the caller's reference). */
    uint32_t new_object_word;

    /* The barriers are reference counts in the collector word (DRC):
     * clone and write add one to a new referent (saturating at
     * UINT32_MAX, which never changes again), write takes one from the old
     * referent, and only a count that reaches zero (or a zero count, which
     * is corruption) needs the hooks.  Then gcpool.h's inline paths and
     * the core count themselves while no count reaches zero
     * (GCP__BARRIER_COUNTS). */
    bool counts_in_cword;

    /* Builds the per-heap state in heap->cdata.  heap->mem->bound may still
     * be 0 here; reset() is always called before the first allocation.
     * GCP_ENOMEM. */
    gcp_status (*create)(gcp_heap *heap);
    /* Frees heap->cdata (and any collection state). */
    void (*destroy)(gcp_heap *heap);
    /* Back to "nothing allocated": free lists refilled, bump pointer rewound,
     * counters cleared, without touching the kernel.  Called after every byte
     * below mem.bound was zeroed (mem.bound may have shrunk); any collection
     * in progress was already aborted. */
    void (*reset)(gcp_heap *heap);

    /* Finds `size` bytes (a multiple of GCP_OBJ_ALIGN, >= GCP_OBJ_HEADER_BYTES)
     * at an aligned, non-zero offset and writes it to *out.  The core then
     * writes the header (collector word = new_object_word) and zeroes the
     * payload, so the block may be dirty.  Grow with gcp__heap_grow().
     * Returns:
     *   GCP_OK;
     *   GCP_ETOOLARGE  the object can never fit (bigger than the max heap);
     *   GCP_NEED_GC    no room and the heap cannot grow.  The core alone
     *                  decides what the host hears: GCP_ELIMIT when a
     *                  collection has completed since the last successful
     *                  allocation (so "alloc; NEED_GC -> collect; retry"
     *                  makes at most one collection per allocation),
     *                  GCP_NEED_GC otherwise;
     *   GCP_ELIMIT     no room, cannot grow, and collecting cannot help;
     *   GCP_ESYS       the owner could not grow the memory;
     *   GCP_ECORRUPT   (via gcp__heap_corrupt) the collector's in-heap
     *                  metadata, e.g. a free list, is invalid. */
    gcp_status (*alloc)(gcp_heap *heap, uint32_t size, gcp_ref *out);

    /* Barriers; NULL means "nothing to do".  ref / old / new_ref are
     * validated heap refs, null or i31 (hooks must ignore null and i31).
     * clone:  the host takes one more reference to ref.
     * write:  a reference location changes from old to new_ref (the core
     *         does the store afterwards).  owner is the object holding the
     *         location (0 for a host location).  An externref reclaimed here
     *         has its host data removed from table (gcp__hostdata_reclaim).
     * expose: ref is handed to compiled code (DRC: add to the
     *         over-approximated set of exposed refs). */
    gcp_status (*clone)(gcp_heap *heap, gcp_ref ref);
    gcp_status (*write)(gcp_heap *heap, gcp_hostdata *table, gcp_ref owner,
                        gcp_ref old, gcp_ref new_ref);
    gcp_status (*expose)(gcp_heap *heap, gcp_ref ref);
    /* Should the host collect before passing n refs into compiled code
     * (DRC: the exposed set would overflow)?  NULL means false. */
    bool (*need_gc_before_entering_wasm)(const gcp_heap *heap, size_t n);

    /* Collections.  gc_start prepares gc->state (gc->heap/roots/table are
     * set, bytes_reclaimed is 0, and every root already holds a validated
     * ref: the core checked them, and the mutator does not run until the
     * collection completes).  gc_step does at most about
     * gc->heap->step_budget units of work, adds them to gc->step_units and
     * sets *out.  gcp_collection_step may call it several times per step,
     * with a slice of the budget in step_budget (a call that reports fewer
     * units than its slice is charged the whole slice, so a step always
     * ends).  On GCP_COMPLETE the
     * collector's per-collection state must be released.  An error ends the
     * collection (the core calls gc_abort next).  gc_abort (may be NULL when
     * there is no per-collection state) drops a collection in progress: on
     * error, on reset and on destroy. */
    gcp_status (*gc_start)(gcp_collection *gc);
    gcp_status (*gc_step)(gcp_collection *gc, gcp_progress *out);
    void (*gc_abort)(gcp_collection *gc);

    /* The pointer compiled code gets from gcp_heap_collector_data (NULL if
     * none).  Must stay valid for the heap's lifetime. */
    void *(*data)(gcp_heap *heap);
    /* Bytes of the heap handed out since the last reset: every offset ever
     * returned by alloc, plus its size, is below this. */
    size_t (*high_water)(const gcp_heap *heap);

    /* End of the walkable heap: every block in [GCP_HEAP_START, frontier)
     * is an object or a free block (the debug mode verifies them). */
    size_t (*frontier)(const gcp_heap *heap);

    /* Bytes objects hold after a completed collection (what it could not
     * prove dead); the growth policy sizes the heap from it.  NULL: the
     * collector does not reclaim and the policy does not apply. */
    size_t (*live_bytes)(const gcp_heap *heap);
    /* Fills *out (zeroed by the caller) for tests and benchmarks; NULL
     * shows nothing. */
    void (*inspect)(const gcp_heap *heap, gcp_gc_view *out);
    /* Makes the next collection a full one (DRC: ends it with a backup
     * trace whatever the zero counts free); NULL when every one is. */
    void (*request_full)(gcp_heap *heap);
} gcp_collector_ops;

/* The collectors built in. */
extern const gcp_collector_ops gcp__null_collector;
extern const gcp_collector_ops gcp__drc_collector;        /* lib/drc.c */
extern const gcp_collector_ops gcp__marksweep_collector;  /* lib/marksweep.c */
extern const gcp_collector_ops gcp__compact_collector;    /* lib/compact.c */

/* The ops for a collector kind, or NULL if it is not built in. */
const gcp_collector_ops *gcp__collector_ops(gcp_collector kind);

/* First offset any collector hands out: offset 0 is never an object. */
#define GCP_HEAP_START 16u
/* Largest offset + size an allocation may reach: refs are 32 bits (the
 * largest multiple of the object alignment below 2^32). */
#define GCP_HEAP_LIMIT ((uint64_t)(UINT32_MAX & ~(uint32_t)7u))

#endif

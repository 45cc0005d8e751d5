/* SPDX-License-Identifier: MIT */
/* The heap object and its internal entry points (pool/ sees only
 * lib/heapops.h).  Collector-specific state lives behind `ops`. */
#ifndef GCP_LIB_HEAP_H
#define GCP_LIB_HEAP_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "gcpool.h"
#include "lib/collector.h"
#include "lib/mem.h"
#include "lib/types.h"

struct gcp_heap {
    /* The head that gcpool.h's inline fast paths read (struct
     * gcp__heap_head; lib/heap.c checks the offsets): keep these first,
     * in this order, and change GCP__HEAP_LAYOUT with any change. */
    uint64_t layout;                      /* GCP__HEAP_LAYOUT */
    gcp_mem *mem;                         /* the owner's descriptor */
    gcp_types_snap tsnap;                 /* this heap's snapshot of the registry (lib/types.h) */
    bool poisoned;
    bool gc_active;                       /* a collection is in progress (heap->gc) */
    uint8_t barrier;                      /* GCP__BARRIER_* (gcpool.h) */
    const struct gcp_collector_ops *ops;
    gcp_types *types;                     /* shared registry, retained (may be NULL) */
    /* Units of one gc_step call: gc_step_budget, or while
     * gcp_collection_step slices a step by time, the slice's share. */
    uint32_t step_budget;
    uint64_t step_time_ns;                /* gc_step_time_us in ns; 0: none */
    uint32_t growth_percent;              /* gc_heap_growth_percent; 0: grow freely */
    /* The collector asks for a collection (NEED_GC) before growing past
     * this (see gcp__heap_may_grow). */
    size_t soft_bound;
    uint32_t no_gc_depth;
    bool debug;                           /* the debug mode (lib/debug.h) */
    /* A collection has completed since the last successful allocation (or
     * since the reset): an allocation that still finds no room gets
     * GCP_ELIMIT, not GCP_NEED_GC. */
    bool collected_since_alloc;
    /* gcp_heap_alloc_externref has bound an externref since the last
     * reset: only then can a dead object carry host data (mark-sweep
     * sweeps by runs of the mark bitmap while it is false). */
    bool externrefs;
    uint64_t collections;                 /* completed since the last reset */
    /* gcp_heap_base or gcp_heap_collector_data was called since the last
     * reset: the host (compiled code) may have written anywhere below the
     * bound, so the owner zeroes all of it (gcp_heap_ops.release).  Atomic:
     * those accessors may be called from several threads at once. */
    atomic_bool exposed;
    void *cdata;                          /* collector state */
    /* Parts a heap keeps between holders for its next one (lib/store.c
     * keeps the last store there, so that store churn allocates no host
     * memory): freed with spare_free when the heap is destroyed. */
    void *spare;
    void (*spare_free)(void *spare);
    gcp_collection gc;                    /* the heap's collection object */
};

/* The entries of gcp__heap_ops (lib/heapops.h), for lib/ and the tests. */
gcp_status gcp__heap_create(const gcp_pool_config *cfg, gcp_mem *mem, gcp_heap **out);
/* A collection still in progress at reset (the owner should have ended it
 * at release) is dropped without the collector's abort. */
void gcp__heap_reset(gcp_heap *heap);
void gcp__heap_destroy(gcp_heap *heap);

/* Bytes of the heap the collector has handed out since the last reset
 * (every byte an allocation returned lies below this).  Compiled code may
 * still have written anywhere below mem->bound. */
size_t gcp__heap_high_water(const gcp_heap *heap);

/* The soft bound before a heap's first collection (see
 * gc_heap_growth_percent in gcpool.h). */
#define GCP_GROWTH_FLOOR ((size_t)4 << 20)

/* The growth policy, for collectors that reclaim: may the heap grow to
 * hold `end` bytes now, or should the allocation ask for a collection
 * first (GCP_NEED_GC)?  Growing is right when the policy is off, when `end`
 * stays within the soft bound, when a collection has completed since the
 * last successful allocation (it did not make room), and inside a no-GC
 * scope (the host cannot collect there). */
static inline bool gcp__heap_may_grow(const gcp_heap *heap, uint64_t end)
{
    return heap->growth_percent == 0 || end <= heap->soft_bound ||
           heap->collected_since_alloc || heap->no_gc_depth > 0;
}

/* Most units gcp_collection_step gives one gc_step call when the step has a
 * time budget: it reads the clock between such slices. */
#define GCP__STEP_SLICE 1024u

/* The monotonic clock gcp_collection_step reads between slices, in
 * nanoseconds (CLOCK_MONOTONIC).  Tests replace it with a fake clock and
 * restore it; the library never changes it. */
extern uint64_t (*gcp__step_clock)(void);
uint64_t gcp__step_clock_monotonic(void);

/* Asks the owner to make at least min_bound bytes accessible (it may give
 * more, usually doubling).  GCP_OK, GCP_ELIMIT past mem->max, GCP_ESYS. */
gcp_status gcp__heap_grow(gcp_heap *heap, size_t min_bound);

/* GCP_OK if mutator operations may run: GCP_EINVAL for NULL, GCP_EPOISONED,
 * GCP_EBUSY while a collection is in progress. */
static inline gcp_status gcp__heap_usable(const gcp_heap *heap)
{
    if (!heap)
        return GCP_EINVAL;
    if (heap->poisoned)
        return GCP_EPOISONED;
    if (heap->gc_active)
        return GCP_EBUSY;
    return GCP_OK;
}

/* The type at index in the heap's registry (NULL if not registered),
 * through the heap's snapshot. */
static inline const gcp_type *gcp__heap_type(gcp_heap *heap, uint32_t index)
{
    return gcp__types_lookup(heap->types, &heap->tsnap, index);
}

/* Ends the collection in progress, if any, through the collector's
 * gc_abort, which may still write into the heap (a sweep hands back what it
 * swept): so the owner calls this when a heap is released, before its
 * memory is zeroed, given back or shrunk.  Later steps of that collection
 * answer GCP_ESTATE. */
void gcp__heap_abort_gc(gcp_heap *heap);
/* Ends the collection in progress, if any, with `why` as the answer of its
 * later steps (gcp__heap_abort_gc is this with GCP_ESTATE). */
void gcp__heap_end_gc(gcp_heap *heap, gcp_status why);

/* Reports a contract violation to the panic handler (see
 * gcp_set_panic_handler); returns only if the handler returns. */
void gcp__panic(const char *message);

#endif

/* SPDX-License-Identifier: MIT */
/* Barriers and collections: argument and state checks around the
 * collector's hooks. */
#include <time.h>

#include "lib/collector.h"
#include "lib/debug.h"
#include "lib/heap.h"
#include "lib/object.h"
#include "lib/roots.h"

gcp_status (gcp_heap_clone_ref)(gcp_heap *heap, gcp_ref src, gcp_ref *out)
{
    gcp_status st = gcp__heap_usable(heap);
    if (st != GCP_OK)
        return st;
    if (!out)
        return GCP_EINVAL;
    st = gcp__host_ref(heap, src, GCP__WANT_VALUE, NULL);
    if (st == GCP_OK && gcp_ref_is_heap(src) && heap->ops->clone)
        st = heap->ops->clone(heap, src);
    if (st == GCP_OK)
        *out = src;
    return st;
}

gcp_status gcp_heap_write_ref(gcp_heap *heap, gcp_hostdata *table, gcp_ref *dst,
                              const gcp_ref *src)
{
    gcp_status st = gcp__heap_usable(heap);
    if (st != GCP_OK)
        return st;
    if (!dst)
        return GCP_EINVAL;
    gcp_ref old = *dst, value = src ? *src : GCP_REF_NULL;
    if (!gcp__value_fast(heap, old) || !gcp__value_fast(heap, value)) {
        st = gcp__host_ref(heap, old, GCP__WANT_VALUE, NULL);
        if (st == GCP_OK)
            st = gcp__host_ref(heap, value, GCP__WANT_VALUE, NULL);
    }
    if (st == GCP_OK && heap->ops->write &&
        !(heap->barrier == GCP__BARRIER_COUNTS && gcp__inl_recount(heap->mem->base, old, value)))
        st = heap->ops->write(heap, table, GCP_REF_NULL, old, value);
    if (st == GCP_OK)
        *dst = value;
    return st;
}

gcp_status (gcp_heap_drop_ref)(gcp_heap *heap, gcp_hostdata *table, gcp_ref ref)
{
    return gcp_heap_write_ref(heap, table, &ref, NULL);
}

gcp_status gcp_heap_expose_ref(gcp_heap *heap, gcp_ref ref)
{
    gcp_status st = gcp__heap_usable(heap);
    if (st != GCP_OK)
        return st;
    st = gcp__host_ref(heap, ref, GCP__WANT_VALUE, NULL);
    if (st == GCP_OK && gcp_ref_is_heap(ref) && heap->ops->expose)
        st = heap->ops->expose(heap, ref);
    return st;
}

bool gcp_heap_need_gc_before_entering_wasm(const gcp_heap *heap, size_t n)
{
    if (!heap || n == 0 || heap->poisoned || !heap->ops->need_gc_before_entering_wasm)
        return false;
    return heap->ops->need_gc_before_entering_wasm(heap, n);
}

/* ---------------------------------------------------------------- collections */

/* After a completed collection: the heap may grow to growth_percent of
 * what is still live (never below the floor) before it asks again. */
static void set_soft_bound(gcp_heap *heap)
{
    if (!heap->ops->live_bytes || heap->growth_percent == 0)
        return;
    uint64_t live = heap->ops->live_bytes(heap);
    uint64_t want = live / 100u * heap->growth_percent + live % 100u * heap->growth_percent / 100u;
    heap->soft_bound = want > GCP_GROWTH_FLOOR ? (size_t)want : GCP_GROWTH_FLOOR;
}

/* Ends the collection after an error from the collector. */
static gcp_status fail(gcp_heap *heap, gcp_status st)
{
    gcp__heap_end_gc(heap, st);
    if (st == GCP_ECORRUPT)
        heap->poisoned = true;
    return st;
}

/* Every root must hold a valid ref before a collector sees it: an r64 with
 * upper bits set is refused (GCP_EINVAL), a bad heap ref is corruption. */
static gcp_status check_roots(gcp_heap *heap, const gcp_roots *roots)
{
    size_t n = gcp__roots_n(roots);
    for (size_t i = 0; i < n; i++) {
        gcp_ref r;
        gcp_status st = gcp__roots_value(roots, i, &r);
        if (st == GCP_OK)
            st = gcp__host_ref(heap, r, GCP__WANT_VALUE, NULL);
        if (st != GCP_OK)
            return st;
    }
    return GCP_OK;
}

gcp_status gcp_heap_gc_start(gcp_heap *heap, gcp_roots *roots, gcp_hostdata *table,
                             gcp_collection **out)
{
    if (!heap || !table || !out)
        return GCP_EINVAL;
    if (heap->no_gc_depth > 0) {
        gcp__panic("garbage collection started inside a no-GC scope");
        return GCP_ESTATE;
    }
    gcp_status st = gcp__heap_usable(heap);
    if (st == GCP_OK)
        st = check_roots(heap, roots);
    if (st != GCP_OK)
        return st;
    gcp_collection *gc = &heap->gc;
    gc->heap = heap;
    gc->roots = roots;
    gc->table = table;
    gc->bytes_reclaimed = 0;
    gc->step_units = 0;
    gc->roots_version = gcp__roots_version(roots);
    gc->end = GCP_OK;
    heap->gc_active = true;
    st = heap->ops->gc_start(gc);
    if (st != GCP_OK)
        return fail(heap, st);
    *out = gc;
    return GCP_OK;
}

uint64_t gcp__step_clock_monotonic(void)
{
    struct timespec ts;
    if (clock_gettime(CLOCK_MONOTONIC, &ts) != 0)
        return 0;   /* cannot happen on Linux; a stopped clock means units only */
    return (uint64_t)ts.tv_sec * UINT64_C(1000000000) + (uint64_t)ts.tv_nsec;
}

uint64_t (*gcp__step_clock)(void) = gcp__step_clock_monotonic;

/* The collector's work of one step: a single gc_step call with the whole
 * unit budget, or with a time budget, calls of at most GCP__STEP_SLICE
 * units with the clock read after each, until the units are spent, the
 * time is up, the collection completes or a call fails.  A call that did
 * fewer units than its slice without completing is charged the slice (so
 * the loop ends even then); one that ran over is charged what it did, so
 * the whole step overshoots the budget by one call's overshoot at most. */
static gcp_status run_step(gcp_heap *heap, gcp_collection *gc, gcp_progress *p)
{
    gc->step_units = 0;
    if (heap->step_time_ns == 0)
        return heap->ops->gc_step(gc, p);
    uint32_t budget = heap->step_budget;
    uint64_t left = budget ? budget : 1u;   /* a zero budget still does a unit */
    uint64_t deadline = gcp__step_clock() + heap->step_time_ns;
    gcp_status st;
    for (;;) {
        uint32_t slice = left < GCP__STEP_SLICE ? (uint32_t)left : GCP__STEP_SLICE;
        uint64_t before = gc->step_units;
        heap->step_budget = slice;
        st = heap->ops->gc_step(gc, p);
        heap->step_budget = budget;
        if (st != GCP_OK || *p == GCP_COMPLETE)
            break;
        uint64_t did = gc->step_units - before;
        if (did < slice)
            did = slice;
        if (did >= left || gcp__step_clock() >= deadline)
            break;
        left -= did;
    }
    return st;
}

gcp_status gcp_collection_step(gcp_collection *gc, gcp_progress *out)
{
    if (!gc || !out)
        return GCP_EINVAL;
    gcp_heap *heap = gc->heap;
    /* A finished collection stays finished; one whose heap was released
     * (or whose roots changed) or that failed keeps answering why. */
    if (!heap->gc_active && gc->end == GCP_ESTATE)
        return GCP_ESTATE;
    if (heap->poisoned) {
        if (heap->gc_active)
            fail(heap, GCP_EPOISONED);
        return GCP_EPOISONED;
    }
    if (!heap->gc_active) {
        if (gc->end != GCP_OK)
            return gc->end;
        *out = GCP_COMPLETE;
        return GCP_OK;
    }
    /* The collector walks the roots list by index across steps: a list the
     * host changed since the start ends the collection. */
    if (gcp__roots_version(gc->roots) != gc->roots_version)
        return fail(heap, GCP_ESTATE);
    gcp_progress p = GCP_CONTINUE;
    gcp_status st = run_step(heap, gc, &p);
    if (st == GCP_OK && p == GCP_COMPLETE && heap->debug && heap->ops->frontier)
        st = gcp__debug_verify(heap, gc->table, gc->roots, heap->ops->frontier(heap));
    if (st != GCP_OK)
        return fail(heap, st);
    if (p == GCP_COMPLETE) {
        heap->gc_active = false;
        set_soft_bound(heap);
        heap->collections++;
        heap->collected_since_alloc = true;
    }
    *out = p;
    return GCP_OK;
}

gcp_status gcp_collection_run(gcp_collection *gc)
{
    gcp_progress p = GCP_CONTINUE;
    while (p == GCP_CONTINUE) {
        gcp_status st = gcp_collection_step(gc, &p);
        if (st != GCP_OK)
            return st;
    }
    return GCP_OK;
}

gcp_status gcp_heap_gc(gcp_heap *heap, gcp_roots *roots, gcp_hostdata *table)
{
    gcp_collection *gc;
    gcp_status st = gcp_heap_gc_start(heap, roots, table, &gc);
    if (st != GCP_OK)
        return st;
    return gcp_collection_run(gc);
}

uint64_t gcp_heap_collections(const gcp_heap *heap) { return heap ? heap->collections : 0; }

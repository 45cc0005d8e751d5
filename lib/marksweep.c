/* SPDX-License-Identifier: MIT */
/* Incremental mark-sweep over segregated free lists.
 *
 * A collection runs in three phases, each sliced by the step budget:
 *  - roots: each root's ref is validated, marked and pushed grey;
 *  - mark: tri-colour marking.  White objects have no mark bit; grey ones
 *    are marked and on the grey stack; black ones are marked and scanned.
 *    A grey entry remembers how many of its reference slots were scanned,
 *    so a large array is scanned across several steps;
 *  - sweep: a walk over every block below the free-list frontier; unmarked
 *    objects are freed (externrefs' host data finalized), runs of adjacent
 *    free blocks are merged and the free lists are rebuilt from scratch.
 *    While the heap has bound no externref since its reset, no dead object
 *    needs anything done, so the sweep goes from marked object to marked
 *    object through the bitmap instead: the bytes between two of them
 *    become one free block, unread (garbage is not validated, and is
 *    never used), and the marked objects' extents come from the tracer's
 *    bitmaps (a start and an end bit each, set when marking validated
 *    them), so no header is read again.
 * The mutator does not run between the steps of one collection (the core
 * refuses it with GCP_EBUSY), so marking needs no write barrier.
 *
 * Mark bits live in a side bitmap in host memory (one bit per 8-byte
 * granule below the frontier), not in the header flags: compiled code can
 * write headers at any time, and a forged mark bit in a header would make
 * a dead object survive or, worse, make the sweep trust a stale bit left
 * from an earlier collection.  The bitmap is cleared at the start of every
 * collection and cannot be reached from the heap.  Its cost is frontier/64
 * bytes, kept between collections.
 *
 * The grey stack is host memory too, growable, and holds each object at
 * most once (an object is marked when pushed), so its size is bounded by
 * the number of objects below the frontier.  Both are the shared tracer of
 * lib/trace.h, which DRC's backup trace uses too.
 */
#include "lib/metadata.h"
#include "lib/collector.h"
#include "lib/debug.h"
#include "lib/heap.h"
#include "lib/hostdata.h"
#include "lib/object.h"
#include "lib/trace.h"
#include "lib/roots.h"

enum phase { IDLE, ROOTS, MARK, SWEEP };

typedef struct ms_heap {
    gcp_flc base;        /* must stay first */
    enum phase phase;
    size_t root_i;
    uint64_t sweep_at;
    bool by_runs;        /* this sweep goes by the bitmap (no externrefs) */
    uint64_t used;       /* bytes in objects below the frontier when marking ended */
    uint64_t live;       /* bytes in marked objects swept so far */
} ms_heap;

static gcp_status ms_create(gcp_heap *heap)
{
    ms_heap *m = gcp__calloc_lines(1, sizeof *m);
    if (!m)
        return GCP_ENOMEM;
    gcp__fl_init(&m->base.fl, heap);
    gcp__trace_init(&m->base.tracer);
    m->base.tracer.track_ends = true;   /* for the sweep by runs */
    heap->cdata = m;
    return GCP_OK;
}

static void ms_destroy(gcp_heap *heap)
{
    ms_heap *m = heap->cdata;
    if (!m)
        return;
    gcp__trace_free(&m->base.tracer);
    gcp__free(m);
    heap->cdata = NULL;
}

static void ms_reset(gcp_heap *heap)
{
    ms_heap *m = heap->cdata;
    gcp__fl_reset(&m->base.fl);
    m->phase = IDLE;
    gcp__trace_drop(&m->base.tracer);
}

/* ---------------------------------------------------------------- marking */

static gcp_status mark_roots(gcp_collection *gc, ms_heap *m, uint64_t budget, uint64_t *units)
{
    size_t n = gcp__roots_n(gc->roots);
    while (m->root_i < n && *units < budget) {
        gcp_ref r;
        if (gcp__roots_value(gc->roots, m->root_i, &r) != GCP_OK)
            return gcp__heap_corrupt(gc->heap);
        gcp_status st = gcp__trace_shade(&m->base.tracer, r);
        if (st != GCP_OK)
            return st;
        m->root_i++;
        (*units)++;
    }
    if (m->root_i >= n)
        m->phase = MARK;
    return GCP_OK;
}

static gcp_status mark_some(ms_heap *m, uint64_t budget, uint64_t *units)
{
    gcp_status st = gcp__trace_drain(&m->base.tracer, budget, units);
    if (st == GCP_OK && gcp__trace_pending(&m->base.tracer) == 0) {
        gcp_freelist *fl = &m->base.fl;
        m->phase = SWEEP;
        m->sweep_at = GCP_HEAP_START;
        m->by_runs = !m->base.tracer.heap->externrefs;
        m->used = fl->frontier - GCP_HEAP_START - fl->free_bytes;
        m->live = 0;
        gcp__fl_rebuild_begin(fl);
    }
    return st;
}

/* ---------------------------------------------------------------- sweeping */

static gcp_status sweep_some(gcp_collection *gc, ms_heap *m, uint64_t budget, uint64_t *units,
                             bool *done)
{
    gcp_heap *heap = gc->heap;
    gcp_freelist *fl = &m->base.fl;
    while (m->sweep_at < fl->frontier && *units < budget) {
        gcp_ref at = (gcp_ref)m->sweep_at;
        gcp_obj o;
        if (gcp__obj_check_block(heap, at, &o) != GCP_OK || (uint64_t)at + o.size > fl->frontier)
            return gcp__heap_corrupt(heap);
        if (o.kind == GCP_KIND_FREE) {
            gcp__fl_rebuild_free(fl, at, o.size);
        } else if (gcp__trace_marked(&m->base.tracer, at)) {
            gcp__fl_rebuild_live(fl);
        } else {
            gcp_status st = gcp__flc_finalize(gc, &o);
            if (st != GCP_OK)
                return st;
            gcp__fl_rebuild_free(fl, at, o.size);
        }
        m->sweep_at += o.size;
        (*units)++;
    }
    if (m->sweep_at >= fl->frontier) {
        gcp__fl_rebuild_end(fl);
        *done = true;
    }
    return GCP_OK;
}

/* The sweep by runs (see the top of the file): one unit per marked object
 * and one per free run.  A marked object's extent comes from the tracer's
 * bitmaps, set when marking validated it (the mutator has not run since):
 * from its mark to the next end mark.  Another object's mark inside that
 * extent, or a gap that cannot hold a block, can only come from forged
 * sizes (overlapping objects): GCP_ECORRUPT.  No live header is read. */
static gcp_status sweep_runs(gcp_collection *gc, ms_heap *m, uint64_t budget, uint64_t *units,
                             bool *done)
{
    gcp_heap *heap = gc->heap;
    gcp_freelist *fl = &m->base.fl;
    const gcp_tracer *t = &m->base.tracer;
    const uint64_t end = fl->frontier / GCP_OBJ_ALIGN;
    while (m->sweep_at < fl->frontier && *units < budget) {
        uint64_t at = gcp__trace_next_mark(t, m->sweep_at / GCP_OBJ_ALIGN, end) * GCP_OBJ_ALIGN;
        if (at > m->sweep_at) {
            uint64_t run = at - m->sweep_at;
            if (run < GCP_OBJ_HEADER_BYTES)
                return gcp__heap_corrupt(heap);
            if (gcp__debug_enabled(heap))
                gcp__debug_poison_block(heap, (gcp_ref)m->sweep_at, (uint32_t)run);
            gcp__fl_rebuild_free(fl, (uint32_t)m->sweep_at, (uint32_t)run);
            m->sweep_at = at;
            (*units)++;
            continue;
        }
        const uint64_t last = gcp__trace_next_end(t, at / GCP_OBJ_ALIGN, end);
        if (last == end || gcp__trace_next_mark(t, at / GCP_OBJ_ALIGN + 1, last + 1) != last + 1)
            return gcp__heap_corrupt(heap);
        const uint64_t o_end = (last + 1) * GCP_OBJ_ALIGN;
        gcp__fl_rebuild_live(fl);
        m->live += o_end - at;
        m->sweep_at = o_end;
        (*units)++;
    }
    if (m->sweep_at >= fl->frontier) {
        gcp__fl_rebuild_end(fl);
        gc->bytes_reclaimed += m->used > m->live ? m->used - m->live : 0;
        *done = true;
    }
    return GCP_OK;
}

/* ---------------------------------------------------------------- collection hooks */

static gcp_status ms_gc_start(gcp_collection *gc)
{
    ms_heap *m = gc->heap->cdata;
    gcp_status st = gcp__trace_begin(&m->base.tracer, gc->heap, m->base.fl.frontier);
    if (st != GCP_OK)
        return st;
    m->root_i = 0;
    m->phase = ROOTS;
    return GCP_OK;
}

static gcp_status ms_gc_step(gcp_collection *gc, gcp_progress *out)
{
    ms_heap *m = gc->heap->cdata;
    uint64_t budget = gcp__flc_budget(gc->heap), units = 0;
    gcp_status st = GCP_OK;
    bool done = false;
    while (st == GCP_OK && !done && units < budget) {
        switch (m->phase) {
        case ROOTS:
            st = mark_roots(gc, m, budget, &units);
            break;
        case MARK:
            st = mark_some(m, budget, &units);
            break;
        case SWEEP:
            st = m->by_runs ? sweep_runs(gc, m, budget, &units, &done)
                            : sweep_some(gc, m, budget, &units, &done);
            break;
        case IDLE:
            done = true;
            break;
        }
    }
    gc->step_units += units;
    if (st != GCP_OK)
        return st;
    if (done)
        m->phase = IDLE;
    *out = done ? GCP_COMPLETE : GCP_CONTINUE;
    return GCP_OK;
}

static void ms_gc_abort(gcp_collection *gc)
{
    ms_heap *m = gc->heap->cdata;
    if (m->phase == SWEEP)
        gcp__fl_rebuild_live(&m->base.fl);   /* keep what was swept */
    m->phase = IDLE;
    gcp__trace_drop(&m->base.tracer);
}

const gcp_collector_ops gcp__marksweep_collector = {
    .name = "marksweep",
    .inline_alloc = GCP_INLINE_ALLOC_FREELIST,
    .new_object_word = 0,
    .create = ms_create,
    .destroy = ms_destroy,
    .reset = ms_reset,
    .alloc = gcp__flc_alloc,
    .clone = NULL,
    .write = NULL,
    .expose = NULL,
    .need_gc_before_entering_wasm = NULL,
    .gc_start = ms_gc_start,
    .gc_step = ms_gc_step,
    .gc_abort = ms_gc_abort,
    .data = NULL,
    .high_water = gcp__flc_high_water,
    .frontier = gcp__flc_frontier,
    .live_bytes = gcp__flc_live_bytes,
    .inspect = gcp__flc_inspect,
    .request_full = NULL,
};

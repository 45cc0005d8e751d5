/* SPDX-License-Identifier: MIT */
/* Incremental mark-compact: bump allocation, and collections that slide
 * every live object down to the start of the heap, in address order.
 *
 * Objects are allocated by bumping a gcp_bump (the collector data, which
 * compiled code may bump inline, as with the null collector), so the heap
 * is always one run of objects [GCP_HEAP_START, next) and a reset zeroes
 * no more than the highest `next` ever reached.  A collection runs in six
 * phases, each sliced by the step budget:
 *  - roots:  every root's ref is marked and pushed grey (lib/trace.h);
 *  - mark:   tri-colour marking over the shared tracer (marks in host
 *            memory, never in headers);
 *  - plan:   a walk over every block below the frontier (from mark to
 *            mark through the bitmap, garbage unread, while the heap has
 *            bound no externref since its reset).  A marked object
 *            gets its new address (the next free byte of the compacted
 *            heap), written to its collector word and to the plan, a host
 *            vector of (from, to, size) in address order; a dead externref
 *            has its host data finalized and becomes a free block, so a
 *            later walk never finalizes it twice.  A walk that finds fewer
 *            marked objects than the trace marked means objects overlap: a
 *            forged heap;
 *  - fix roots: every root is rewritten to its object's new address
 *            through gcp__roots_update (stack r64 roots, ref roots and
 *            handle cells alike);
 *  - fix:    every reference slot of every planned object is rewritten the
 *            same way, and a moving externref's host-data binding follows it;
 *  - move:   objects are copied to their new addresses in address order
 *            (memmove in chunks, so a large array is moved across steps; a
 *            chunk never overwrites bytes a later chunk still has to read,
 *            since objects only move down) and their collector words are
 *            cleared.  `next` then ends the compacted heap.
 * The mutator does not run between the steps of one collection (the core
 * answers GCP_EBUSY), so no barrier is needed; refs read back from the heap
 * during fix are validated (marked, and a new address inside the compacted
 * heap), so a forged heap gets GCP_ECORRUPT and poison, never a write
 * outside it.  Once fix roots has begun, the heap is half updated: a
 * collection ended before it completes (an error, or the host changing the
 * roots) poisons the heap; released heaps are reset anyway.
 *
 * With move_all (the debug mode, gcp_pool_config.debug), every live object
 * moves at every collection, to a range that overlaps none of the old
 * objects: down to the start when the live bytes fit below the lowest live
 * object, else up past the frontier (the heap grows for it).  The vacated
 * bytes become a free block filled with GCP_DEBUG_POISON, so a raw ref the
 * host kept across a collection finds a free block or poison instead of
 * another object.
 */
#include <stddef.h>
#include <string.h>

#include "lib/collector.h"
#include "lib/debug.h"
#include "lib/heap.h"
#include "lib/hostdata.h"
#include "lib/metadata.h"
#include "lib/null.h"
#include "lib/object.h"
#include "lib/roots.h"
#include "lib/trace.h"
#include "lib/vec.h"

enum phase { IDLE, ROOTS, MARK, SIZE, PLAN, FIX_ROOTS, FIX, MOVE };

/* Bytes copied per work unit while moving. */
#define MOVE_CHUNK 256u
/* Slots waiting in the fix phase's FIFO while their referents' headers
 * (where the new addresses are) are fetched (a power of two). */
#define FIX_AHEAD 8u

typedef struct cp_fix {
    uint32_t slot;            /* heap offset of a ref slot of a survivor */
    gcp_ref ref;              /* the ref it held */
} cp_fix;

typedef struct cp_move {
    gcp_ref from, to;
    uint32_t size;
} cp_move;

typedef struct cp_heap {
    /* Collector data for compiled code, and what the core bumps inline
     * (GCP_INLINE_ALLOC_BUMP takes heap->cdata as a gcp_bump): first. */
    gcp_bump bump;
    uint64_t high_water;      /* highest `next` since the reset */
    uint64_t live;            /* bytes in use after the last collection */
    gcp_tracer tracer;
    gcp_vec plan;             /* of cp_move, in address order */
    enum phase phase;
    bool move_all;            /* this collection moves every object */
    uint64_t top;             /* the frontier when the collection started */
    uint64_t base;            /* where the compacted heap begins */
    uint64_t marked;          /* objects the trace marked */
    uint64_t found;           /* of those, found by the plan walk */
    uint64_t scan_at;         /* size / plan: next block */
    uint64_t to;              /* plan: next new address; size: live bytes */
    uint64_t lowest;          /* size: lowest live object */
    size_t i;                 /* fix roots: next root; fix / move: next plan entry */
    uint32_t part;            /* fix: slots done of plan[i]; move: bytes moved */
    cp_fix fixq[FIX_AHEAD];   /* fix: slots read, not rewritten yet */
    uint32_t fq_head, fq_n;
} cp_heap;

_Static_assert(offsetof(cp_heap, bump) == 0, "the core bumps heap->cdata as a gcp_bump");

static uint64_t max_of(const gcp_heap *heap)
{
    return heap->mem->max < GCP_HEAP_LIMIT ? heap->mem->max : GCP_HEAP_LIMIT;
}

static gcp_status cp_create(gcp_heap *heap)
{
    cp_heap *c = gcp__calloc_lines(1, sizeof *c);
    if (!c)
        return GCP_ENOMEM;
    c->bump.next = GCP_HEAP_START;
    gcp__trace_init(&c->tracer);
    gcp__vec_init(&c->plan, sizeof(cp_move), 1);
    heap->cdata = c;
    return GCP_OK;
}

static void cp_destroy(gcp_heap *heap)
{
    cp_heap *c = heap->cdata;
    if (!c)
        return;
    gcp__trace_free(&c->tracer);
    gcp__vec_free(&c->plan);
    gcp__free(c);
    heap->cdata = NULL;
}

static void cp_reset(gcp_heap *heap)
{
    cp_heap *c = heap->cdata;
    c->bump.next = GCP_HEAP_START;
    c->bump.limit = gcp__bump_limit(heap);
    c->high_water = GCP_HEAP_START;
    c->live = 0;
    c->phase = IDLE;
    gcp__trace_drop(&c->tracer);
    gcp__vec_truncate(&c->plan, 0);
}

/* Compiled code may have moved next (inline allocation) or scribbled on
 * it: it must stay aligned, past the start and inside the bound. */
static bool next_valid(const gcp_heap *heap, uint64_t next)
{
    return (next & (GCP_OBJ_ALIGN - 1)) == 0 && next >= GCP_HEAP_START && next <= heap->mem->bound;
}

static void note_high_water(cp_heap *c, uint64_t next)
{
    if (next > c->high_water)
        c->high_water = next;
}

/* Bumping as the null collector does, with the growth policy; the high
 * water is noted at each collection (next only grows in between). */
static gcp_status cp_alloc(gcp_heap *heap, uint32_t size, gcp_ref *out)
{
    return gcp__bump_alloc(heap, size, out, true);
}

/* ---------------------------------------------------------------- phases */

static gcp_status mark_roots(gcp_collection *gc, cp_heap *c, uint64_t budget, uint64_t *units)
{
    size_t n = gcp__roots_n(gc->roots);
    while (c->i < n && *units < budget) {
        gcp_ref r;
        if (gcp__roots_value(gc->roots, c->i, &r) != GCP_OK)
            return gcp__heap_corrupt(gc->heap);
        gcp_status st = gcp__trace_shade(&c->tracer, r);
        if (st != GCP_OK)
            return st;
        c->i++;
        (*units)++;
    }
    if (c->i >= n)
        c->phase = MARK;
    return GCP_OK;
}

/* Where a planned object goes.  Every object the fix phases reach was
 * marked (roots and the slots of marked objects were all shaded), and the
 * plan wrote its new address into its collector word; anything else is a
 * forged heap. */
static gcp_status forward(cp_heap *c, gcp_heap *heap, gcp_ref r, gcp_ref *out)
{
    if (!gcp_ref_is_heap(r)) {
        *out = r;
        return GCP_OK;
    }
    if ((uint64_t)r + GCP_OBJ_HEADER_BYTES > c->top || !gcp__trace_marked(&c->tracer, r))
        return gcp__heap_corrupt(heap);
    uint32_t to = gcp__load32(heap->mem->base + r + GCP_HDR_CWORD);
    if ((to & (GCP_OBJ_ALIGN - 1)) != 0 || to < c->base || (uint64_t)to >= c->to)
        return gcp__heap_corrupt(heap);
    *out = to;
    return GCP_OK;
}

/* Marking is done: the plan gets room for every marked object now, in one
 * allocation, rather than by doubling (and copying) inside later steps.
 * More marks than objects fit below the frontier means forged, overlapping
 * objects. */
static gcp_status end_mark(cp_heap *c)
{
    c->marked = gcp__trace_count(&c->tracer);
    c->found = 0;
    c->scan_at = GCP_HEAP_START;
    c->to = 0;
    c->lowest = c->top;
    c->base = GCP_HEAP_START;
    gcp__vec_truncate(&c->plan, 0);
    gcp__vec_set_limit(&c->plan, gcp__max_objects(c->top));
    if (c->marked > c->plan.cap) {
        gcp__vec_free(&c->plan);   /* nothing to keep: no copy on growth */
        gcp_status st = gcp__vec_reserve(&c->plan, (size_t)c->marked);
        if (st != GCP_OK)
            return st == GCP_ELIMIT ? gcp__heap_corrupt(c->tracer.heap) : st;
    }
    c->phase = c->move_all ? SIZE : PLAN;
    return GCP_OK;
}

/* move_all: the live bytes and the lowest live object, to choose a range
 * that overlaps no old object. */
static gcp_status size_some(gcp_heap *heap, cp_heap *c, uint64_t budget, uint64_t *units)
{
    while (c->scan_at < c->top && *units < budget) {
        gcp_ref at = (gcp_ref)c->scan_at;
        gcp_obj o;
        gcp_status st = gcp__reach(heap, c->top, at, &o, true);
        if (st != GCP_OK)
            return st;
        if (o.kind != GCP_KIND_FREE && gcp__trace_marked(&c->tracer, at)) {
            c->to += o.size;
            if (at < c->lowest)
                c->lowest = at;
        }
        c->scan_at += o.size;
        (*units)++;
    }
    if (c->scan_at < c->top)
        return GCP_OK;
    uint64_t live = c->to;
    if (live == 0 || GCP_HEAP_START + live <= c->lowest) {
        c->base = GCP_HEAP_START;
    } else {
        /* Above everything: the heap grows for it, or (at its maximum) the
         * collection slides as usual and the objects at the start stay. */
        c->base = c->top;
        if (c->base + live > max_of(heap) ||
            gcp__heap_grow(heap, (size_t)(c->base + live)) != GCP_OK ||
            c->base + live > heap->mem->bound)
            c->base = GCP_HEAP_START;
    }
    c->scan_at = GCP_HEAP_START;
    c->to = 0;
    c->phase = PLAN;
    return GCP_OK;
}

/* The marked object o gets the next address of the compacted heap, in its
 * collector word and in the plan (more entries than objects fit below the
 * frontier: forged, overlapping objects). */
static gcp_status plan_one(cp_heap *c, gcp_heap *heap, gcp_obj *o)
{
    void *slot;
    gcp_status st = gcp__vec_push(&c->plan, &slot);
    if (st != GCP_OK)
        return st == GCP_ELIMIT ? gcp__heap_corrupt(heap) : st;
    *(cp_move *)slot = (cp_move){.from = o->ref, .to = (gcp_ref)c->to, .size = o->size};
    gcp__obj_set_cword(o, (uint32_t)c->to);
    c->to += o->size;
    c->found++;
    return GCP_OK;
}

static gcp_status plan_some(gcp_collection *gc, cp_heap *c, uint64_t budget, uint64_t *units)
{
    gcp_heap *heap = gc->heap;
    if (c->to == 0)
        c->to = c->base;
    /* No externref bound since the reset: no dead object needs anything
     * done, so the walk goes from mark to mark (garbage is not read). */
    while (!heap->externrefs && c->scan_at < c->top && *units < budget) {
        const uint64_t end = c->top / GCP_OBJ_ALIGN;
        uint64_t at = gcp__trace_next_mark(&c->tracer, c->scan_at / GCP_OBJ_ALIGN, end) *
                      GCP_OBJ_ALIGN;
        if (at >= c->top) {
            c->scan_at = c->top;
            break;
        }
        gcp_obj o;
        gcp_status st = gcp__reach(heap, c->top, (gcp_ref)at, &o, false);
        if (st != GCP_OK)
            return st;
        /* A mark inside a marked object: forged sizes. */
        uint64_t o_end = (at + o.size) / GCP_OBJ_ALIGN;
        if (gcp__trace_next_mark(&c->tracer, at / GCP_OBJ_ALIGN + 1, o_end) != o_end)
            return gcp__heap_corrupt(heap);
        if ((st = plan_one(c, heap, &o)) != GCP_OK)
            return st;
        c->scan_at = at + o.size;
        (*units)++;
    }
    while (c->scan_at < c->top && *units < budget) {
        gcp_ref at = (gcp_ref)c->scan_at;
        gcp_obj o;
        gcp_status st = gcp__reach(heap, c->top, at, &o, true);
        if (st != GCP_OK)
            return st;
        if (o.kind != GCP_KIND_FREE && gcp__trace_marked(&c->tracer, at)) {
            if ((st = plan_one(c, heap, &o)) != GCP_OK)
                return st;
        } else if (o.kind != GCP_KIND_FREE) {
            st = gcp__flc_finalize(gc, &o);
            if (st != GCP_OK)
                return st;
            if (o.kind == GCP_KIND_EXTERNREF)
                gcp__block_init_free(heap, at, o.size, 0);
        }
        c->scan_at += o.size;
        (*units)++;
    }
    if (c->scan_at < c->top)
        return GCP_OK;
    if (c->found != c->marked)
        return gcp__heap_corrupt(heap);
    c->i = 0;
    c->phase = FIX_ROOTS;
    return GCP_OK;
}

static gcp_status fix_roots(gcp_collection *gc, cp_heap *c, uint64_t budget, uint64_t *units)
{
    size_t n = gcp__roots_n(gc->roots);
    while (c->i < n && *units < budget) {
        gcp_ref r, to;
        if (gcp__roots_value(gc->roots, c->i, &r) != GCP_OK)
            return gcp__heap_corrupt(gc->heap);
        gcp_status st = forward(c, gc->heap, r, &to);
        if (st != GCP_OK)
            return st;
        if (to != r)
            gcp__roots_update(gc->roots, c->i, to);
        c->i++;
        (*units)++;
    }
    if (c->i >= n) {
        c->i = 0;
        c->part = 0;
        c->phase = FIX;
    }
    return GCP_OK;
}

/* Rewrites the oldest slot of the fix FIFO with its referent's new
 * address.  The slot lies in a validated survivor, which nothing moves or
 * rewrites before the move phase. */
static gcp_status fix_take(cp_heap *c, gcp_heap *heap)
{
    cp_fix f = c->fixq[c->fq_head];
    c->fq_head = (c->fq_head + 1u) & (FIX_AHEAD - 1u);
    c->fq_n--;
    gcp_ref to;
    gcp_status st = forward(c, heap, f.ref, &to);
    if (st == GCP_OK && to != f.ref)
        gcp__store32(heap->mem->base + f.slot, to);
    return st;
}

static gcp_status fix_some(gcp_collection *gc, cp_heap *c, uint64_t budget, uint64_t *units)
{
    gcp_heap *heap = gc->heap;
    while (c->i < c->plan.n && *units < budget) {
        const cp_move *m = gcp__vec_at(&c->plan, c->i);
        gcp_obj o;
        gcp_status st = gcp__reach(heap, c->top, m->from, &o, false);
        if (st != GCP_OK)
            return st;
        /* part: 0 before the object, then 1 + the slots done. */
        if (c->part == 0) {
            if (o.kind == GCP_KIND_EXTERNREF && m->to != m->from &&
                gcp__hostdata_rebind(gc->table, gcp__externref_id(&o), m->from, m->to) != GCP_OK)
                return gcp__heap_corrupt(heap);
            c->part = 1;
            (*units)++;
        }
        uint32_t n = gcp__obj_nrefs(&o);
        while (c->part - 1 < n && *units < budget) {
            uint32_t k = c->part - 1;
            gcp_ref r = gcp__obj_ref_get(&o, k);
            c->part++;
            (*units)++;
            if (!gcp_ref_is_heap(r))
                continue;   /* null and i31 stay */
            if ((uint64_t)r + GCP_OBJ_HEADER_BYTES <= c->top)
                __builtin_prefetch(heap->mem->base + r);
            if (c->fq_n == FIX_AHEAD && (st = fix_take(c, heap)) != GCP_OK)
                return st;
            c->fixq[(c->fq_head + c->fq_n) & (FIX_AHEAD - 1u)] =
                (cp_fix){.slot = m->from + gcp__obj_ref_slot(&o, k), .ref = r};
            c->fq_n++;
        }
        if (c->part - 1 < n)
            return GCP_OK;
        c->part = 0;
        c->i++;
    }
    if (c->i >= c->plan.n) {
        while (c->fq_n > 0) {
            gcp_status st = fix_take(c, heap);
            if (st != GCP_OK)
                return st;
        }
        c->i = 0;
        c->part = 0;
        c->phase = MOVE;
    }
    return GCP_OK;
}

/* Fills [from, to) of the heap with a free block of poison (debug). */
static void vacate(gcp_heap *heap, uint64_t from, uint64_t to)
{
    if (to < from + GCP_OBJ_HEADER_BYTES)
        return;
    gcp__debug_poison_block(heap, (gcp_ref)from, (uint32_t)(to - from));
}

static void finish(gcp_collection *gc, cp_heap *c)
{
    gcp_heap *heap = gc->heap;
    uint64_t end = c->to;
    if (c->move_all) {
        if (c->base > GCP_HEAP_START)
            vacate(heap, GCP_HEAP_START, c->top);
        else
            vacate(heap, end, c->top);
    }
    c->bump.next = (uint32_t)end;
    c->bump.limit = gcp__bump_limit(heap);
    note_high_water(c, end);
    note_high_water(c, c->top);
    c->live = end - GCP_HEAP_START;
    gcp__vec_truncate(&c->plan, 0);
    c->phase = IDLE;
}

static gcp_status move_some(gcp_collection *gc, cp_heap *c, uint64_t budget, uint64_t *units,
                            bool *done)
{
    uint8_t *base = gc->heap->mem->base;
    while (c->i < c->plan.n && *units < budget) {
        const cp_move *m = gcp__vec_at(&c->plan, c->i);
        if (m->to != m->from) {
            while (c->part < m->size && *units < budget) {
                uint32_t n = m->size - c->part < MOVE_CHUNK ? m->size - c->part : MOVE_CHUNK;
                memmove(base + m->to + c->part, base + m->from + c->part, n);
                c->part += n;
                (*units)++;
            }
            if (c->part < m->size)
                return GCP_OK;
        }
        gcp__store32(base + m->to + GCP_HDR_CWORD, 0);
        c->part = 0;
        c->i++;
        (*units)++;
    }
    if (c->i >= c->plan.n) {
        finish(gc, c);
        *done = true;
    }
    return GCP_OK;
}

/* ---------------------------------------------------------------- collection hooks */

static gcp_status cp_gc_start(gcp_collection *gc)
{
    gcp_heap *heap = gc->heap;
    cp_heap *c = heap->cdata;
    uint64_t next = c->bump.next;
    if (!next_valid(heap, next))
        return gcp__heap_corrupt(heap);
    note_high_water(c, next);
    gcp_status st = gcp__trace_begin(&c->tracer, heap, next);
    if (st != GCP_OK)
        return st;
    c->top = next;
    c->move_all = gcp__debug_enabled(heap);
    c->i = 0;
    c->part = 0;
    c->fq_head = c->fq_n = 0;
    c->phase = ROOTS;
    return GCP_OK;
}

static gcp_status cp_gc_step(gcp_collection *gc, gcp_progress *out)
{
    cp_heap *c = gc->heap->cdata;
    uint64_t budget = gcp__flc_budget(gc->heap), units = 0;
    gcp_status st = GCP_OK;
    bool done = false;
    while (st == GCP_OK && !done && units < budget) {
        switch (c->phase) {
        case ROOTS:
            st = mark_roots(gc, c, budget, &units);
            break;
        case MARK:
            st = gcp__trace_drain(&c->tracer, budget, &units);
            if (st == GCP_OK && gcp__trace_pending(&c->tracer) == 0)
                st = end_mark(c);
            break;
        case SIZE:
            st = size_some(gc->heap, c, budget, &units);
            break;
        case PLAN:
            st = plan_some(gc, c, budget, &units);
            break;
        case FIX_ROOTS:
            st = fix_roots(gc, c, budget, &units);
            break;
        case FIX:
            st = fix_some(gc, c, budget, &units);
            break;
        case MOVE:
            st = move_some(gc, c, budget, &units, &done);
            break;
        case IDLE:
            done = true;
            break;
        }
    }
    gc->step_units += units;
    if (st != GCP_OK)
        return st;
    *out = done ? GCP_COMPLETE : GCP_CONTINUE;
    return GCP_OK;
}

static void cp_gc_abort(gcp_collection *gc)
{
    cp_heap *c = gc->heap->cdata;
    /* Before the fix phases nothing the mutator relies on changed (new
     * addresses sit in collector words, which this collector does not use
     * otherwise; dead externrefs became free blocks).  After, refs point at
     * objects not moved yet: the heap cannot be used again. */
    if (c->phase == FIX_ROOTS || c->phase == FIX || c->phase == MOVE)
        gc->heap->poisoned = true;
    c->phase = IDLE;
    c->fq_head = c->fq_n = 0;
    gcp__trace_drop(&c->tracer);
    gcp__vec_truncate(&c->plan, 0);
}

static void *cp_data(gcp_heap *heap) { return heap->cdata; }

static size_t cp_high_water(const gcp_heap *heap)
{
    const cp_heap *c = heap->cdata;
    return (size_t)(c->bump.next > c->high_water ? c->bump.next : c->high_water);
}

static size_t cp_frontier(const gcp_heap *heap)
{
    const cp_heap *c = heap->cdata;
    return c->bump.next;
}

static size_t cp_live_bytes(const gcp_heap *heap)
{
    const cp_heap *c = heap->cdata;
    return (size_t)c->live;
}

const gcp_collector_ops gcp__compact_collector = {
    .name = "compact",
    .new_object_word = 0,
    .inline_alloc = GCP_INLINE_ALLOC_BUMP,
    .create = cp_create,
    .destroy = cp_destroy,
    .reset = cp_reset,
    .alloc = cp_alloc,
    .clone = NULL,
    .write = NULL,
    .expose = NULL,
    .need_gc_before_entering_wasm = NULL,
    .gc_start = cp_gc_start,
    .gc_step = cp_gc_step,
    .gc_abort = cp_gc_abort,
    .data = cp_data,
    .high_water = cp_high_water,
    .frontier = cp_frontier,
    .live_bytes = cp_live_bytes,
    .inspect = NULL,
    .request_full = NULL,
};

/* SPDX-License-Identifier: MIT */
/* Deferred reference counting over segregated free lists.
 *
 * Counts.  The collector word of every object (header bytes 12..15) counts
 * the references held by the host (each gcp_heap_clone_ref, and the one a
 * new object starts with) and by reference fields of other objects.  The
 * barriers keep it: clone adds one, a write adds one to the new value and
 * takes one from the old (in that order, so rewriting a field with its own
 * value never reaches zero), drop is a write of null.  A count that reaches
 * UINT32_MAX sticks there (the object is never freed before the next
 * reset); taking one from a count of zero can only follow a forged count or
 * field, and is reported as corruption.
 *
 * Deferral.  References held by compiled code's stack are not counted.
 * Instead every ref handed to compiled code (gcp_heap_expose_ref) joins the
 * exposed set, an over-approximation of what the stack may hold, kept in
 * host memory until the next collection.  So a count reaching zero in a
 * barrier frees nothing: the object goes into the zero-count table (ZCT,
 * host memory; the header flag GCP_DRC_FLAG_ZCT says it is queued, so it is
 * queued once).
 *
 * Collection.  The roots of the collection (stack roots and others) join
 * the exposed set: together they are the protected refs.  Every ZCT entry
 * whose count is still zero and which is not protected is freed: its
 * children lose one count each (through an explicit work list in host
 * memory; a child reaching zero is freed in turn unless protected; a large
 * array gives its slots' counts back across steps, one unit each), an
 * externref's host data is finalized, and the block goes back to the free
 * lists.  Protected zero-count objects stay in the ZCT for the next
 * collection; entries whose count rose again leave it.  Then the exposed set
 * is cleared.  An object reachable from a root through fields has a non-zero
 * count, so protecting the roots themselves is enough.  The ZCT holds at
 * most one entry per object below the frontier; if it would hold more (only
 * possible when compiled code cleared queued flags) or host memory runs out,
 * it is dropped and the next collection finds the zero counts by walking the
 * heap instead.
 *
 * Cycles.  Objects that reference each other in a cycle keep non-zero
 * counts after the last outside reference is gone, so the zero-count pass
 * never frees them.  A backup trace does: it runs at the end of the
 * collection that follows an allocation failure (GCP_NEED_GC) if that
 * collection's zero-count pass freed less than a quarter of the heap below
 * the frontier (a heap whose garbage is acyclic does not pay for it), in
 * three sliced walks of the heap.  (1) Every count an object gets from
 * another object's field is taken away, leaving the references held from
 * outside the heap.  (2) Objects with such a count, exposed objects and roots are
 * traced from (the shared tracer, lib/trace.h).  (3) Marked objects get
 * their fields' counts back; unmarked ones are garbage nothing outside
 * reaches, cycles included, and are freed (externrefs finalized), and the
 * counts they held on survivors stay taken.  A corruption met half-way
 * leaves counts inconsistent, but the heap is poisoned then anyway.  Until
 * such a trace (or the reset of the heap, when its store is freed or its
 * slot released) cyclic garbage and its host data stay.
 *
 * Merging.  Freed blocks go on their exact-size lists in the order the
 * cascade reached them, which is no address order: allocation from them
 * jumps around the heap.  So a collection that freed at least a quarter of
 * the heap below the frontier ends with a sliced walk of the heap in
 * address order (one unit per block, each validated) that rebuilds the
 * lists with adjacent free blocks merged (gcp__fl_rebuild_*): the next
 * allocations bump through long runs, in address order, as after a
 * mark-sweep sweep, and a free tail lowers the frontier.  A collection
 * ended during that walk finishes it at once, so no free block is lost.
 */
#include <string.h>

#include "lib/metadata.h"
#include "lib/collector.h"
#include "lib/drc.h"
#include "lib/heap.h"
#include "lib/hostdata.h"
#include "lib/object.h"
#include "lib/roots.h"
#include "lib/trace.h"
#include "lib/vec.h"

enum phase { IDLE, ROOTS, ZCT, SCAN, T_UNCOUNT, T_MARK, T_SWEEP, MERGE };

/* How far ahead the walk of the ZCT fetches headers. */
#define DRC_PREFETCH_AHEAD 8u

typedef struct drc_heap {
    gcp_flc base;              /* must stay first */
    /* Exposed set (plus the roots during a collection): open addressing,
     * 0 is an empty slot, never more than half full. */
    gcp_ref *set;
    size_t set_cap, set_n;
    /* Zero-count table (of gcp_ref). */
    gcp_vec zct;
    bool zct_overflow;         /* entries were lost: scan the heap next time */
    /* Collection state: objects to free, cursor of the current phase. */
    gcp_vec work;              /* of gcp_ref */
    /* The doomed object being freed (0: none; it left the work list) and
     * how many of its reference slots gave their counts back so far: a
     * large array is freed across steps. */
    gcp_ref cur;
    uint32_t cur_done;
    enum phase phase;
    size_t i, keep;
    uint64_t scan_at;
    bool trace_wanted;         /* an allocation failed since the last collection */
    bool trace_forced;         /* gcp__drc_request_trace */
    bool trace_now;            /* this collection: trace whatever the zero counts free */
    bool trace_if_little;      /* this collection: trace if they free little */
} drc_heap;

/* Validates an object DRC reached (below the free-list frontier). */
static gcp_status reach(drc_heap *d, gcp_ref r, gcp_obj *o, bool blocks)
{
    return gcp__reach(d->base.fl.heap, d->base.fl.frontier, r, o, blocks);
}

/* A hint only: the header at r is fetched if r lies below the frontier
 * (nothing is read from it here). */
static inline void prefetch(const drc_heap *d, gcp_ref r)
{
    if (gcp_ref_is_heap(r) && (uint64_t)r + GCP_OBJ_HEADER_BYTES <= d->base.fl.frontier)
        __builtin_prefetch(d->base.fl.heap->mem->base + r);
}

/* Appends r to a table bounded by the objects below the frontier: the
 * limit follows the frontier as the heap grows. */
static gcp_status table_push(drc_heap *d, gcp_vec *v, gcp_ref r)
{
    void *slot;
    gcp__vec_set_limit(v, gcp__flc_max_objects(&d->base));
    gcp_status st = gcp__vec_push(v, &slot);
    if (st == GCP_OK)
        *(gcp_ref *)slot = r;
    return st;
}

static gcp_ref table_at(const gcp_vec *v, size_t i) { return *(const gcp_ref *)gcp__vec_at(v, i); }

/* ---------------------------------------------------------------- exposed set */

static size_t hash_slot(gcp_ref r, size_t cap)
{
    return (size_t)(((uint64_t)(r >> 3) * UINT64_C(0x9E3779B97F4A7C15)) >> 20) & (cap - 1);
}

static bool set_has(const drc_heap *d, gcp_ref r)
{
    if (d->set_n == 0)
        return false;
    size_t mask = d->set_cap - 1;
    for (size_t i = hash_slot(r, d->set_cap);; i = (i + 1) & mask) {
        if (d->set[i] == r)
            return true;
        if (d->set[i] == 0)
            return false;
    }
}

static void set_put(gcp_ref *set, size_t cap, gcp_ref r)
{
    size_t i = hash_slot(r, cap);
    while (set[i] != 0 && set[i] != r)
        i = (i + 1) & (cap - 1);
    set[i] = r;
}

static gcp_status set_add(drc_heap *d, gcp_ref r)
{
    if (set_has(d, r))
        return GCP_OK;
    if ((d->set_n + 1) * 2 > d->set_cap) {
        size_t ncap = d->set_cap ? d->set_cap * 2 : 2 * GCP_DRC_EXPOSED_CAP;
        gcp_ref *ns = gcp__calloc(ncap, sizeof *ns);
        if (!ns)
            return GCP_ENOMEM;
        for (size_t i = 0; i < d->set_cap; i++)
            if (d->set[i])
                set_put(ns, ncap, d->set[i]);
        gcp__free(d->set);
        d->set = ns;
        d->set_cap = ncap;
    }
    set_put(d->set, d->set_cap, r);
    d->set_n++;
    return GCP_OK;
}

static void set_clear(drc_heap *d)
{
    if (d->set_cap > 8 * GCP_DRC_EXPOSED_CAP) {
        /* A collection with many roots grew it: do not keep that. */
        gcp__free(d->set);
        d->set = NULL;
        d->set_cap = 0;
    } else if (d->set_n) {
        memset(d->set, 0, d->set_cap * sizeof *d->set);
    }
    d->set_n = 0;
}

/* ---------------------------------------------------------------- counts */

static uint32_t count_of(const uint8_t *p) { return gcp__load32(p + GCP_HDR_CWORD); }

static void count_inc(uint8_t *p)
{
    uint32_t c = count_of(p);
    if (c != UINT32_MAX)
        gcp__store32(p + GCP_HDR_CWORD, c + 1u);
}

/* Takes one count from the object at p; *zero tells whether it reached
 * zero.  A zero count cannot lose one: corruption. */
static gcp_status count_dec(gcp_heap *heap, uint8_t *p, bool *zero)
{
    uint32_t c = count_of(p);
    *zero = false;
    if (c == UINT32_MAX)
        return GCP_OK;
    if (c == 0)
        return gcp__heap_corrupt(heap);
    gcp__store32(p + GCP_HDR_CWORD, c - 1u);
    *zero = c == 1u;
    return GCP_OK;
}

/* Queues the object at r (whose header is at p) in the ZCT, once. */
static void zct_add(drc_heap *d, gcp_ref r, uint8_t *p)
{
    if ((p[1] & GCP_DRC_FLAG_ZCT) || d->zct_overflow)
        return;
    if (table_push(d, &d->zct, r) != GCP_OK) {
        d->zct_overflow = true;
        return;
    }
    p[1] |= GCP_DRC_FLAG_ZCT;
}

/* ---------------------------------------------------------------- barriers */

static gcp_status drc_clone(gcp_heap *heap, gcp_ref ref)
{
    if (gcp_ref_is_heap(ref))
        count_inc(heap->mem->base + ref);
    return GCP_OK;
}

static gcp_status drc_write(gcp_heap *heap, gcp_hostdata *table, gcp_ref owner, gcp_ref old,
                            gcp_ref new_ref)
{
    (void)table;
    (void)owner;
    if (gcp_ref_is_heap(new_ref))
        count_inc(heap->mem->base + new_ref);
    if (!gcp_ref_is_heap(old))
        return GCP_OK;
    uint8_t *p = heap->mem->base + old;
    bool zero;
    gcp_status st = count_dec(heap, p, &zero);
    if (st == GCP_OK && zero)
        zct_add(heap->cdata, old, p);
    return st;
}

static gcp_status drc_expose(gcp_heap *heap, gcp_ref ref)
{
    if (!gcp_ref_is_heap(ref))
        return GCP_OK;
    return set_add(heap->cdata, ref);
}

static bool drc_need_gc(const gcp_heap *heap, size_t n)
{
    const drc_heap *d = heap->cdata;
    return n > GCP_DRC_EXPOSED_CAP || d->set_n > GCP_DRC_EXPOSED_CAP - n;
}

/* ---------------------------------------------------------------- collection */

/* A zero-count, unprotected object: to be freed. */
static gcp_status doom(gcp_heap *heap, drc_heap *d, gcp_obj *o)
{
    /* Each object is doomed once (its count is zero and it leaves the ZCT
     * here): more entries than objects means forged ones. */
    gcp_status st = table_push(d, &d->work, o->ref);
    if (st != GCP_OK)
        return st == GCP_ELIMIT ? gcp__heap_corrupt(heap) : st;
    gcp__obj_set_flags(o, (uint8_t)(o->flags & ~GCP_DRC_FLAG_ZCT));
    return GCP_OK;
}

/* Takes one count from r, the referent of a slot of a freed object; at
 * zero it is doomed in turn, or kept in the ZCT if protected (or if
 * `keep`: when a collection is dropped half-way). */
static gcp_status child_dec(gcp_heap *heap, drc_heap *d, gcp_ref r, bool keep)
{
    gcp_obj c;
    bool zero;
    gcp_status st = reach(d, r, &c, false);
    if (st == GCP_OK)
        st = count_dec(heap, c.p, &zero);
    if (st != GCP_OK || !zero)
        return st;
    if (keep || set_has(d, r)) {
        zct_add(d, r, c.p);
        return GCP_OK;
    }
    return doom(heap, d, &c);
}

/* child_dec for slot i of the doomed object o, at once. */
static gcp_status release_slot(gcp_heap *heap, drc_heap *d, const gcp_obj *o, uint32_t i,
                               bool keep)
{
    gcp_ref r = gcp__obj_ref_get(o, i);
    return gcp_ref_is_heap(r) ? child_dec(heap, d, r, keep) : GCP_OK;
}

/* Frees doomed objects, the one in progress first, then from the work
 * list: one unit per object and one per reference slot, until the budget
 * is spent (an object with more slots than the budget is freed across
 * steps; its slots give their counts back before anything it doomed is
 * freed).  *units reaches the budget or the work is done. */
static gcp_status free_some(gcp_collection *gc, drc_heap *d, uint64_t budget, uint64_t *units)
{
    gcp_heap *heap = gc->heap;
    if (d->cur == 0) {
        d->cur = *(const gcp_ref *)gcp__vec_pop(&d->work);
        d->cur_done = 0;
        (*units)++;
    }
    gcp_obj o;
    gcp_status st = reach(d, d->cur, &o, false);
    if (st != GCP_OK)
        return st;
    uint32_t n = gcp__obj_nrefs(&o);
    while (d->cur_done < n && *units < budget) {
        st = release_slot(heap, d, &o, d->cur_done, false);
        if (st != GCP_OK)
            return st;
        d->cur_done++;
        (*units)++;
    }
    if (d->cur_done < n)
        return GCP_OK;
    st = gcp__flc_finalize(gc, &o);
    if (st != GCP_OK)
        return st;
    gcp__fl_free(&d->base.fl, o.ref, o.size);
    d->cur = 0;
    return GCP_OK;
}

/* Decides about one object with a valid header: kept (count > 0), kept in
 * the ZCT (zero but protected) or doomed. */
static gcp_status examine(gcp_heap *heap, drc_heap *d, gcp_obj *o)
{
    if (gcp__obj_cword(o) != 0) {
        gcp__obj_set_flags(o, (uint8_t)(o->flags & ~GCP_DRC_FLAG_ZCT));
        return GCP_OK;
    }
    if (!set_has(d, o->ref))
        return doom(heap, d, o);
    if (d->phase == ZCT) {
        /* Compaction in place: keep < i <= n, so this rewrites an entry
         * already examined.  The flag stays set. */
        *(gcp_ref *)gcp__vec_at(&d->zct, d->keep++) = o->ref;
    } else {
        gcp__obj_set_flags(o, (uint8_t)(o->flags & ~GCP_DRC_FLAG_ZCT));
        zct_add(d, o->ref, o->p);
    }
    return GCP_OK;
}

static gcp_status roots_step(gcp_collection *gc, drc_heap *d)
{
    if (d->i >= gcp__roots_n(gc->roots)) {
        d->i = d->keep = 0;
        if (d->zct_overflow) {
            d->phase = SCAN;
            d->scan_at = GCP_HEAP_START;
            gcp__vec_truncate(&d->zct, 0);
            d->zct_overflow = false;
        } else {
            d->phase = ZCT;
        }
        return GCP_OK;
    }
    gcp_ref r;
    if (gcp__roots_value(gc->roots, d->i++, &r) != GCP_OK)
        return gcp__heap_corrupt(gc->heap);
    gcp_status st = gcp__ref_check(gc->heap, r);
    if (st == GCP_OK && gcp_ref_is_heap(r))
        st = set_add(d, r);
    return st;
}

static gcp_status zct_step(gcp_heap *heap, drc_heap *d, bool *done)
{
    if (d->i >= d->zct.n) {
        /* Idempotent: a step that runs out of budget here comes back. */
        gcp__vec_truncate(&d->zct, d->keep);
        d->i = d->zct.n;
        *done = true;
        return GCP_OK;
    }
    /* The entries are in no address order: the header of one a few
     * places ahead is fetched while this one is examined. */
    if (d->i + DRC_PREFETCH_AHEAD < d->zct.n)
        prefetch(d, table_at(&d->zct, d->i + DRC_PREFETCH_AHEAD));
    gcp_obj o;
    gcp_status st = reach(d, table_at(&d->zct, d->i++), &o, true);
    if (st != GCP_OK || o.kind == GCP_KIND_FREE)
        return st;   /* FREE: a duplicate entry already freed */
    return examine(heap, d, &o);
}

static gcp_status scan_step(gcp_heap *heap, drc_heap *d, bool *done)
{
    if (d->scan_at >= d->base.fl.frontier) {
        *done = true;
        return GCP_OK;
    }
    gcp_obj o;
    gcp_status st = reach(d, (gcp_ref)d->scan_at, &o, true);
    if (st != GCP_OK)
        return st;
    d->scan_at += o.size;
    return o.kind == GCP_KIND_FREE ? GCP_OK : examine(heap, d, &o);
}

/* ---------------------------------------------------------------- backup trace */

/* Takes (or gives back, when restore) one count from each heap ref held by
 * object o's fields. */
static gcp_status recount_children(drc_heap *d, const gcp_obj *o, bool restore)
{
    uint32_t n = gcp__obj_nrefs(o);
    for (uint32_t i = 0; i < n; i++) {
        gcp_ref r = gcp__obj_ref_get(o, i);
        if (!gcp_ref_is_heap(r))
            continue;
        gcp_obj c;
        gcp_status st = reach(d, r, &c, false);
        if (st != GCP_OK)
            return st;
        if (restore) {
            count_inc(c.p);
        } else {
            bool zero;
            st = count_dec(d->base.fl.heap, c.p, &zero);
            if (st != GCP_OK)
                return st;
        }
    }
    return GCP_OK;
}

/* The next block of the current walk, or done at the frontier. */
static gcp_status walk_next(drc_heap *d, gcp_obj *o, bool *end)
{
    *end = d->scan_at >= d->base.fl.frontier;
    if (*end)
        return GCP_OK;
    gcp_status st = reach(d, (gcp_ref)d->scan_at, o, true);
    if (st == GCP_OK)
        d->scan_at += o->size;
    return st;
}

/* Walk 1: take away every count an object gets from another object's
 * field.  What is left is what the host holds. */
static gcp_status uncount_step(drc_heap *d, uint64_t *units)
{
    gcp_obj o;
    bool end;
    gcp_status st = walk_next(d, &o, &end);
    if (st != GCP_OK)
        return st;
    if (end) {
        d->phase = T_MARK;
        d->scan_at = GCP_HEAP_START;
        return GCP_OK;
    }
    if (o.kind == GCP_KIND_FREE)
        return GCP_OK;
    *units += gcp__obj_nrefs(&o);
    return recount_children(d, &o, false);
}

/* Walk 2: objects the host still holds, exposed ones and roots are traced
 * from; a protected object whose count is all internal goes to the ZCT. */
static gcp_status mark_step(drc_heap *d, uint64_t budget, uint64_t *units)
{
    if (gcp__trace_pending(&d->base.tracer) > 0)
        return gcp__trace_drain(&d->base.tracer, budget, units);
    (*units)++;
    gcp_obj o;
    bool end;
    gcp_status st = walk_next(d, &o, &end);
    if (st != GCP_OK)
        return st;
    if (end) {
        d->phase = T_SWEEP;
        d->scan_at = GCP_HEAP_START;
        return GCP_OK;
    }
    if (o.kind == GCP_KIND_FREE)
        return GCP_OK;
    bool held = count_of(o.p) != 0, prot = set_has(d, o.ref);
    if (!held && !prot)
        return GCP_OK;
    if (!held)
        zct_add(d, o.ref, o.p);
    return gcp__trace_shade(&d->base.tracer, o.ref);
}

/* Walk 3: marked objects get their fields' counts back; unmarked ones are
 * garbage no outside reference reaches (cycles, and what hangs off them)
 * and are freed, so the counts they held on marked objects stay taken. */
static gcp_status trace_sweep_step(gcp_collection *gc, drc_heap *d, uint64_t *units, bool *done)
{
    gcp_obj o;
    bool end;
    gcp_status st = walk_next(d, &o, &end);
    if (st != GCP_OK || end) {
        *done = end;
        return st;
    }
    if (o.kind == GCP_KIND_FREE)
        return GCP_OK;
    if (gcp__trace_marked(&d->base.tracer, o.ref)) {
        *units += gcp__obj_nrefs(&o);
        return recount_children(d, &o, true);
    }
    st = gcp__flc_finalize(gc, &o);
    if (st == GCP_OK)
        gcp__fl_free(&d->base.fl, o.ref, o.size);
    return st;
}

/* ---------------------------------------------------------------- merging */

/* Whether the collection ending now freed enough to merge the free blocks. */
static bool merge_wanted(const gcp_collection *gc, const drc_heap *d)
{
    /* The frontier is never below GCP_HEAP_START: nothing freed, no merge. */
    return d->phase != MERGE &&
           gc->bytes_reclaimed >= d->base.fl.frontier / GCP_DRC_COALESCE_FRACTION;
}

static void merge_begin(drc_heap *d)
{
    gcp__fl_rebuild_begin(&d->base.fl);
    d->phase = MERGE;
    d->scan_at = GCP_HEAP_START;
}

/* The walk of the merge, one unit per block, until the budget is spent or
 * the frontier reached (*done). */
static gcp_status merge_some(drc_heap *d, uint64_t budget, uint64_t *units, bool *done)
{
    return gcp__fl_coalesce_some(&d->base.fl, &d->scan_at, budget, units, done);
}

static gcp_status drc_gc_start(gcp_collection *gc)
{
    drc_heap *d = gc->heap->cdata;
    d->phase = ROOTS;
    d->i = d->keep = 0;
    gcp__vec_truncate(&d->work, 0);
    d->cur = 0;
    d->trace_now = d->trace_forced;
    d->trace_if_little = d->trace_wanted;
    d->trace_wanted = d->trace_forced = false;
    return GCP_OK;
}

static gcp_status drc_gc_step(gcp_collection *gc, gcp_progress *out)
{
    gcp_heap *heap = gc->heap;
    drc_heap *d = heap->cdata;
    uint64_t budget = gcp__flc_budget(heap), units = 0;
    gcp_status st = GCP_OK;
    bool done = false;
    while (st == GCP_OK && units < budget) {
        if (d->cur != 0 || d->work.n > 0) {
            st = free_some(gc, d, budget, &units);
            continue;
        }
        if (done) {
            /* Everything is freed: the merge, when it pays, comes last. */
            if (!merge_wanted(gc, d))
                break;
            merge_begin(d);
            done = false;
        }
        if (d->phase != T_MARK && d->phase != MERGE)
            units++;   /* mark_step and merge_some count their own units */
        switch (d->phase) {
        case ROOTS:
            st = roots_step(gc, d);
            break;
        case ZCT:
        case SCAN:
            st = d->phase == ZCT ? zct_step(heap, d, &done) : scan_step(heap, d, &done);
            /* After an allocation failure, a zero-count pass that freed
             * less than a quarter of the heap suggests cycles. */
            if (done && d->trace_if_little &&
                gc->bytes_reclaimed < d->base.fl.frontier / GCP_DRC_TRACE_FRACTION)
                d->trace_now = true;
            if (done && d->trace_now && st == GCP_OK) {
                /* The zero counts are done; the backup trace follows.  Its
                 * marks are cleared first, while a failure costs nothing. */
                st = gcp__trace_begin(&d->base.tracer, d->base.fl.heap, d->base.fl.frontier);
                done = false;
                if (st == GCP_OK) {
                    d->trace_now = d->trace_if_little = false;
                    d->phase = T_UNCOUNT;
                    d->scan_at = GCP_HEAP_START;
                }
            }
            break;
        case T_UNCOUNT:
            st = uncount_step(d, &units);
            break;
        case T_MARK:
            st = mark_step(d, budget, &units);
            break;
        case T_SWEEP:
            st = trace_sweep_step(gc, d, &units, &done);
            break;
        case MERGE:
            st = merge_some(d, budget, &units, &done);
            break;
        case IDLE:
            done = true;
            break;
        }
    }
    gc->step_units += units;
    if (st != GCP_OK)
        return st;
    done = done && d->work.n == 0 && d->cur == 0;
    if (done && merge_wanted(gc, d)) {
        merge_begin(d);   /* the budget ran out just before it */
        done = false;
    }
    if (done) {
        set_clear(d);
        d->phase = IDLE;
    }
    *out = done ? GCP_COMPLETE : GCP_CONTINUE;
    return GCP_OK;
}

static void drc_gc_abort(gcp_collection *gc)
{
    drc_heap *d = gc->heap->cdata;
    /* Counts are half taken away during a backup trace: a heap left so
     * (say by running out of host memory for the grey stack) cannot be
     * trusted any more.  A reset clears the poison right after. */
    if (d->phase == T_UNCOUNT || d->phase == T_MARK || d->phase == T_SWEEP)
        gc->heap->poisoned = true;
    /* A merge cut short would leave the blocks past its cursor in no list:
     * it is finished now (a corrupt block poisons the heap, as in a step). */
    if (d->phase == MERGE && !gc->heap->poisoned) {
        uint64_t units = 0;
        bool done = false;
        (void)merge_some(d, UINT64_MAX, &units, &done);
    }
    /* A ZCT pass cut short: the entries not examined yet join the ones it
     * kept; a heap scan cut short is started again next time. */
    if (d->phase == ZCT) {
        size_t k = d->keep;
        for (size_t j = d->i; j < d->zct.n; j++)
            *(gcp_ref *)gcp__vec_at(&d->zct, k++) = table_at(&d->zct, j);
        gcp__vec_truncate(&d->zct, k);
    } else if (d->phase == SCAN) {
        d->zct_overflow = true;
    }
    /* An object freed half-way has given back some of its counts: on a
     * heap still trusted its other slots give theirs back too (what reaches
     * zero joins the ZCT) and it is freed now, so that no count is taken
     * twice. */
    if (d->cur != 0 && !gc->heap->poisoned) {
        gcp_obj o;
        gcp_status st = reach(d, d->cur, &o, false);
        for (uint32_t i = d->cur_done; st == GCP_OK && i < gcp__obj_nrefs(&o); i++)
            st = release_slot(gc->heap, d, &o, i, true);
        if (st == GCP_OK)
            st = gcp__flc_finalize(gc, &o);
        if (st == GCP_OK)
            gcp__fl_free(&d->base.fl, o.ref, o.size);
    }
    d->cur = 0;
    /* Doomed objects left their ZCT entries when they joined the work
     * list: on a heap still trusted they go back, so that the next
     * collection frees them (each was validated below the frontier). */
    gcp_ref *r;
    while ((r = gcp__vec_pop(&d->work)) != NULL)
        if (!gc->heap->poisoned)
            zct_add(d, *r, gc->heap->mem->base + *r);
    gcp__trace_drop(&d->base.tracer);
    d->phase = IDLE;
}

/* Allocation; a failure asks for a backup trace in the next collection. */
static gcp_status drc_alloc(gcp_heap *heap, uint32_t size, gcp_ref *out)
{
    gcp_status st = gcp__flc_alloc(heap, size, out);
    if (st == GCP_NEED_GC) {
        drc_heap *d = heap->cdata;
        d->trace_wanted = true;
    }
    return st;
}

/* ---------------------------------------------------------------- life cycle */

static gcp_status drc_create(gcp_heap *heap)
{
    drc_heap *d = gcp__calloc_lines(1, sizeof *d);
    if (!d)
        return GCP_ENOMEM;
    gcp__fl_init(&d->base.fl, heap);
    gcp__trace_init(&d->base.tracer);
    gcp__vec_init(&d->zct, sizeof(gcp_ref), 1);
    gcp__vec_init(&d->work, sizeof(gcp_ref), 1);
    heap->cdata = d;
    return GCP_OK;
}

static void drc_destroy(gcp_heap *heap)
{
    drc_heap *d = heap->cdata;
    if (!d)
        return;
    gcp__free(d->set);
    gcp__vec_free(&d->zct);
    gcp__vec_free(&d->work);
    gcp__trace_free(&d->base.tracer);
    gcp__free(d);
    heap->cdata = NULL;
}

static void drc_reset(gcp_heap *heap)
{
    drc_heap *d = heap->cdata;
    gcp__fl_reset(&d->base.fl);
    set_clear(d);
    gcp__vec_truncate(&d->zct, 0);
    d->zct_overflow = false;
    gcp__vec_truncate(&d->work, 0);
    d->cur = 0;
    gcp__trace_drop(&d->base.tracer);
    d->phase = IDLE;
    d->trace_wanted = d->trace_forced = d->trace_now = d->trace_if_little = false;
}

static void drc_inspect(const gcp_heap *heap, gcp_gc_view *out)
{
    const drc_heap *d = heap->cdata;
    gcp__flc_inspect(heap, out);
    out->exposed = d->set_n;
    out->zct = d->zct.n;
    out->trace_pending = d->trace_forced ? 2 : d->trace_wanted ? 1 : 0;
}

static void drc_request_full(gcp_heap *heap) { ((drc_heap *)heap->cdata)->trace_forced = true; }

const gcp_collector_ops gcp__drc_collector = {
    .name = "drc",
    /* drc_alloc adds nothing to a successful bump. */
    .inline_alloc = GCP_INLINE_ALLOC_FREELIST,
    .new_object_word = 1,
    .counts_in_cword = true,
    .create = drc_create,
    .destroy = drc_destroy,
    .reset = drc_reset,
    .alloc = drc_alloc,
    .clone = drc_clone,
    .write = drc_write,
    .expose = drc_expose,
    .need_gc_before_entering_wasm = drc_need_gc,
    .gc_start = drc_gc_start,
    .gc_step = drc_gc_step,
    .gc_abort = drc_gc_abort,
    .data = NULL,
    .high_water = gcp__flc_high_water,
    .frontier = gcp__flc_frontier,
    .live_bytes = gcp__flc_live_bytes,
    .inspect = drc_inspect,
    .request_full = drc_request_full,
};

/* SPDX-License-Identifier: MIT */
/* The tracer, and the hooks shared by the collectors built on free lists. */
#include "lib/trace.h"

#include <string.h>

#include "lib/metadata.h"
#include "lib/collector.h"
#include "lib/debug.h"
#include "lib/hostdata.h"
#include "lib/object.h"

gcp_status gcp__flc_alloc(gcp_heap *heap, uint32_t size, gcp_ref *out)
{
    gcp_flc *c = heap->cdata;
    return gcp__fl_alloc(&c->fl, size, out);
}

size_t gcp__flc_high_water(const gcp_heap *heap)
{
    const gcp_flc *c = heap->cdata;
    return (size_t)c->fl.high_water;
}

size_t gcp__flc_frontier(const gcp_heap *heap)
{
    const gcp_flc *c = heap->cdata;
    return (size_t)c->fl.frontier;
}

void gcp__flc_inspect(const gcp_heap *heap, gcp_gc_view *out)
{
    gcp_flc *c = heap->cdata;
    out->freelist = &c->fl;
}

size_t gcp__flc_live_bytes(const gcp_heap *heap)
{
    const gcp_flc *c = heap->cdata;
    uint64_t used = c->fl.frontier - GCP_HEAP_START;
    return (size_t)(used > c->fl.free_bytes ? used - c->fl.free_bytes : 0);
}

gcp_status gcp__flc_finalize(gcp_collection *gc, const gcp_obj *o)
{
    if (o->kind == GCP_KIND_EXTERNREF &&
        gcp__hostdata_reclaim(gc->table, gcp__externref_id(o), o->ref) != GCP_OK)
        return gcp__heap_corrupt(gc->heap);
    gc->bytes_reclaimed += o->size;
    if (gcp__debug_enabled(gc->heap))
        gcp__debug_poison_block(gc->heap, o->ref, o->size);
    return GCP_OK;
}

/* ---------------------------------------------------------------- tracing */

void gcp__trace_init(gcp_tracer *t)
{
    *t = (gcp_tracer){0};
    gcp__vec_init(&t->stack, sizeof(gcp_grey), 1);
}

gcp_status gcp__trace_begin(gcp_tracer *t, gcp_heap *heap, uint64_t frontier)
{
    size_t words = (size_t)(frontier / GCP_OBJ_ALIGN) / 64 + 1;
    size_t need = t->track_ends ? 2 * words : words;
    if (need > t->mark_words) {
        uint64_t *nm = gcp__realloc(t->marks, need * sizeof *nm);
        if (!nm)
            return GCP_ENOMEM;
        t->marks = nm;
        t->mark_words = need;
    }
    memset(t->marks, 0, need * sizeof *t->marks);
    t->ends = t->track_ends ? t->marks + words : NULL;
    t->heap = heap;
    t->frontier = frontier;
    t->marked = 0;
    gcp__trace_drop(t);
    gcp__vec_set_limit(&t->stack, gcp__max_objects(frontier));
    return GCP_OK;
}

void gcp__trace_free(gcp_tracer *t)
{
    gcp__free(t->marks);
    gcp__vec_free(&t->stack);
    t->marks = t->ends = NULL;
    t->mark_words = 0;
}

gcp_status gcp__reach(gcp_heap *heap, uint64_t frontier, gcp_ref r, gcp_obj *o, bool blocks)
{
    gcp_status st = blocks ? gcp__obj_check_block(heap, r, o) : gcp__obj_check(heap, r, o);
    if (st != GCP_OK)
        return st == GCP_EINVAL || st == GCP_ESTALEREF ? gcp__heap_corrupt(heap) : st;
    /* Nothing above the frontier was handed out, and the marks stop there. */
    if ((uint64_t)r + o->size > frontier)
        return gcp__heap_corrupt(heap);
    return GCP_OK;
}

/* Each object is pushed once, when it is marked (and a partly scanned one
 * again after its pop): more entries than objects fit below the frontier
 * means overlapping, forged objects. */
static gcp_status push_grey(gcp_tracer *t, const gcp_grey *g)
{
    void *slot;
    gcp_status st = gcp__vec_push(&t->stack, &slot);
    if (st != GCP_OK)
        return st == GCP_ELIMIT ? gcp__heap_corrupt(t->heap) : st;
    *(gcp_grey *)slot = *g;
    return GCP_OK;
}

/* Validates and marks a ref that left the queue. */
static gcp_status shade_now(gcp_tracer *t, gcp_ref r)
{
    if ((uint64_t)r + GCP_OBJ_HEADER_BYTES <= t->frontier && (r & (GCP_OBJ_ALIGN - 1)) == 0 &&
        gcp__trace_marked(t, r))
        return GCP_OK;   /* queued twice */
    gcp_obj o;
    gcp_status st = gcp__trace_reach(t, r, &o, false);
    if (st != GCP_OK)
        return st;
    uint64_t g = r / GCP_OBJ_ALIGN;
    t->marks[g >> 6] |= (uint64_t)1 << (g & 63u);
    if (t->ends) {
        uint64_t e = ((uint64_t)r + o.size) / GCP_OBJ_ALIGN - 1u;
        t->ends[e >> 6] |= (uint64_t)1 << (e & 63u);
    }
    t->marked++;
    const gcp_grey grey = {.ref = r,
                           .done = 0,
                           .nrefs = gcp__obj_nrefs(&o),
                           .type = o.kind == GCP_KIND_STRUCT ? o.type_index : GCP_GREY_ARRAY};
    return push_grey(t, &grey);
}

/* Validates the oldest queued ref. */
static gcp_status dequeue(gcp_tracer *t)
{
    gcp_ref r = t->queue[t->q_head];
    t->q_head = (t->q_head + 1u) & (GCP_TRACE_QUEUE - 1u);
    t->q_n--;
    return shade_now(t, r);
}

gcp_status gcp__trace_shade(gcp_tracer *t, gcp_ref r)
{
    if (!gcp_ref_is_heap(r))
        return GCP_OK;
    const bool in = (r & (GCP_OBJ_ALIGN - 1)) == 0 &&
                    (uint64_t)r + GCP_OBJ_HEADER_BYTES <= t->frontier;
    /* Already marked: it was validated then, and nothing rewrites headers
     * while a collection runs (the mutator is kept out). */
    if (in && gcp__trace_marked(t, r))
        return GCP_OK;
    if (in)
        __builtin_prefetch(t->heap->mem->base + r);
    gcp_status st = GCP_OK;
    if (t->q_n == GCP_TRACE_QUEUE)
        st = dequeue(t);
    t->queue[(t->q_head + t->q_n) & (GCP_TRACE_QUEUE - 1u)] = r;
    t->q_n++;
    return st;
}

gcp_status gcp__trace_drain(gcp_tracer *t, uint64_t budget, uint64_t *units)
{
    gcp_vec *stack = &t->stack;
    while ((stack->n > 0 || t->q_n > 0) && *units < budget) {
        if (stack->n == 0) {
            gcp_status st = dequeue(t);
            if (st != GCP_OK)
                return st;
            continue;
        }
        gcp_grey g = *(const gcp_grey *)gcp__vec_pop(stack);
        if (g.done == 0) {
            g.done = 1;
            (*units)++;
        }
        /* Validated when it was marked (see gcp_grey): the slots lie inside
         * the object, at the type's ref offsets or after an array's length. */
        const uint8_t *p = t->heap->mem->base + g.ref;
        const uint32_t *offs =
            g.type == GCP_GREY_ARRAY ? NULL : gcp__heap_type(t->heap, g.type)->ref_offsets;
        gcp_status st;
        while (g.done - 1 < g.nrefs && *units < budget) {
            uint32_t at = offs ? GCP_OBJ_PAYLOAD + offs[g.done - 1]
                               : GCP_ARRAY_ELEMS + 4u * (g.done - 1);
            st = gcp__trace_shade(t, gcp__load32(p + at));
            if (st != GCP_OK)
                return st;
            g.done++;
            (*units)++;
        }
        /* Out of budget halfway: the rest waits for the next step.  The
         * shades above may have filled the stack, so this push is checked
         * like any other. */
        if (g.done - 1 < g.nrefs) {
            st = push_grey(t, &g);
            if (st != GCP_OK)
                return st;
        }
    }
    return GCP_OK;
}

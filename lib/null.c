/* SPDX-License-Identifier: MIT */
/* The null collector: bump allocation, never reclaims.  Its collector data
 * is a gcp_bump that compiled code may use to allocate inline, so `next` is
 * re-validated on every allocation (the inline part is in lib/null.h). */
#include <stdint.h>

#include "lib/metadata.h"
#include "lib/collector.h"
#include "lib/heap.h"
#include "lib/null.h"
#include "lib/object.h"

static gcp_status null_create(gcp_heap *heap)
{
    gcp_bump *b = gcp__calloc_lines(1, sizeof *b);
    if (!b)
        return GCP_ENOMEM;
    b->next = GCP_HEAP_START;
    heap->cdata = b;
    return GCP_OK;
}

static void null_destroy(gcp_heap *heap)
{
    gcp__free(heap->cdata);
    heap->cdata = NULL;
}

static void null_reset(gcp_heap *heap)
{
    gcp_bump *b = heap->cdata;
    b->next = GCP_HEAP_START;
    b->limit = gcp__bump_limit(heap);
}

gcp_status gcp__bump_alloc(gcp_heap *heap, uint32_t size, gcp_ref *out, bool growth_policy)
{
    gcp_bump *b = heap->cdata;
    uint64_t next = b->next;
    /* Compiled code may have moved next (inline allocation) or scribbled
     * on it: it must stay aligned, past the start and inside the bound. */
    if ((next & (GCP_OBJ_ALIGN - 1)) != 0 || next < GCP_HEAP_START || next > heap->mem->bound)
        return gcp__heap_corrupt(heap);
    uint64_t max = heap->mem->max < GCP_HEAP_LIMIT ? heap->mem->max : GCP_HEAP_LIMIT;
    if ((uint64_t)size > max - GCP_HEAP_START)
        return GCP_ETOOLARGE;
    uint64_t end = next + size;
    if (end > max)
        return GCP_NEED_GC;
    if (end > heap->mem->bound) {
        if (growth_policy && !gcp__heap_may_grow(heap, end))
            return GCP_NEED_GC;
        gcp_status st = gcp__heap_grow(heap, (size_t)end);
        if (st == GCP_ELIMIT)
            return GCP_NEED_GC;
        if (st != GCP_OK)
            return st;
        b->limit = gcp__bump_limit(heap);
        if (end > heap->mem->bound)   /* the owner gave less than asked */
            return GCP_NEED_GC;
    }
    b->next = (uint32_t)end;
    *out = (gcp_ref)next;
    return GCP_OK;
}

gcp_status gcp__null_alloc_slow(gcp_heap *heap, uint32_t size, gcp_ref *out)
{
    return gcp__bump_alloc(heap, size, out, false);
}

/* Nothing to reclaim: every collection completes in its first step. */
static gcp_status null_gc_start(gcp_collection *gc)
{
    (void)gc;
    return GCP_OK;
}

static gcp_status null_gc_step(gcp_collection *gc, gcp_progress *out)
{
    (void)gc;
    *out = GCP_COMPLETE;
    return GCP_OK;
}

static void *null_data(gcp_heap *heap) { return heap->cdata; }

static size_t null_high_water(const gcp_heap *heap)
{
    const gcp_bump *b = heap->cdata;
    return b->next;
}

const gcp_collector_ops gcp__null_collector = {
    .name = "null",
    .inline_alloc = GCP_INLINE_ALLOC_BUMP,
    .new_object_word = 0,
    .create = null_create,
    .destroy = null_destroy,
    .reset = null_reset,
    .alloc = gcp__null_alloc_slow,
    .clone = NULL,
    .write = NULL,
    .expose = NULL,
    .need_gc_before_entering_wasm = NULL,
    .gc_start = null_gc_start,
    .gc_step = null_gc_step,
    .gc_abort = NULL,
    .data = null_data,
    .high_water = null_high_water,
    .frontier = null_high_water,
};

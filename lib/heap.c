/* SPDX-License-Identifier: MIT */
/* Heap objects: creation, reset, the accessors for compiled code and
 * no-GC scopes. */
#include "lib/heap.h"

#include <stddef.h>

#include "lib/metadata.h"
#include "lib/heapops.h"
#include "lib/types.h"

/* gcpool.h's inline fast paths read the heap head, the descriptor's base
 * and bound, and the types through these layouts. */
#define SAME_FIELD(a, b, f)                                                                \
    _Static_assert(offsetof(a, f) == offsetof(b, f) && sizeof(((a *)0)->f) == sizeof(((b *)0)->f), \
                   #a "." #f " as gcpool.h has it")
SAME_FIELD(struct gcp_heap, struct gcp__heap_head, layout);
SAME_FIELD(struct gcp_heap, struct gcp__heap_head, mem);
SAME_FIELD(struct gcp_heap, struct gcp__heap_head, tsnap.first);
SAME_FIELD(struct gcp_heap, struct gcp__heap_head, tsnap.n);
SAME_FIELD(struct gcp_heap, struct gcp__heap_head, poisoned);
SAME_FIELD(struct gcp_heap, struct gcp__heap_head, gc_active);
SAME_FIELD(struct gcp_heap, struct gcp__heap_head, barrier);
SAME_FIELD(struct gcp_mem, struct gcp__mem_head, base);
SAME_FIELD(struct gcp_mem, struct gcp__mem_head, bound);

gcp_status gcp__heap_create(const gcp_pool_config *cfg, gcp_mem *mem, gcp_heap **out)
{
    const gcp_collector_ops *ops = gcp__collector_ops(cfg->collector);
    if (!ops)
        return GCP_EINVAL;
    gcp_heap *h = gcp__calloc_lines(1, sizeof *h);
    if (!h)
        return GCP_ENOMEM;
    h->layout = GCP__HEAP_LAYOUT;
    h->mem = mem;
    h->ops = ops;
    h->barrier = !ops->write && !ops->clone ? GCP__BARRIER_NONE
                 : ops->counts_in_cword       ? GCP__BARRIER_COUNTS
                                              : GCP__BARRIER_CALL;
    h->types = cfg->types;
    h->step_budget = cfg->gc_step_budget;
    h->step_time_ns = cfg->gc_step_time_us * UINT64_C(1000);
    h->growth_percent = cfg->gc_heap_growth_percent;
    h->debug = cfg->debug;
    h->gc.heap = h;
    gcp_status st = ops->create(h);
    if (st != GCP_OK) {
        gcp__free(h);
        return st;
    }
    gcp__types_retain(h->types);
    *out = h;
    return GCP_OK;
}

void gcp__heap_end_gc(gcp_heap *heap, gcp_status why)
{
    gcp_collection *gc = &heap->gc;
    if (heap->gc_active) {
        if (heap->ops->gc_abort)
            heap->ops->gc_abort(gc);
        gc->end = why;
    }
    heap->gc_active = false;
    gc->roots = NULL;
    gc->table = NULL;
}

void gcp__heap_abort_gc(gcp_heap *heap) { gcp__heap_end_gc(heap, GCP_ESTATE); }

void gcp__heap_reset(gcp_heap *heap)
{
    gcp_collection *gc = &heap->gc;
    if (heap->gc_active) {
        /* Not ended at release: drop it without the collector's abort,
         * which could write into memory that was zeroed or given back.
         * ops->reset below clears the collector's own state. */
        heap->gc_active = false;
        gc->end = GCP_ESTATE;
    }
    gc->roots = NULL;
    gc->table = NULL;
    heap->gc.bytes_reclaimed = 0;
    heap->gc.step_units = 0;
    heap->no_gc_depth = 0;
    heap->poisoned = false;
    heap->collected_since_alloc = false;
    heap->externrefs = false;
    heap->collections = 0;
    atomic_store_explicit(&heap->exposed, false, memory_order_relaxed);
    heap->soft_bound = GCP_GROWTH_FLOOR;
    heap->ops->reset(heap);
}

void gcp__heap_destroy(gcp_heap *heap)
{
    if (!heap)
        return;
    gcp__heap_abort_gc(heap);
    if (heap->spare_free)
        heap->spare_free(heap->spare);
    heap->ops->destroy(heap);
    gcp_types_release(heap->types);
    gcp__free(heap);
}

static size_t heap_release(gcp_heap *heap, size_t *dirty)
{
    gcp__heap_abort_gc(heap);
    size_t hw = gcp__heap_high_water(heap);
    if (dirty)
        *dirty = atomic_load_explicit(&heap->exposed, memory_order_relaxed) ? heap->mem->bound
                                                                             : hw;
    return hw;
}

static gcp_mem *heap_mem(const gcp_heap *heap) { return heap->mem; }

const gcp_heap_ops gcp__heap_ops = {
    .create = gcp__heap_create,
    .release = heap_release,
    .reset = gcp__heap_reset,
    .destroy = gcp__heap_destroy,
    .mem = heap_mem,
};

size_t gcp__heap_high_water(const gcp_heap *heap)
{
    size_t hw = heap->ops->high_water(heap);
    return hw < heap->mem->bound ? hw : heap->mem->bound;
}

gcp_status gcp__heap_grow(gcp_heap *heap, size_t min_bound)
{
    if (min_bound <= heap->mem->bound)
        return GCP_OK;
    if (min_bound > heap->mem->max)
        return GCP_ELIMIT;
    return heap->mem->grow(heap->mem, min_bound);
}

/* Handing the memory to the host: from now to the reset, the owner zeroes
 * the whole bound (heap_release).  The heap is the caller's, not const. */
static void expose(const gcp_heap *heap)
{
    atomic_store_explicit(&((gcp_heap *)heap)->exposed, true, memory_order_relaxed);
}

uint8_t *gcp_heap_base(const gcp_heap *heap)
{
    if (!heap)
        return NULL;
    expose(heap);
    return heap->mem->base;
}
size_t gcp_heap_bound(const gcp_heap *heap) { return heap ? heap->mem->bound : 0; }
size_t gcp_heap_max(const gcp_heap *heap) { return heap ? heap->mem->max : 0; }
void *gcp_heap_collector_data(gcp_heap *heap)
{
    if (!heap || !heap->ops->data)
        return NULL;
    expose(heap);
    return heap->ops->data(heap);
}
bool gcp_heap_is_poisoned(const gcp_heap *heap) { return heap && heap->poisoned; }

/* ---------------------------------------------------------------- no-GC scopes */

void gcp_heap_enter_no_gc(gcp_heap *heap)
{
    if (heap)
        heap->no_gc_depth++;
}

void gcp_heap_exit_no_gc(gcp_heap *heap)
{
    if (!heap)
        return;
    if (heap->no_gc_depth == 0) {
        gcp__panic("gcp_heap_exit_no_gc without a matching gcp_heap_enter_no_gc");
        return;
    }
    heap->no_gc_depth--;
}

uint32_t gcp_heap_no_gc_depth(const gcp_heap *heap) { return heap ? heap->no_gc_depth : 0; }

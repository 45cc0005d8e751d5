/* Heap objects: creation, reset, the accessors for compiled code, no-GC
 * scopes and the panic handler. */
#include "lib/heap.h"
#include "lib/store.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#include "lib/alloc.h"
#include "lib/types.h"

const gcp_collector_ops *gcp__collector_ops(gcp_collector kind)
{
    switch (kind) {
    case GCP_COLLECTOR_NULL:
        return &gcp__null_collector;
    case GCP_COLLECTOR_DRC:
        return &gcp__drc_collector;
    case GCP_COLLECTOR_MARKSWEEP:
        return &gcp__marksweep_collector;
    default:
        return NULL;
    }
}

gcp_status gcp__heap_create(const gcp_pool_config *cfg, const gcp_mem *mem,
                            bool pooled, gcp_heap **out)
{
    const gcp_collector_ops *ops = gcp__collector_ops(cfg->collector);
    if (!ops)
        return GCP_EINVAL;
    gcp_heap *h = gcp__calloc_lines(1, sizeof *h);
    if (!h)
        return GCP_ENOMEM;
    h->mem = *mem;
    h->ops = ops;
    h->types = cfg->types;
    h->step_budget = cfg->gc_step_budget;
    h->pooled = pooled;
    h->gc.heap = h;
    gcp_status st = ops->create(h);
    if (st != GCP_OK) {
        gcp__free(h);
        return st;
    }
    *out = h;
    return GCP_OK;
}

void gcp__heap_abort_gc(gcp_heap *heap)
{
    gcp_collection *gc = &heap->gc;
    if (gc->active && heap->ops->gc_abort)
        heap->ops->gc_abort(gc);
    gc->active = false;
    gc->state = NULL;
    gc->roots = NULL;
    gc->table = NULL;
}

void gcp__heap_reset(gcp_heap *heap)
{
    gcp__heap_abort_gc(heap);
    heap->gc.bytes_reclaimed = 0;
    heap->no_gc_depth = 0;
    heap->poisoned = false;
    heap->collected_since_alloc = false;
    heap->collections = 0;
    heap->ops->reset(heap);
}

void gcp__heap_destroy(gcp_heap *heap)
{
    if (!heap)
        return;
    gcp__heap_abort_gc(heap);
    gcp__store_drop_spare(heap);
    heap->ops->destroy(heap);
    gcp__free(heap);
}

size_t gcp__heap_high_water(const gcp_heap *heap)
{
    size_t hw = heap->ops->high_water(heap);
    return hw < heap->mem.bound ? hw : heap->mem.bound;
}

gcp_status gcp__heap_grow(gcp_heap *heap, size_t min_bound)
{
    if (min_bound <= heap->mem.bound)
        return GCP_OK;
    if (min_bound > heap->mem.max)
        return GCP_ELIMIT;
    return heap->mem.grow(&heap->mem, min_bound);
}

uint8_t *gcp_heap_base(const gcp_heap *heap) { return heap ? heap->mem.base : NULL; }
size_t gcp_heap_bound(const gcp_heap *heap) { return heap ? heap->mem.bound : 0; }
size_t gcp_heap_max(const gcp_heap *heap) { return heap ? heap->mem.max : 0; }
void *gcp_heap_collector_data(gcp_heap *heap)
{
    return heap && heap->ops->data ? heap->ops->data(heap) : NULL;
}
bool gcp_heap_is_poisoned(const gcp_heap *heap) { return heap && heap->poisoned; }

/* ---------------------------------------------------------------- panics */

static pthread_mutex_t panic_lock = PTHREAD_MUTEX_INITIALIZER;
static gcp_panic_handler panic_handler;   /* NULL: the default */
static void *panic_user;

void gcp_set_panic_handler(gcp_panic_handler handler, void *user)
{
    pthread_mutex_lock(&panic_lock);
    panic_handler = handler;
    panic_user = handler ? user : NULL;
    pthread_mutex_unlock(&panic_lock);
}

void gcp__panic(const char *message)
{
    pthread_mutex_lock(&panic_lock);
    gcp_panic_handler h = panic_handler;
    void *user = panic_user;
    pthread_mutex_unlock(&panic_lock);
    if (h) {
        h(message, user);
        return;
    }
    fprintf(stderr, "gcpool: contract violation: %s\n", message);
    fflush(stderr);
    abort();
}

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

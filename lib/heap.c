/* Heap objects: creation, reset and the accessors for compiled code. */
#include "lib/heap.h"

#include "lib/alloc.h"
#include "lib/types.h"

gcp_status gcp__heap_create(const gcp_pool_config *cfg, const gcp_mem *mem,
                            bool pooled, gcp_heap **out)
{
    if (cfg->collector != GCP_COLLECTOR_NULL && cfg->collector != GCP_COLLECTOR_DRC &&
        cfg->collector != GCP_COLLECTOR_MARKSWEEP)
        return GCP_EINVAL;
    gcp_heap *h = gcp__calloc(1, sizeof *h);
    if (!h)
        return GCP_ENOMEM;
    h->mem = *mem;
    h->types = cfg->types;
    h->step_budget = cfg->gc_step_budget;
    h->pooled = pooled;
    *out = h;
    return GCP_OK;
}

void gcp__heap_reset(gcp_heap *heap)
{
    heap->no_gc_depth = 0;
    heap->poisoned = false;
}

size_t gcp__heap_high_water(const gcp_heap *heap)
{
    /* Until a collector reports its own mark, assume all of the bound. */
    return heap->mem.bound;
}

void gcp__heap_destroy(gcp_heap *heap)
{
    gcp__free(heap);
}

uint8_t *gcp_heap_base(const gcp_heap *heap) { return heap->mem.base; }
size_t gcp_heap_bound(const gcp_heap *heap) { return heap->mem.bound; }
size_t gcp_heap_max(const gcp_heap *heap) { return heap->mem.max; }
void *gcp_heap_collector_data(gcp_heap *heap) { return heap->cdata; }

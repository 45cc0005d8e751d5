/* Hooks and views shared by the collectors that reclaim into free lists. */
#include "lib/reclaim.h"

#include "lib/collector.h"

static bool uses_freelists(const gcp_heap *heap)
{
    return heap->ops == &gcp__drc_collector || heap->ops == &gcp__marksweep_collector;
}

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

gcp_freelist *gcp__heap_freelist(gcp_heap *heap)
{
    if (!uses_freelists(heap))
        return NULL;
    gcp_flc *c = heap->cdata;
    return &c->fl;
}

uint64_t gcp__gc_last_step_units(const gcp_heap *heap)
{
    if (!uses_freelists(heap))
        return 0;
    const gcp_flc *c = heap->cdata;
    return c->last_step_units;
}

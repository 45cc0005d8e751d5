/* SPDX-License-Identifier: MIT */
#include "lib/inspect.h"

gcp_gc_view gcp__gc_view(const gcp_heap *heap)
{
    gcp_gc_view v = {0};
    if (heap->ops->inspect)
        heap->ops->inspect(heap, &v);
    v.last_step_units = heap->gc.step_units;
    return v;
}

gcp_freelist *gcp__heap_freelist(gcp_heap *heap) { return gcp__gc_view(heap).freelist; }
uint64_t gcp__gc_last_step_units(const gcp_heap *heap) { return gcp__gc_view(heap).last_step_units; }
size_t gcp__drc_exposed_count(const gcp_heap *heap) { return gcp__gc_view(heap).exposed; }
size_t gcp__drc_zct_count(const gcp_heap *heap) { return gcp__gc_view(heap).zct; }
int gcp__drc_trace_pending(const gcp_heap *heap) { return gcp__gc_view(heap).trace_pending; }

void gcp__drc_request_trace(gcp_heap *heap)
{
    if (heap->ops->request_full)
        heap->ops->request_full(heap);
}

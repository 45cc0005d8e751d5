/* The heap object and the entry points pool/ uses to build, reset and
 * destroy heaps.  Collector-specific state lives behind `ops`. */
#ifndef GCP_LIB_HEAP_H
#define GCP_LIB_HEAP_H

#include <stdbool.h>
#include <stdint.h>

#include "gcpool.h"
#include "lib/mem.h"

struct gcp_collector_ops;

struct gcp_heap {
    gcp_mem mem;                          /* must stay first */
    const struct gcp_collector_ops *ops;
    gcp_types *types;                     /* shared registry (may be NULL) */
    uint32_t step_budget;
    uint32_t no_gc_depth;
    bool poisoned;
    bool pooled;                          /* owner is a pool slot */
    void *cdata;                          /* collector state */
};

/* Builds a heap over mem (whose accessible bytes read zero) with the
 * collector and types of cfg.  GCP_ENOMEM, GCP_EINVAL (unknown collector). */
gcp_status gcp__heap_create(const gcp_pool_config *cfg, const gcp_mem *mem,
                            bool pooled, gcp_heap **out);
/* Returns the heap to the fresh state.  Called by the owner after it has
 * zeroed (or given back) every accessible byte and set mem.bound. */
void gcp__heap_reset(gcp_heap *heap);
/* Bytes from the heap base the collector has handed out since the last
 * reset (the allocation high-water mark). */
size_t gcp__heap_high_water(const gcp_heap *heap);
/* Frees the heap's host-side state (not its memory). */
void gcp__heap_destroy(gcp_heap *heap);

#endif

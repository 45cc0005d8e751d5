/* SPDX-License-Identifier: MIT */
/* The heap-ops table: the other interface between pool/ and lib/ (with the
 * memory descriptor of lib/mem.h).  pool/ builds, releases, resets and
 * destroys heaps through it and never reads or writes a heap's fields. */
#ifndef GCP_LIB_HEAPOPS_H
#define GCP_LIB_HEAPOPS_H

#include <stddef.h>

#include "gcpool.h"
#include "lib/mem.h"

typedef struct gcp_heap_ops {
    /* Builds a heap over *mem (accessible bytes read zero; the descriptor
     * stays the owner's and must outlive the heap) with cfg's collector,
     * step budget and types, which the heap retains until destroyed.
     * GCP_ENOMEM, GCP_EINVAL (unknown collector). */
    gcp_status (*create)(const gcp_pool_config *cfg, gcp_mem *mem, gcp_heap **out);
    /* The holder gave the heap back: ends any collection in progress while
     * the memory is intact, and returns the bytes the collector handed out
     * since the last reset.  *dirty (dirty may be NULL) gets how many bytes
     * from the base the holder may have written, which the owner must
     * zero: the whole bound once the memory was handed to the host
     * (gcp_heap_base, gcp_heap_collector_data) since the last reset, else
     * only what the library wrote, below the high water. */
    size_t (*release)(gcp_heap *heap, size_t *dirty);
    /* Back to the fresh state, after the owner zeroed (or gave back) every
     * accessible byte and set mem->bound.  Writes nothing into the heap. */
    void (*reset)(gcp_heap *heap);
    /* Frees the heap's host-side state (not its memory) and releases its
     * types.  NULL ignored. */
    void (*destroy)(gcp_heap *heap);
    /* The descriptor the heap was built over (to find its owner). */
    gcp_mem *(*mem)(const gcp_heap *heap);
} gcp_heap_ops;

/* The one implementation (lib/heap.c). */
extern const gcp_heap_ops gcp__heap_ops;

#endif

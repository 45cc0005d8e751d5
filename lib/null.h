/* SPDX-License-Identifier: MIT */
/* The null collector's allocation: its inline case, which the heap core
 * takes without the ops table's alloc hook (GCP_INLINE_ALLOC_BUMP), and
 * the hook itself. */
#ifndef GCP_LIB_NULL_H
#define GCP_LIB_NULL_H

#include <stdbool.h>
#include <stdint.h>

#include "gcpool.h"
#include "lib/collector.h"
#include "lib/heap.h"

/* The whole allocation (the ops table's alloc): re-validates the bump
 * pointer, grows the heap when needed.  Statuses as the alloc hook. */
__attribute__((noinline)) gcp_status gcp__null_alloc_slow(gcp_heap *heap, uint32_t size,
                                                          gcp_ref *out);

/* The same for any collector whose heap->cdata starts with a gcp_bump
 * (lib/compact.c): with growth_policy, growing past the soft bound first
 * asks for a collection (gcp__heap_may_grow). */
gcp_status gcp__bump_alloc(gcp_heap *heap, uint32_t size, gcp_ref *out, bool growth_policy);

/* The bump's limit for the heap's current bound. */
static inline uint32_t gcp__bump_limit(const gcp_heap *heap)
{
    return heap->mem->bound > GCP_HEAP_LIMIT ? (uint32_t)GCP_HEAP_LIMIT : (uint32_t)heap->mem->bound;
}

/* The common case of the allocation, inline: true, with *out set and the
 * bump pointer moved, when the bump pointer (which compiled code may have
 * moved or scribbled on) is aligned and past the start and next + size
 * fits the bound and 32-bit refs; then the ref is inside the bound and the
 * caller need not check it again.  False, changing nothing, for anything
 * else: gcp__null_alloc_slow decides (it also grows the heap). */
static inline __attribute__((always_inline)) bool gcp__null_bump(gcp_heap *heap, uint64_t size,
                                                                 gcp_ref *out)
{
    gcp_bump *b = heap->cdata;
    const uint64_t next = b->next, end = next + size;
    /* size is a multiple of 8 (the alloc hook's contract), so end is, and
     * end <= GCP_HEAP_LIMIT is end < 2^32. */
    if ((next & (GCP_OBJ_ALIGN - 1)) != 0 || next < GCP_HEAP_START || end > heap->mem->bound ||
        end > UINT32_MAX)
        return false;
    b->next = (uint32_t)end;
    *out = (gcp_ref)next;
    return true;
}

#endif

/* SPDX-License-Identifier: MIT */
/* Free-list allocation of heap memory for the reclaiming collectors (DRC
 * and mark-sweep).
 *
 * Layout of the heap seen by the allocator:
 *
 *   | 16 bytes | objects and free blocks ... | frontier -> untouched ... | bound
 *
 * Below the frontier the heap is parseable: a sequence of objects and free
 * blocks (kind GCP_KIND_FREE, size in bytes 8..11, the next block of the
 * same list in the collector word, bytes 12..15).  From the frontier to the
 * usable end of the heap nothing was handed out since the last reset: it is
 * allocated by bumping the frontier, and growing the heap extends it, so new
 * space joins the free memory without being written.  Reset only rewinds the
 * frontier and empties the list heads (host memory): it writes no heap byte.
 *
 * Segregated fits: blocks of 16..GCP_FL_EXACT_MAX bytes sit in exact size
 * classes (one per multiple of 8, popped in O(1)); larger blocks in bins of
 * one power of two each, searched first-fit.  A request takes, in order: its
 * exact class; the first fitting block of its bin; a split of a larger free
 * block (found through a bitmap of non-empty classes); the frontier (growing
 * the heap when needed).  Adjacent free blocks are merged only by a rebuild
 * (a heap walk): mark-sweep's sweep is one, and gcp__fl_coalesce runs one on
 * demand (DRC runs it when an allocation would otherwise fail).
 *
 * Free blocks live in the heap, so compiled code can rewrite them: every
 * link and size read from the heap is validated (aligned, inside
 * [GCP_HEAP_START, frontier), kind FREE with zero flags, size in the list's
 * range) and each list's length is kept in host memory, so a walk never
 * follows more links than the list holds (a cycle or a forged link is
 * reported as corruption through gcp__heap_corrupt, never followed).
 */
#ifndef GCP_LIB_FREELIST_H
#define GCP_LIB_FREELIST_H

#include <stdbool.h>
#include <stdint.h>

#include "gcpool.h"
#include "lib/heap.h"

#define GCP_FL_EXACT_MAX 512u                          /* largest exact class */
#define GCP_FL_EXACT_CLASSES ((GCP_FL_EXACT_MAX - 16u) / 8u + 1u)   /* 63 */
#define GCP_FL_BINS 23u                                /* 2^9 .. 2^31 */
#define GCP_FL_CLASSES (GCP_FL_EXACT_CLASSES + GCP_FL_BINS)

typedef struct gcp_freelist {
    gcp_heap *heap;
    uint64_t frontier;          /* first byte never handed out since reset */
    uint64_t high_water;        /* highest frontier since reset */
    uint32_t head[GCP_FL_CLASSES];
    uint32_t count[GCP_FL_CLASSES];
    uint64_t nonempty[2];       /* bit c set <=> count[c] > 0 */
    uint64_t free_bytes;        /* bytes in the lists (not the frontier) */
    uint64_t free_blocks;       /* blocks in the lists */
    bool dirty;                 /* blocks freed since the last rebuild */
    /* Benchmark knob: one address-unordered list searched first-fit for
     * every size (what the size classes are measured against). */
    bool first_fit;
    /* Rebuild state: the pending run of free bytes [run_start, run_end). */
    uint64_t run_start, run_end;
} gcp_freelist;

/* Binds fl to heap and resets it. */
void gcp__fl_init(gcp_freelist *fl, gcp_heap *heap);
/* Everything free: frontier back to GCP_HEAP_START, lists emptied. */
void gcp__fl_reset(gcp_freelist *fl);

/* Allocates size bytes (a multiple of 8, >= 16) and writes the offset.
 * Statuses as the collector alloc hook (lib/collector.h): GCP_OK,
 * GCP_ETOOLARGE, GCP_NEED_GC (no room, cannot grow), GCP_ESYS, GCP_ECORRUPT
 * (heap poisoned).
 * Runs gcp__fl_coalesce once before giving up when blocks were freed since
 * the last rebuild. */
gcp_status gcp__fl_alloc_slow(gcp_freelist *fl, uint32_t size, gcp_ref *out);

/* gcp__fl_alloc's inline case, which the heap core also takes directly:
 * every list empty (a fresh heap, or one whose garbage all went back to
 * the frontier) and room below the bound: a bump of the frontier (host
 * memory), so the block is inside the bound.  False, changing nothing,
 * otherwise. */
static inline __attribute__((always_inline)) bool gcp__fl_bump(gcp_freelist *fl, uint64_t size,
                                                               gcp_ref *out)
{
    uint64_t end = fl->frontier + size;
    if ((fl->nonempty[0] | fl->nonempty[1]) != 0 || end > fl->heap->mem->bound ||
        end > UINT32_MAX)
        return false;
    *out = (gcp_ref)fl->frontier;
    fl->frontier = end;
    if (end > fl->high_water)
        fl->high_water = end;
    return true;
}

static inline gcp_status gcp__fl_alloc(gcp_freelist *fl, uint32_t size, gcp_ref *out)
{
    if (gcp__fl_bump(fl, size, out))
        return GCP_OK;
    return gcp__fl_alloc_slow(fl, size, out);
}

/* Gives the block [off, off + size) back: writes a free header there and
 * pushes it on its list (no merging). */
void gcp__fl_free(gcp_freelist *fl, uint32_t off, uint32_t size);

/* Rebuild protocol: _begin empties the lists; the caller then reports every
 * block below the frontier in address order, as free (_free: merged with the
 * pending run when adjacent) or live (_live: ends the pending run); _end
 * flushes the last run, lowering the frontier when the run reaches it. */
void gcp__fl_rebuild_begin(gcp_freelist *fl);
void gcp__fl_rebuild_free(gcp_freelist *fl, uint32_t off, uint32_t size);
void gcp__fl_rebuild_live(gcp_freelist *fl);
void gcp__fl_rebuild_end(gcp_freelist *fl);

/* Walks the heap from GCP_HEAP_START to the frontier (each block validated
 * with gcp__obj_check_block) and rebuilds the lists merging adjacent free
 * blocks.  GCP_ECORRUPT (heap poisoned) on an invalid block; then the lists
 * are left empty (nothing is allocated from a corrupt heap anyway). */
gcp_status gcp__fl_coalesce(gcp_freelist *fl);

/* The size class of a block size (16 <= size, multiple of 8). */
uint32_t gcp__fl_class_of(uint64_t size);

#endif

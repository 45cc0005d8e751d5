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
 * exact class; for exact-class sizes, the current region (below); the first
 * fitting block of its bin; a split of a larger free block (found through a
 * bitmap of non-empty classes); the region, for larger sizes; the frontier
 * (growing the heap when needed).  Adjacent free blocks are merged only by
 * a rebuild (a heap walk): mark-sweep's sweep is one, gcp__fl_coalesce runs
 * one on demand (DRC runs it when an allocation would otherwise fail), and
 * DRC ends a collection that freed a quarter of the heap or more with a
 * sliced one of its own.
 *
 * The region: what is left of a block after a split is not pushed back on
 * a list but becomes the allocation region [region, region_end) (bounds in
 * host memory), from which the next requests are bumped inline, so that a
 * heap whose garbage was swept into large runs allocates as fast as a
 * fresh one.  The region stays one valid free block in the heap (its
 * header is rewritten at each bump), so the heap stays parseable; it is in
 * no list, is counted in free_bytes and free_blocks, and goes back on its
 * list when a later split replaces it.  A rebuild finds it as any free
 * block (and forgets the region); a bump never leaves 8 bytes, which could
 * not carry a header.
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
#include <string.h>

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
    uint64_t free_bytes;        /* bytes in the lists and the region (not the frontier) */
    uint64_t free_blocks;       /* blocks in the lists, plus 1 for a non-empty region */
    /* The allocation region: empty (region == region_end) or one free block
     * inside [GCP_HEAP_START, frontier) that is in no list. */
    uint64_t region, region_end;
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

/* Writes the free header of the region's rest [at, at + size) (no link). */
static inline __attribute__((always_inline)) void gcp__fl_region_mark(gcp_freelist *fl, uint64_t at,
                                                                     uint64_t size)
{
    uint8_t *p = fl->heap->mem->base + at;
    const uint32_t h[4] = {(uint32_t)GCP_KIND_FREE, 0, (uint32_t)size, 0};
    memcpy(p, h, sizeof h);
}

/* gcp__fl_alloc's inline cases, which the heap core also takes directly:
 *  - for a size of an exact class, a pop of that class when its head block
 *    validates as the slow path would validate it (a block that does not is
 *    left to the slow path, which reports the corruption); when the class
 *    is empty, a bump of the region (host-memory bounds, set from a
 *    validated block);
 *  - with every list and the region empty (a fresh heap, or one whose
 *    garbage all went back to the frontier) and room below the bound, a
 *    bump of the frontier.
 * The block is then inside [GCP_HEAP_START, bound).  False, changing
 * nothing, otherwise.  size is a multiple of 8, at least 16. */
static inline __attribute__((always_inline)) bool gcp__fl_bump(gcp_freelist *fl, uint64_t size,
                                                               gcp_ref *out)
{
    if (size <= GCP_FL_EXACT_MAX) {
        const uint32_t c = (uint32_t)(size / 8u - 2u);
        const uint32_t off = fl->head[c], n = fl->count[c];
        if (off != 0 && n != 0 && (off & (GCP_OBJ_ALIGN - 1)) == 0 && off >= GCP_HEAP_START &&
            off + size <= fl->frontier) {
            const uint8_t *p = fl->heap->mem->base + off;
            uint32_t h[4];
            memcpy(h, p, sizeof h);
            const uint32_t next = h[3];
            if (h[0] == (uint32_t)GCP_KIND_FREE && h[2] == size &&
                (n == 1 ? next == 0
                        : (next & (GCP_OBJ_ALIGN - 1)) == 0 && next >= GCP_HEAP_START &&
                              (uint64_t)next + GCP_OBJ_HEADER_BYTES <= fl->frontier)) {
                fl->head[c] = next;
                /* The next pop reads that header: fetch it now (a hint
                 * only; next is inside the frontier or 0). */
                __builtin_prefetch(fl->heap->mem->base + next);
                if ((fl->count[c] = n - 1) == 0)
                    fl->nonempty[c >> 6] &= ~((uint64_t)1 << (c & 63u));
                fl->free_bytes -= size;
                fl->free_blocks--;
                *out = (gcp_ref)off;
                return true;
            }
            return false;   /* the slow path reports it */
        }
        const uint64_t at = fl->region, rem = fl->region_end - at;
        if (size + GCP_OBJ_HEADER_BYTES <= rem) {
            fl->region = at + size;
            fl->free_bytes -= size;
            gcp__fl_region_mark(fl, at + size, rem - size);
            *out = (gcp_ref)at;
            return true;
        }
        if (size == rem) {
            fl->region = fl->region_end;
            fl->free_bytes -= size;
            fl->free_blocks--;
            *out = (gcp_ref)at;
            return true;
        }
    }
    const uint64_t end = fl->frontier + size;
    if ((fl->nonempty[0] | fl->nonempty[1]) != 0 || fl->region != fl->region_end ||
        end > fl->heap->mem->bound || end > UINT32_MAX)
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

/* Rebuild protocol: _begin empties the lists (and forgets the region); the caller then reports every
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
/* gcp__fl_coalesce's walk in slices, after gcp__fl_rebuild_begin: from
 * *at (GCP_HEAP_START at first, advanced) one unit per block until *units
 * reaches budget or the frontier is reached, then *done and the rebuild
 * ended.  Errors as gcp__fl_coalesce. */
gcp_status gcp__fl_coalesce_some(gcp_freelist *fl, uint64_t *at, uint64_t budget,
                                 uint64_t *units, bool *done);

/* The size class of a block size (16 <= size, multiple of 8). */
uint32_t gcp__fl_class_of(uint64_t size);

#endif

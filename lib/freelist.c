/* SPDX-License-Identifier: MIT */
/* Segregated free lists over heap memory (see lib/freelist.h). */
#include "lib/freelist.h"

#include <string.h>

#include "lib/object.h"

/* Result of a list search that found nothing (not a gcp_status value). */
#define NOT_FOUND 2

uint32_t gcp__fl_class_of(uint64_t size)
{
    if (size <= GCP_FL_EXACT_MAX)
        return (uint32_t)(size / 8u - 2u);
    uint32_t lg = 63u - (uint32_t)__builtin_clzll(size);   /* >= 9 */
    uint32_t b = lg - 9u;
    if (b >= GCP_FL_BINS)
        b = GCP_FL_BINS - 1u;
    return GCP_FL_EXACT_CLASSES + b;
}

/* The list a block of this size goes to. */
static uint32_t list_of(const gcp_freelist *fl, uint64_t size)
{
    return fl->first_fit ? GCP_FL_CLASSES - 1u : gcp__fl_class_of(size);
}

/* Smallest and largest block size list c may hold. */
static void class_range(const gcp_freelist *fl, uint32_t c, uint64_t *lo, uint64_t *hi)
{
    if (fl->first_fit) {
        *lo = GCP_OBJ_HEADER_BYTES;
        *hi = GCP_HEAP_LIMIT;
        return;
    }
    if (c < GCP_FL_EXACT_CLASSES) {
        *lo = *hi = 16u + 8u * (uint64_t)c;
        return;
    }
    uint32_t b = c - GCP_FL_EXACT_CLASSES;
    *lo = b == 0 ? GCP_FL_EXACT_MAX + 8u : (uint64_t)1 << (9u + b);
    *hi = ((uint64_t)1 << (10u + b)) - 8u;
}

static uint64_t usable_end(const gcp_heap *heap)
{
    return heap->mem->bound < GCP_HEAP_LIMIT ? heap->mem->bound : GCP_HEAP_LIMIT;
}

static void set_nonempty(gcp_freelist *fl, uint32_t c, bool on)
{
    uint64_t bit = (uint64_t)1 << (c & 63u);
    if (on)
        fl->nonempty[c >> 6] |= bit;
    else
        fl->nonempty[c >> 6] &= ~bit;
}

static void clear_lists(gcp_freelist *fl)
{
    memset(fl->head, 0, sizeof fl->head);
    memset(fl->count, 0, sizeof fl->count);
    fl->nonempty[0] = fl->nonempty[1] = 0;
    fl->free_bytes = 0;
    fl->free_blocks = 0;
    fl->region = fl->region_end = 0;
    fl->dirty = false;
    fl->run_start = fl->run_end = 0;
}

void gcp__fl_init(gcp_freelist *fl, gcp_heap *heap)
{
    fl->heap = heap;
    gcp__fl_reset(fl);
}

void gcp__fl_reset(gcp_freelist *fl)
{
    clear_lists(fl);
    fl->frontier = GCP_HEAP_START;
    fl->high_water = GCP_HEAP_START;
}

/* Pushes [off, off + size) on its list, writing the free header. */
static void push(gcp_freelist *fl, uint32_t off, uint32_t size)
{
    uint32_t c = list_of(fl, size);
    gcp__block_init_free(fl->heap, off, size, fl->head[c]);
    fl->head[c] = off;
    fl->count[c]++;
    set_nonempty(fl, c, true);
    fl->free_bytes += size;
    fl->free_blocks++;
}

void gcp__fl_free(gcp_freelist *fl, uint32_t off, uint32_t size)
{
    push(fl, off, size);
    fl->dirty = true;
}

/* The rest of a split block becomes the region; the old region's rest (a
 * valid free block, counted already) goes on its list. */
static void set_region(gcp_freelist *fl, uint64_t at, uint64_t size)
{
    uint64_t rest = fl->region_end - fl->region;
    if (rest != 0) {
        fl->free_bytes -= rest;
        fl->free_blocks--;
        push(fl, (uint32_t)fl->region, (uint32_t)rest);
    }
    fl->region = at;
    fl->region_end = at + size;
    fl->free_bytes += size;
    fl->free_blocks++;
    gcp__fl_region_mark(fl, at, size);
}

/* Validates the free block at off as a member of class c; writes its size
 * and its link.  Everything is read from guest-writable memory. */
static bool block_ok(const gcp_freelist *fl, uint64_t off, uint32_t c, uint32_t *size,
                     uint32_t *next)
{
    if ((off & (GCP_OBJ_ALIGN - 1)) != 0 || off < GCP_HEAP_START ||
        off + GCP_OBJ_HEADER_BYTES > fl->frontier)
        return false;
    const uint8_t *p = fl->heap->mem->base + off;
    if (gcp__load32(p + GCP_HDR_KIND) != (uint32_t)GCP_KIND_FREE)
        return false;
    uint64_t lo, hi;
    class_range(fl, c, &lo, &hi);
    uint32_t s = gcp__load32(p + GCP_HDR_SIZE);
    if (s < lo || s > hi || (s & (GCP_OBJ_ALIGN - 1)) != 0 || off + s > fl->frontier)
        return false;
    uint32_t n = gcp__load32(p + GCP_HDR_CWORD);
    if (n != 0 && ((n & (GCP_OBJ_ALIGN - 1)) != 0 || n < GCP_HEAP_START ||
                   (uint64_t)n + GCP_OBJ_HEADER_BYTES > fl->frontier))
        return false;
    *size = s;
    *next = n;
    return true;
}

/* First fit in list c: a block of exactly `size` bytes, or one that leaves
 * at least a minimal free block behind (an 8-byte tail could not carry a
 * header).  The block is unlinked and split.  GCP_OK, NOT_FOUND or
 * GCP_ECORRUPT. */
static int take_fit(gcp_freelist *fl, uint32_t c, uint32_t size, gcp_ref *out)
{
    uint32_t prev = 0, cur = fl->head[c], n = fl->count[c];
    for (uint32_t i = 0; i < n; i++) {
        uint32_t bsize, next;
        if (!block_ok(fl, cur, c, &bsize, &next))
            return gcp__heap_corrupt(fl->heap);
        if (i + 1 == n && next != 0)
            return gcp__heap_corrupt(fl->heap);   /* longer than its count: a cycle? */
        if (bsize == size || bsize >= (uint64_t)size + GCP_OBJ_HEADER_BYTES) {
            if (prev == 0)
                fl->head[c] = next;
            else
                gcp__store32(fl->heap->mem->base + prev + GCP_HDR_CWORD, next);
            if (--fl->count[c] == 0)
                set_nonempty(fl, c, false);
            fl->free_bytes -= bsize;
            fl->free_blocks--;
            if (bsize > size)
                set_region(fl, (uint64_t)cur + size, bsize - size);
            *out = cur;
            return GCP_OK;
        }
        prev = cur;
        cur = next;
    }
    if (n == 0 && cur != 0)
        return gcp__heap_corrupt(fl->heap);
    return NOT_FOUND;
}

/* A bump of the region for any size (the inline one takes exact-class
 * sizes only, after their class). */
static bool from_region(gcp_freelist *fl, uint32_t size, gcp_ref *out)
{
    uint64_t at = fl->region, rem = fl->region_end - at;
    if ((uint64_t)size + GCP_OBJ_HEADER_BYTES <= rem) {
        fl->region = at + size;
        fl->free_bytes -= size;
        gcp__fl_region_mark(fl, at + size, rem - size);
    } else if (size == rem) {
        fl->region = fl->region_end;
        fl->free_bytes -= size;
        fl->free_blocks--;
    } else {
        return false;
    }
    *out = (gcp_ref)at;
    return true;
}

/* First non-empty class >= c, or GCP_FL_CLASSES. */
static uint32_t next_nonempty(const gcp_freelist *fl, uint32_t c)
{
    while (c < GCP_FL_CLASSES) {
        uint64_t w = fl->nonempty[c >> 6] & (~(uint64_t)0 << (c & 63u));
        if (w)
            return (c & ~63u) + (uint32_t)__builtin_ctzll(w);
        c = (c | 63u) + 1u;
    }
    return GCP_FL_CLASSES;
}

static int from_lists(gcp_freelist *fl, uint32_t size, gcp_ref *out)
{
    uint32_t c = list_of(fl, size);
    int r;
    if (fl->count[c] != 0 || fl->head[c] != 0) {
        r = take_fit(fl, c, size, out);
        if (r != NOT_FOUND)
            return r;
    }
    /* Exact classes: the next one up would leave an 8-byte tail. */
    uint32_t k = c < GCP_FL_EXACT_CLASSES ? c + 2u : c + 1u;
    for (k = next_nonempty(fl, k); k < GCP_FL_CLASSES; k = next_nonempty(fl, k + 1u)) {
        r = take_fit(fl, k, size, out);
        if (r != NOT_FOUND)
            return r;
    }
    return NOT_FOUND;
}

gcp_status gcp__fl_alloc_slow(gcp_freelist *fl, uint32_t size, gcp_ref *out)
{
    gcp_heap *heap = fl->heap;
    uint64_t max = heap->mem->max < GCP_HEAP_LIMIT ? heap->mem->max : GCP_HEAP_LIMIT;
    if ((uint64_t)size > max - GCP_HEAP_START)
        return GCP_ETOOLARGE;
    for (int attempt = 0;; attempt++) {
        if (fl->nonempty[0] | fl->nonempty[1]) {
            int r = from_lists(fl, size, out);
            if (r != NOT_FOUND)
                return (gcp_status)r;
        }
        if (from_region(fl, size, out))
            return GCP_OK;
        uint64_t end = fl->frontier + size;
        if (end <= usable_end(heap))
            break;
        /* Merging what was freed may make room without growing. */
        if (attempt == 0 && fl->dirty && fl->free_bytes >= size) {
            gcp_status st = gcp__fl_coalesce(fl);
            if (st != GCP_OK)
                return st;
            continue;
        }
        if (end > max || !gcp__heap_may_grow(heap, end))
            return GCP_NEED_GC;
        gcp_status st = gcp__heap_grow(heap, (size_t)end);
        if (st == GCP_ELIMIT)
            return GCP_NEED_GC;
        if (st != GCP_OK)
            return st;
        if (end > usable_end(heap))
            return GCP_ESYS;   /* the owner claimed success without growing */
        break;
    }
    *out = (gcp_ref)fl->frontier;
    fl->frontier += size;
    if (fl->frontier > fl->high_water)
        fl->high_water = fl->frontier;
    return GCP_OK;
}

/* ---------------------------------------------------------------- rebuilds */

static void flush_run(gcp_freelist *fl)
{
    if (fl->run_end > fl->run_start)
        push(fl, (uint32_t)fl->run_start, (uint32_t)(fl->run_end - fl->run_start));
    fl->run_start = fl->run_end = 0;
}

void gcp__fl_rebuild_begin(gcp_freelist *fl) { clear_lists(fl); }

void gcp__fl_rebuild_free(gcp_freelist *fl, uint32_t off, uint32_t size)
{
    if (fl->run_end != 0 && fl->run_end == off) {
        fl->run_end += size;
        return;
    }
    flush_run(fl);
    fl->run_start = off;
    fl->run_end = (uint64_t)off + size;
}

void gcp__fl_rebuild_live(gcp_freelist *fl) { flush_run(fl); }

void gcp__fl_rebuild_end(gcp_freelist *fl)
{
    if (fl->run_end != 0 && fl->run_end == fl->frontier) {
        fl->frontier = fl->run_start;
        fl->run_start = fl->run_end = 0;
        return;
    }
    flush_run(fl);
}

gcp_status gcp__fl_coalesce_some(gcp_freelist *fl, uint64_t *at, uint64_t budget,
                                 uint64_t *units, bool *done)
{
    gcp_heap *heap = fl->heap;
    while (*at < fl->frontier && *units < budget) {
        gcp_obj o;
        if (*at > UINT32_MAX || gcp__obj_check_block(heap, (gcp_ref)*at, &o) != GCP_OK ||
            *at + o.size > fl->frontier) {
            clear_lists(fl);
            return gcp__heap_corrupt(heap);
        }
        if (o.kind == GCP_KIND_FREE)
            gcp__fl_rebuild_free(fl, (uint32_t)*at, o.size);
        else
            gcp__fl_rebuild_live(fl);
        *at += o.size;
        (*units)++;
    }
    *done = *at >= fl->frontier;
    if (*done)
        gcp__fl_rebuild_end(fl);
    return GCP_OK;
}

gcp_status gcp__fl_coalesce(gcp_freelist *fl)
{
    gcp__fl_rebuild_begin(fl);
    uint64_t at = GCP_HEAP_START, units = 0;
    bool done;
    return gcp__fl_coalesce_some(fl, &at, UINT64_MAX, &units, &done);
}

/* SPDX-License-Identifier: MIT */
/* The debug mode: poison, stale-ref reports and whole-heap verification. */
#include "lib/debug.h"

#include <string.h>

#include "lib/error.h"
#include "lib/hostdata.h"
#include "lib/metadata.h"
#include "lib/object.h"
#include "lib/roots.h"

void gcp__debug_poison(gcp_heap *heap, gcp_ref off, uint32_t size)
{
    if (heap->debug && size > 0)
        memset(heap->mem->base + off, (int)GCP_DEBUG_POISON, size);
}

void gcp__debug_poison_block(gcp_heap *heap, gcp_ref off, uint32_t size)
{
    memset(heap->mem->base + off + GCP_OBJ_HEADER_BYTES, (int)GCP_DEBUG_POISON,
           size - GCP_OBJ_HEADER_BYTES);
    gcp__block_init_free(heap, off, size, 0);
}

static gcp_status bad(gcp_heap *heap, const char *what, uint64_t at)
{
    heap->poisoned = true;
    return gcp__fail(GCP_ECORRUPT, "heap verification: %s at offset 0x%llx", what,
                     (unsigned long long)at);
}

static bool is_start(const uint64_t *starts, gcp_ref r)
{
    uint64_t g = r / GCP_OBJ_ALIGN;
    return (starts[g >> 6] >> (g & 63u)) & 1u;
}

gcp_status gcp__debug_verify(gcp_heap *heap, const gcp_hostdata *table, const gcp_roots *roots,
                             uint64_t frontier)
{
    if (frontier > heap->mem->bound)
        return bad(heap, "frontier past the bound", frontier);
    size_t words = (size_t)(frontier / GCP_OBJ_ALIGN) / 64 + 1;
    uint64_t *starts = gcp__calloc(words, sizeof *starts);
    if (!starts)
        return GCP_ENOMEM;
    gcp_status st = GCP_OK;
    /* Pass 1: blocks tile the heap; object starts recorded. */
    for (uint64_t at = GCP_HEAP_START; at < frontier && st == GCP_OK;) {
        gcp_obj o;
        if (gcp__obj_check_block(heap, (gcp_ref)at, &o) != GCP_OK || at + o.size > frontier) {
            st = bad(heap, "invalid block", at);
            break;
        }
        if (o.kind != GCP_KIND_FREE) {
            uint64_t g = at / GCP_OBJ_ALIGN;
            starts[g >> 6] |= (uint64_t)1 << (g & 63u);
        }
        at += o.size;
    }
    /* Pass 2: every ref slot leads to an object start; externrefs own
     * their ids. */
    for (uint64_t at = GCP_HEAP_START; at < frontier && st == GCP_OK;) {
        gcp_obj o;
        if (gcp__obj_check_block(heap, (gcp_ref)at, &o) != GCP_OK) {
            st = bad(heap, "invalid block", at);
            break;
        }
        if (o.kind == GCP_KIND_EXTERNREF && table) {
            void *ptr;
            if (gcp__hostdata_lookup(table, gcp__externref_id(&o), o.ref, &ptr) != GCP_OK)
                st = bad(heap, "externref whose id is not bound to it", at);
        }
        uint32_t n = o.kind == GCP_KIND_FREE ? 0 : gcp__obj_nrefs(&o);
        for (uint32_t i = 0; i < n && st == GCP_OK; i++) {
            gcp_ref r = gcp__obj_ref_get(&o, i);
            if (gcp_ref_is_heap(r) && ((uint64_t)r >= frontier || (r & (GCP_OBJ_ALIGN - 1)) != 0 ||
                                       !is_start(starts, r)))
                st = bad(heap, "ref slot not leading to an object", at + gcp__obj_ref_slot(&o, i));
        }
        at += o.size;
    }
    size_t nroots = gcp__roots_n(roots);
    for (size_t i = 0; i < nroots && st == GCP_OK; i++) {
        gcp_ref r;
        if (gcp__roots_value(roots, i, &r) != GCP_OK)
            st = bad(heap, "root holding no valid ref", i);
        else if (gcp_ref_is_heap(r) && ((uint64_t)r >= frontier || (r & (GCP_OBJ_ALIGN - 1)) != 0 ||
                                        !is_start(starts, r)))
            st = bad(heap, "root not leading to an object, ref", r);
    }
    gcp__free(starts);
    return st;
}

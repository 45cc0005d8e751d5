/* SPDX-License-Identifier: MIT */
/* Fixture shared by the collector suites: a type registry, a one-slot pool
 * built with a chosen collector, its heap and a host-data table. */
#ifndef GCP_TESTS_GCUTIL_H
#define GCP_TESTS_GCUTIL_H

#include "lib/heap.h"
#include "lib/object.h"
#include "lib/trace.h"
#include "testutil.h"

/* S = {ref @0, u32 @4, ref @8, u32 @12} (32-byte objects); RA = ref array;
 * BA = byte array; L = 1000-byte struct without refs. */
typedef struct gc_fixture {
    gcp_types *types;
    uint32_t S, RA, BA, L;
    gcp_pool *pool;
    gcp_heap *heap;
    gcp_hostdata *table;
} gc_fixture;

/* gcf_open with a time budget per step (gc_step_time_us; 0: units only). */
static inline void gcf_open_timed(gc_fixture *f, gcp_collector kind, uint64_t max_heap,
                                  uint32_t budget, uint64_t time_us)
{
    ck_assert_ok(gcp_types_new(&f->types));
    const uint32_t offs[] = {0, 8};
    ck_assert_ok(gcp_types_add_struct(f->types, 16, offs, 2, &f->S));
    ck_assert_ok(gcp_types_add_array(f->types, 4, true, &f->RA));
    ck_assert_ok(gcp_types_add_array(f->types, 1, false, &f->BA));
    ck_assert_ok(gcp_types_add_struct(f->types, 1000, NULL, 0, &f->L));
    gcp_pool_config c = small_config(1);
    c.types = f->types;
    c.collector = kind;
    c.max_heap_bytes = max_heap;
    c.reservation_bytes = max_heap;
    if (c.keep_resident_bytes > max_heap)
        c.keep_resident_bytes = max_heap;
    c.gc_step_budget = budget;
    c.gc_step_time_us = time_us;
    ck_assert_ok(gcp_pool_new(&c, &f->pool));
    ck_assert_ok(gcp_pool_acquire(f->pool, &f->heap));
    ck_assert_ok(gcp_hostdata_new(&f->table));
}

/* A one-slot pool of `kind` (steps bounded by units only) and its heap. */
static inline void gcf_open(gc_fixture *f, gcp_collector kind, uint64_t max_heap,
                            uint32_t budget)
{
    gcf_open_timed(f, kind, max_heap, budget, 0);
}

static inline void gcf_close(gc_fixture *f)
{
    gcp_hostdata_free(f->table);
    ck_assert_ok(gcp_pool_release(f->pool, f->heap));
    ck_assert_ok(gcp_pool_free(f->pool));
    gcp_types_release(f->types);
}

/* Gives the heap back to the pool and takes it again (a reset). */
static inline void gcf_recycle(gc_fixture *f)
{
    gcp_hostdata_clear(f->table);
    ck_assert_ok(gcp_pool_release(f->pool, f->heap));
    gcp_heap *again;
    ck_assert_ok(gcp_pool_acquire(f->pool, &again));
    ck_assert_ptr_eq(again, f->heap);
}

static inline uint8_t *gcf_at(gc_fixture *f, gcp_ref r) { return gcp_heap_base(f->heap) + r; }
static inline uint32_t gcf_peek(gc_fixture *f, gcp_ref r, uint32_t off)
{
    return gcp__load32(gcf_at(f, r) + off);
}
static inline void gcf_poke(gc_fixture *f, gcp_ref r, uint32_t off, uint32_t v)
{
    gcp__store32(gcf_at(f, r) + off, v);
}

/* Rewrites the object at r into a valid byte array of `size` bytes, so
 * that it covers whatever follows it (forged, overlapping objects). */
static inline void gcf_forge_byte_array(gc_fixture *f, gcp_ref r, uint32_t size)
{
    gcf_poke(f, r, GCP_HDR_KIND, GCP_KIND_ARRAY);
    gcf_poke(f, r, GCP_HDR_TYPE, f->BA);
    gcf_poke(f, r, GCP_HDR_SIZE, size);
    gcf_poke(f, r, GCP_ARRAY_LENGTH, size - GCP_ARRAY_ELEMS);
}

/* Finalizer that counts its calls through the int it is given. */
static inline void gcf_count_fin(void *p) { (*(int *)p)++; }

/* An externref whose host data is counter (finalizer gcf_count_fin). */
static inline gcp_ref gcf_extern(gc_fixture *f, int *counter)
{
    uint32_t id;
    gcp_ref r;
    ck_assert_ok(gcp_hostdata_insert(f->table, counter, gcf_count_fin, &id));
    ck_assert_ok(gcp_heap_alloc_externref(f->heap, f->table, id, &r));
    return r;
}

/* Collects to completion over roots (may be NULL). */
static inline void gcf_collect(gc_fixture *f, gcp_roots *roots)
{
    ck_assert_ok(gcp_heap_gc(f->heap, roots, f->table));
}

#endif

/* SPDX-License-Identifier: MIT */
/* Fixture of the heap-level suites (test_access, test_gc, test_heap,
 * test_null, test_panic, test_collector): a type registry, a one-slot pool
 * over the null collector, its heap and a host-data table. */
#ifndef GCP_TESTS_HEAPUTIL_H
#define GCP_TESTS_HEAPUTIL_H

#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <string.h>

#include "lib/heap.h"
#include "lib/object.h"
#include "testutil.h"

/* Types: S = {ref @0, u32 @4, ref @8, u32 @12}; RA = ref array; BA = byte
 * array; QA = u64 array; E = 1-byte struct without refs. */
static gcp_types *types;
static uint32_t S, RA, BA, QA, E;
static gcp_pool *pool;
static gcp_heap *heap;
static gcp_hostdata *table;

static inline void setup(void)
{
    ck_assert_ok(gcp_types_new(&types));
    const uint32_t offs[] = {0, 8};
    ck_assert_ok(gcp_types_add_struct(types, 16, offs, 2, &S));
    ck_assert_ok(gcp_types_add_array(types, 4, true, &RA));
    ck_assert_ok(gcp_types_add_array(types, 1, false, &BA));
    ck_assert_ok(gcp_types_add_array(types, 8, false, &QA));
    ck_assert_ok(gcp_types_add_struct(types, 1, NULL, 0, &E));
    gcp_pool_config c = small_config(1);
    c.types = types;
    ck_assert_ok(gcp_pool_new(&c, &pool));
    ck_assert_ok(gcp_pool_acquire(pool, &heap));
    ck_assert_ok(gcp_hostdata_new(&table));
}

static inline void teardown(void)
{
    gcp_hostdata_free(table);
    if (heap)
        ck_assert_ok(gcp_pool_release(pool, heap));
    ck_assert_ok(gcp_pool_free(pool));
    gcp_types_release(types);
}

/* Releases the heap and acquires the (only) slot again. */
static inline void recycle(void)
{
    ck_assert_ok(gcp_pool_release(pool, heap));
    gcp_heap *again;
    ck_assert_ok(gcp_pool_acquire(pool, &again));
    ck_assert_ptr_eq(again, heap);
}

/* A live, unbound id of the fixture's table. */
static inline uint32_t new_id(void)
{
    static int datum;
    uint32_t id;
    ck_assert_ok(gcp_hostdata_insert(table, &datum, NULL, &id));
    return id;
}

static inline uint8_t *at(gcp_ref r) { return gcp_heap_base(heap) + r; }
static inline void poke32(gcp_ref r, uint32_t off, uint32_t v) { gcp__store32(at(r) + off, v); }

/* Asserts that the heap is poisoned and that the next holder of the slot
 * gets a clean, zeroed, working heap. */
static inline void expect_poisoned_then_clean(void)
{
    ck_assert(gcp_heap_is_poisoned(heap));
    gcp_ref r;
    gcp_header h;
    ck_assert_status(gcp_heap_alloc_struct(heap, S, &r), GCP_EPOISONED);
    ck_assert_status(gcp_heap_header(heap, GCP_HEAP_START, &h), GCP_EPOISONED);
    ck_assert_status(gcp_heap_gc(heap, NULL, table), GCP_EPOISONED);
    recycle();
    ck_assert(!gcp_heap_is_poisoned(heap));
    const uint8_t *base = gcp_heap_base(heap);
    for (size_t i = 0; i < gcp_heap_bound(heap); i++)
        ck_assert_uint_eq(base[i], 0);
    ck_assert_ok(gcp_heap_alloc_struct(heap, S, &r));
    ck_assert_uint_eq(r, GCP_HEAP_START);
    ck_assert_ok(gcp_heap_header(heap, r, &h));
    ck_assert_ok(gcp_heap_gc(heap, NULL, table));
}

#endif

/* SPDX-License-Identifier: MIT */
/* The object layer (lib/object.h) used by the core and the collectors, and
 * a heap over a host-provided memory descriptor (growth failures). */
#include <string.h>

#include "lib/heap.h"
#include "lib/object.h"
#include "testutil.h"

static gcp_types *types;
static uint32_t S, RA, BA;
static gcp_heap *heap;
static _Alignas(16) uint8_t memory[64 * 1024];
static gcp_status grow_answer;
static size_t grow_to;
static int grow_calls;

/* A memory owner that grows to grow_to (if larger) or fails with grow_answer. */
static gcp_status fake_grow(gcp_mem *mem, size_t min_bound)
{
    grow_calls++;
    if (grow_answer != GCP_OK)
        return grow_answer;
    size_t nb = grow_to > min_bound ? grow_to : min_bound;
    if (nb > mem->max)
        return GCP_ELIMIT;
    mem->bound = grow_to ? grow_to : min_bound;
    return GCP_OK;
}

/* The descriptor the heap keeps a pointer to: it outlives the heap. */
static gcp_mem mem;

static void setup(void)
{
    ck_assert_ok(gcp_types_new(&types));
    const uint32_t offs[] = {8, 0};
    ck_assert_ok(gcp_types_add_struct(types, 12, offs, 2, &S));
    ck_assert_ok(gcp_types_add_array(types, 4, true, &RA));
    ck_assert_ok(gcp_types_add_array(types, 1, false, &BA));
    gcp_pool_config c = small_config(1);
    c.types = types;
    memset(memory, 0, sizeof memory);
    mem = (gcp_mem){.base = memory, .bound = 0, .max = sizeof memory, .grow = fake_grow};
    ck_assert_ok(gcp__heap_create(&c, &mem, &heap));
    heap->mem->bound = 4096;
    gcp__heap_reset(heap);
    grow_answer = GCP_OK;
    grow_to = 0;
    grow_calls = 0;
}

static void teardown(void)
{
    gcp__heap_destroy(heap);
    gcp_types_release(types);
}

START_TEST(sizes)
{
    const gcp_type *s = gcp__types_get(types, S), *ra = gcp__types_get(types, RA);
    const gcp_type *ba = gcp__types_get(types, BA);
    ck_assert_uint_eq(gcp__obj_size_for(GCP_KIND_EXTERNREF, NULL, 0), 24);
    ck_assert_uint_eq(gcp__obj_size_for(GCP_KIND_STRUCT, s, 0), 32);
    ck_assert_uint_eq(gcp__obj_size_for(GCP_KIND_ARRAY, ra, 0), 24);
    ck_assert_uint_eq(gcp__obj_size_for(GCP_KIND_ARRAY, ra, 3), 40);
    ck_assert_uint_eq(gcp__obj_size_for(GCP_KIND_ARRAY, ba, 1), 32);
    ck_assert_uint_eq(gcp__obj_size_for(GCP_KIND_ARRAY, ba, UINT32_MAX), 0);
    ck_assert_uint_eq(gcp__obj_size_for(GCP_KIND_FREE, NULL, 0), 0);
}
END_TEST

START_TEST(ref_slots)
{
    gcp_ref s, a, b;
    ck_assert_ok(gcp_heap_alloc_struct(heap, S, &s));
    ck_assert_ok(gcp_heap_alloc_array(heap, RA, 3, &a));
    ck_assert_ok(gcp_heap_alloc_array(heap, BA, 9, &b));
    gcp_obj o;
    ck_assert_ok(gcp__obj_check(heap, s, &o));
    ck_assert_ptr_eq(o.p, memory + s);
    ck_assert_uint_eq(gcp__obj_nrefs(&o), 2);
    ck_assert_uint_eq(gcp__obj_ref_slot(&o, 0), GCP_OBJ_PAYLOAD + 0);
    ck_assert_uint_eq(gcp__obj_ref_slot(&o, 1), GCP_OBJ_PAYLOAD + 8);
    gcp__obj_ref_put(&o, 1, a);
    gcp_ref v;
    ck_assert_ok(gcp_struct_get_ref(heap, s, 8, &v));
    ck_assert_uint_eq(v, a);
    ck_assert_uint_eq(gcp__obj_ref_get(&o, 1), a);
    ck_assert_ok(gcp__obj_check(heap, a, &o));
    ck_assert_uint_eq(o.length, 3);
    ck_assert_uint_eq(gcp__obj_nrefs(&o), 3);
    ck_assert_uint_eq(gcp__obj_ref_slot(&o, 2), GCP_ARRAY_ELEMS + 8);
    ck_assert_ok(gcp__obj_check(heap, b, &o));
    ck_assert_uint_eq(gcp__obj_nrefs(&o), 0);
    ck_assert_uint_eq(o.size, 40);
}
END_TEST

START_TEST(collector_word_and_flags)
{
    gcp_ref s;
    ck_assert_ok(gcp_heap_alloc_struct(heap, S, &s));
    gcp_obj o;
    ck_assert_ok(gcp__obj_check(heap, s, &o));
    ck_assert_uint_eq(gcp__obj_cword(&o), 0);
    gcp__obj_set_cword(&o, 7);
    gcp__obj_set_flags(&o, 0x01);
    ck_assert_uint_eq(gcp__load32(memory + s + GCP_HDR_CWORD), 7);
    ck_assert_ok(gcp__obj_check(heap, s, &o));   /* still valid */
    ck_assert_uint_eq(o.flags, 0x01);
    ck_assert_uint_eq(gcp__obj_cword(&o), 7);
}
END_TEST

START_TEST(free_blocks)
{
    gcp_obj o;
    gcp__block_init_free(heap, 64, 128, 512);
    ck_assert_ok(gcp__obj_check_block(heap, 64, &o));
    ck_assert_int_eq(o.kind, GCP_KIND_FREE);
    ck_assert_uint_eq(o.size, 128);
    ck_assert_uint_eq(gcp__obj_cword(&o), 512);
    /* A free block is never an object. */
    ck_assert_status(gcp__obj_check(heap, 64, &o), GCP_ECORRUPT);
    ck_assert(gcp_heap_is_poisoned(heap));
    heap->poisoned = false;
    const uint32_t bad_sizes[] = {0, 8, 20, 4096};
    for (size_t i = 0; i < sizeof bad_sizes / sizeof bad_sizes[0]; i++) {
        gcp__block_init_free(heap, 64, bad_sizes[i], 0);
        ck_assert_status(gcp__obj_check_block(heap, 64, &o), GCP_ECORRUPT);
        heap->poisoned = false;
    }
    /* Real objects pass the block walk with their type checked. */
    gcp_ref s;
    ck_assert_ok(gcp_heap_alloc_struct(heap, S, &s));
    ck_assert_ok(gcp__obj_check_block(heap, s, &o));
    ck_assert_int_eq(o.kind, GCP_KIND_STRUCT);
    gcp__store32(memory + s + GCP_HDR_TYPE, 77);
    ck_assert_status(gcp__obj_check_block(heap, s, &o), GCP_ECORRUPT);
    heap->poisoned = false;
    ck_assert_status(gcp__obj_check_block(heap, 0, &o), GCP_EINVAL);
    ck_assert_status(gcp__ref_check(heap, 0), GCP_OK);
    ck_assert_status(gcp__ref_check(heap, 5), GCP_OK);
    ck_assert(!gcp_heap_is_poisoned(heap));
}
END_TEST

START_TEST(growth_failures)
{
    gcp_ref r;
    /* The owner refuses with a system error: passed through, no poison. */
    grow_answer = GCP_ESYS;
    ck_assert_status(gcp_heap_alloc_array(heap, BA, 8000, &r), GCP_ESYS);
    ck_assert_int_eq(grow_calls, 1);
    ck_assert(!gcp_heap_is_poisoned(heap));
    /* The owner says OK but grows too little: treated as full. */
    grow_answer = GCP_OK;
    grow_to = 6000;
    ck_assert_status(gcp_heap_alloc_array(heap, BA, 8000, &r), GCP_NEED_GC);
    /* A real growth. */
    grow_to = 0;
    ck_assert_ok(gcp_heap_alloc_array(heap, BA, 8000, &r));
    ck_assert_uint_ge(gcp_heap_bound(heap), r + 8024);
    ck_assert_uint_eq(((gcp_bump *)gcp_heap_collector_data(heap))->limit, gcp_heap_bound(heap));
    /* Past max: NEED_GC, then after a collection ELIMIT. */
    ck_assert_status(gcp_heap_alloc_array(heap, BA, 60000, &r), GCP_NEED_GC);
    gcp_hostdata *t;
    ck_assert_ok(gcp_hostdata_new(&t));
    ck_assert_ok(gcp_heap_gc(heap, NULL, t));
    ck_assert_status(gcp_heap_alloc_array(heap, BA, 60000, &r), GCP_ELIMIT);
    ck_assert_status(gcp_heap_alloc_array(heap, BA, 70000, &r), GCP_ETOOLARGE);
    gcp_hostdata_free(t);
    ck_assert_uint_eq(gcp__heap_high_water(heap), r + 8024);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("object");
    TCase *tc = tcase_create("object");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, sizes);
    tcase_add_test(tc, ref_slots);
    tcase_add_test(tc, collector_word_and_flags);
    tcase_add_test(tc, free_blocks);
    tcase_add_test(tc, growth_failures);
    suite_add_tcase(s, tc);
    return run_suite(s);
}

/* SPDX-License-Identifier: MIT */
/* Heaps (lib/heap.c): no-GC scopes and the accessors for compiled code. */
#include "heaputil.h"

START_TEST(nested_no_gc_scopes)
{
    ck_assert_uint_eq(gcp_heap_no_gc_depth(heap), 0);
    gcp_heap_enter_no_gc(heap);
    gcp_heap_enter_no_gc(heap);
    gcp_heap_enter_no_gc(heap);
    ck_assert_uint_eq(gcp_heap_no_gc_depth(heap), 3);
    gcp_ref r;
    ck_assert_ok(gcp_heap_alloc_struct(heap, S, &r));   /* allocation is fine */
    gcp_heap_exit_no_gc(heap);
    gcp_heap_exit_no_gc(heap);
    ck_assert_uint_eq(gcp_heap_no_gc_depth(heap), 1);
    gcp_heap_exit_no_gc(heap);
    ck_assert_uint_eq(gcp_heap_no_gc_depth(heap), 0);
    ck_assert_ok(gcp_heap_gc(heap, NULL, table));
    /* Reset clears the depth. */
    gcp_heap_enter_no_gc(heap);
    recycle();
    ck_assert_uint_eq(gcp_heap_no_gc_depth(heap), 0);
}
END_TEST

START_TEST(accessors)
{
    ck_assert_ptr_nonnull(gcp_heap_base(heap));
    ck_assert_uint_eq(gcp_heap_bound(heap), 4 * KIB);
    ck_assert_uint_eq(gcp_heap_max(heap), 1 * MIB);
    ck_assert_uint_eq(gcp__heap_high_water(heap), GCP_HEAP_START);
    ck_assert_str_eq(heap->ops->name, "null");
    ck_assert(!gcp_heap_need_gc_before_entering_wasm(NULL, 1));
}
END_TEST

int main(void)
{
    Suite *s = suite_create("heap");
    TCase *tc = tcase_create("heap");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, nested_no_gc_scopes);
    tcase_add_test(tc, accessors);
    suite_add_tcase(s, tc);
    return run_suite(s);
}

/* SPDX-License-Identifier: MIT */
/* The null collector (lib/null.c): its bump pointer as compiled code sees
 * it, and a bump pointer compiled code corrupted. */
#include "heaputil.h"

START_TEST(bump_data_follows_allocation)
{
    gcp_bump *b = gcp_heap_collector_data(heap);
    ck_assert_uint_eq(b->next, GCP_HEAP_START);
    ck_assert_uint_eq(b->limit, gcp_heap_bound(heap));
    gcp_ref a;
    ck_assert_ok(gcp_heap_alloc_struct(heap, S, &a));
    ck_assert_uint_eq(a, GCP_HEAP_START);
    ck_assert_uint_eq(b->next, GCP_HEAP_START + 32);
    /* Inline allocation by compiled code: bump and write a header. */
    gcp_ref inl = b->next;
    b->next += 32;
    poke32(inl, 0, GCP_KIND_STRUCT);
    poke32(inl, 4, S);
    poke32(inl, 8, 32);
    gcp_header h;
    ck_assert_ok(gcp_heap_header(heap, inl, &h));
    ck_assert_ok(gcp_heap_alloc_struct(heap, S, &a));
    ck_assert_uint_eq(a, inl + 32);
}
END_TEST

START_TEST(corrupt_bump_pointer)
{
    gcp_bump *b = gcp_heap_collector_data(heap);
    const uint32_t bad[] = {3, 0, 8, (uint32_t)gcp_heap_bound(heap) + 8, UINT32_MAX - 7};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        b->next = bad[i];
        gcp_ref r;
        ck_assert_status(gcp_heap_alloc_struct(heap, S, &r), GCP_ECORRUPT);
        expect_poisoned_then_clean();
        b->next = bad[i];
        ck_assert_status(gcp_heap_alloc_array(heap, BA, 3, &r), GCP_ECORRUPT);
        expect_poisoned_then_clean();
    }
}
END_TEST

int main(void)
{
    Suite *s = suite_create("null");
    TCase *tc = tcase_create("null");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, bump_data_follows_allocation);
    tcase_add_test(tc, corrupt_bump_pointer);
    suite_add_tcase(s, tc);
    return run_suite(s);
}

/* SPDX-License-Identifier: MIT */
/* The on-demand allocator (pool/ondemand.c): one mapping per heap, laid
 * out like a pool slot, its guards, growth and errors. */
#include <signal.h>

#include "lib/heap.h"
#include "testutil.h"

static volatile uint8_t sink;

START_TEST(ondemand_guards_fault)
{
    gcp_pool_config c = small_config(1);
    gcp_heap *h;
    ck_assert_ok(gcp_heap_new_ondemand(&c, &h));
    gcp_heap_base(h)[gcp_heap_bound(h) - 1] = 7; /* fine */
    if (_i == 0)
        sink = gcp_heap_base(h)[-1];
    else
        sink = gcp_heap_base(h)[gcp_heap_max(h) + c.guard_bytes - 1];
}
END_TEST

START_TEST(ondemand_heap_works)
{
    gcp_pool_config c = small_config(1);
    gcp_heap *h;
    ck_assert_ok(gcp_heap_new_ondemand(&c, &h));
    ck_assert_uint_eq(gcp_heap_bound(h), 4 * KIB);
    assert_heap_zero(h);
    ck_assert_ok(h->mem->grow(h->mem, 100 * KIB));
    ck_assert_uint_ge(gcp_heap_bound(h), 100 * KIB);
    fill_heap(h, 3);
    ck_assert_ok(gcp_heap_free_ondemand(h));
    ck_assert_status(gcp_heap_new_ondemand(&c, NULL), GCP_EINVAL);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("ondemand");
    TCase *tc = tcase_create("ondemand");
    tcase_add_loop_test_raise_signal(tc, ondemand_guards_fault, SIGSEGV, 0, 2);
    tcase_add_test(tc, ondemand_heap_works);
    suite_add_tcase(s, tc);
    return run_suite(s);
}

/* SPDX-License-Identifier: MIT */
/* The collector views for tests and benchmarks (lib/inspect.c): answered
 * through the ops table for every collector, zero where they do not apply. */
#include "gcutil.h"
#include "lib/inspect.h"

START_TEST(views_per_collector)
{
    gc_fixture f;
    gcf_open(&f, GCP_COLLECTOR_NULL, 1 * MIB, 10);
    ck_assert_ptr_null(gcp__heap_freelist(f.heap));
    ck_assert_uint_eq(gcp__gc_last_step_units(f.heap), 0);
    gcp__drc_request_trace(f.heap);               /* nothing to do */
    ck_assert_int_eq(gcp__drc_trace_pending(f.heap), 0);
    gcf_close(&f);

    gcf_open(&f, GCP_COLLECTOR_MARKSWEEP, 1 * MIB, 10);
    gcp_freelist *fl = gcp__heap_freelist(f.heap);
    ck_assert_ptr_nonnull(fl);
    ck_assert_uint_eq(fl->frontier, GCP_HEAP_START);
    gcp_ref r;
    ck_assert_ok(gcp_heap_alloc_struct(f.heap, f.S, &r));
    ck_assert_uint_eq(fl->frontier, GCP_HEAP_START + 32);
    gcf_collect(&f, NULL);
    ck_assert_uint_gt(gcp__gc_last_step_units(f.heap), 0);
    ck_assert_uint_le(gcp__gc_last_step_units(f.heap), 10 + 1);
    ck_assert_uint_eq(gcp__drc_exposed_count(f.heap), 0);
    gcf_close(&f);

    gcf_open(&f, GCP_COLLECTOR_DRC, 1 * MIB, 10);
    ck_assert_ptr_nonnull(gcp__heap_freelist(f.heap));
    ck_assert_ok(gcp_heap_alloc_struct(f.heap, f.S, &r));
    ck_assert_ok(gcp_heap_expose_ref(f.heap, r));
    ck_assert_uint_eq(gcp__drc_exposed_count(f.heap), 1);
    ck_assert_ok(gcp_heap_drop_ref(f.heap, f.table, r));
    ck_assert_uint_eq(gcp__drc_zct_count(f.heap), 1);
    gcp__drc_request_trace(f.heap);
    ck_assert_int_eq(gcp__drc_trace_pending(f.heap), 2);
    gcf_close(&f);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("inspect");
    TCase *tc = tcase_create("inspect");
    tcase_add_test(tc, views_per_collector);
    suite_add_tcase(s, tc);
    return run_suite(s);
}

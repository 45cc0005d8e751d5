/* SPDX-License-Identifier: MIT */
/* The collector registry (lib/collector.c). */
#include "heaputil.h"

START_TEST(unbuilt_collectors_refused)
{
    gcp_pool_config c = small_config(1);
    c.collector = (gcp_collector)4;   /* no such collector */
    gcp_pool *p = NULL;
    ck_assert_status(gcp_pool_new(&c, &p), GCP_EINVAL);
    ck_assert_ptr_null(p);
    c.collector = (gcp_collector)-1;
    ck_assert_status(gcp_pool_new(&c, &p), GCP_EINVAL);
}
END_TEST

START_TEST(every_collector_builds)
{
    const gcp_collector kinds[] = {GCP_COLLECTOR_NULL, GCP_COLLECTOR_DRC,
                                   GCP_COLLECTOR_MARKSWEEP, GCP_COLLECTOR_COMPACT};
    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++) {
        gcp_pool_config c = small_config(1);
        c.collector = kinds[i];
        gcp_pool *p = NULL;
        ck_assert_ok(gcp_pool_new(&c, &p));
        gcp_heap *h;
        ck_assert_ok(gcp_pool_acquire(p, &h));
        gcp_ref r;
        uint32_t id = 0;
        gcp_hostdata *t;
        ck_assert_ok(gcp_hostdata_new(&t));
        ck_assert_ok(gcp_hostdata_insert(t, NULL, NULL, &id));
        ck_assert_ok(gcp_heap_alloc_externref(h, t, id, &r));
        ck_assert_ok(gcp_heap_gc(h, NULL, t));
        gcp_hostdata_free(t);
        ck_assert_ok(gcp_pool_release(p, h));
        ck_assert_ok(gcp_pool_free(p));
    }
}
END_TEST

int main(void)
{
    Suite *s = suite_create("collector");
    TCase *tc = tcase_create("collector");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, unbuilt_collectors_refused);
    tcase_add_test(tc, every_collector_builds);
    suite_add_tcase(s, tc);
    return run_suite(s);
}

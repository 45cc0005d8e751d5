/* SPDX-License-Identifier: MIT */
/* The collector registry (lib/collector.c). */
#include "heaputil.h"

START_TEST(unbuilt_collectors_refused)
{
    gcp_pool_config c = small_config(1);
    c.collector = (gcp_collector)3;   /* no such collector */
    gcp_pool *p = NULL;
    ck_assert_status(gcp_pool_new(&c, &p), GCP_EINVAL);
    ck_assert_ptr_null(p);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("collector");
    TCase *tc = tcase_create("collector");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, unbuilt_collectors_refused);
    suite_add_tcase(s, tc);
    return run_suite(s);
}

/* SPDX-License-Identifier: MIT */
/* The roots list: stack and non-stack roots, get/set through them, r64
 * rejection, clear keeping storage. */
#include "testutil.h"

START_TEST(add_get_set)
{
    gcp_roots *r;
    ck_assert_ok(gcp_roots_new(&r));
    ck_assert_uint_eq(gcp_roots_count(r), 0);
    uint64_t stack = 16;
    gcp_ref plain = 32;
    ck_assert_ok(gcp_roots_add_stack(r, &stack));
    ck_assert_ok(gcp_roots_add(r, &plain));
    ck_assert_uint_eq(gcp_roots_count(r), 2);
    gcp_root root;
    ck_assert_ok(gcp_roots_at(r, 0, &root));
    ck_assert(root.on_stack);
    ck_assert_ptr_eq(root.where, &stack);
    ck_assert_ok(gcp_roots_at(r, 1, &root));
    ck_assert(!root.on_stack);
    ck_assert_ptr_eq(root.where, &plain);
    gcp_ref v;
    ck_assert_ok(gcp_roots_get(r, 0, &v));
    ck_assert_uint_eq(v, 16);
    ck_assert_ok(gcp_roots_get(r, 1, &v));
    ck_assert_uint_eq(v, 32);
    /* set writes where the root lives. */
    ck_assert_ok(gcp_roots_set(r, 0, 0xfffffff8u));
    ck_assert_uint_eq(stack, UINT64_C(0xfffffff8));
    ck_assert_ok(gcp_roots_set(r, 1, 48));
    ck_assert_uint_eq(plain, 48);
    stack = 5;   /* compiled code updates its slot */
    ck_assert_ok(gcp_roots_get(r, 0, &v));
    ck_assert_uint_eq(v, 5);
    gcp_roots_free(r);
}
END_TEST

START_TEST(r64_with_upper_bits_rejected)
{
    gcp_roots *r;
    ck_assert_ok(gcp_roots_new(&r));
    uint64_t stack = (UINT64_C(1) << 32) | 16;
    ck_assert_ok(gcp_roots_add_stack(r, &stack));
    gcp_ref v = 99;
    ck_assert_status(gcp_roots_get(r, 0, &v), GCP_EINVAL);
    ck_assert_uint_eq(v, 99);
    stack = UINT64_MAX;
    ck_assert_status(gcp_roots_get(r, 0, &v), GCP_EINVAL);
    gcp_roots_free(r);
}
END_TEST

START_TEST(bounds_and_null_arguments)
{
    gcp_roots *r;
    ck_assert_ok(gcp_roots_new(&r));
    gcp_ref v;
    gcp_root root;
    ck_assert_status(gcp_roots_get(r, 0, &v), GCP_EBOUNDS);
    ck_assert_status(gcp_roots_at(r, 0, &root), GCP_EBOUNDS);
    ck_assert_status(gcp_roots_set(r, 0, 0), GCP_EBOUNDS);
    ck_assert_status(gcp_roots_add(r, NULL), GCP_EINVAL);
    ck_assert_status(gcp_roots_add_stack(r, NULL), GCP_EINVAL);
    ck_assert_status(gcp_roots_add(NULL, &v), GCP_EINVAL);
    ck_assert_status(gcp_roots_get(r, 0, NULL), GCP_EINVAL);
    ck_assert_status(gcp_roots_new(NULL), GCP_EINVAL);
    ck_assert_uint_eq(gcp_roots_count(r), 0);
    ck_assert_uint_eq(gcp_roots_count(NULL), 0);
    gcp_roots_free(r);
    gcp_roots_free(NULL);
    gcp_roots_clear(NULL);
}
END_TEST

START_TEST(clear_keeps_storage)
{
    gcp_roots *r;
    ck_assert_ok(gcp_roots_new(&r));
    static gcp_ref refs[1000];
    for (int i = 0; i < 1000; i++)
        ck_assert_ok(gcp_roots_add(r, &refs[i]));
    size_t cap = gcp_roots_capacity(r);
    ck_assert_uint_ge(cap, 1000);
    gcp_root first;
    ck_assert_ok(gcp_roots_at(r, 0, &first));
    for (int round = 0; round < 5; round++) {
        gcp_roots_clear(r);
        ck_assert_uint_eq(gcp_roots_count(r), 0);
        ck_assert_uint_eq(gcp_roots_capacity(r), cap);
        gcp_ref v;
        ck_assert_status(gcp_roots_get(r, 0, &v), GCP_EBOUNDS);
        for (int i = 0; i < 1000; i++)
            ck_assert_ok(gcp_roots_add(r, &refs[999 - i]));
        ck_assert_uint_eq(gcp_roots_capacity(r), cap);
        ck_assert_ok(gcp_roots_at(r, 0, &first));
        ck_assert_ptr_eq(first.where, &refs[999]);
    }
    gcp_roots_free(r);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("roots");
    TCase *tc = tcase_create("roots");
    tcase_add_test(tc, add_get_set);
    tcase_add_test(tc, r64_with_upper_bits_rejected);
    tcase_add_test(tc, bounds_and_null_arguments);
    tcase_add_test(tc, clear_keeps_storage);
    suite_add_tcase(s, tc);
    return run_suite(s);
}

/* SPDX-License-Identifier: MIT */
/* References: null, i31 encoding at its edges, heap refs, r64 conversion. */
#include "testutil.h"

START_TEST(null_and_kinds)
{
    ck_assert(gcp_ref_is_null(GCP_REF_NULL));
    ck_assert(!gcp_ref_is_i31(GCP_REF_NULL));
    ck_assert(!gcp_ref_is_heap(GCP_REF_NULL));
    ck_assert(gcp_ref_is_heap(16));
    ck_assert(!gcp_ref_is_i31(16));
    ck_assert(gcp_ref_is_i31(1));
    ck_assert(!gcp_ref_is_heap(1));
    ck_assert(gcp_ref_is_heap(0xfffffffeu));
}
END_TEST

START_TEST(i31_edges_round_trip)
{
    const int32_t vals[] = {0, 1, -1, 42, -42, GCP_I31_MAX, GCP_I31_MIN, GCP_I31_MAX - 1,
                            GCP_I31_MIN + 1};
    for (size_t i = 0; i < sizeof vals / sizeof vals[0]; i++) {
        gcp_ref r = 0;
        ck_assert_ok(gcp_ref_from_i31(vals[i], &r));
        ck_assert(gcp_ref_is_i31(r));
        ck_assert(!gcp_ref_is_null(r));
        ck_assert_int_eq(gcp_ref_i31_value(r), vals[i]);
        ck_assert_uint_eq(gcp_ref_i31_wrap(vals[i]), r);
    }
    gcp_ref r;
    ck_assert_ok(gcp_ref_from_i31(GCP_I31_MAX, &r));
    ck_assert_uint_eq(r, 0x7fffffffu);
    ck_assert_ok(gcp_ref_from_i31(GCP_I31_MIN, &r));
    ck_assert_uint_eq(r, 0x80000001u);
    ck_assert_ok(gcp_ref_from_i31(0, &r));
    ck_assert_uint_eq(r, 1u);
}
END_TEST

START_TEST(i31_out_of_range_rejected)
{
    gcp_ref r = 1234;
    ck_assert_status(gcp_ref_from_i31(GCP_I31_MAX + 1, &r), GCP_EINVAL);
    ck_assert_status(gcp_ref_from_i31(GCP_I31_MIN - 1, &r), GCP_EINVAL);
    ck_assert_status(gcp_ref_from_i31(INT32_MAX, &r), GCP_EINVAL);
    ck_assert_status(gcp_ref_from_i31(INT32_MIN, &r), GCP_EINVAL);
    ck_assert_uint_eq(r, 1234);   /* untouched on error */
}
END_TEST

START_TEST(i31_wrap_keeps_low_31_bits)
{
    /* 2^30 wraps to -2^30, -2^30 - 1 wraps to 2^30 - 1. */
    ck_assert_int_eq(gcp_ref_i31_value(gcp_ref_i31_wrap(GCP_I31_MAX + 1)), GCP_I31_MIN);
    ck_assert_int_eq(gcp_ref_i31_value(gcp_ref_i31_wrap(GCP_I31_MIN - 1)), GCP_I31_MAX);
    ck_assert_int_eq(gcp_ref_i31_value(gcp_ref_i31_wrap(INT32_MAX)), -1);
    ck_assert_int_eq(gcp_ref_i31_value(gcp_ref_i31_wrap(INT32_MIN)), 0);
    ck_assert(gcp_ref_is_i31(gcp_ref_i31_wrap(INT32_MIN)));
}
END_TEST

START_TEST(r64_round_trip_and_rejection)
{
    gcp_ref r = 77;
    ck_assert_ok(gcp_ref_from_r64(gcp_ref_to_r64(0xfffffffeu), &r));
    ck_assert_uint_eq(r, 0xfffffffeu);
    ck_assert_ok(gcp_ref_from_r64(0, &r));
    ck_assert_uint_eq(r, 0);
    r = 77;
    ck_assert_status(gcp_ref_from_r64(UINT64_C(1) << 32, &r), GCP_EINVAL);
    ck_assert_status(gcp_ref_from_r64((UINT64_C(1) << 32) | 16, &r), GCP_EINVAL);
    ck_assert_status(gcp_ref_from_r64(UINT64_MAX, &r), GCP_EINVAL);
    ck_assert_status(gcp_ref_from_r64(UINT64_C(1) << 63, &r), GCP_EINVAL);
    ck_assert_uint_eq(r, 77);   /* never truncated into the output */
}
END_TEST

int main(void)
{
    Suite *s = suite_create("refs");
    TCase *tc = tcase_create("refs");
    tcase_add_test(tc, null_and_kinds);
    tcase_add_test(tc, i31_edges_round_trip);
    tcase_add_test(tc, i31_out_of_range_rejected);
    tcase_add_test(tc, i31_wrap_keeps_low_31_bits);
    tcase_add_test(tc, r64_round_trip_and_rejection);
    suite_add_tcase(s, tc);
    return run_suite(s);
}

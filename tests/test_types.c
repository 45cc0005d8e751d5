/* SPDX-License-Identifier: MIT */
/* The type registry: valid and refused definitions, lookups, threads. */
#include <pthread.h>

#include "lib/types.h"
#include "testutil.h"

START_TEST(struct_definitions)
{
    gcp_types *t;
    ck_assert_ok(gcp_types_new(&t));
    ck_assert_uint_eq(gcp_types_count(t), 0);
    uint32_t idx = 99;
    const uint32_t offs[] = {8, 0};
    ck_assert_ok(gcp_types_add_struct(t, 16, offs, 2, &idx));
    ck_assert_uint_eq(idx, 0);
    const gcp_type *ty = gcp__types_get(t, idx);
    ck_assert_ptr_nonnull(ty);
    ck_assert_int_eq(ty->kind, GCP_KIND_STRUCT);
    ck_assert_uint_eq(ty->payload_bytes, 16);
    ck_assert_uint_eq(ty->n_refs, 2);
    ck_assert_uint_eq(ty->ref_offsets[0], 0);   /* sorted */
    ck_assert_uint_eq(ty->ref_offsets[1], 8);
    ck_assert_ok(gcp_types_add_struct(t, GCP_MAX_STRUCT_BYTES, NULL, 0, &idx));
    ck_assert_uint_eq(idx, 1);
    ck_assert_uint_eq(gcp_types_count(t), 2);
    ck_assert_ptr_null(gcp__types_get(t, 2));
    ck_assert_ptr_null(gcp__types_get(NULL, 0));
    gcp_types_release(t);
}
END_TEST

START_TEST(bad_struct_definitions_refused)
{
    gcp_types *t;
    ck_assert_ok(gcp_types_new(&t));
    uint32_t idx = 7;
    const uint32_t dup[] = {4, 4}, odd[] = {2}, past[] = {16}, last[] = {12};
    ck_assert_status(gcp_types_add_struct(t, 0, NULL, 0, &idx), GCP_EINVAL);
    ck_assert_status(gcp_types_add_struct(t, GCP_MAX_STRUCT_BYTES + 1, NULL, 0, &idx), GCP_EINVAL);
    ck_assert_status(gcp_types_add_struct(t, 16, dup, 2, &idx), GCP_EINVAL);
    ck_assert_status(gcp_types_add_struct(t, 16, odd, 1, &idx), GCP_EINVAL);
    ck_assert_status(gcp_types_add_struct(t, 16, past, 1, &idx), GCP_EINVAL);
    ck_assert_status(gcp_types_add_struct(t, 2, NULL, 1, &idx), GCP_EINVAL);
    ck_assert_status(gcp_types_add_struct(t, 16, last, GCP_MAX_REF_FIELDS + 1, &idx), GCP_EINVAL);
    ck_assert_status(gcp_types_add_struct(NULL, 16, NULL, 0, &idx), GCP_EINVAL);
    ck_assert_uint_eq(idx, 7);
    ck_assert_uint_eq(gcp_types_count(t), 0);
    ck_assert_ok(gcp_types_add_struct(t, 16, last, 1, &idx));
    gcp_types_release(t);
}
END_TEST

START_TEST(array_definitions)
{
    gcp_types *t;
    ck_assert_ok(gcp_types_new(&t));
    uint32_t idx;
    const uint32_t ok_sizes[] = {1, 2, 4, 8};
    for (int i = 0; i < 4; i++) {
        ck_assert_ok(gcp_types_add_array(t, ok_sizes[i], false, &idx));
        ck_assert_uint_eq(gcp__types_get(t, idx)->elem_bytes, ok_sizes[i]);
        ck_assert_int_eq(gcp__types_get(t, idx)->kind, GCP_KIND_ARRAY);
    }
    ck_assert_ok(gcp_types_add_array(t, 4, true, &idx));
    ck_assert(gcp__types_get(t, idx)->elems_are_refs);
    ck_assert_status(gcp_types_add_array(t, 3, false, &idx), GCP_EINVAL);
    ck_assert_status(gcp_types_add_array(t, 0, false, &idx), GCP_EINVAL);
    ck_assert_status(gcp_types_add_array(t, 16, false, &idx), GCP_EINVAL);
    ck_assert_status(gcp_types_add_array(t, 8, true, &idx), GCP_EINVAL);
    ck_assert_uint_eq(gcp_types_count(t), 5);
    gcp_types_release(t);
}
END_TEST

static void *adder(void *arg)
{
    gcp_types *t = arg;
    for (int i = 0; i < 500; i++) {
        uint32_t idx;
        if (gcp_types_add_array(t, 8, false, &idx) != GCP_OK)
            return (void *)1;
        const gcp_type *ty = gcp__types_get(t, idx);
        if (!ty || ty->elem_bytes != 8)
            return (void *)1;
    }
    return NULL;
}

START_TEST(concurrent_registration)
{
    gcp_types *t;
    ck_assert_ok(gcp_types_new(&t));
    pthread_t th[4];
    for (int i = 0; i < 4; i++)
        ck_assert_int_eq(pthread_create(&th[i], NULL, adder, t), 0);
    for (int i = 0; i < 4; i++) {
        void *r;
        pthread_join(th[i], &r);
        ck_assert_ptr_null(r);
    }
    ck_assert_uint_eq(gcp_types_count(t), 2000);
    gcp_types_release(t);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("types");
    TCase *tc = tcase_create("types");
    tcase_add_test(tc, struct_definitions);
    tcase_add_test(tc, bad_struct_definitions_refused);
    tcase_add_test(tc, array_definitions);
    tcase_add_test(tc, concurrent_registration);
    suite_add_tcase(s, tc);
    return run_suite(s);
}

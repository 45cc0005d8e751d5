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

START_TEST(precomputed_fields)
{
    gcp_types *t;
    ck_assert_ok(gcp_types_new(&t));
    uint32_t a, b, c, d;
    const uint32_t offs[] = {24, 8};
    ck_assert_ok(gcp_types_add_struct(t, 33, offs, 2, &a));
    ck_assert_ok(gcp_types_add_struct(t, 5, NULL, 0, &b));
    ck_assert_ok(gcp_types_add_array(t, 2, false, &c));
    ck_assert_ok(gcp_types_add_array(t, 8, false, &d));
    const gcp_type *ta = gcp__types_get(t, a), *tb = gcp__types_get(t, b);
    /* 16 + 33 rounded up to 8; refs span [8, 28). */
    ck_assert_uint_eq(ta->obj_bytes, 56);
    ck_assert_uint_eq(ta->refs_from, 8);
    ck_assert_uint_eq(ta->refs_to, 28);
    /* No refs: the whole payload is ref-free from both ends. */
    ck_assert_uint_eq(tb->obj_bytes, 24);
    ck_assert_uint_eq(tb->refs_from, 5);
    ck_assert_uint_eq(tb->refs_to, 0);
    ck_assert_uint_eq(gcp__types_get(t, c)->elem_shift, 1);
    ck_assert_uint_eq(gcp__types_get(t, d)->elem_shift, 3);
    gcp_types_release(t);
}
END_TEST

START_TEST(snapshot_follows_growth)
{
    gcp_types *t;
    ck_assert_ok(gcp_types_new(&t));
    gcp_types_snap snap = {0};
    /* Empty registry, NULL registry: nothing, and the snapshot stays empty. */
    ck_assert_ptr_null(gcp__types_lookup(t, &snap, 0));
    ck_assert_ptr_null(gcp__types_lookup(NULL, &snap, 0));
    ck_assert_uint_eq(snap.n, 0);
    uint32_t idx;
    ck_assert_ok(gcp_types_add_struct(t, 8, NULL, 0, &idx));
    /* A miss takes a new snapshot, which then serves the index directly. */
    ck_assert_ptr_eq(gcp__types_lookup(t, &snap, idx), gcp__types_get(t, idx));
    ck_assert_uint_eq(snap.n, 1);
    ck_assert_ptr_null(gcp__types_lookup(t, &snap, 1));
    /* Types registered after the snapshot are found (and the snapshot grows). */
    for (uint32_t i = 1; i < GCP_TYPES_CHUNK + 10; i++) {
        ck_assert_ok(gcp_types_add_array(t, 4, i % 2 == 0, &idx));
        ck_assert_uint_eq(idx, i);
    }
    ck_assert_uint_eq(snap.n, 1);
    ck_assert_ptr_eq(gcp__types_lookup(t, &snap, 7), gcp__types_get(t, 7));
    ck_assert_uint_eq(snap.n, GCP_TYPES_CHUNK);   /* the first chunk at most */
    /* Past the first chunk: still the right type, through the registry. */
    const gcp_type *far = gcp__types_lookup(t, &snap, GCP_TYPES_CHUNK + 3);
    ck_assert_ptr_eq(far, gcp__types_get(t, GCP_TYPES_CHUNK + 3));
    ck_assert_int_eq(far->kind, GCP_KIND_ARRAY);
    ck_assert_ptr_null(gcp__types_lookup(t, &snap, GCP_TYPES_CHUNK + 10));
    ck_assert_ptr_null(gcp__types_lookup(t, &snap, UINT32_MAX));
    gcp_types_release(t);
}
END_TEST

/* Reads types through a snapshot of its own while adders register more:
 * every index the registry counts is found and well-formed. */
static void *snap_reader(void *arg)
{
    gcp_types *t = arg;
    gcp_types_snap snap = {0};
    for (int round = 0; round < 2000; round++) {
        uint32_t n = gcp_types_count(t);
        for (uint32_t i = n > 8 ? n - 8 : 0; i < n; i++) {
            const gcp_type *ty = gcp__types_lookup(t, &snap, i);
            if (!ty || ty->kind != GCP_KIND_ARRAY || ty->elem_bytes != 8 || ty->elem_shift != 3)
                return (void *)1;
        }
    }
    return NULL;
}

START_TEST(snapshot_concurrent_with_registration)
{
    gcp_types *t;
    ck_assert_ok(gcp_types_new(&t));
    pthread_t add[2], rd;
    ck_assert_int_eq(pthread_create(&rd, NULL, snap_reader, t), 0);
    for (int i = 0; i < 2; i++)
        ck_assert_int_eq(pthread_create(&add[i], NULL, adder, t), 0);
    void *r;
    for (int i = 0; i < 2; i++) {
        pthread_join(add[i], &r);
        ck_assert_ptr_null(r);
    }
    pthread_join(rd, &r);
    ck_assert_ptr_null(r);
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
    tcase_add_test(tc, precomputed_fields);
    tcase_add_test(tc, snapshot_follows_growth);
    tcase_add_test(tc, snapshot_concurrent_with_registration);
    suite_add_tcase(s, tc);
    return run_suite(s);
}

/* SPDX-License-Identifier: MIT */
/* The bounded vector behind every host table (lib/vec.c). */
#include "lib/vec.h"
#include "testutil.h"

START_TEST(push_pop_in_order)
{
    gcp_vec v;
    gcp__vec_init(&v, sizeof(uint32_t), 0);
    ck_assert_uint_eq(v.n, 0);
    ck_assert_ptr_null(gcp__vec_pop(&v));
    for (uint32_t i = 0; i < 1000; i++) {
        void *slot;
        ck_assert_ok(gcp__vec_push(&v, &slot));
        *(uint32_t *)slot = i * 7;
        ck_assert_uint_le(v.n, v.cap);
    }
    ck_assert_uint_eq(v.n, 1000);
    for (uint32_t i = 0; i < 1000; i++)
        ck_assert_uint_eq(*(uint32_t *)gcp__vec_at(&v, i), i * 7);
    for (uint32_t i = 1000; i-- > 0;)
        ck_assert_uint_eq(*(uint32_t *)gcp__vec_pop(&v), i * 7);
    ck_assert_ptr_null(gcp__vec_pop(&v));
    size_t cap = v.cap;
    gcp__vec_truncate(&v, 5);            /* beyond n: ignored */
    ck_assert_uint_eq(v.n, 0);
    ck_assert_uint_eq(v.cap, cap);       /* storage kept */
    gcp__vec_free(&v);
    ck_assert_uint_eq(v.cap, 0);
    ck_assert_ptr_null(v.data);
}
END_TEST

START_TEST(limit_is_never_passed)
{
    gcp_vec v;
    gcp__vec_init(&v, 8, 37);
    void *slot = NULL, *before;
    for (int i = 0; i < 37; i++)
        ck_assert_ok(gcp__vec_push(&v, &slot));
    ck_assert_uint_eq(v.cap, 37);        /* growth stops at the limit */
    before = slot;
    ck_assert_status(gcp__vec_push(&v, &slot), GCP_ELIMIT);
    ck_assert_ptr_eq(slot, before);      /* untouched on failure */
    ck_assert_uint_eq(v.n, 37);
    ck_assert_status(gcp__vec_reserve(&v, 1), GCP_ELIMIT);
    ck_assert_status(gcp__vec_reserve(&v, SIZE_MAX), GCP_ELIMIT);
    /* A lower limit refuses later pushes but keeps what is there. */
    gcp__vec_set_limit(&v, 10);
    ck_assert_uint_eq(v.n, 37);
    ck_assert_status(gcp__vec_push(&v, &slot), GCP_ELIMIT);
    gcp__vec_truncate(&v, 9);
    ck_assert_ok(gcp__vec_push(&v, &slot));
    ck_assert_status(gcp__vec_push(&v, &slot), GCP_ELIMIT);
    /* Raising it again lets the vector grow. */
    gcp__vec_set_limit(&v, 0);
    for (int i = 0; i < 100; i++)
        ck_assert_ok(gcp__vec_push(&v, &slot));
    ck_assert_uint_eq(v.n, 110);
    gcp__vec_free(&v);
}
END_TEST

START_TEST(reserve_overflow_and_out_of_memory)
{
    gcp_vec v;
    gcp__vec_init(&v, 16, 0);
    ck_assert_uint_eq(v.limit, SIZE_MAX / 16);   /* n * elem never overflows */
    ck_assert_status(gcp__vec_reserve(&v, SIZE_MAX / 16 + 1), GCP_ELIMIT);
    ck_assert_ok(gcp__vec_reserve(&v, 100));
    ck_assert_uint_ge(v.cap, 100);
    ck_assert_uint_eq(v.n, 0);
    gcp__vec_free(&v);
#if !defined(__SANITIZE_ADDRESS__) && !defined(__SANITIZE_THREAD__)
    /* More memory than the address space holds: GCP_ENOMEM, nothing lost. */
    gcp__vec_init(&v, (size_t)1 << 44, 0);
    void *slot = NULL;
    ck_assert_status(gcp__vec_push(&v, &slot), GCP_ENOMEM);
    ck_assert_ptr_null(slot);
    ck_assert_uint_eq(v.n, 0);
    gcp__vec_free(&v);
#endif
}
END_TEST

int main(void)
{
    Suite *s = suite_create("vec");
    TCase *tc = tcase_create("vec");
    tcase_add_test(tc, push_pop_in_order);
    tcase_add_test(tc, limit_is_never_passed);
    tcase_add_test(tc, reserve_overflow_and_out_of_memory);
    suite_add_tcase(s, tc);
    return run_suite(s);
}

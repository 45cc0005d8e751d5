/* The host-data table: ids, generations, stale and forged ids, finalizers
 * exactly once on every path. */
#include "lib/hostdata.h"
#include "testutil.h"

static int fin_count[64];
static void count_fin(void *p) { fin_count[(int *)p - fin_count]++; }

static void reset_counts(void)
{
    for (int i = 0; i < 64; i++)
        fin_count[i] = 0;
}

START_TEST(insert_get_remove)
{
    reset_counts();
    gcp_hostdata *t;
    ck_assert_ok(gcp_hostdata_new(&t));
    uint32_t a, b;
    ck_assert_ok(gcp_hostdata_insert(t, &fin_count[1], count_fin, &a));
    ck_assert_ok(gcp_hostdata_insert(t, &fin_count[2], NULL, &b));
    ck_assert_uint_ne(a, 0);
    ck_assert_uint_ne(b, 0);
    ck_assert_uint_ne(a, b);
    ck_assert_uint_eq(gcp_hostdata_count(t), 2);
    void *p = NULL;
    ck_assert_ok(gcp_hostdata_get(t, a, &p));
    ck_assert_ptr_eq(p, &fin_count[1]);
    ck_assert_ok(gcp_hostdata_get(t, b, &p));
    ck_assert_ptr_eq(p, &fin_count[2]);
    ck_assert_ok(gcp_hostdata_remove(t, a));
    ck_assert_int_eq(fin_count[1], 1);
    ck_assert_uint_eq(gcp_hostdata_count(t), 1);
    p = NULL;
    ck_assert_status(gcp_hostdata_get(t, a, &p), GCP_ESTALE);
    ck_assert_ptr_null(p);
    ck_assert_status(gcp_hostdata_remove(t, a), GCP_ESTALE);
    ck_assert_int_eq(fin_count[1], 1);
    gcp_hostdata_free(t);
    ck_assert_int_eq(fin_count[1], 1);
    ck_assert_int_eq(fin_count[2], 0);   /* no finalizer given */
}
END_TEST

START_TEST(reused_slot_gets_new_generation)
{
    gcp_hostdata *t;
    ck_assert_ok(gcp_hostdata_new(&t));
    uint32_t a, b;
    ck_assert_ok(gcp_hostdata_insert(t, &fin_count[1], NULL, &a));
    ck_assert_ok(gcp_hostdata_remove(t, a));
    ck_assert_ok(gcp_hostdata_insert(t, &fin_count[2], NULL, &b));
    ck_assert_uint_ne(a, b);
    void *p;
    ck_assert_status(gcp_hostdata_get(t, a, &p), GCP_ESTALE);
    ck_assert_ok(gcp_hostdata_get(t, b, &p));
    ck_assert_ptr_eq(p, &fin_count[2]);
    /* Many reuses of the same entry never resurrect an old id. */
    uint32_t first = b;
    for (int i = 0; i < 100; i++) {
        ck_assert_ok(gcp_hostdata_remove(t, b));
        ck_assert_ok(gcp_hostdata_insert(t, &fin_count[3], NULL, &b));
        ck_assert_uint_ne(b, first);
        ck_assert_status(gcp_hostdata_get(t, first, &p), GCP_ESTALE);
    }
    gcp_hostdata_free(t);
}
END_TEST

START_TEST(forged_ids_are_stale)
{
    gcp_hostdata *t;
    ck_assert_ok(gcp_hostdata_new(&t));
    uint32_t a;
    ck_assert_ok(gcp_hostdata_insert(t, &fin_count[1], NULL, &a));
    void *p;
    const uint32_t forged[] = {0, a + 1, a ^ 0x80000000u, 0xffffffffu, 0x003fffffu,
                               a + (1u << 22)};
    for (size_t i = 0; i < sizeof forged / sizeof forged[0]; i++) {
        ck_assert_status(gcp_hostdata_get(t, forged[i], &p), GCP_ESTALE);
        ck_assert_status(gcp_hostdata_remove(t, forged[i]), GCP_ESTALE);
    }
    ck_assert_status(gcp_hostdata_get(NULL, a, &p), GCP_ESTALE);
    ck_assert_status(gcp_hostdata_get(t, a, NULL), GCP_EINVAL);
    ck_assert_status(gcp_hostdata_insert(t, NULL, NULL, NULL), GCP_EINVAL);
    ck_assert_status(gcp_hostdata_insert(NULL, NULL, NULL, &a), GCP_EINVAL);
    ck_assert_status(gcp_hostdata_new(NULL), GCP_EINVAL);
    ck_assert_uint_eq(gcp_hostdata_count(t), 1);
    gcp_hostdata_free(t);
}
END_TEST

START_TEST(clear_and_free_finalize_once)
{
    reset_counts();
    gcp_hostdata *t;
    ck_assert_ok(gcp_hostdata_new(&t));
    uint32_t ids[40];
    for (int i = 0; i < 40; i++)
        ck_assert_ok(gcp_hostdata_insert(t, &fin_count[i], count_fin, &ids[i]));
    for (int i = 0; i < 40; i += 4)
        ck_assert_ok(gcp_hostdata_remove(t, ids[i]));
    gcp_hostdata_clear(t);
    for (int i = 0; i < 40; i++)
        ck_assert_int_eq(fin_count[i], 1);
    ck_assert_uint_eq(gcp_hostdata_count(t), 0);
    void *p;
    ck_assert_status(gcp_hostdata_get(t, ids[5], &p), GCP_ESTALE);
    /* The table is usable after clear; free finalizes what is left. */
    for (int i = 40; i < 50; i++)
        ck_assert_ok(gcp_hostdata_insert(t, &fin_count[i], count_fin, &ids[i - 40]));
    gcp_hostdata_free(t);
    for (int i = 0; i < 50; i++)
        ck_assert_int_eq(fin_count[i], 1);
    gcp_hostdata_clear(NULL);
    gcp_hostdata_free(NULL);
    ck_assert_uint_eq(gcp_hostdata_count(NULL), 0);
}
END_TEST

START_TEST(reclaim_and_forget)
{
    reset_counts();
    gcp_hostdata *t;
    ck_assert_ok(gcp_hostdata_new(&t));
    uint32_t a, b;
    ck_assert_ok(gcp_hostdata_insert(t, &fin_count[1], count_fin, &a));
    ck_assert_ok(gcp_hostdata_insert(t, &fin_count[2], count_fin, &b));
    ck_assert_ok(gcp__hostdata_reclaim(t, a));
    ck_assert_int_eq(fin_count[1], 1);
    ck_assert_status(gcp__hostdata_reclaim(t, a), GCP_ESTALE);
    ck_assert_ok(gcp__hostdata_forget(t, b));
    ck_assert_status(gcp__hostdata_forget(t, b), GCP_ESTALE);
    gcp_hostdata_free(t);
    ck_assert_int_eq(fin_count[1], 1);
    ck_assert_int_eq(fin_count[2], 0);
}
END_TEST

/* A finalizer that inserts into and removes from its own table. */
static gcp_hostdata *reentrant_table;
static void reentrant_fin(void *p)
{
    count_fin(p);
    uint32_t id;
    if (gcp_hostdata_insert(reentrant_table, &fin_count[63], count_fin, &id) == GCP_OK)
        gcp_hostdata_remove(reentrant_table, id);
}

START_TEST(finalizer_may_use_table)
{
    reset_counts();
    ck_assert_ok(gcp_hostdata_new(&reentrant_table));
    uint32_t ids[20];
    for (int i = 0; i < 20; i++)
        ck_assert_ok(gcp_hostdata_insert(reentrant_table, &fin_count[i], reentrant_fin, &ids[i]));
    ck_assert_ok(gcp_hostdata_remove(reentrant_table, ids[3]));
    gcp_hostdata_free(reentrant_table);
    for (int i = 0; i < 20; i++)
        ck_assert_int_eq(fin_count[i], 1);
    ck_assert_int_eq(fin_count[63], 20);
}
END_TEST

/* A finalizer that leaves a new entry behind: free still finalizes it. */
static gcp_hostdata *growing_table;
static void leave_one_behind(void *p)
{
    count_fin(p);
    int *next = (int *)p + 1;
    uint32_t id;
    if (next < &fin_count[30])
        gcp_hostdata_insert(growing_table, next, leave_one_behind, &id);
}

START_TEST(finalizer_inserting_during_free)
{
    reset_counts();
    ck_assert_ok(gcp_hostdata_new(&growing_table));
    uint32_t id;
    ck_assert_ok(gcp_hostdata_insert(growing_table, &fin_count[0], leave_one_behind, &id));
    gcp_hostdata_free(growing_table);
    for (int i = 0; i < 30; i++)
        ck_assert_int_eq(fin_count[i], 1);
    ck_assert_int_eq(fin_count[30], 0);
}
END_TEST

START_TEST(full_table_limit)
{
    reset_counts();
    gcp_hostdata *t;
    ck_assert_ok(gcp_hostdata_new(&t));
    gcp__hostdata_set_limit(t, 40);
    uint32_t ids[41];
    for (int i = 0; i < 40; i++)
        ck_assert_ok(gcp_hostdata_insert(t, &fin_count[i], count_fin, &ids[i]));
    uint32_t extra = 0;
    ck_assert_status(gcp_hostdata_insert(t, &fin_count[40], count_fin, &extra), GCP_ELIMIT);
    ck_assert_uint_eq(extra, 0);
    ck_assert_uint_eq(gcp_hostdata_count(t), 40);
    /* A freed entry makes room again. */
    ck_assert_ok(gcp_hostdata_remove(t, ids[7]));
    ck_assert_ok(gcp_hostdata_insert(t, &fin_count[40], count_fin, &extra));
    ck_assert_status(gcp_hostdata_insert(t, &fin_count[41], count_fin, &ids[40]), GCP_ELIMIT);
    gcp_hostdata_free(t);
    for (int i = 0; i <= 40; i++)
        ck_assert_int_eq(fin_count[i], 1);
    ck_assert_int_eq(fin_count[41], 0);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("hostdata");
    TCase *tc = tcase_create("hostdata");
    tcase_add_test(tc, insert_get_remove);
    tcase_add_test(tc, reused_slot_gets_new_generation);
    tcase_add_test(tc, forged_ids_are_stale);
    tcase_add_test(tc, clear_and_free_finalize_once);
    tcase_add_test(tc, reclaim_and_forget);
    tcase_add_test(tc, finalizer_may_use_table);
    tcase_add_test(tc, full_table_limit);
    tcase_add_test(tc, finalizer_inserting_during_free);
    suite_add_tcase(s, tc);
    return run_suite(s);
}

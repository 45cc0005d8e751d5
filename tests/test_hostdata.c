/* SPDX-License-Identifier: MIT */
/* The host-data table: ids, generations, stale and forged ids, finalizers
 * exactly once on every path. */
#include "lib/hostdata.h"
#include "lib/object.h"
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
    ck_assert_status(gcp_hostdata_get(NULL, a, &p), GCP_EINVAL);
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
    /* Only the externref an id is bound to may reclaim it. */
    ck_assert_status(gcp__hostdata_reclaim(t, a, 64), GCP_ESTALE);   /* unbound */
    ck_assert_ok(gcp__hostdata_bind(t, a, 64));
    ck_assert_status(gcp__hostdata_bind(t, a, 64), GCP_EINVAL);      /* bound once */
    ck_assert_status(gcp__hostdata_bind(t, a, 96), GCP_EINVAL);
    ck_assert_status(gcp__hostdata_reclaim(t, a, 96), GCP_ESTALE);
    ck_assert_int_eq(fin_count[1], 0);
    void *p;
    ck_assert_status(gcp__hostdata_lookup(t, a, 96, &p), GCP_ESTALE);
    ck_assert_ok(gcp__hostdata_lookup(t, a, 64, &p));
    ck_assert_ptr_eq(p, &fin_count[1]);
    ck_assert_ok(gcp__hostdata_reclaim(t, a, 64));
    ck_assert_int_eq(fin_count[1], 1);
    ck_assert_status(gcp__hostdata_reclaim(t, a, 64), GCP_ESTALE);
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

/* An entry reused until its generation would wrap is retired: no id it
 * ever had becomes valid again. */
START_TEST(generations_never_wrap)
{
    gcp_hostdata *t;
    ck_assert_ok(gcp_hostdata_new(&t));
    uint32_t first, id;
    ck_assert_ok(gcp_hostdata_insert(t, &fin_count[1], NULL, &first));
    id = first;
    uint32_t index = first & ((1u << GCP_HOSTDATA_INDEX_BITS) - 1u);
    void *p;
    int uses = 1;
    for (; uses < 5000; uses++) {
        ck_assert_ok(gcp_hostdata_remove(t, id));
        ck_assert_ok(gcp_hostdata_insert(t, &fin_count[2], NULL, &id));
        ck_assert_status(gcp_hostdata_get(t, first, &p), GCP_ESTALE);
        if ((id & ((1u << GCP_HOSTDATA_INDEX_BITS) - 1u)) != index)
            break;
    }
    /* 2^10 generations, then a fresh entry. */
    ck_assert_int_eq(uses, 1 << (32 - GCP_HOSTDATA_INDEX_BITS));
    ck_assert_uint_eq(gcp__hostdata_retired(t), 1);
    ck_assert_status(gcp_hostdata_get(t, first, &p), GCP_ESTALE);
    ck_assert_ok(gcp_hostdata_get(t, id, &p));
    ck_assert_ptr_eq(p, &fin_count[2]);
    gcp_hostdata_free(t);
}
END_TEST

START_TEST(null_table_is_einval)
{
    void *p = NULL;
    uint32_t id;
    ck_assert_status(gcp_hostdata_get(NULL, 1, &p), GCP_EINVAL);
    ck_assert_status(gcp_hostdata_remove(NULL, 1), GCP_EINVAL);
    ck_assert_status(gcp_hostdata_insert(NULL, p, NULL, &id), GCP_EINVAL);
}
END_TEST

/* Stores whose guests copy one externref's id into another. */
static gcp_pool *copy_pool;
static gcp_store *copy_store;

static void open_store(gcp_collector kind)
{
    gcp_pool_config c = small_config(1);
    c.collector = kind;
    ck_assert_ok(gcp_pool_new(&c, &copy_pool));
    ck_assert_ok(gcp_store_new(copy_pool, &copy_store));
}

static void close_store(void)
{
    ck_assert_ok(gcp_store_free(copy_store));
    ck_assert_ok(gcp_pool_free(copy_pool));
}

/* e2 := e1's id, as compiled code could write it. */
static void copy_id(gcp_ref from, gcp_ref to)
{
    gcp_heap *heap = gcp_store_heap(copy_store);
    uint32_t id;
    ck_assert_ok(gcp_heap_externref_host_data(heap, from, &id));
    memcpy(gcp_heap_base(heap) + to + GCP_OBJ_PAYLOAD, &id, sizeof id);
}

START_TEST(copied_id_is_refused_on_lookup)
{
    reset_counts();
    open_store(GCP_COLLECTOR_MARKSWEEP);
    gcp_ref e1, e2;
    ck_assert_ok(gcp_store_alloc_externref(copy_store, &fin_count[1], count_fin, &e1));
    ck_assert_ok(gcp_store_alloc_externref(copy_store, &fin_count[2], count_fin, &e2));
    void *p = NULL;
    ck_assert_ok(gcp_store_externref_data(copy_store, e1, &p));
    ck_assert_ptr_eq(p, &fin_count[1]);
    copy_id(e1, e2);
    p = NULL;
    ck_assert_status(gcp_store_externref_data(copy_store, e2, &p), GCP_ECORRUPT);
    ck_assert_ptr_null(p);
    ck_assert(gcp_heap_is_poisoned(gcp_store_heap(copy_store)));
    close_store();
    ck_assert_int_eq(fin_count[1], 1);
    ck_assert_int_eq(fin_count[2], 1);
}
END_TEST

/* The copy is collected while the original is rooted: the original's data
 * is not finalized under it; the heap is reported corrupt instead. */
static void copied_id_collected(gcp_collector kind)
{
    reset_counts();
    open_store(kind);
    gcp_ref e1, e2;
    ck_assert_ok(gcp_store_alloc_externref(copy_store, &fin_count[1], count_fin, &e1));
    ck_assert_ok(gcp_store_alloc_externref(copy_store, &fin_count[2], count_fin, &e2));
    gcp_heap *heap = gcp_store_heap(copy_store);
    if (kind == GCP_COLLECTOR_DRC)
        ck_assert_ok(gcp_heap_drop_ref(heap, gcp_store_hostdata(copy_store), e2));
    copy_id(e1, e2);
    ck_assert_ok(gcp_roots_add(gcp_store_roots(copy_store), &e1));
    ck_assert_status(gcp_store_gc(copy_store), GCP_ECORRUPT);
    ck_assert(gcp_heap_is_poisoned(heap));
    ck_assert_int_eq(fin_count[1], 0);
    ck_assert_int_eq(fin_count[2], 0);
    close_store();
    ck_assert_int_eq(fin_count[1], 1);   /* each exactly once, at the end */
    ck_assert_int_eq(fin_count[2], 1);
}

START_TEST(copied_id_collected_marksweep) { copied_id_collected(GCP_COLLECTOR_MARKSWEEP); }
END_TEST
START_TEST(copied_id_collected_drc) { copied_id_collected(GCP_COLLECTOR_DRC); }
END_TEST
START_TEST(copied_id_collected_compact) { copied_id_collected(GCP_COLLECTOR_COMPACT); }
END_TEST

/* A moving collector rebinds an id to the externref's new offset; only
 * the externref the id is bound to may move it. */
START_TEST(rebind_follows_a_move)
{
    gcp_hostdata *t;
    ck_assert_ok(gcp_hostdata_new(&t));
    uint32_t a, b;
    int x, y;
    ck_assert_ok(gcp_hostdata_insert(t, &x, NULL, &a));
    ck_assert_ok(gcp_hostdata_insert(t, &y, NULL, &b));
    ck_assert_ok(gcp__hostdata_bind(t, a, 64));
    ck_assert_ok(gcp__hostdata_bind(t, b, 96));
    ck_assert_status(gcp__hostdata_rebind(t, a, 96, 16), GCP_ESTALE);   /* not a's owner */
    ck_assert_status(gcp__hostdata_rebind(t, a, 64, 0), GCP_EINVAL);
    ck_assert_status(gcp__hostdata_rebind(t, a ^ (1u << GCP_HOSTDATA_INDEX_BITS), 64, 16),
                     GCP_ESTALE);                                       /* forged generation */
    ck_assert_ok(gcp__hostdata_rebind(t, a, 64, 16));
    void *p;
    ck_assert_status(gcp__hostdata_lookup(t, a, 64, &p), GCP_ESTALE);
    ck_assert_ok(gcp__hostdata_lookup(t, a, 16, &p));
    ck_assert_ptr_eq(p, &x);
    ck_assert_ok(gcp__hostdata_lookup(t, b, 96, &p));
    ck_assert_ptr_eq(p, &y);
    ck_assert_ok(gcp__hostdata_reclaim(t, a, 16));
    ck_assert_status(gcp__hostdata_rebind(t, a, 16, 8), GCP_ESTALE);    /* gone */
    gcp_hostdata_free(t);
}
END_TEST

/* A stale id written back into a heap stays stale across many reuses. */
START_TEST(stale_id_copy_never_revives)
{
    reset_counts();
    open_store(GCP_COLLECTOR_MARKSWEEP);
    gcp_heap *heap = gcp_store_heap(copy_store);
    gcp_hostdata *t = gcp_store_hostdata(copy_store);
    gcp_ref keep;
    ck_assert_ok(gcp_store_alloc_externref(copy_store, &fin_count[1], count_fin, &keep));
    uint32_t old;
    ck_assert_ok(gcp_heap_externref_host_data(heap, keep, &old));
    ck_assert_ok(gcp_roots_add(gcp_store_roots(copy_store), &keep));
    /* The guest remembers `old`, then the entry is reused by 1023 other
     * externrefs that die at once: a 10-bit generation would be back at
     * `old`'s for the next one. */
    gcp_roots_clear(gcp_store_roots(copy_store));
    ck_assert_ok(gcp_store_gc(copy_store));
    for (int i = 0; i < 1023; i++) {
        gcp_ref e;
        ck_assert_ok(gcp_store_alloc_externref(copy_store, &fin_count[2], count_fin, &e));
        ck_assert_ok(gcp_store_gc(copy_store));
    }
    ck_assert_int_eq(fin_count[2], 1023);
    gcp_ref e;
    ck_assert_ok(gcp_store_alloc_externref(copy_store, &fin_count[3], count_fin, &e));
    memcpy(gcp_heap_base(heap) + e + GCP_OBJ_PAYLOAD, &old, sizeof old);
    void *p;
    ck_assert_status(gcp_store_externref_data(copy_store, e, &p), GCP_ECORRUPT);
    ck_assert_uint_ge(gcp__hostdata_retired(t), 1);
    close_store();
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
    tcase_add_test(tc, generations_never_wrap);
    tcase_add_test(tc, null_table_is_einval);
    tcase_add_test(tc, copied_id_is_refused_on_lookup);
    tcase_add_test(tc, copied_id_collected_marksweep);
    tcase_add_test(tc, copied_id_collected_drc);
    tcase_add_test(tc, copied_id_collected_compact);
    tcase_add_test(tc, rebind_follows_a_move);
    tcase_add_test(tc, stale_id_copy_never_revives);
    suite_add_tcase(s, tc);
    return run_suite(s);
}

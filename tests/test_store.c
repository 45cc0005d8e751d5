/* SPDX-License-Identifier: MIT */
/* Stores: creation from a pool and on demand, host data finalized exactly
 * once on every path (poisoned stores included), slots reused clean. */
#include <string.h>

#include "lib/heap.h"
#include "lib/object.h"
#include "testutil.h"

static int fin_count[16];
static void count_fin(void *p) { fin_count[(int *)p - fin_count]++; }
static void reset_counts(void) { memset(fin_count, 0, sizeof fin_count); }

static gcp_types *types;
static uint32_t S;
static gcp_pool *pool;

static void setup(void)
{
    ck_assert_ok(gcp_types_new(&types));
    const uint32_t offs[] = {0};
    ck_assert_ok(gcp_types_add_struct(types, 8, offs, 1, &S));
    gcp_pool_config c = small_config(1);
    c.types = types;
    ck_assert_ok(gcp_pool_new(&c, &pool));
    reset_counts();
}

static void teardown(void)
{
    ck_assert_ok(gcp_pool_free(pool));
    gcp_types_release(types);
}

START_TEST(lifecycle)
{
    gcp_store *s;
    ck_assert_ok(gcp_store_new(pool, &s));
    gcp_heap *h = gcp_store_heap(s);
    ck_assert_ptr_nonnull(h);
    ck_assert_ptr_nonnull(gcp_store_hostdata(s));
    ck_assert_ptr_nonnull(gcp_store_roots(s));
    gcp_pool_stats st;
    ck_assert_ok(gcp_pool_stats_get(pool, &st));
    ck_assert_uint_eq(st.slots_in_use, 1);
    /* The pool's only slot is taken. */
    gcp_store *s2 = NULL;
    ck_assert_status(gcp_store_new(pool, &s2), GCP_EEXHAUSTED);
    ck_assert_ptr_null(s2);
    gcp_ref obj, x;
    ck_assert_ok(gcp_heap_alloc_struct(h, S, &obj));
    ck_assert_ok(gcp_store_alloc_externref(s, &fin_count[1], count_fin, &x));
    ck_assert_ok(gcp_struct_set_ref(h, gcp_store_hostdata(s), obj, 0, x));
    ck_assert_ok(gcp_roots_add(gcp_store_roots(s), &obj));
    ck_assert_ok(gcp_store_gc(s));
    void *p = NULL;
    ck_assert_ok(gcp_store_externref_data(s, x, &p));
    ck_assert_ptr_eq(p, &fin_count[1]);
    ck_assert_status(gcp_store_externref_data(s, obj, &p), GCP_ETYPE);
    ck_assert_int_eq(fin_count[1], 0);
    ck_assert_ok(gcp_store_free(s));
    ck_assert_int_eq(fin_count[1], 1);
    ck_assert_ok(gcp_pool_stats_get(pool, &st));
    ck_assert_uint_eq(st.slots_in_use, 0);
    ck_assert_ok(gcp_store_free(NULL));
    ck_assert_status(gcp_store_new(NULL, &s), GCP_EINVAL);
    ck_assert_status(gcp_store_new(pool, NULL), GCP_EINVAL);
    ck_assert_status(gcp_store_gc(NULL), GCP_EINVAL);
    ck_assert_ptr_null(gcp_store_heap(NULL));
}
END_TEST

START_TEST(ondemand_store)
{
    gcp_pool_config c = small_config(1);
    c.types = types;
    gcp_store *s;
    ck_assert_ok(gcp_store_new_ondemand(&c, &s));
    gcp_ref x, o;
    ck_assert_ok(gcp_store_alloc_externref(s, &fin_count[2], count_fin, &x));
    ck_assert_ok(gcp_heap_alloc_struct(gcp_store_heap(s), S, &o));
    ck_assert_ok(gcp_store_gc(s));
    ck_assert_ok(gcp_store_free(s));
    ck_assert_int_eq(fin_count[2], 1);
    c.max_heap_bytes = 0;
    ck_assert_status(gcp_store_new_ondemand(&c, &s), GCP_EINVAL);
    ck_assert_status(gcp_store_new_ondemand(NULL, &s), GCP_EINVAL);
}
END_TEST

START_TEST(poisoned_store_still_finalizes)
{
    gcp_store *s;
    ck_assert_ok(gcp_store_new(pool, &s));
    gcp_heap *h = gcp_store_heap(s);
    gcp_ref x, y;
    ck_assert_ok(gcp_store_alloc_externref(s, &fin_count[3], count_fin, &x));
    ck_assert_ok(gcp_store_alloc_externref(s, &fin_count[4], count_fin, &y));
    /* Forge y's host-data id in the heap. */
    uint32_t id;
    ck_assert_ok(gcp_heap_externref_host_data(h, y, &id));
    gcp__store32(gcp_heap_base(h) + y + GCP_OBJ_PAYLOAD, id + 1);
    void *p;
    ck_assert_status(gcp_store_externref_data(s, y, &p), GCP_ECORRUPT);
    ck_assert(gcp_heap_is_poisoned(h));
    ck_assert_status(gcp_store_externref_data(s, x, &p), GCP_EPOISONED);
    ck_assert_status(gcp_store_gc(s), GCP_EPOISONED);
    gcp_ref z;
    ck_assert_status(gcp_store_alloc_externref(s, &fin_count[5], count_fin, &z), GCP_EPOISONED);
    ck_assert_int_eq(fin_count[3] + fin_count[4], 0);
    ck_assert_ok(gcp_store_free(s));
    ck_assert_int_eq(fin_count[3], 1);
    ck_assert_int_eq(fin_count[4], 1);
    ck_assert_int_eq(fin_count[5], 0);   /* never inserted */
    /* The slot comes back clean. */
    ck_assert_ok(gcp_store_new(pool, &s));
    ck_assert(!gcp_heap_is_poisoned(gcp_store_heap(s)));
    ck_assert_ok(gcp_store_alloc_externref(s, &fin_count[6], count_fin, &x));
    ck_assert_ok(gcp_store_free(s));
    ck_assert_int_eq(fin_count[6], 1);
}
END_TEST

START_TEST(failed_externref_alloc_keeps_ownership)
{
    gcp_store *s;
    ck_assert_ok(gcp_store_new(pool, &s));
    gcp_heap *h = gcp_store_heap(s);
    /* Fill the heap to its limit. */
    gcp_ref x;
    gcp_status st;
    int n = 0;
    while ((st = gcp_store_alloc_externref(s, &fin_count[7], count_fin, &x)) == GCP_OK)
        n++;
    ck_assert_status(st, GCP_NEED_GC);
    ck_assert_int_eq(n, (int)((1 * MIB - GCP_HEAP_START) / GCP_EXTERNREF_BYTES));
    ck_assert_uint_eq(gcp_hostdata_count(gcp_store_hostdata(s)), (size_t)n);
    ck_assert_ok(gcp_store_gc(s));
    ck_assert_status(gcp_store_alloc_externref(s, &fin_count[8], count_fin, &x), GCP_ELIMIT);
    ck_assert_uint_eq(gcp_hostdata_count(gcp_store_hostdata(s)), (size_t)n);
    ck_assert_int_eq(fin_count[8], 0);
    ck_assert_uint_eq(gcp_heap_bound(h), 1 * MIB);
    ck_assert_ok(gcp_store_free(s));
    ck_assert_int_eq(fin_count[7], n);
    ck_assert_int_eq(fin_count[8], 0);
}
END_TEST

START_TEST(slot_reused_reads_zero)
{
    gcp_store *s;
    ck_assert_ok(gcp_store_new(pool, &s));
    gcp_heap *h = gcp_store_heap(s);
    uint8_t *base = gcp_heap_base(h);
    gcp_ref r;
    /* Grow past the initial size, then dirty every accessible byte. */
    for (int i = 0; i < 2000; i++)
        ck_assert_ok(gcp_heap_alloc_struct(h, S, &r));
    size_t bound = gcp_heap_bound(h);
    ck_assert_uint_gt(bound, 4 * KIB);
    memset(base, 0x5a, bound);
    ck_assert_ok(gcp_store_free(s));
    ck_assert_ok(gcp_store_new(pool, &s));
    h = gcp_store_heap(s);
    ck_assert_ptr_eq(gcp_heap_base(h), base);
    size_t nb = gcp_heap_bound(h);
    ck_assert_uint_ge(nb, 4 * KIB);
    for (size_t i = 0; i < nb; i++)
        ck_assert_uint_eq(base[i], 0);
    ck_assert_ok(gcp_heap_alloc_struct(h, S, &r));
    ck_assert_uint_eq(r, GCP_HEAP_START);
    ck_assert_uint_eq(gcp_hostdata_count(gcp_store_hostdata(s)), 0);
    ck_assert_uint_eq(gcp_roots_count(gcp_store_roots(s)), 0);
    ck_assert_ok(gcp_store_free(s));
}
END_TEST

START_TEST(next_store_starts_empty)
{
    /* The next store of a slot reuses the previous store's table and roots
     * storage, but nothing of their contents: old ids are stale, no roots. */
    gcp_store *s;
    gcp_ref r;
    uint32_t old_id;
    ck_assert_ok(gcp_store_new(pool, &s));
    ck_assert_ok(gcp_store_alloc_externref(s, &fin_count[2], count_fin, &r));
    ck_assert_ok(gcp_heap_externref_host_data(gcp_store_heap(s), r, &old_id));
    for (int i = 0; i < 40; i++)
        ck_assert_ok(gcp_roots_add(gcp_store_roots(s), &r));
    size_t cap = gcp_roots_capacity(gcp_store_roots(s));
    ck_assert_ok(gcp_store_free(s));
    ck_assert_int_eq(fin_count[2], 1);

    ck_assert_ok(gcp_store_new(pool, &s));
    gcp_hostdata *t = gcp_store_hostdata(s);
    ck_assert_uint_eq(gcp_hostdata_count(t), 0);
    ck_assert_uint_eq(gcp_roots_count(gcp_store_roots(s)), 0);
    ck_assert_uint_eq(gcp_roots_capacity(gcp_store_roots(s)), cap);
    void *p;
    ck_assert_status(gcp_hostdata_get(t, old_id, &p), GCP_ESTALE);
    uint32_t id;
    ck_assert_ok(gcp_hostdata_insert(t, &fin_count[3], count_fin, &id));
    ck_assert_uint_ne(id, old_id);
    ck_assert_ok(gcp_store_free(s));
    ck_assert_int_eq(fin_count[2], 1);
    ck_assert_int_eq(fin_count[3], 1);
}
END_TEST

START_TEST(many_store_cycles)
{
    for (int i = 0; i < 200; i++) {
        gcp_store *s;
        ck_assert_ok(gcp_store_new(pool, &s));
        gcp_ref x;
        ck_assert_ok(gcp_store_alloc_externref(s, &fin_count[9], count_fin, &x));
        ck_assert_ok(gcp_store_free(s));
    }
    ck_assert_int_eq(fin_count[9], 200);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("store");
    TCase *tc = tcase_create("store");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, lifecycle);
    tcase_add_test(tc, ondemand_store);
    tcase_add_test(tc, poisoned_store_still_finalizes);
    tcase_add_test(tc, failed_externref_alloc_keeps_ownership);
    tcase_add_test(tc, slot_reused_reads_zero);
    tcase_add_test(tc, next_store_starts_empty);
    tcase_add_test(tc, many_store_cycles);
    suite_add_tcase(s, tc);
    return run_suite(s);
}

/* SPDX-License-Identifier: MIT */
/* The life of a collection (lib/gc.c): it ends when its heap is released,
 * before the memory is zeroed, given back or shrunk; its handle then
 * answers GCP_ESTATE; a roots list changed under it ends it; nothing is
 * written into the heap after the reset. */
#include "heaputil.h"

/* The lifecycle cases build their own pools: a 24-byte struct LS with one
 * ref field. */
static gcp_types *lc_types;
static uint32_t LS;
static int fin_count;
static void count_fin(void *p) { (*(int *)p)++; }

static gcp_pool *new_pool(gcp_collector kind, uint32_t budget, uint64_t keep_resident)
{
    ck_assert_ok(gcp_types_new(&lc_types));
    const uint32_t offs[] = {0};
    ck_assert_ok(gcp_types_add_struct(lc_types, 24, offs, 1, &LS));
    gcp_pool_config c = small_config(1);
    c.collector = kind;
    c.gc_step_budget = budget;
    c.keep_resident_bytes = keep_resident;
    c.types = lc_types;
    gcp_pool *pool;
    ck_assert_ok(gcp_pool_new(&c, &pool));
    gcp_types_release(lc_types);
    return pool;
}

/* A store with n objects (every third rooted, each with an externref
 * child) and a collection left in the middle after `steps` steps. */
static gcp_collection *store_mid_collection(gcp_store *store, uint32_t n, int steps,
                                            gcp_ref *keep)
{
    gcp_heap *heap = gcp_store_heap(store);
    for (uint32_t i = 0; i < n; i++) {
        gcp_ref r, e;
        ck_assert_ok(gcp_heap_alloc_struct(heap, LS, &r));
        ck_assert_ok(gcp_store_alloc_externref(store, &fin_count, count_fin, &e));
        ck_assert_ok(gcp_struct_set_ref(heap, gcp_store_hostdata(store), r, 0, e));
        if (i % 3 == 0 && i / 3 < 64) {
            keep[i / 3] = r;
            ck_assert_ok(gcp_roots_add(gcp_store_roots(store), &keep[i / 3]));
        }
        /* DRC: the host lets go of its counts, so the rest is garbage. */
        ck_assert_ok(gcp_heap_drop_ref(heap, gcp_store_hostdata(store), e));
        if (!(i % 3 == 0 && i / 3 < 64))
            ck_assert_ok(gcp_heap_drop_ref(heap, gcp_store_hostdata(store), r));
    }
    gcp_collection *gc;
    ck_assert_ok(gcp_heap_gc_start(heap, gcp_store_roots(store), gcp_store_hostdata(store), &gc));
    for (int i = 0; i < steps; i++) {
        gcp_progress p;
        ck_assert_ok(gcp_collection_step(gc, &p));
        ck_assert_int_eq(p, GCP_CONTINUE);
    }
    return gc;
}

/* Frees a store in the middle of a collection (at several depths: roots,
 * marking, sweeping), optionally trims the pool so the bound shrinks, and
 * checks that the next store of the slot is clean and the old handle
 * answers GCP_ESTATE. */
static void freed_mid_collection(gcp_collector kind, uint64_t keep_resident, bool trim)
{
    for (int steps = 0; steps < 40; steps += 3) {
        gcp_pool *pool = new_pool(kind, 50, keep_resident);
        gcp_store *store;
        ck_assert_ok(gcp_store_new(pool, &store));
        static gcp_ref keep[64];
        fin_count = 0;
        gcp_collection *gc = store_mid_collection(store, 3000, steps, keep);
        ck_assert_ok(gcp_store_free(store));
        ck_assert_int_eq(fin_count, 3000);          /* every finalizer, once */
        if (trim)
            ck_assert_ok(gcp_pool_trim(pool));
        gcp_store *next;
        ck_assert_ok(gcp_store_new(pool, &next));
        gcp_heap *heap = gcp_store_heap(next);
        assert_heap_zero(heap);
        gcp_progress p = GCP_CONTINUE;
        ck_assert_status(gcp_collection_step(gc, &p), GCP_ESTATE);
        ck_assert_status(gcp_collection_run(gc), GCP_ESTATE);
        ck_assert_int_eq(p, GCP_CONTINUE);          /* untouched on error */
        assert_heap_zero(heap);
        /* The new holder's own collections are unaffected. */
        gcp_ref r;
        ck_assert_ok(gcp_heap_alloc_struct(heap, LS, &r));
        ck_assert_ok(gcp_store_gc(next));
        ck_assert_uint_eq(gcp_heap_collections(heap), 1);
        ck_assert_ok(gcp_store_free(next));
        if (trim)
            ck_assert_ok(gcp_pool_trim(pool));
        ck_assert_ok(gcp_pool_free(pool));
        ck_assert_int_eq(fin_count, 3000);
    }
}

START_TEST(marksweep_freed_mid_collection_warm) { freed_mid_collection(GCP_COLLECTOR_MARKSWEEP, 256 * KIB, false); }
END_TEST
START_TEST(marksweep_freed_mid_collection_trimmed) { freed_mid_collection(GCP_COLLECTOR_MARKSWEEP, 256 * KIB, true); }
END_TEST
START_TEST(marksweep_freed_mid_collection_given_back) { freed_mid_collection(GCP_COLLECTOR_MARKSWEEP, 4 * KIB, false); }
END_TEST
START_TEST(drc_freed_mid_collection_trimmed) { freed_mid_collection(GCP_COLLECTOR_DRC, 256 * KIB, true); }
END_TEST
START_TEST(drc_freed_mid_collection_given_back) { freed_mid_collection(GCP_COLLECTOR_DRC, 4 * KIB, false); }
END_TEST

/* Adding, setting or clearing roots mid-collection ends it: the collector
 * walks the list by index across steps. */
static void roots_changed(gcp_collector kind, int how)
{
    gcp_pool *pool = new_pool(kind, 1, 256 * KIB);
    gcp_store *store;
    ck_assert_ok(gcp_store_new(pool, &store));
    static gcp_ref keep[64];
    fin_count = 0;
    gcp_collection *gc = store_mid_collection(store, 30, 2, keep);
    gcp_roots *roots = gcp_store_roots(store);
    gcp_ref extra = GCP_REF_NULL;
    switch (how) {
    case 0:
        gcp_roots_clear(roots);
        break;
    case 1:
        ck_assert_ok(gcp_roots_add(roots, &extra));
        break;
    default:
        ck_assert_ok(gcp_roots_set(roots, 0, GCP_REF_NULL));
        break;
    }
    gcp_progress p;
    ck_assert_status(gcp_collection_step(gc, &p), GCP_ESTATE);
    ck_assert_status(gcp_collection_step(gc, &p), GCP_ESTATE);
    gcp_heap *heap = gcp_store_heap(store);
    ck_assert(!gcp_heap_is_poisoned(heap));
    /* The heap is usable again, and a new collection over the changed list
     * runs to the end. */
    gcp_ref r;
    ck_assert_ok(gcp_heap_alloc_struct(heap, LS, &r));
    ck_assert_ok(gcp_store_gc(store));
    ck_assert_ok(gcp_collection_step(gc, &p));
    ck_assert_int_eq(p, GCP_COMPLETE);
    ck_assert_ok(gcp_store_free(store));
    ck_assert_ok(gcp_pool_free(pool));
    ck_assert_int_eq(fin_count, 30);
}

START_TEST(marksweep_roots_changed)
{
    for (int how = 0; how < 3; how++)
        roots_changed(GCP_COLLECTOR_MARKSWEEP, how);
}
END_TEST
START_TEST(drc_roots_changed)
{
    for (int how = 0; how < 3; how++)
        roots_changed(GCP_COLLECTOR_DRC, how);
}
END_TEST

/* A failed collection keeps answering its failure; a completed one
 * GCP_COMPLETE. */
START_TEST(finished_collections_stay_finished)
{
    gcp_pool *pool = new_pool(GCP_COLLECTOR_MARKSWEEP, 5, 256 * KIB);
    gcp_store *store;
    ck_assert_ok(gcp_store_new(pool, &store));
    gcp_heap *heap = gcp_store_heap(store);
    gcp_ref a;
    ck_assert_ok(gcp_heap_alloc_struct(heap, LS, &a));
    gcp_collection *gc;
    ck_assert_ok(gcp_heap_gc_start(heap, NULL, gcp_store_hostdata(store), &gc));
    ck_assert_ok(gcp_collection_run(gc));
    gcp_progress p = GCP_CONTINUE;
    ck_assert_ok(gcp_collection_step(gc, &p));
    ck_assert_int_eq(p, GCP_COMPLETE);
    /* A forged object size under a root: corruption, then poison. */
    ck_assert_ok(gcp_heap_alloc_struct(heap, LS, &a));
    ck_assert_ok(gcp_roots_add(gcp_store_roots(store), &a));
    ck_assert_ok(gcp_heap_gc_start(heap, gcp_store_roots(store), gcp_store_hostdata(store), &gc));
    uint32_t bad = 0xfff0;
    memcpy(gcp_heap_base(heap) + a + 8, &bad, 4);
    gcp_status st = GCP_OK;
    for (int i = 0; i < 100 && st == GCP_OK; i++)
        st = gcp_collection_step(gc, &p);
    ck_assert_status(st, GCP_ECORRUPT);
    ck_assert_status(gcp_collection_step(gc, &p), GCP_EPOISONED);
    ck_assert(gcp_heap_is_poisoned(heap));
    ck_assert_ok(gcp_store_free(store));
    ck_assert_ok(gcp_store_new(pool, &store));
    assert_heap_zero(gcp_store_heap(store));
    ck_assert_ok(gcp_store_free(store));
    ck_assert_ok(gcp_pool_free(pool));
}
END_TEST

/* An on-demand heap freed mid-collection: the abort runs on the intact
 * mapping, then the heap goes. */
START_TEST(ondemand_freed_mid_collection)
{
    ck_assert_ok(gcp_types_new(&lc_types));
    const uint32_t offs[] = {0};
    ck_assert_ok(gcp_types_add_struct(lc_types, 24, offs, 1, &LS));
    gcp_pool_config c = small_config(1);
    c.collector = GCP_COLLECTOR_MARKSWEEP;
    c.gc_step_budget = 20;
    c.types = lc_types;
    for (int steps = 0; steps < 30; steps += 5) {
        gcp_store *store;
        ck_assert_ok(gcp_store_new_ondemand(&c, &store));
        static gcp_ref keep[64];
        fin_count = 0;
        (void)store_mid_collection(store, 500, steps, keep);
        ck_assert_ok(gcp_store_free(store));
        ck_assert_int_eq(fin_count, 500);
    }
    gcp_types_release(lc_types);
}
END_TEST

/* ---------------------------------------------------------------- heap level */

START_TEST(barriers_pass_refs_through)
{
    gcp_ref a, b, out = 0;
    ck_assert_ok(gcp_heap_alloc_struct(heap, S, &a));
    ck_assert_ok(gcp_heap_alloc_externref(heap, table, new_id(), &b));
    ck_assert_ok(gcp_heap_clone_ref(heap, a, &out));
    ck_assert_uint_eq(out, a);
    ck_assert_ok(gcp_heap_clone_ref(heap, gcp_ref_i31_wrap(1), &out));
    ck_assert_uint_eq(out, gcp_ref_i31_wrap(1));
    ck_assert_ok(gcp_heap_clone_ref(heap, GCP_REF_NULL, &out));
    ck_assert_uint_eq(out, GCP_REF_NULL);
    gcp_ref slot = a;
    ck_assert_ok(gcp_heap_write_ref(heap, table, &slot, &b));
    ck_assert_uint_eq(slot, b);
    ck_assert_ok(gcp_heap_write_ref(heap, table, &slot, NULL));
    ck_assert_uint_eq(slot, GCP_REF_NULL);
    ck_assert_ok(gcp_heap_drop_ref(heap, table, a));
    ck_assert_ok(gcp_heap_drop_ref(heap, table, GCP_REF_NULL));
    ck_assert_ok(gcp_heap_expose_ref(heap, a));
    ck_assert_ok(gcp_heap_expose_ref(heap, gcp_ref_i31_wrap(2)));
    ck_assert(!gcp_heap_need_gc_before_entering_wasm(heap, 1));
    ck_assert(!gcp_heap_need_gc_before_entering_wasm(heap, 1000000));
    ck_assert_status(gcp_heap_write_ref(heap, table, NULL, &a), GCP_EINVAL);
    ck_assert_status(gcp_heap_clone_ref(heap, a, NULL), GCP_EINVAL);
}
END_TEST

START_TEST(barriers_validate_refs)
{
    gcp_ref a, out = 0;
    ck_assert_ok(gcp_heap_alloc_struct(heap, S, &a));
    ck_assert_status(gcp_heap_clone_ref(heap, a + 8, &out), GCP_ECORRUPT);
    ck_assert(gcp_heap_is_poisoned(heap));
    ck_assert_uint_eq(out, 0);
    ck_assert_status(gcp_heap_clone_ref(heap, a, &out), GCP_EPOISONED);
    ck_assert_status(gcp_heap_expose_ref(heap, a), GCP_EPOISONED);
    ck_assert_status(gcp_heap_drop_ref(heap, table, a), GCP_EPOISONED);
    recycle();
    gcp_ref bad = 4096 + 8;   /* past the allocated objects: zero header */
    ck_assert_ok(gcp_heap_alloc_struct(heap, S, &a));
    gcp_ref slot = bad;
    ck_assert_status(gcp_heap_write_ref(heap, table, &slot, &a), GCP_ECORRUPT);
    ck_assert_uint_eq(slot, bad);
    recycle();
    ck_assert_status(gcp_heap_expose_ref(heap, 0xfffffff0u), GCP_ECORRUPT);
}
END_TEST

START_TEST(collection_steps)
{
    gcp_roots *roots;
    ck_assert_ok(gcp_roots_new(&roots));
    gcp_ref a;
    ck_assert_ok(gcp_heap_alloc_struct(heap, S, &a));
    ck_assert_ok(gcp_roots_add(roots, &a));
    gcp_collection *gc = NULL;
    ck_assert_ok(gcp_heap_gc_start(heap, roots, table, &gc));
    ck_assert_ptr_nonnull(gc);
    /* The mutator waits while the collection runs. */
    gcp_ref r;
    gcp_collection *gc2;
    ck_assert_status(gcp_heap_alloc_struct(heap, S, &r), GCP_EBUSY);
    ck_assert_status(gcp_heap_gc_start(heap, roots, table, &gc2), GCP_EBUSY);
    ck_assert_status(gcp_struct_get_ref(heap, a, 0, &r), GCP_EBUSY);
    gcp_progress p = GCP_CONTINUE;
    ck_assert_ok(gcp_collection_step(gc, &p));
    ck_assert_int_eq(p, GCP_COMPLETE);
    ck_assert_uint_eq(gcp_heap_collections(heap), 1);
    ck_assert_ok(gcp_collection_step(gc, &p));   /* stays complete */
    ck_assert_int_eq(p, GCP_COMPLETE);
    ck_assert_uint_eq(gcp_heap_collections(heap), 1);
    /* Null never reclaims: the rooted object and the unrooted ones stay. */
    gcp_header h;
    ck_assert_ok(gcp_heap_header(heap, a, &h));
    ck_assert_ok(gcp_heap_alloc_struct(heap, S, &r));
    ck_assert_ok(gcp_collection_run(gc));
    ck_assert_ok(gcp_heap_gc_start(heap, roots, table, &gc2));
    ck_assert_ptr_eq(gc2, gc);
    ck_assert_ok(gcp_collection_run(gc2));
    ck_assert_uint_eq(gcp_heap_collections(heap), 2);
    ck_assert_status(gcp_heap_gc_start(heap, roots, NULL, &gc), GCP_EINVAL);
    ck_assert_status(gcp_heap_gc_start(heap, roots, table, NULL), GCP_EINVAL);
    ck_assert_status(gcp_collection_step(NULL, &p), GCP_EINVAL);
    ck_assert_status(gcp_collection_step(gc, NULL), GCP_EINVAL);
    gcp_roots_free(roots);
}
END_TEST

START_TEST(roots_checked_at_gc_start)
{
    gcp_roots *roots;
    ck_assert_ok(gcp_roots_new(&roots));
    gcp_ref a;
    ck_assert_ok(gcp_heap_alloc_struct(heap, S, &a));
    uint64_t stack = (UINT64_C(1) << 32) | a;
    gcp_ref plain = a, i31 = gcp_ref_i31_wrap(9), null = GCP_REF_NULL;
    ck_assert_ok(gcp_roots_add(roots, &plain));
    ck_assert_ok(gcp_roots_add(roots, &i31));
    ck_assert_ok(gcp_roots_add(roots, &null));
    ck_assert_ok(gcp_roots_add_stack(roots, &stack));
    gcp_collection *gc = NULL;
    ck_assert_status(gcp_heap_gc_start(heap, roots, table, &gc), GCP_EINVAL);
    ck_assert_ptr_null(gc);
    ck_assert(!gcp_heap_is_poisoned(heap));
    ck_assert_uint_eq(stack, (UINT64_C(1) << 32) | a);   /* not truncated */
    stack = a;
    ck_assert_ok(gcp_heap_gc(heap, roots, table));
    /* A root holding a ref into the middle of an object is corruption. */
    stack = a + 8;
    ck_assert_status(gcp_heap_gc(heap, roots, table), GCP_ECORRUPT);
    gcp_roots_free(roots);
    expect_poisoned_then_clean();
}
END_TEST

START_TEST(reset_during_collection)
{
    gcp_collection *gc;
    ck_assert_ok(gcp_heap_gc_start(heap, NULL, table, &gc));
    recycle();
    gcp_ref r;
    ck_assert_ok(gcp_heap_alloc_struct(heap, S, &r));
    /* The collection ended with the release: its handle says so, and does
     * not touch the new holder's heap. */
    gcp_progress p;
    ck_assert_status(gcp_collection_step(gc, &p), GCP_ESTATE);
    ck_assert_status(gcp_collection_run(gc), GCP_ESTATE);
    ck_assert_uint_eq(gcp_heap_collections(heap), 0);
}
END_TEST

/* ---------------------------------------------------------------- growth policy */

/* A store over a 64 MiB mark-sweep or DRC heap with a 1000-byte struct type
 * (no refs) and the given growth percentage. */
static gcp_pool *growth_pool(gcp_collector kind, uint32_t percent, uint32_t *big)
{
    ck_assert_ok(gcp_types_new(&lc_types));
    ck_assert_ok(gcp_types_add_struct(lc_types, 1000, NULL, 0, big));
    gcp_pool_config c = small_config(1);
    c.collector = kind;
    c.max_heap_bytes = 64 * MIB;
    c.reservation_bytes = 64 * MIB;
    c.keep_resident_bytes = 1 * MIB;
    c.gc_heap_growth_percent = percent;
    c.types = lc_types;
    gcp_pool *pool;
    ck_assert_ok(gcp_pool_new(&c, &pool));
    gcp_types_release(lc_types);
    return pool;
}

/* Allocates `total` objects of which every `keep_every`-th stays rooted
 * (up to `most` of them) and the host drops the others (which DRC needs to
 * reclaim them), collecting on GCP_NEED_GC; returns the largest bound
 * seen. */
static size_t churn_through(gcp_store *s, uint32_t big, int total, int keep_every, int most,
                            gcp_ref *kept)
{
    gcp_heap *h = gcp_store_heap(s);
    size_t peak = 0;
    int n = 0;
    for (int i = 0; i < total; i++) {
        gcp_ref r;
        ck_assert_ok(gcp_store_alloc_struct_gc(s, big, &r));
        if (i % keep_every == 0 && n < most) {
            kept[n] = r;
            ck_assert_ok(gcp_roots_add(gcp_store_roots(s), &kept[n]));
            n++;
        } else {
            ck_assert_ok(gcp_heap_drop_ref(h, gcp_store_hostdata(s), r));
        }
        if (gcp_heap_bound(h) > peak)
            peak = gcp_heap_bound(h);
    }
    return peak;
}

/* 100 MiB allocated with 1 MiB live: the heap stays near the floor
 * instead of growing to its 64 MiB maximum first. */
static void growth_follows_live(gcp_collector kind)
{
    uint32_t big;
    gcp_pool *pool = growth_pool(kind, 200, &big);
    gcp_store *s;
    ck_assert_ok(gcp_store_new(pool, &s));
    static gcp_ref kept[1100];
    size_t peak = churn_through(s, big, 100000, 100, 1000, kept);
    ck_assert_uint_le(peak, 8 * MIB);
    ck_assert_uint_gt(gcp_heap_collections(gcp_store_heap(s)), 10);
    ck_assert_ok(gcp_store_free(s));
    ck_assert_ok(gcp_pool_free(pool));
}

START_TEST(marksweep_growth_follows_live) { growth_follows_live(GCP_COLLECTOR_MARKSWEEP); }
END_TEST
START_TEST(drc_growth_follows_live) { growth_follows_live(GCP_COLLECTOR_DRC); }
END_TEST

/* Everything stays live: the heap still grows to what the live set needs
 * (a collection that makes no room lets it grow), with no GCP_ELIMIT. */
START_TEST(growth_when_everything_lives)
{
    uint32_t big;
    gcp_pool *pool = growth_pool(GCP_COLLECTOR_MARKSWEEP, 200, &big);
    gcp_store *s;
    ck_assert_ok(gcp_store_new(pool, &s));
    static gcp_ref kept[20000];
    size_t peak = churn_through(s, big, 20000, 1, 20000, kept);
    ck_assert_uint_ge(peak, 20000u * 1000u);
    ck_assert_uint_le(peak, 64 * MIB);
    ck_assert_ok(gcp_store_free(s));
    ck_assert_ok(gcp_pool_free(pool));
}
END_TEST

/* Percentage 0: the old behaviour, the heap grows to its maximum before
 * the first GCP_NEED_GC; and inside a no-GC scope it always grows. */
START_TEST(growth_free_and_in_no_gc_scopes)
{
    uint32_t big;
    gcp_pool *pool = growth_pool(GCP_COLLECTOR_MARKSWEEP, 0, &big);
    gcp_store *s;
    ck_assert_ok(gcp_store_new(pool, &s));
    gcp_heap *h = gcp_store_heap(s);
    gcp_ref r;
    gcp_status st;
    while ((st = gcp_heap_alloc_struct(h, big, &r)) == GCP_OK)
        ;
    ck_assert_status(st, GCP_NEED_GC);
    ck_assert_uint_eq(gcp_heap_bound(h), 64 * MIB);
    ck_assert_uint_eq(gcp_heap_collections(h), 0);
    ck_assert_ok(gcp_store_free(s));
    ck_assert_ok(gcp_pool_free(pool));

    pool = growth_pool(GCP_COLLECTOR_MARKSWEEP, 200, &big);
    ck_assert_ok(gcp_store_new(pool, &s));
    h = gcp_store_heap(s);
    while ((st = gcp_heap_alloc_struct(h, big, &r)) == GCP_OK)
        ;
    ck_assert_status(st, GCP_NEED_GC);
    ck_assert_uint_le(gcp_heap_bound(h), 8 * MIB);      /* asked at the floor */
    gcp_heap_enter_no_gc(h);
    for (int i = 0; i < 8000; i++)
        ck_assert_ok(gcp_heap_alloc_struct(h, big, &r));  /* grows instead */
    ck_assert_uint_gt(gcp_heap_bound(h), 8 * MIB);
    gcp_heap_exit_no_gc(h);
    ck_assert_ok(gcp_store_free(s));
    ck_assert_ok(gcp_pool_free(pool));
}
END_TEST

int main(void)
{
    Suite *s = suite_create("gc");
    TCase *tc = tcase_create("lifecycle");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, marksweep_freed_mid_collection_warm);
    tcase_add_test(tc, marksweep_freed_mid_collection_trimmed);
    tcase_add_test(tc, marksweep_freed_mid_collection_given_back);
    tcase_add_test(tc, drc_freed_mid_collection_trimmed);
    tcase_add_test(tc, drc_freed_mid_collection_given_back);
    tcase_add_test(tc, marksweep_roots_changed);
    tcase_add_test(tc, drc_roots_changed);
    tcase_add_test(tc, finished_collections_stay_finished);
    tcase_add_test(tc, ondemand_freed_mid_collection);
    suite_add_tcase(s, tc);
    TCase *tg = tcase_create("growth");
    tcase_set_timeout(tg, 60);
    tcase_add_test(tg, marksweep_growth_follows_live);
    tcase_add_test(tg, drc_growth_follows_live);
    tcase_add_test(tg, growth_when_everything_lives);
    tcase_add_test(tg, growth_free_and_in_no_gc_scopes);
    suite_add_tcase(s, tg);
    TCase *th = tcase_create("heap");
    tcase_add_checked_fixture(th, setup, teardown);
    tcase_add_test(th, barriers_pass_refs_through);
    tcase_add_test(th, barriers_validate_refs);
    tcase_add_test(th, collection_steps);
    tcase_add_test(th, roots_checked_at_gc_start);
    tcase_add_test(th, reset_during_collection);
    suite_add_tcase(s, th);
    return run_suite(s);
}

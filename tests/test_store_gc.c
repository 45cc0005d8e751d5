/* SPDX-License-Identifier: MIT */
/* Store-level allocation that collects and retries (lib/store.c), for
 * every object kind and collector. */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <unistd.h>

#include "testutil.h"

/* ------------------------------------------------ allocation with retry */

enum { KIND_STRUCT, KIND_ARRAY, KIND_EXTERNREF, KINDS };
static const char *kind_name[KINDS] = {"struct", "array", "externref"};
static const gcp_collector collectors[] = {GCP_COLLECTOR_NULL, GCP_COLLECTOR_DRC,
                                           GCP_COLLECTOR_MARKSWEEP};

static int finalized;
static void count_fin(void *p) { (void)p; finalized++; }

typedef struct fixture {
    gcp_types *types;
    uint32_t node, bytes;
    gcp_pool *pool;
    gcp_store *store;
} fixture;

static void fixture_new(fixture *f, gcp_collector coll)
{
    ck_assert_ok(gcp_types_new(&f->types));
    const uint32_t refs[] = {0};
    ck_assert_ok(gcp_types_add_struct(f->types, 8, refs, 1, &f->node));
    ck_assert_ok(gcp_types_add_array(f->types, 1, false, &f->bytes));
    gcp_pool_config c = small_config(1);
    c.max_heap_bytes = c.reservation_bytes = 256 * KIB;
    c.collector = coll;
    c.types = f->types;
    ck_assert_ok(gcp_pool_new(&c, &f->pool));
    ck_assert_ok(gcp_store_new(f->pool, &f->store));
    finalized = 0;
}

static void fixture_free(fixture *f)
{
    ck_assert_ok(gcp_store_free(f->store));
    ck_assert_ok(gcp_pool_free(f->pool));
    gcp_types_release(f->types);
}

static gcp_status alloc_gc(fixture *f, int kind, gcp_ref *out)
{
    switch (kind) {
    case KIND_STRUCT: return gcp_store_alloc_struct_gc(f->store, f->node, out);
    case KIND_ARRAY: return gcp_store_alloc_array_gc(f->store, f->bytes, 40, out);
    default: return gcp_store_alloc_externref_gc(f->store, &finalized, count_fin, out);
    }
}

static gcp_status alloc_plain(fixture *f, int kind, gcp_ref *out)
{
    gcp_heap *h = gcp_store_heap(f->store);
    switch (kind) {
    case KIND_STRUCT: return gcp_heap_alloc_struct(h, f->node, out);
    case KIND_ARRAY: return gcp_heap_alloc_array(h, f->bytes, 40, out);
    default: return gcp_store_alloc_externref(f->store, &finalized, count_fin, out);
    }
}

/* Garbage far beyond the heap's size: every allocation succeeds, the
 * rooted object keeps its value, and the collections ran. */
START_TEST(retry_reclaims_garbage)
{
    for (size_t ci = 1; ci < 3; ci++) {
        for (int kind = 0; kind < KINDS; kind++) {
            fixture f;
            fixture_new(&f, collectors[ci]);
            gcp_heap *h = gcp_store_heap(f.store);
            gcp_ref keep;
            ck_assert_ok(gcp_store_alloc_struct_gc(f.store, f.node, &keep));
            ck_assert_ok(gcp_roots_add(gcp_store_roots(f.store), &keep));
            uint32_t v = 0xC0FFEE;
            ck_assert_ok(gcp_struct_write(h, keep, 4, &v, sizeof v));
            for (int i = 0; i < 30000; i++) {
                gcp_ref r;
                gcp_status st = alloc_gc(&f, kind, &r);
                ck_assert_msg(st == GCP_OK, "collector %d, %s #%d: %s", (int)collectors[ci],
                              kind_name[kind], i, gcp_strerror(st));
                if (collectors[ci] == GCP_COLLECTOR_DRC)
                    ck_assert_ok(gcp_heap_drop_ref(h, gcp_store_hostdata(f.store), r));
            }
            ck_assert_uint_gt(gcp_heap_collections(h), 0);
            v = 0;
            ck_assert_ok(gcp_struct_read(h, keep, 4, &v, sizeof v));
            ck_assert_uint_eq(v, 0xC0FFEE);
            if (kind == KIND_EXTERNREF)
                ck_assert_int_gt(finalized, 0);
            fixture_free(&f);
        }
    }
}
END_TEST

/* Everything live (rooted, for every collector): one collection, then
 * GCP_ELIMIT; an externref's host pointer stays the caller's. */
START_TEST(retry_collects_once_then_reports_the_limit)
{
    for (size_t ci = 0; ci < 3; ci++) {
        for (int kind = 0; kind < KINDS; kind++) {
            fixture f;
            fixture_new(&f, collectors[ci]);
            gcp_heap *h = gcp_store_heap(f.store);
            static gcp_ref live[1 << 16];
            size_t n = 0;
            gcp_status st;
            while ((st = alloc_plain(&f, kind, &live[n])) == GCP_OK) {
                ck_assert_ok(gcp_roots_add(gcp_store_roots(f.store), &live[n]));
                n++;
                ck_assert_uint_lt(n, sizeof live / sizeof *live);
            }
            ck_assert_msg(st == GCP_NEED_GC, "collector %d, %s: %s", (int)collectors[ci],
                          kind_name[kind], gcp_strerror(st));
            size_t entries = gcp_hostdata_count(gcp_store_hostdata(f.store));
            uint64_t before = gcp_heap_collections(h);
            gcp_ref r = 12345;
            ck_assert_status(alloc_gc(&f, kind, &r), GCP_ELIMIT);
            ck_assert_uint_eq(gcp_heap_collections(h), before + 1);
            ck_assert_uint_eq(r, 12345);
            ck_assert_uint_eq(gcp_hostdata_count(gcp_store_hostdata(f.store)), entries);
            ck_assert_int_eq(finalized, 0);
            fixture_free(&f);
            if (kind == KIND_EXTERNREF)
                ck_assert_int_eq(finalized, (int)n);   /* all of them, once, at free */
        }
    }
}
END_TEST

/* Inside a no-GC scope nothing is collected: GCP_NEED_GC comes back. */
START_TEST(retry_never_collects_in_a_no_gc_scope)
{
    for (int kind = 0; kind < KINDS; kind++) {
        fixture f;
        fixture_new(&f, GCP_COLLECTOR_MARKSWEEP);
        gcp_heap *h = gcp_store_heap(f.store);
        gcp_ref r;
        gcp_status st;
        while ((st = alloc_plain(&f, kind, &r)) == GCP_OK)
            ;
        ck_assert_status(st, GCP_NEED_GC);
        gcp_heap_enter_no_gc(h);
        ck_assert_status(alloc_gc(&f, kind, &r), GCP_NEED_GC);
        ck_assert_uint_eq(gcp_heap_collections(h), 0);
        gcp_heap_exit_no_gc(h);
        ck_assert_ok(alloc_gc(&f, kind, &r));   /* nothing was rooted */
        ck_assert_uint_eq(gcp_heap_collections(h), 1);
        fixture_free(&f);
    }
}
END_TEST

START_TEST(retry_argument_errors)
{
    fixture f;
    fixture_new(&f, GCP_COLLECTOR_DRC);
    gcp_ref r;
    ck_assert_status(gcp_store_alloc_struct_gc(NULL, f.node, &r), GCP_EINVAL);
    ck_assert_status(gcp_store_alloc_struct_gc(f.store, f.node, NULL), GCP_EINVAL);
    ck_assert_status(gcp_store_alloc_array_gc(NULL, f.bytes, 1, &r), GCP_EINVAL);
    ck_assert_status(gcp_store_alloc_array_gc(f.store, f.bytes, 1, NULL), GCP_EINVAL);
    ck_assert_status(gcp_store_alloc_externref_gc(NULL, &r, NULL, &r), GCP_EINVAL);
    ck_assert_status(gcp_store_alloc_externref_gc(f.store, &r, NULL, NULL), GCP_EINVAL);
    /* Errors a collection cannot fix come back without one. */
    ck_assert_status(gcp_store_alloc_struct_gc(f.store, 999, &r), GCP_ETYPE);
    ck_assert_status(gcp_store_alloc_array_gc(f.store, f.node, 1, &r), GCP_ETYPE);
    ck_assert_status(gcp_store_alloc_array_gc(f.store, f.bytes, UINT32_MAX, &r), GCP_ETOOLARGE);
    ck_assert_uint_eq(gcp_heap_collections(gcp_store_heap(f.store)), 0);
    fixture_free(&f);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("store_gc");
    TCase *tc = tcase_create("store_gc");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, retry_reclaims_garbage);
    tcase_add_test(tc, retry_collects_once_then_reports_the_limit);
    tcase_add_test(tc, retry_never_collects_in_a_no_gc_scope);
    tcase_add_test(tc, retry_argument_errors);
    suite_add_tcase(s, tc);
    return run_suite(s);
}

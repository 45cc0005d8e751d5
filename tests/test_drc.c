/* SPDX-License-Identifier: MIT */
/* Deferred reference counting: counts through every barrier, the exposed
 * set and stack roots, recursive freeing, host-data finalization, cycles,
 * saturation, step budgets and corrupted heaps. */
#include "gcutil.h"
#include "lib/inspect.h"

static gc_fixture F;

static void setup(void) { gcf_open(&F, GCP_COLLECTOR_DRC, 1 * MIB, 1000); }
static void teardown(void) { gcf_close(&F); }

static uint32_t count(gcp_ref r) { return gcf_peek(&F, r, GCP_HDR_CWORD); }
static bool is_free(gcp_ref r) { return gcf_peek(&F, r, GCP_HDR_KIND) == GCP_KIND_FREE; }
static bool queued(gcp_ref r) { return (gcf_at(&F, r)[1] & GCP_DRC_FLAG_ZCT) != 0; }

static gcp_ref new_s(void)
{
    gcp_ref r;
    ck_assert_ok(gcp_heap_alloc_struct(F.heap, F.S, &r));
    return r;
}

static void drop(gcp_ref r) { ck_assert_ok(gcp_heap_drop_ref(F.heap, F.table, r)); }

static void expect_corrupt(gcp_status st)
{
    ck_assert_status(st, GCP_ECORRUPT);
    ck_assert(gcp_heap_is_poisoned(F.heap));
    gcf_recycle(&F);
}

START_TEST(new_objects_count_one)
{
    gcp_ref a = new_s(), arr, e;
    static int fin; /* finalizers may run at teardown, after this frame */
    fin = 0;
    ck_assert_ok(gcp_heap_alloc_array(F.heap, F.RA, 3, &arr));
    e = gcf_extern(&F, &fin);
    ck_assert_uint_eq(count(a), 1);
    ck_assert_uint_eq(count(arr), 1);
    ck_assert_uint_eq(count(e), 1);
    ck_assert_uint_eq(gcp__drc_zct_count(F.heap), 0);
    ck_assert_ptr_null(gcp_heap_collector_data(F.heap));
}
END_TEST

START_TEST(clone_and_drop)
{
    gcp_ref a = new_s(), b;
    ck_assert_ok(gcp_heap_clone_ref(F.heap, a, &b));
    ck_assert_uint_eq(b, a);
    ck_assert_uint_eq(count(a), 2);
    drop(a);
    ck_assert_uint_eq(count(a), 1);
    ck_assert(!queued(a));
    drop(a);
    ck_assert_uint_eq(count(a), 0);
    ck_assert(queued(a));
    ck_assert_uint_eq(gcp__drc_zct_count(F.heap), 1);
    /* Back up and down again: still queued once. */
    ck_assert_ok(gcp_heap_clone_ref(F.heap, a, &b));
    drop(a);
    ck_assert_uint_eq(gcp__drc_zct_count(F.heap), 1);
    /* i31 and null pass through. */
    gcp_ref i = gcp_ref_i31_wrap(7), o;
    ck_assert_ok(gcp_heap_clone_ref(F.heap, i, &o));
    ck_assert_uint_eq(o, i);
    drop(i);
    drop(GCP_REF_NULL);
}
END_TEST

START_TEST(host_location_writes)
{
    gcp_ref a = new_s(), b = new_s(), slot = a;
    ck_assert_ok(gcp_heap_write_ref(F.heap, F.table, &slot, &b));
    ck_assert_uint_eq(slot, b);
    ck_assert_uint_eq(count(b), 2);
    ck_assert_uint_eq(count(a), 0);
    ck_assert(queued(a));
    /* Writing a location's own value changes nothing. */
    ck_assert_ok(gcp_heap_write_ref(F.heap, F.table, &slot, &b));
    ck_assert_uint_eq(count(b), 2);
    ck_assert_ok(gcp_heap_write_ref(F.heap, F.table, &slot, NULL));
    ck_assert_uint_eq(slot, GCP_REF_NULL);
    ck_assert_uint_eq(count(b), 1);
}
END_TEST

START_TEST(field_sets)
{
    gcp_ref s = new_s(), a = new_s(), b = new_s(), arr;
    ck_assert_ok(gcp_heap_alloc_array(F.heap, F.RA, 4, &arr));
    ck_assert_ok(gcp_struct_set_ref(F.heap, F.table, s, 0, a));
    ck_assert_ok(gcp_struct_set_ref(F.heap, F.table, s, 8, a));
    ck_assert_uint_eq(count(a), 3);
    ck_assert_ok(gcp_struct_set_ref(F.heap, F.table, s, 0, b));
    ck_assert_uint_eq(count(a), 2);
    ck_assert_uint_eq(count(b), 2);
    ck_assert_ok(gcp_struct_set_ref(F.heap, F.table, s, 0, b));
    ck_assert_uint_eq(count(b), 2);
    ck_assert_ok(gcp_array_set_ref(F.heap, F.table, arr, 3, b));
    ck_assert_ok(gcp_array_set_ref(F.heap, F.table, arr, 2, gcp_ref_i31_wrap(-1)));
    ck_assert_uint_eq(count(b), 3);
    ck_assert_ok(gcp_array_set_ref(F.heap, F.table, arr, 3, a));
    ck_assert_uint_eq(count(b), 2);
    ck_assert_uint_eq(count(a), 3);
    ck_assert_ok(gcp_struct_set_ref(F.heap, F.table, s, 8, GCP_REF_NULL));
    ck_assert_ok(gcp_array_set_ref(F.heap, F.table, arr, 3, GCP_REF_NULL));
    ck_assert_uint_eq(count(a), 1);
    /* Exposing does not count. */
    ck_assert_ok(gcp_heap_expose_ref(F.heap, a));
    ck_assert_uint_eq(count(a), 1);
    ck_assert_uint_eq(gcp__drc_exposed_count(F.heap), 1);
}
END_TEST

START_TEST(collection_frees_zero_counts)
{
    gcp_ref a = new_s(), keep = new_s();
    drop(a);
    gcp_collection *gc;
    ck_assert_ok(gcp_heap_gc_start(F.heap, NULL, F.table, &gc));
    ck_assert_ok(gcp_collection_run(gc));
    ck_assert_uint_eq(gc->bytes_reclaimed, 32);
    ck_assert(is_free(a));
    ck_assert(!is_free(keep));
    ck_assert_uint_eq(count(keep), 1);
    ck_assert_uint_eq(gcp__drc_zct_count(F.heap), 0);
    ck_assert_uint_eq(gcp_heap_collections(F.heap), 1);
    /* The block is reused. */
    ck_assert_uint_eq(new_s(), a);
}
END_TEST

START_TEST(children_lose_counts_recursively)
{
    /* A chain of 5000 structs, each holding the next; only the head is
     * held by the host.  Freeing it frees the whole chain without
     * recursion. */
    enum { N = 5000 };
    gcp_ref head = new_s(), prev = head, last = 0;
    for (int i = 1; i < N; i++) {
        gcp_ref r = new_s();
        ck_assert_ok(gcp_struct_set_ref(F.heap, F.table, prev, 8, r));
        drop(r);
        ck_assert_uint_eq(count(r), 1);
        prev = last = r;
    }
    gcp_ref shared = new_s();
    ck_assert_ok(gcp_struct_set_ref(F.heap, F.table, last, 0, shared));
    ck_assert_uint_eq(count(shared), 2);
    drop(head);
    gcp_collection *gc;
    ck_assert_ok(gcp_heap_gc_start(F.heap, NULL, F.table, &gc));
    ck_assert_ok(gcp_collection_run(gc));
    ck_assert_uint_eq(gc->bytes_reclaimed, 32u * N);
    ck_assert(is_free(head));
    ck_assert(is_free(last));
    ck_assert(!is_free(shared));
    ck_assert_uint_eq(count(shared), 1);
}
END_TEST

START_TEST(exposed_refs_survive_one_collection)
{
    gcp_ref a = new_s(), c = new_s();
    ck_assert_ok(gcp_struct_set_ref(F.heap, F.table, a, 0, c));
    drop(c);
    ck_assert_ok(gcp_heap_expose_ref(F.heap, a));
    drop(a);
    gcf_collect(&F, NULL);
    ck_assert(!is_free(a));
    ck_assert(!is_free(c));
    ck_assert_uint_eq(gcp__drc_exposed_count(F.heap), 0);
    ck_assert_uint_eq(gcp__drc_zct_count(F.heap), 1);   /* a waits there */
    gcf_collect(&F, NULL);
    ck_assert(is_free(a));
    ck_assert(is_free(c));
    ck_assert_uint_eq(gcp__drc_zct_count(F.heap), 0);
}
END_TEST

START_TEST(stack_roots_are_respected)
{
    gcp_roots *roots;
    ck_assert_ok(gcp_roots_new(&roots));
    gcp_ref a = new_s(), b = new_s(), held = new_s();
    uint64_t slot = gcp_ref_to_r64(a);
    gcp_ref host = b;
    ck_assert_ok(gcp_roots_add_stack(roots, &slot));
    ck_assert_ok(gcp_roots_add(roots, &host));
    ck_assert_ok(gcp_struct_set_ref(F.heap, F.table, a, 0, held));
    drop(held);
    /* Only compiled code's stack holds a, never exposed; b's count went
     * to zero while a root still names it. */
    drop(a);
    drop(b);
    gcf_collect(&F, roots);
    ck_assert(!is_free(a));
    ck_assert(!is_free(b));
    ck_assert(!is_free(held));
    ck_assert_uint_eq(count(held), 1);
    ck_assert_uint_eq(slot, a);   /* nothing moved */
    gcp_roots_clear(roots);
    gcf_collect(&F, roots);
    ck_assert(is_free(a));
    ck_assert(is_free(b));
    ck_assert(is_free(held));
    gcp_roots_free(roots);
}
END_TEST

START_TEST(need_gc_before_entering_wasm)
{
    ck_assert(!gcp_heap_need_gc_before_entering_wasm(F.heap, GCP_DRC_EXPOSED_CAP));
    ck_assert(gcp_heap_need_gc_before_entering_wasm(F.heap, GCP_DRC_EXPOSED_CAP + 1));
    ck_assert(gcp_heap_need_gc_before_entering_wasm(F.heap, SIZE_MAX));
    gcp_ref first = new_s();
    for (unsigned i = 0; i < 1000; i++) {
        gcp_ref r = i ? new_s() : first;
        ck_assert_ok(gcp_heap_expose_ref(F.heap, r));
        ck_assert_ok(gcp_heap_expose_ref(F.heap, first));   /* counted once */
    }
    ck_assert_ok(gcp_heap_expose_ref(F.heap, gcp_ref_i31_wrap(3)));
    ck_assert_uint_eq(gcp__drc_exposed_count(F.heap), 1000);
    ck_assert(!gcp_heap_need_gc_before_entering_wasm(F.heap, GCP_DRC_EXPOSED_CAP - 1000));
    ck_assert(gcp_heap_need_gc_before_entering_wasm(F.heap, GCP_DRC_EXPOSED_CAP - 999));
    /* Past the soft capacity exposing still works (the set grows). */
    for (unsigned i = 0; i < 2 * GCP_DRC_EXPOSED_CAP; i++)
        ck_assert_ok(gcp_heap_expose_ref(F.heap, new_s()));
    ck_assert_uint_eq(gcp__drc_exposed_count(F.heap), 1000 + 2 * GCP_DRC_EXPOSED_CAP);
    gcf_collect(&F, NULL);
    ck_assert(!gcp_heap_need_gc_before_entering_wasm(F.heap, GCP_DRC_EXPOSED_CAP));
}
END_TEST

START_TEST(externrefs_finalized_once)
{
    static int fin; /* finalizers may run at teardown, after this frame */
    fin = 0;
    gcp_ref e = gcf_extern(&F, &fin), s = new_s();
    ck_assert_ok(gcp_struct_set_ref(F.heap, F.table, s, 0, e));
    drop(e);
    gcf_collect(&F, NULL);
    ck_assert_int_eq(fin, 0);
    drop(s);
    gcf_collect(&F, NULL);
    ck_assert_int_eq(fin, 1);
    ck_assert(is_free(e));
    ck_assert_uint_eq(gcp_hostdata_count(F.table), 0);
    gcf_collect(&F, NULL);
    gcf_recycle(&F);
    ck_assert_int_eq(fin, 1);
}
END_TEST

START_TEST(cycles_wait_for_reset)
{
    static int fin; /* finalizers may run at teardown, after this frame */
    fin = 0;
    gcp_ref a = new_s(), b = new_s(), e = gcf_extern(&F, &fin);
    ck_assert_ok(gcp_struct_set_ref(F.heap, F.table, a, 0, b));
    ck_assert_ok(gcp_struct_set_ref(F.heap, F.table, b, 0, a));
    ck_assert_ok(gcp_struct_set_ref(F.heap, F.table, b, 8, e));
    drop(a);
    drop(b);
    drop(e);
    gcf_collect(&F, NULL);
    gcf_collect(&F, NULL);
    /* Unreachable, but every count is one: without a backup trace (no
     * allocation failed) DRC keeps the cycle. */
    ck_assert(!is_free(a));
    ck_assert(!is_free(b));
    ck_assert(!is_free(e));
    ck_assert_uint_eq(count(a), 1);
    ck_assert_int_eq(fin, 0);
    ck_assert_uint_eq(gcp_hostdata_count(F.table), 1);
    /* The reset reclaims it; the host data is finalized once, with the
     * table. */
    gcf_recycle(&F);
    ck_assert_int_eq(fin, 1);
    ck_assert_uint_eq(new_s(), GCP_HEAP_START);
}
END_TEST

START_TEST(saturated_counts_stick)
{
    gcp_ref a = new_s(), o;
    gcf_poke(&F, a, GCP_HDR_CWORD, UINT32_MAX);
    ck_assert_ok(gcp_heap_clone_ref(F.heap, a, &o));
    ck_assert_uint_eq(count(a), UINT32_MAX);
    drop(a);
    ck_assert_uint_eq(count(a), UINT32_MAX);
    gcf_collect(&F, NULL);
    ck_assert(!is_free(a));
    ck_assert(!gcp_heap_is_poisoned(F.heap));
}
END_TEST

START_TEST(underflow_is_corruption)
{
    gcp_ref a = new_s();
    gcf_poke(&F, a, GCP_HDR_CWORD, 0);
    expect_corrupt(gcp_heap_drop_ref(F.heap, F.table, a));
    /* A child whose count was forged to zero, met while freeing. */
    gcp_ref p = new_s(), c = new_s();
    ck_assert_ok(gcp_struct_set_ref(F.heap, F.table, p, 0, c));
    gcf_poke(&F, c, GCP_HDR_CWORD, 0);
    drop(p);
    expect_corrupt(gcp_heap_gc(F.heap, NULL, F.table));
}
END_TEST

START_TEST(corrupt_heaps)
{
    /* A queued object whose header was rewritten. */
    gcp_ref a = new_s();
    drop(a);
    gcf_poke(&F, a, GCP_HDR_KIND, 9);
    expect_corrupt(gcp_heap_gc(F.heap, NULL, F.table));
    /* A bad ref in a field of an object being freed. */
    a = new_s();
    gcf_poke(&F, a, GCP_OBJ_PAYLOAD + 8, 0x7ffffff0u);
    drop(a);
    expect_corrupt(gcp_heap_gc(F.heap, NULL, F.table));
    /* A field naming a free block. */
    gcp_ref b = new_s(), c = new_s();
    drop(b);
    gcf_collect(&F, NULL);
    gcf_poke(&F, c, GCP_OBJ_PAYLOAD, b);
    drop(c);
    expect_corrupt(gcp_heap_gc(F.heap, NULL, F.table));
    /* A forged host-data id in a freed externref. */
    static int fin; /* finalizers may run at teardown, after this frame */
    fin = 0;
    gcp_ref e = gcf_extern(&F, &fin);
    gcf_poke(&F, e, GCP_OBJ_PAYLOAD, 0x12345);
    drop(e);
    expect_corrupt(gcp_heap_gc(F.heap, NULL, F.table));
    ck_assert_int_eq(fin, 1);   /* by the reset, not by the collection */
    /* A forged object above the frontier, named by a field. */
    gcp_ref s = new_s();
    gcp_ref forged = 2048;
    gcp__obj_init(F.heap, forged, GCP_KIND_STRUCT, F.S, 32, 1);
    gcf_poke(&F, s, GCP_OBJ_PAYLOAD, forged);
    drop(s);
    expect_corrupt(gcp_heap_gc(F.heap, NULL, F.table));
}
END_TEST

/* Compiled code clears the queued flag of zero-count e, n times; each
 * clone and drop then queues it again. */
static void requeue(gcp_ref e, int n)
{
    gcp_ref o;
    for (int i = 0; i < n; i++) {
        gcf_at(&F, e)[1] = 0;
        ck_assert_ok(gcp_heap_clone_ref(F.heap, e, &o));
        drop(e);
    }
}

START_TEST(duplicate_queue_entries_free_once)
{
    static int fin; /* finalizers may run at teardown, after this frame */
    fin = 0;
    gcp_ref e = gcf_extern(&F, &fin);
    drop(e);
    requeue(e, 5);
    gcp_ref s = new_s();
    (void)s;
    gcf_collect(&F, NULL);
    ck_assert(is_free(e));
    ck_assert_int_eq(fin, 1);
    ck_assert(!gcp_heap_is_poisoned(F.heap));
}
END_TEST

START_TEST(queue_overflow_falls_back_to_a_scan)
{
    /* One 24-byte object below the frontier: the queue may hold two
     * entries; more duplicates drop it and the collection walks the heap. */
    static int fin; /* finalizers may run at teardown, after this frame */
    fin = 0;
    gcp_ref e = gcf_extern(&F, &fin);
    drop(e);
    requeue(e, 8);
    ck_assert_uint_le(gcp__drc_zct_count(F.heap), 3);
    gcp_roots *roots;
    ck_assert_ok(gcp_roots_new(&roots));
    gcp_ref keep = new_s(), dead = new_s();
    ck_assert_ok(gcp_roots_add(roots, &keep));
    drop(keep);
    drop(dead);
    gcf_collect(&F, roots);
    ck_assert(is_free(e));
    ck_assert(is_free(dead));
    ck_assert(!is_free(keep));
    ck_assert_int_eq(fin, 1);
    /* keep is protected by its root and waits in the queue. */
    ck_assert_uint_eq(gcp__drc_zct_count(F.heap), 1);
    ck_assert(queued(keep));
    gcp_roots_clear(roots);
    gcf_collect(&F, roots);
    ck_assert(is_free(keep));
    gcp_roots_free(roots);
}
END_TEST

START_TEST(steps_follow_the_budget)
{
    gc_fixture G;
    gcf_open(&G, GCP_COLLECTOR_DRC, 1 * MIB, 10);
    gcp_ref r[300];
    for (int i = 0; i < 300; i++) {
        ck_assert_ok(gcp_heap_alloc_struct(G.heap, G.S, &r[i]));
        ck_assert_ok(gcp_heap_drop_ref(G.heap, G.table, r[i]));
    }
    gcp_collection *gc;
    ck_assert_ok(gcp_heap_gc_start(G.heap, NULL, G.table, &gc));
    gcp_progress p = GCP_CONTINUE;
    int steps = 0;
    while (p == GCP_CONTINUE) {
        ck_assert_ok(gcp_collection_step(gc, &p));
        /* One object (header + two ref slots) past the budget at most. */
        ck_assert_uint_le(gcp__gc_last_step_units(G.heap), 10 + 3);
        ck_assert_uint_gt(gcp__gc_last_step_units(G.heap), 0);
        steps++;
        /* The mutator waits. */
        gcp_ref x;
        if (p == GCP_CONTINUE)
            ck_assert_status(gcp_heap_alloc_struct(G.heap, G.S, &x), GCP_EBUSY);
    }
    ck_assert_int_ge(steps, 300 * 2 / 13);
    ck_assert_uint_eq(gc->bytes_reclaimed, 300 * 32);
    gcf_close(&G);
}
END_TEST

/* A collection ended half-way through freeing a tree (its roots list
 * changed) leaves no count too high: the object being freed gives all its
 * counts back at the end, what was doomed goes back to the ZCT, and the
 * next collection frees the rest, each externref leaf finalized once. */
START_TEST(cascade_cut_short_keeps_counts)
{
    enum { DEPTH = 7, LEAVES = 1 << DEPTH, NODES = LEAVES - 1 };
    gc_fixture G;
    gcf_open(&G, GCP_COLLECTOR_DRC, 1 * MIB, 5);
    int fin = 0;
    gcp_ref level[LEAVES];
    for (int i = 0; i < LEAVES; i++)
        level[i] = gcf_extern(&G, &fin);
    gcp_ref nodes[NODES];
    int made = 0;
    for (int n = LEAVES; n > 1; n /= 2) {
        for (int i = 0; i < n / 2; i++) {
            gcp_ref r;
            ck_assert_ok(gcp_heap_alloc_struct(G.heap, G.S, &r));
            ck_assert_ok(gcp_struct_set_ref(G.heap, G.table, r, 0, level[2 * i]));
            ck_assert_ok(gcp_struct_set_ref(G.heap, G.table, r, 8, level[2 * i + 1]));
            ck_assert_ok(gcp_heap_drop_ref(G.heap, G.table, level[2 * i]));
            ck_assert_ok(gcp_heap_drop_ref(G.heap, G.table, level[2 * i + 1]));
            level[i] = nodes[made++] = r;
        }
    }
    ck_assert_int_eq(made, NODES);
    ck_assert_ok(gcp_heap_drop_ref(G.heap, G.table, level[0]));
    gcp_roots *roots;
    ck_assert_ok(gcp_roots_new(&roots));
    gcp_ref spare = GCP_REF_NULL;
    gcp_collection *gc;
    ck_assert_ok(gcp_heap_gc_start(G.heap, roots, G.table, &gc));
    gcp_progress p = GCP_CONTINUE;
    while (fin < 4 && p == GCP_CONTINUE)
        ck_assert_ok(gcp_collection_step(gc, &p));
    ck_assert(p == GCP_CONTINUE);
    ck_assert_int_gt(fin, 0);
    ck_assert_int_lt(fin, LEAVES);
    ck_assert_ok(gcp_roots_add(roots, &spare));
    ck_assert_status(gcp_collection_step(gc, &p), GCP_ESTATE);
    ck_assert(!gcp_heap_is_poisoned(G.heap));
    ck_assert_ok(gcp_heap_gc(G.heap, roots, G.table));
    ck_assert_int_eq(fin, LEAVES);
    ck_assert_uint_eq(gcp_hostdata_count(G.table), 0);
    for (int i = 0; i < NODES; i++)
        ck_assert_uint_eq(gcf_peek(&G, nodes[i], GCP_HDR_KIND), GCP_KIND_FREE);
    gcp_roots_free(roots);
    gcf_close(&G);
}
END_TEST

START_TEST(reset_mid_collection)
{
    gcp_ref a = new_s();
    drop(a);
    ck_assert_ok(gcp_heap_expose_ref(F.heap, new_s()));
    gcp_collection *gc;
    ck_assert_ok(gcp_heap_gc_start(F.heap, NULL, F.table, &gc));
    gcf_recycle(&F);
    ck_assert_uint_eq(gcp__drc_zct_count(F.heap), 0);
    ck_assert_uint_eq(gcp__drc_exposed_count(F.heap), 0);
    ck_assert_uint_eq(new_s(), GCP_HEAP_START);
}
END_TEST

START_TEST(full_heap_needs_gc_then_reuses)
{
    gcp_ref r;
    gcp_status st;
    size_t n = 0;
    while ((st = gcp_heap_alloc_struct(F.heap, F.L, &r)) == GCP_OK) {
        drop(r);
        n++;
    }
    ck_assert_status(st, GCP_NEED_GC);
    ck_assert_uint_gt(n, 1000);
    gcf_collect(&F, NULL);
    ck_assert_ok(gcp_heap_alloc_struct(F.heap, F.L, &r));
    /* Fill it again, keeping everything: after a collection that frees
     * nothing, the failure is final. */
    for (size_t i = 1; i < n; i++)
        ck_assert_ok(gcp_heap_alloc_struct(F.heap, F.L, &r));
    ck_assert_status(gcp_heap_alloc_struct(F.heap, F.L, &r), GCP_NEED_GC);
    gcf_collect(&F, NULL);
    ck_assert_status(gcp_heap_alloc_struct(F.heap, F.L, &r), GCP_ELIMIT);
}
END_TEST


/* A two-struct cycle a <-> b holding externref e (in b) and a child c
 * (in a); the host keeps only a. */
static void dead_cycle(gcp_ref *a, gcp_ref *b, gcp_ref *c, gcp_ref *e, int *fin)
{
    *a = new_s();
    *b = new_s();
    *c = new_s();
    *e = gcf_extern(&F, fin);
    ck_assert_ok(gcp_struct_set_ref(F.heap, F.table, *a, 0, *b));
    ck_assert_ok(gcp_struct_set_ref(F.heap, F.table, *b, 0, *a));
    ck_assert_ok(gcp_struct_set_ref(F.heap, F.table, *b, 8, *e));
    ck_assert_ok(gcp_struct_set_ref(F.heap, F.table, *a, 8, *c));
    drop(*b);
    drop(*c);
    drop(*e);
}

START_TEST(backup_trace_frees_cycles)
{
    static int fin; /* finalizers may run at teardown, after this frame */
    fin = 0;
    gcp_ref a, b, c, e;
    dead_cycle(&a, &b, &c, &e, &fin);
    /* Something the host still holds, pointing into a live structure. */
    gcp_ref keep = new_s(), kept_child = new_s();
    ck_assert_ok(gcp_struct_set_ref(F.heap, F.table, keep, 0, kept_child));
    ck_assert_ok(gcp_struct_set_ref(F.heap, F.table, c, 0, kept_child));
    drop(kept_child);
    ck_assert_uint_eq(count(kept_child), 2);
    drop(a);
    ck_assert_int_eq(gcp__drc_trace_pending(F.heap), 0);
    gcp__drc_request_trace(F.heap);
    ck_assert_int_eq(gcp__drc_trace_pending(F.heap), 2);
    gcp_collection *gc;
    ck_assert_ok(gcp_heap_gc_start(F.heap, NULL, F.table, &gc));
    ck_assert_int_eq(gcp__drc_trace_pending(F.heap), 0);
    ck_assert_ok(gcp_collection_run(gc));
    ck_assert_uint_eq(gc->bytes_reclaimed, 3 * 32 + 24);
    ck_assert(is_free(a) && is_free(b) && is_free(c) && is_free(e));
    ck_assert_int_eq(fin, 1);
    /* Survivors keep exact counts: the freed c no longer counts. */
    ck_assert(!is_free(keep) && !is_free(kept_child));
    ck_assert_uint_eq(count(keep), 1);
    ck_assert_uint_eq(count(kept_child), 1);
    /* One trace per request. */
    ck_assert_int_eq(gcp__drc_trace_pending(F.heap), 0);
    gcf_recycle(&F);
    ck_assert_int_eq(fin, 1);
}
END_TEST

START_TEST(backup_trace_keeps_held_cycles)
{
    static int fin; /* finalizers may run at teardown, after this frame */
    fin = 0;
    gcp_ref a, b, c, e;
    /* Held by the host through a, by compiled code through an exposed b,
     * and by a stack root: three runs, each must keep the cycle. */
    for (int how = 0; how < 3; how++) {
        dead_cycle(&a, &b, &c, &e, &fin);
        gcp_roots *roots;
        ck_assert_ok(gcp_roots_new(&roots));
        uint64_t slot = gcp_ref_to_r64(b);
        if (how == 1)
            ck_assert_ok(gcp_heap_expose_ref(F.heap, b));
        if (how == 2)
            ck_assert_ok(gcp_roots_add_stack(roots, &slot));
        if (how != 0)
            drop(a);
        gcp__drc_request_trace(F.heap);
        gcf_collect(&F, roots);
        ck_assert(!is_free(a) && !is_free(b) && !is_free(c) && !is_free(e));
        ck_assert_int_eq(fin, 0);
        ck_assert_uint_eq(count(a), how == 0 ? 2 : 1);
        ck_assert_uint_eq(count(b), 1);
        ck_assert_uint_eq(count(c), 1);
        ck_assert_uint_eq(count(e), 1);
        gcp_roots_free(roots);
        gcf_recycle(&F);
        ck_assert_int_eq(fin, 1);
        fin = 0;
    }
}
END_TEST

START_TEST(allocation_failure_asks_for_a_trace)
{
    /* Fill the heap with two-element cycles the host dropped. */
    gcp_ref a, b;
    gcp_status st;
    size_t pairs = 0;
    for (;;) {
        if ((st = gcp_heap_alloc_struct(F.heap, F.S, &a)) != GCP_OK)
            break;
        if ((st = gcp_heap_alloc_struct(F.heap, F.S, &b)) != GCP_OK) {
            drop(a);
            break;
        }
        ck_assert_ok(gcp_struct_set_ref(F.heap, F.table, a, 0, b));
        ck_assert_ok(gcp_struct_set_ref(F.heap, F.table, b, 0, a));
        drop(a);
        drop(b);
        pairs++;
    }
    ck_assert_status(st, GCP_NEED_GC);
    ck_assert_int_eq(gcp__drc_trace_pending(F.heap), 1);
    gcp_collection *gc;
    ck_assert_ok(gcp_heap_gc_start(F.heap, NULL, F.table, &gc));
    ck_assert_ok(gcp_collection_run(gc));
    ck_assert_uint_ge(gc->bytes_reclaimed, pairs * 64);
    ck_assert_ok(gcp_heap_alloc_struct(F.heap, F.S, &a));
    ck_assert_uint_gt(pairs, 10000);
}
END_TEST

START_TEST(no_trace_when_zero_counts_free_enough)
{
    /* The same full heap, but a third of it is plain (acyclic) garbage:
     * the zero-count pass frees enough, the cycles wait. */
    gcp_ref a, b, c;
    gcp_status st;
    static int fin; /* finalizers may run at teardown, after this frame */
    fin = 0;
    gcp_ref e = gcf_extern(&F, &fin), cyc1 = new_s(), cyc2 = new_s();
    ck_assert_ok(gcp_struct_set_ref(F.heap, F.table, cyc1, 0, cyc2));
    ck_assert_ok(gcp_struct_set_ref(F.heap, F.table, cyc2, 0, cyc1));
    ck_assert_ok(gcp_struct_set_ref(F.heap, F.table, cyc2, 8, e));
    drop(cyc1);
    drop(cyc2);
    drop(e);
    for (;;) {
        if ((st = gcp_heap_alloc_struct(F.heap, F.S, &a)) != GCP_OK)
            break;
        if ((st = gcp_heap_alloc_struct(F.heap, F.S, &b)) != GCP_OK)
            break;
        if ((st = gcp_heap_alloc_struct(F.heap, F.S, &c)) != GCP_OK)
            break;
        ck_assert_ok(gcp_struct_set_ref(F.heap, F.table, a, 0, b));
        ck_assert_ok(gcp_struct_set_ref(F.heap, F.table, b, 0, a));
        drop(a);
        drop(b);
        drop(c);
    }
    ck_assert_status(st, GCP_NEED_GC);
    ck_assert_int_eq(gcp__drc_trace_pending(F.heap), 1);
    gcf_collect(&F, NULL);
    ck_assert(!is_free(cyc1));
    ck_assert_int_eq(fin, 0);
    ck_assert_int_eq(gcp__drc_trace_pending(F.heap), 0);
    /* A forced trace takes them. */
    gcp__drc_request_trace(F.heap);
    gcf_collect(&F, NULL);
    ck_assert(is_free(cyc1));
    ck_assert_int_eq(fin, 1);
}
END_TEST

START_TEST(backup_trace_steps_and_corruption)
{
    gc_fixture G;
    gcf_open(&G, GCP_COLLECTOR_DRC, 1 * MIB, 3);
    gcp_ref r[200];
    for (int i = 0; i < 200; i++) {
        ck_assert_ok(gcp_heap_alloc_struct(G.heap, G.S, &r[i]));
        if (i > 0)
            ck_assert_ok(gcp_struct_set_ref(G.heap, G.table, r[i - 1], 0, r[i]));
    }
    ck_assert_ok(gcp_struct_set_ref(G.heap, G.table, r[199], 0, r[0]));   /* a ring */
    for (int i = 1; i < 200; i++)
        ck_assert_ok(gcp_heap_drop_ref(G.heap, G.table, r[i]));
    gcp__drc_request_trace(G.heap);
    gcp_collection *gc;
    ck_assert_ok(gcp_heap_gc_start(G.heap, NULL, G.table, &gc));
    gcp_progress p = GCP_CONTINUE;
    int steps = 0;
    while (p == GCP_CONTINUE) {
        ck_assert_ok(gcp_collection_step(gc, &p));
        ck_assert_uint_le(gcp__gc_last_step_units(G.heap), 3 + 2);
        steps++;
    }
    ck_assert_int_ge(steps, 3 * 200 / 5);
    ck_assert_uint_eq(gc->bytes_reclaimed, 0);   /* r[0] is held: the ring lives */
    ck_assert_uint_eq(gcp__load32(gcp_heap_base(G.heap) + r[0] + GCP_HDR_CWORD), 2);
    ck_assert_uint_eq(gcp__load32(gcp_heap_base(G.heap) + r[5] + GCP_HDR_CWORD), 1);
    /* A ring link forged to a free block is met by the trace. */
    gcp_ref lone;
    ck_assert_ok(gcp_heap_alloc_struct(G.heap, G.S, &lone));
    ck_assert_ok(gcp_heap_drop_ref(G.heap, G.table, lone));
    ck_assert_ok(gcp_heap_gc(G.heap, NULL, G.table));
    /* A reset in the middle of a trace leaves a clean heap. */
    gcp__drc_request_trace(G.heap);
    ck_assert_ok(gcp_heap_gc_start(G.heap, NULL, G.table, &gc));
    for (int i = 0; i < 100; i++)
        ck_assert_ok(gcp_collection_step(gc, &p));
    ck_assert_int_eq(p, GCP_CONTINUE);
    gcf_recycle(&G);
    ck_assert(!gcp_heap_is_poisoned(G.heap));
    for (int i = 0; i < 200; i++) {
        ck_assert_ok(gcp_heap_alloc_struct(G.heap, G.S, &r[i]));
        if (i > 0)
            ck_assert_ok(gcp_struct_set_ref(G.heap, G.table, r[i - 1], 0, r[i]));
    }
    ck_assert_ok(gcp_heap_alloc_struct(G.heap, G.S, &lone));
    ck_assert_ok(gcp_heap_drop_ref(G.heap, G.table, lone));
    ck_assert_ok(gcp_heap_gc(G.heap, NULL, G.table));
    gcp__store32(gcp_heap_base(G.heap) + r[7] + GCP_OBJ_PAYLOAD + 8, lone);
    gcp__drc_request_trace(G.heap);
    ck_assert_status(gcp_heap_gc(G.heap, NULL, G.table), GCP_ECORRUPT);
    ck_assert(gcp_heap_is_poisoned(G.heap));
    gcf_close(&G);
}
END_TEST

/* A dead ref array whose N slots each hold the only count of an
 * externref; the host holds nothing. */
#define BIG_N 20000u
static gcp_ref dead_big_array(int *fins)
{
    gcp_ref arr;
    ck_assert_ok(gcp_heap_alloc_array(F.heap, F.RA, BIG_N, &arr));
    for (uint32_t i = 0; i < BIG_N; i++) {
        gcp_ref e = gcf_extern(&F, fins);
        ck_assert_ok(gcp_array_set_ref(F.heap, F.table, arr, i, e));
        ck_assert_ok(gcp_heap_drop_ref(F.heap, F.table, e));
    }
    ck_assert_ok(gcp_heap_drop_ref(F.heap, F.table, arr));
    return arr;
}

/* Freeing an array gives back its slots' counts across steps, within the
 * budget (1000 here), not all in one unit. */
START_TEST(large_arrays_freed_across_steps)
{
    int fins = 0;
    gcp_ref arr = dead_big_array(&fins);
    gcp_collection *gc;
    ck_assert_ok(gcp_heap_gc_start(F.heap, NULL, F.table, &gc));
    gcp_progress p = GCP_CONTINUE;
    int steps = 0;
    while (p == GCP_CONTINUE) {
        ck_assert_ok(gcp_collection_step(gc, &p));
        ck_assert_uint_le(gcp__gc_last_step_units(F.heap), 1000 + 3);
        if (++steps == 1) {
            /* The array is half freed: not a free block yet, nothing
             * finalized yet either. */
            ck_assert_int_eq(p, GCP_CONTINUE);
            ck_assert(!is_free(arr));
            ck_assert_int_eq(fins, 0);
        }
    }
    ck_assert_int_ge(steps, (int)(BIG_N * 2 / 1003));
    ck_assert_int_eq(fins, (int)BIG_N);
    ck_assert_uint_eq(gcp_hostdata_count(F.table), 0);
    ck_assert(is_free(arr));
}
END_TEST

/* A collection dropped while an array is half freed (the roots changed)
 * frees the array at once and queues what reached zero: the next
 * collection frees each object once, and no count is taken twice (which
 * would be reported as corruption). */
START_TEST(collection_dropped_mid_array)
{
    int fins = 0;
    gcp_ref arr = dead_big_array(&fins);
    gcp_roots *roots;
    ck_assert_ok(gcp_roots_new(&roots));
    gcp_collection *gc;
    ck_assert_ok(gcp_heap_gc_start(F.heap, roots, F.table, &gc));
    gcp_progress p;
    ck_assert_ok(gcp_collection_step(gc, &p));
    ck_assert_int_eq(p, GCP_CONTINUE);
    ck_assert(!is_free(arr));
    gcp_ref other = GCP_REF_NULL;
    ck_assert_ok(gcp_roots_add(roots, &other));
    ck_assert_status(gcp_collection_step(gc, &p), GCP_ESTATE);
    ck_assert(!gcp_heap_is_poisoned(F.heap));
    ck_assert(is_free(arr));
    ck_assert_uint_ge(gcp__drc_zct_count(F.heap), BIG_N);
    ck_assert_ok(gcp_heap_gc(F.heap, roots, F.table));
    ck_assert_int_eq(fins, (int)BIG_N);
    ck_assert_uint_eq(gcp_hostdata_count(F.table), 0);
    ck_assert(!gcp_heap_is_poisoned(F.heap));
    gcp_roots_free(roots);
}
END_TEST

/* ------------------------------------------------------------ merging */

static gcp_freelist *lists(gc_fixture *f) { return gcp__heap_freelist(f->heap); }

/* n fresh structs in r, at consecutive addresses from GCP_HEAP_START. */
static void fill(gc_fixture *f, gcp_ref *r, int n)
{
    for (int i = 0; i < n; i++) {
        ck_assert_ok(gcp_heap_alloc_struct(f->heap, f->S, &r[i]));
        ck_assert_uint_eq(r[i], GCP_HEAP_START + 32u * (uint32_t)i);
    }
}

/* 64 fresh structs in r (F's heap), those in [from, to) dropped. */
static void fill64_dropping(gcp_ref *r, int from, int to)
{
    fill(&F, r, 64);
    for (int i = from; i < to; i++)
        drop(r[i]);
}

/* 64 objects, every eighth kept: the 56 freed (more than a quarter of the
 * heap) merge into 8 runs of 7, and allocation takes the last run from its
 * start, in address order. */
START_TEST(big_frees_merge_in_address_order)
{
    gcp_ref r[64];
    fill(&F, r, 64);
    for (int i = 0; i < 64; i++)
        if (i % 8 != 7)
            drop(r[i]);
    gcf_collect(&F, NULL);
    ck_assert_uint_eq(lists(&F)->free_blocks, 8);
    ck_assert_uint_eq(lists(&F)->free_bytes, 56 * 32);
    for (int k = 0; k < 8; k++) {
        ck_assert(is_free(r[8 * k]));
        ck_assert_uint_eq(gcf_peek(&F, r[8 * k], GCP_HDR_SIZE), 7 * 32);
    }
    for (int i = 0; i < 7; i++)
        ck_assert_uint_eq(new_s(), r[56 + i]);
    ck_assert(!gcp_heap_is_poisoned(F.heap));
}
END_TEST

/* Below a quarter of the heap the blocks stay as freed; from a quarter on
 * they merge (the heap is 16 + 64 * 32 bytes: a quarter is 516). */
START_TEST(small_frees_are_not_merged)
{
    gcp_ref r[64];
    fill64_dropping(r, 0, 12);   /* 384 bytes */
    gcf_collect(&F, NULL);
    ck_assert_uint_eq(lists(&F)->free_blocks, 12);
    ck_assert_uint_eq(gcf_peek(&F, r[0], GCP_HDR_SIZE), 32);
    for (int i = 12; i < 29; i++)   /* 17 more in the next one: 544 bytes */
        drop(r[i]);
    gcf_collect(&F, NULL);
    ck_assert_uint_eq(lists(&F)->free_blocks, 1);
    ck_assert_uint_eq(gcf_peek(&F, r[0], GCP_HDR_SIZE), 29 * 32);
    ck_assert_uint_eq(lists(&F)->free_bytes, 29 * 32);
}
END_TEST

/* A free run that reaches the frontier lowers it. */
START_TEST(merge_lowers_the_frontier)
{
    gcp_ref r[64];
    fill64_dropping(r, 1, 64);
    ck_assert_uint_eq(lists(&F)->frontier, r[63] + 32);
    gcf_collect(&F, NULL);
    ck_assert_uint_eq(lists(&F)->frontier, r[1]);
    ck_assert_uint_eq(lists(&F)->free_blocks, 0);
    ck_assert_uint_eq(lists(&F)->free_bytes, 0);
    ck_assert_uint_eq(new_s(), r[1]);
    ck_assert_uint_eq(count(r[0]), 1);
}
END_TEST

/* 300 objects, the even ones freed: the merge walks all 300 blocks, ten a
 * step; a collection ended during that walk finishes it, so that every
 * freed block is still found by allocation. */
START_TEST(merge_is_sliced_and_finished_when_cut_short)
{
    enum { N = 300 };
    for (int cut = 0; cut < 2; cut++) {
        gc_fixture G;
        gcf_open(&G, GCP_COLLECTOR_DRC, 1 * MIB, 10);
        gcp_ref r[N];
        fill(&G, r, N);
        for (int i = 0; i < N; i += 2)
            ck_assert_ok(gcp_heap_drop_ref(G.heap, G.table, r[i]));
        const uint64_t frontier = lists(&G)->frontier;
        gcp_roots *roots;
        ck_assert_ok(gcp_roots_new(&roots));
        gcp_collection *gc;
        ck_assert_ok(gcp_heap_gc_start(G.heap, roots, G.table, &gc));
        gcp_progress p = GCP_CONTINUE;
        while (gc->bytes_reclaimed < N / 2 * 32) {
            ck_assert_ok(gcp_collection_step(gc, &p));
            ck_assert(p == GCP_CONTINUE);
        }
        /* Everything is freed; the walk is what is left. */
        int steps = 0;
        if (cut) {
            ck_assert_ok(gcp_collection_step(gc, &p));
            ck_assert(p == GCP_CONTINUE);
            ck_assert_uint_lt(lists(&G)->free_blocks, N / 2);
            gcp_ref spare = GCP_REF_NULL;
            ck_assert_ok(gcp_roots_add(roots, &spare));
            ck_assert_status(gcp_collection_step(gc, &p), GCP_ESTATE);
        } else {
            while (p == GCP_CONTINUE) {
                ck_assert_ok(gcp_collection_step(gc, &p));
                ck_assert_uint_le(gcp__gc_last_step_units(G.heap), 10);
                steps++;
            }
            ck_assert_int_ge(steps, N / 10 - 2);
        }
        ck_assert(!gcp_heap_is_poisoned(G.heap));
        ck_assert_uint_eq(lists(&G)->free_blocks, N / 2);
        ck_assert_uint_eq(lists(&G)->free_bytes, N / 2 * 32);
        for (int i = 0; i < N / 2; i++) {
            gcp_ref x;
            ck_assert_ok(gcp_heap_alloc_struct(G.heap, G.S, &x));
            ck_assert_uint_eq((x - GCP_HEAP_START) % 64, 0);   /* an even one */
        }
        ck_assert_uint_eq(lists(&G)->frontier, frontier);
        ck_assert_uint_eq(lists(&G)->free_blocks, 0);
        gcp_roots_free(roots);
        gcf_close(&G);
    }
}
END_TEST

/* The merge validates every block, also live ones no count change
 * reached: a forged size there is corruption. */
START_TEST(merge_finds_forged_blocks)
{
    gcp_ref r[64];
    fill64_dropping(r, 1, 63);
    gcf_poke(&F, r[63], GCP_HDR_SIZE, 64);
    expect_corrupt(gcp_heap_gc(F.heap, NULL, F.table));
}
END_TEST

int main(void)
{
    Suite *s = suite_create("drc");
    TCase *tc = tcase_create("drc");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, new_objects_count_one);
    tcase_add_test(tc, clone_and_drop);
    tcase_add_test(tc, host_location_writes);
    tcase_add_test(tc, field_sets);
    tcase_add_test(tc, collection_frees_zero_counts);
    tcase_add_test(tc, children_lose_counts_recursively);
    tcase_add_test(tc, exposed_refs_survive_one_collection);
    tcase_add_test(tc, stack_roots_are_respected);
    tcase_add_test(tc, need_gc_before_entering_wasm);
    tcase_add_test(tc, externrefs_finalized_once);
    tcase_add_test(tc, cycles_wait_for_reset);
    tcase_add_test(tc, saturated_counts_stick);
    tcase_add_test(tc, underflow_is_corruption);
    tcase_add_test(tc, corrupt_heaps);
    tcase_add_test(tc, duplicate_queue_entries_free_once);
    tcase_add_test(tc, queue_overflow_falls_back_to_a_scan);
    tcase_add_test(tc, steps_follow_the_budget);
    tcase_add_test(tc, reset_mid_collection);
    tcase_add_test(tc, cascade_cut_short_keeps_counts);
    tcase_add_test(tc, full_heap_needs_gc_then_reuses);
    tcase_add_test(tc, backup_trace_frees_cycles);
    tcase_add_test(tc, backup_trace_keeps_held_cycles);
    tcase_add_test(tc, allocation_failure_asks_for_a_trace);
    tcase_add_test(tc, no_trace_when_zero_counts_free_enough);
    tcase_add_test(tc, backup_trace_steps_and_corruption);
    tcase_add_test(tc, large_arrays_freed_across_steps);
    tcase_add_test(tc, collection_dropped_mid_array);
    tcase_add_test(tc, big_frees_merge_in_address_order);
    tcase_add_test(tc, small_frees_are_not_merged);
    tcase_add_test(tc, merge_lowers_the_frontier);
    tcase_add_test(tc, merge_is_sliced_and_finished_when_cut_short);
    tcase_add_test(tc, merge_finds_forged_blocks);
    suite_add_tcase(s, tc);
    return run_suite(s);
}

/* SPDX-License-Identifier: MIT */
/* Incremental mark-sweep: reachability from every kind of root, cycles,
 * host-data finalization, free-list rebuilding, step budgets and
 * corrupted heaps. */
#include "gcutil.h"
#include "lib/inspect.h"

static gc_fixture F;
static gcp_roots *roots;

static void setup(void)
{
    gcf_open(&F, GCP_COLLECTOR_MARKSWEEP, 1 * MIB, 1000);
    ck_assert_ok(gcp_roots_new(&roots));
}

static void teardown(void)
{
    gcp_roots_free(roots);
    gcf_close(&F);
}

static gcp_ref new_s(void)
{
    gcp_ref r;
    ck_assert_ok(gcp_heap_alloc_struct(F.heap, F.S, &r));
    return r;
}

static void link(gcp_ref from, uint32_t field, gcp_ref to)
{
    ck_assert_ok(gcp_struct_set_ref(F.heap, F.table, from, field, to));
}

/* True when r starts a live object in a walk of the heap's blocks. */
static bool live(gcp_ref r)
{
    gcp_freelist *fl = gcp__heap_freelist(F.heap);
    uint64_t at = GCP_HEAP_START;
    while (at < fl->frontier) {
        gcp_obj o;
        ck_assert_ok(gcp__obj_check_block(F.heap, (gcp_ref)at, &o));
        if (at == r)
            return o.kind != GCP_KIND_FREE;
        if (at > r)
            return false;
        at += o.size;
    }
    return false;
}

START_TEST(reachable_objects_survive)
{
    static int fin_live, fin_dead; /* finalizers may run at teardown */
    fin_live = fin_dead = 0;
    gcp_ref a = new_s(), b = new_s(), dead = new_s(), c1 = new_s(), c2 = new_s();
    gcp_ref e_live = gcf_extern(&F, &fin_live), e_dead = gcf_extern(&F, &fin_dead);
    gcp_ref arr, onstack = new_s(), under = new_s();
    ck_assert_ok(gcp_heap_alloc_array(F.heap, F.RA, 3, &arr));
    link(a, 0, b);
    link(b, 8, arr);
    ck_assert_ok(gcp_array_set_ref(F.heap, F.table, arr, 2, e_live));
    ck_assert_ok(gcp_array_set_ref(F.heap, F.table, arr, 0, gcp_ref_i31_wrap(5)));
    link(onstack, 0, under);
    link(dead, 0, e_dead);
    link(dead, 8, b);      /* dead objects may point at live ones */
    link(c1, 0, c2);       /* an unreachable cycle */
    link(c2, 0, c1);
    uint32_t mark = 0xabcdef01;
    ck_assert_ok(gcp_struct_write(F.heap, b, 4, &mark, 4));
    gcp_ref host = a, i31 = gcp_ref_i31_wrap(9), nul = GCP_REF_NULL;
    uint64_t slot = gcp_ref_to_r64(onstack);
    ck_assert_ok(gcp_roots_add(roots, &host));
    ck_assert_ok(gcp_roots_add(roots, &i31));
    ck_assert_ok(gcp_roots_add(roots, &nul));
    ck_assert_ok(gcp_roots_add_stack(roots, &slot));
    gcp_collection *gc;
    ck_assert_ok(gcp_heap_gc_start(F.heap, roots, F.table, &gc));
    ck_assert_ok(gcp_collection_run(gc));
    ck_assert_uint_eq(gc->bytes_reclaimed, 3 * 32 + 24);
    ck_assert(live(a) && live(b) && live(arr) && live(e_live) && live(onstack) && live(under));
    ck_assert(!live(dead) && !live(c1) && !live(c2) && !live(e_dead));
    ck_assert_int_eq(fin_live, 0);
    ck_assert_int_eq(fin_dead, 1);
    /* Fields are unchanged, roots too. */
    gcp_ref v;
    ck_assert_ok(gcp_struct_get_ref(F.heap, a, 0, &v));
    ck_assert_uint_eq(v, b);
    ck_assert_ok(gcp_array_get_ref(F.heap, arr, 2, &v));
    ck_assert_uint_eq(v, e_live);
    uint32_t got;
    ck_assert_ok(gcp_struct_read(F.heap, b, 4, &got, 4));
    ck_assert_uint_eq(got, mark);
    ck_assert_uint_eq(host, a);
    ck_assert_uint_eq(slot, onstack);
    ck_assert_uint_eq(gcp_heap_collections(F.heap), 1);
    /* Nothing rooted: everything goes, the frontier returns to the start. */
    gcp_roots_clear(roots);
    gcf_collect(&F, roots);
    ck_assert_int_eq(fin_live, 1);
    ck_assert_uint_eq(gcp__heap_freelist(F.heap)->frontier, GCP_HEAP_START);
    ck_assert_uint_gt(gcp__heap_high_water(F.heap), GCP_HEAP_START);
    ck_assert_uint_eq(new_s(), GCP_HEAP_START);
}
END_TEST

START_TEST(sweep_rebuilds_merged_lists)
{
    gcp_ref keep1 = new_s(), d1 = new_s(), d2 = new_s(), keep2 = new_s(), d3 = new_s();
    (void)d3;
    gcp_ref k1 = keep1, k2 = keep2;
    ck_assert_ok(gcp_roots_add(roots, &k1));
    ck_assert_ok(gcp_roots_add(roots, &k2));
    gcf_collect(&F, roots);
    gcp_freelist *fl = gcp__heap_freelist(F.heap);
    /* d1 and d2 merged into one 64-byte block; d3 went back to the frontier. */
    ck_assert_uint_eq(fl->free_blocks, 1);
    ck_assert_uint_eq(fl->free_bytes, 64);
    ck_assert_uint_eq(fl->frontier, keep2 + 32);
    ck_assert_uint_eq(gcf_peek(&F, d1, GCP_HDR_SIZE), 64);
    gcp_ref big;
    ck_assert_ok(gcp_heap_alloc_array(F.heap, F.BA, 40, &big));   /* 64 bytes */
    ck_assert_uint_eq(big, d1);
    (void)d2;
}
END_TEST

START_TEST(full_heap_recovers_after_collection)
{
    gcp_ref r, first = 0;
    gcp_status st;
    size_t n = 0;
    while ((st = gcp_heap_alloc_struct(F.heap, F.L, &r)) == GCP_OK) {
        if (!first)
            first = r;
        n++;
    }
    ck_assert_status(st, GCP_NEED_GC);
    gcp_ref keep = first;
    ck_assert_ok(gcp_roots_add(roots, &keep));
    gcf_collect(&F, roots);
    for (size_t i = 1; i < n; i++)
        ck_assert_ok(gcp_heap_alloc_struct(F.heap, F.L, &r));
    ck_assert_status(gcp_heap_alloc_struct(F.heap, F.L, &r), GCP_NEED_GC);
    /* Keep everything this time: the failure after the collection is final. */
    gcp_ref arr;
    gcp_roots_clear(roots);
    gcf_collect(&F, roots);
    ck_assert_ok(gcp_heap_alloc_array(F.heap, F.RA, 2000, &arr));
    ck_assert_ok(gcp_roots_add(roots, &arr));
    for (uint32_t i = 0; i < 2000; i++) {
        st = gcp_heap_alloc_struct(F.heap, F.L, &r);
        if (st != GCP_OK)
            break;
        ck_assert_ok(gcp_array_set_ref(F.heap, F.table, arr, i, r));
    }
    ck_assert_status(st, GCP_NEED_GC);
    gcf_collect(&F, roots);
    ck_assert_status(gcp_heap_alloc_struct(F.heap, F.L, &r), GCP_ELIMIT);
    ck_assert(live(arr));
}
END_TEST

/* Drives a collection with the given budget over a graph holding a long
 * list and a large ref array; checks every step's work. */
static void run_budget(uint32_t budget)
{
    gc_fixture G;
    gcf_open(&G, GCP_COLLECTOR_MARKSWEEP, 1 * MIB, budget);
    gcp_ref arr, prev, head;
    ck_assert_ok(gcp_heap_alloc_array(G.heap, G.RA, 3000, &arr));
    ck_assert_ok(gcp_heap_alloc_struct(G.heap, G.S, &head));
    prev = head;
    for (int i = 0; i < 2000; i++) {
        gcp_ref r, junk;
        ck_assert_ok(gcp_heap_alloc_struct(G.heap, G.S, &r));
        ck_assert_ok(gcp_heap_alloc_struct(G.heap, G.S, &junk));
        ck_assert_ok(gcp_struct_set_ref(G.heap, G.table, prev, 8, r));
        ck_assert_ok(gcp_array_set_ref(G.heap, G.table, arr, (uint32_t)i, r));
        prev = r;
    }
    gcp_roots *rs;
    ck_assert_ok(gcp_roots_new(&rs));
    ck_assert_ok(gcp_roots_add(rs, &arr));
    ck_assert_ok(gcp_roots_add(rs, &head));
    gcp_collection *gc;
    ck_assert_ok(gcp_heap_gc_start(G.heap, rs, G.table, &gc));
    gcp_progress p = GCP_CONTINUE;
    uint64_t steps = 0, total = 0;
    while (p == GCP_CONTINUE) {
        ck_assert_ok(gcp_collection_step(gc, &p));
        uint64_t u = gcp__gc_last_step_units(G.heap);
        /* The contract allows one object past the budget; slicing ref
         * slots keeps even the 3000-slot array inside it. */
        ck_assert_uint_le(u, budget);
        ck_assert_uint_gt(u, 0);
        total += u;
        steps++;
        ck_assert_uint_lt(steps, 1000000);
    }
    /* 2 roots + 2002 objects + 3000 + 2001 * 2 slots marked + 4002 blocks swept. */
    ck_assert_uint_eq(total, 2 + 2002 + 3000 + 2001 * 2 + 4002);
    ck_assert_uint_ge(steps, total / budget);
    ck_assert_uint_eq(gc->bytes_reclaimed, 2000 * 32);
    gcp_roots_free(rs);
    gcf_close(&G);
}

START_TEST(steps_stay_within_budget)
{
    run_budget(1);
    run_budget(7);
    run_budget(100);
    run_budget(100000);
}
END_TEST

START_TEST(mutator_waits_between_steps)
{
    gc_fixture G;
    gcf_open(&G, GCP_COLLECTOR_MARKSWEEP, 1 * MIB, 2);
    gcp_ref a, kept[5];
    gcp_roots *rs;
    ck_assert_ok(gcp_roots_new(&rs));
    for (int i = 0; i < 10; i++) {
        ck_assert_ok(gcp_heap_alloc_struct(G.heap, G.S, &a));
        if (i % 2) {
            kept[i / 2] = a;
            ck_assert_ok(gcp_roots_add(rs, &kept[i / 2]));
        }
    }
    gcp_collection *gc;
    gcp_progress p;
    ck_assert_ok(gcp_heap_gc_start(G.heap, rs, G.table, &gc));
    ck_assert_ok(gcp_collection_step(gc, &p));
    ck_assert_int_eq(p, GCP_CONTINUE);
    ck_assert_status(gcp_heap_alloc_struct(G.heap, G.S, &a), GCP_EBUSY);
    ck_assert_status(gcp_heap_gc_start(G.heap, NULL, G.table, &gc), GCP_EBUSY);
    ck_assert_ok(gcp_collection_run(gc));
    ck_assert_ok(gcp_collection_step(gc, &p));
    ck_assert_int_eq(p, GCP_COMPLETE);
    /* The new object reuses one of the dead ones' blocks. */
    ck_assert_ok(gcp_heap_alloc_struct(G.heap, G.S, &a));
    ck_assert_uint_lt(a, GCP_HEAP_START + 10 * 32);
    ck_assert_uint_eq((a - GCP_HEAP_START) % 64, 0);
    gcp_roots_free(rs);
    gcf_close(&G);
}
END_TEST

START_TEST(reset_mid_sweep)
{
    gc_fixture G;
    gcf_open(&G, GCP_COLLECTOR_MARKSWEEP, 1 * MIB, 5);
    static int fin; /* finalizers may run at teardown, after this frame */
    fin = 0;
    gcp_ref r;
    for (int i = 0; i < 50; i++)
        ck_assert_ok(gcp_heap_alloc_struct(G.heap, G.S, &r));
    gcf_extern(&G, &fin);
    gcp_collection *gc;
    gcp_progress p;
    ck_assert_ok(gcp_heap_gc_start(G.heap, NULL, G.table, &gc));
    for (int i = 0; i < 3; i++)
        ck_assert_ok(gcp_collection_step(gc, &p));
    ck_assert_int_eq(p, GCP_CONTINUE);
    gcf_recycle(&G);
    ck_assert_int_eq(fin, 1);
    ck_assert_ok(gcp_heap_alloc_struct(G.heap, G.S, &r));
    ck_assert_uint_eq(r, GCP_HEAP_START);
    ck_assert_uint_eq(gcp_heap_collections(G.heap), 0);
    gcf_close(&G);
}
END_TEST

static void expect_corrupt_gc(void)
{
    ck_assert_status(gcp_heap_gc(F.heap, roots, F.table), GCP_ECORRUPT);
    ck_assert(gcp_heap_is_poisoned(F.heap));
    gcp_roots_clear(roots);
    gcf_recycle(&F);
}

static gcp_ref root_ref;

/* A rooted struct whose second field points at a fresh struct. */
static gcp_ref rooted_pair(gcp_ref *child)
{
    root_ref = new_s();
    *child = new_s();
    link(root_ref, 8, *child);
    ck_assert_ok(gcp_roots_add(roots, &root_ref));
    return root_ref;
}

START_TEST(corrupt_reachable_objects)
{
    gcp_ref p, c;
    const uint32_t bad_refs[] = {4, 2, 0xfffffff8u, 40000, 24};
    for (size_t i = 0; i < sizeof bad_refs / sizeof bad_refs[0]; i++) {
        p = rooted_pair(&c);
        gcf_poke(&F, c, GCP_OBJ_PAYLOAD, bad_refs[i]);
        expect_corrupt_gc();
    }
    p = rooted_pair(&c);
    gcf_poke(&F, c, GCP_HDR_TYPE, 999);
    expect_corrupt_gc();
    p = rooted_pair(&c);
    gcf_poke(&F, c, GCP_HDR_KIND, GCP_KIND_FREE);
    expect_corrupt_gc();
    gcp_ref arr;
    p = rooted_pair(&c);
    ck_assert_ok(gcp_heap_alloc_array(F.heap, F.RA, 4, &arr));
    link(p, 0, arr);
    gcf_poke(&F, arr, GCP_ARRAY_LENGTH, 0x40000000u);
    expect_corrupt_gc();
    /* A forged object above the frontier, well-formed but never handed out. */
    p = rooted_pair(&c);
    gcp__obj_init(F.heap, 2048, GCP_KIND_STRUCT, F.S, 32, 0);
    gcf_poke(&F, c, GCP_OBJ_PAYLOAD, 2048);
    expect_corrupt_gc();
    (void)p;
}
END_TEST

START_TEST(corrupt_dead_blocks)
{
    /* With an externref in the heap the sweep walks every block, dead ones
     * too (a dead externref's host data must be finalized). */
    static int fin; /* finalizers may run at teardown, after this frame */
    fin = 0;
    gcp_ref p, c, dead = new_s();
    gcf_extern(&F, &fin);
    p = rooted_pair(&c);
    gcf_poke(&F, dead, GCP_HDR_TYPE, 77);
    expect_corrupt_gc();
    dead = new_s();
    gcf_extern(&F, &fin);
    p = rooted_pair(&c);
    gcf_poke(&F, dead, GCP_HDR_KIND, GCP_KIND_FREE);
    gcf_poke(&F, dead, GCP_HDR_SIZE, 0);
    expect_corrupt_gc();
    dead = new_s();
    gcf_extern(&F, &fin);
    p = rooted_pair(&c);
    gcf_poke(&F, dead, GCP_HDR_KIND, GCP_KIND_FREE);
    gcf_poke(&F, dead, GCP_HDR_SIZE, 1u << 30);
    expect_corrupt_gc();
    /* An unreachable externref with a forged host-data id. */
    fin = 0;
    gcp_ref e = gcf_extern(&F, &fin);
    p = rooted_pair(&c);
    gcf_poke(&F, e, GCP_OBJ_PAYLOAD, 0x7777);
    expect_corrupt_gc();
    ck_assert_int_eq(fin, 1);   /* by the reset */
    (void)p;
}
END_TEST

/* Without externrefs the sweep goes from mark to mark: garbage is never
 * read, so a forged dead block is neither validated nor trusted; its bytes
 * become free space like any other garbage. */
START_TEST(dead_garbage_is_not_read)
{
    gcp_ref c, dead = new_s();
    gcp_ref p = rooted_pair(&c);
    gcf_poke(&F, dead, GCP_HDR_TYPE, 77);
    gcf_poke(&F, dead, GCP_HDR_SIZE, 1u << 30);
    gcp_ref after = new_s();   /* dead too, after the pair */
    (void)after;
    ck_assert_ok(gcp_heap_gc(F.heap, roots, F.table));
    ck_assert(!gcp_heap_is_poisoned(F.heap));
    /* The dead object's block is a free block again, and reused. */
    ck_assert_uint_eq(gcf_peek(&F, dead, GCP_HDR_KIND), GCP_KIND_FREE);
    ck_assert_uint_eq(gcf_peek(&F, dead, GCP_HDR_SIZE), 32);
    ck_assert_uint_eq(new_s(), dead);
    gcp_ref x;
    ck_assert_ok(gcp_struct_get_ref(F.heap, p, 8, &x));
    ck_assert_uint_eq(x, c);
}
END_TEST

/* Two marked objects that overlap (a size forged to cover the next one)
 * cannot both be objects: the sweep by runs reports it. */
START_TEST(run_sweep_finds_overlapping_marks)
{
    gcp_ref a = new_s(), b = new_s();
    gcp_ref ra = a, rb = b;
    ck_assert_ok(gcp_roots_add(roots, &ra));
    ck_assert_ok(gcp_roots_add(roots, &rb));
    /* a becomes a valid byte array of 64 bytes: b lies inside it. */
    gcf_forge_byte_array(&F, a, 64);
    expect_corrupt_gc();
}
END_TEST

/* A forged size that ends inside the next marked object (not past it):
 * the extents interleave, and the sweep by runs reports that too. */
START_TEST(run_sweep_finds_interleaved_extents)
{
    gcp_ref a = new_s(), b = new_s(), c = new_s();
    ck_assert_uint_eq(b, a + 32);
    gcp_ref ra = a, rb = b, rc = c;
    ck_assert_ok(gcp_roots_add(roots, &ra));
    ck_assert_ok(gcp_roots_add(roots, &rb));
    ck_assert_ok(gcp_roots_add(roots, &rc));
    /* a becomes a valid byte array of 48 bytes: it ends halfway into b. */
    gcf_forge_byte_array(&F, a, 48);
    expect_corrupt_gc();
}
END_TEST

START_TEST(corrupt_free_lists_after_sweep)
{
    gcp_ref keep = new_s(), d = new_s(), k2 = new_s();
    (void)k2;
    gcp_ref r1 = keep, r2 = k2;
    ck_assert_ok(gcp_roots_add(roots, &r1));
    ck_assert_ok(gcp_roots_add(roots, &r2));
    gcf_collect(&F, roots);
    gcf_poke(&F, d, GCP_HDR_CWORD, d);   /* a list that loops on itself */
    gcp_ref x;
    ck_assert_status(gcp_heap_alloc_struct(F.heap, F.S, &x), GCP_ECORRUPT);
    ck_assert(gcp_heap_is_poisoned(F.heap));
    ck_assert_status(gcp_heap_alloc_struct(F.heap, F.S, &x), GCP_EPOISONED);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("marksweep");
    TCase *tc = tcase_create("marksweep");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, reachable_objects_survive);
    tcase_add_test(tc, sweep_rebuilds_merged_lists);
    tcase_add_test(tc, full_heap_recovers_after_collection);
    tcase_add_test(tc, steps_stay_within_budget);
    tcase_add_test(tc, mutator_waits_between_steps);
    tcase_add_test(tc, reset_mid_sweep);
    tcase_add_test(tc, corrupt_reachable_objects);
    tcase_add_test(tc, corrupt_dead_blocks);
    tcase_add_test(tc, dead_garbage_is_not_read);
    tcase_add_test(tc, run_sweep_finds_overlapping_marks);
    tcase_add_test(tc, run_sweep_finds_interleaved_extents);
    tcase_add_test(tc, corrupt_free_lists_after_sweep);
    suite_add_tcase(s, tc);
    return run_suite(s);
}

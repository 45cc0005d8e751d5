/* SPDX-License-Identifier: MIT */
/* Incremental mark-compact: objects slide down, every root kind and every
 * ref slot is rewritten, host data follows moving externrefs, steps keep
 * their budget, and forged heaps end in GCP_ECORRUPT, never a host fault. */
#include "gcutil.h"
#include "lib/inspect.h"

static gc_fixture F;
static gcp_roots *roots;

static void open_with(uint32_t budget)
{
    gcf_open(&F, GCP_COLLECTOR_COMPACT, 1 * MIB, budget);
    ck_assert_ok(gcp_roots_new(&roots));
}
static void setup(void) { open_with(1000); }

static void teardown(void)
{
    gcp_roots_free(roots);
    gcf_close(&F);
}

static gcp_ref new_s(uint32_t tag)
{
    gcp_ref r;
    ck_assert_ok(gcp_heap_alloc_struct(F.heap, F.S, &r));
    ck_assert_ok(gcp_struct_write(F.heap, r, 4, &tag, 4));
    return r;
}

static uint32_t tag_of(gcp_ref r)
{
    uint32_t t;
    ck_assert_ok(gcp_struct_read(F.heap, r, 4, &t, 4));
    return t;
}

static gcp_ref field(gcp_ref r, uint32_t off)
{
    gcp_ref v;
    ck_assert_ok(gcp_struct_get_ref(F.heap, r, off, &v));
    return v;
}

static void link(gcp_ref from, uint32_t off, gcp_ref to)
{
    ck_assert_ok(gcp_struct_set_ref(F.heap, F.table, from, off, to));
}

static uint32_t next_free(void)
{
    const gcp_bump *b = gcp_heap_collector_data(F.heap);
    return b->next;
}

START_TEST(live_objects_slide_down_and_refs_follow)
{
    static int fin_live, fin_dead;
    fin_live = fin_dead = 0;
    gcp_ref dead1 = new_s(1), a = new_s(2), dead2 = new_s(3), b = new_s(4);
    gcp_ref e_dead = gcf_extern(&F, &fin_dead), e_live = gcf_extern(&F, &fin_live);
    gcp_ref c = new_s(5);
    link(a, 0, b);
    link(b, 0, c);
    link(b, 8, e_live);
    link(c, 8, a);            /* a cycle through live objects */
    link(dead1, 0, a);        /* dead objects may point at live ones */
    link(dead2, 8, e_dead);
    gcp_ref host = a;
    uint64_t slot = gcp_ref_to_r64(c);
    ck_assert_ok(gcp_roots_add(roots, &host));
    ck_assert_ok(gcp_roots_add_stack(roots, &slot));
    gcf_collect(&F, roots);
    /* Three structs and one externref stay, packed from the start. */
    ck_assert_uint_eq(host, GCP_HEAP_START);
    ck_assert_uint_eq(next_free(), GCP_HEAP_START + 3 * 32 + 24);
    ck_assert_uint_eq(tag_of(host), 2);
    gcp_ref nb = field(host, 0), nc = field(nb, 0), ne = field(nb, 8);
    ck_assert_uint_eq(tag_of(nb), 4);
    ck_assert_uint_eq(tag_of(nc), 5);
    ck_assert_uint_eq(field(nc, 8), host);
    gcp_ref from_stack;
    ck_assert_ok(gcp_ref_from_r64(slot, &from_stack));
    ck_assert_uint_eq(from_stack, nc);
    ck_assert_uint_ne(nb, b);
    /* The live externref moved with its host data; the dead one was
     * finalized once. */
    ck_assert_uint_ne(ne, e_live);
    void *ptr;
    ck_assert_ok(gcp_heap_externref_data(F.heap, F.table, ne, &ptr));
    ck_assert_ptr_eq(ptr, &fin_live);
    ck_assert_int_eq(fin_dead, 1);
    ck_assert_int_eq(fin_live, 0);
    /* A second collection moves nothing and keeps everything. */
    gcf_collect(&F, roots);
    ck_assert_uint_eq(field(host, 0), nb);
    ck_assert_int_eq(fin_dead, 1);
    /* Allocation continues at the end of the compacted heap. */
    gcp_ref fresh = new_s(9);
    ck_assert_uint_eq(fresh, GCP_HEAP_START + 3 * 32 + 24);
    /* Unrooted, everything goes. */
    gcp_roots_clear(roots);
    gcf_collect(&F, roots);
    ck_assert_uint_eq(next_free(), GCP_HEAP_START);
    ck_assert_int_eq(fin_live, 1);
}
END_TEST

/* Handles, long-lived and scoped, are rewritten by a move like any root;
 * one left stale by its scope keeps nothing alive. */
START_TEST(handles_follow_a_move)
{
    (void)new_s(1);
    gcp_ref a = new_s(2);
    (void)new_s(3);
    gcp_ref b = new_s(4), c = new_s(5);
    gcp_handle ha, hb, hc;
    ck_assert_ok(gcp_roots_handle_new(roots, a, &ha));
    gcp_scope sc;
    ck_assert_ok(gcp_roots_scope_enter(roots, &sc));
    ck_assert_ok(gcp_roots_scope_handle(roots, b, &hb));
    ck_assert_ok(gcp_roots_scope_handle(roots, c, &hc));
    ck_assert_ok(gcp_roots_scope_leave(roots, sc));   /* c and b go */
    ck_assert_ok(gcp_roots_scope_enter(roots, &sc));
    ck_assert_ok(gcp_roots_scope_handle(roots, b, &hb));
    gcf_collect(&F, roots);
    gcp_ref na, nb;
    ck_assert_ok(gcp_roots_handle_get(roots, ha, &na));
    ck_assert_ok(gcp_roots_handle_get(roots, hb, &nb));
    ck_assert_uint_eq(na, GCP_HEAP_START);
    ck_assert_uint_eq(nb, GCP_HEAP_START + 32);
    ck_assert_uint_eq(tag_of(na), 2);
    ck_assert_uint_eq(tag_of(nb), 4);
    ck_assert_uint_eq(next_free(), GCP_HEAP_START + 64);   /* c was not kept */
    ck_assert_ok(gcp_roots_scope_leave(roots, sc));
    ck_assert_ok(gcp_roots_handle_free(roots, ha));
    gcf_collect(&F, roots);
    ck_assert_uint_eq(next_free(), GCP_HEAP_START);
}
END_TEST

START_TEST(large_array_moves_across_steps)
{
    teardown();
    open_with(8);
    gcp_ref garbage, arr;
    ck_assert_ok(gcp_heap_alloc_array(F.heap, F.BA, 5000, &garbage));
    ck_assert_ok(gcp_heap_alloc_array(F.heap, F.BA, 100000, &arr));
    for (uint32_t i = 0; i < 100000; i += 997) {
        uint8_t v[8] = {(uint8_t)(i * 7u + 1u)};
        ck_assert_ok(gcp_array_write(F.heap, arr, i, v));
    }
    ck_assert_ok(gcp_roots_add(roots, &arr));
    gcp_collection *gc;
    ck_assert_ok(gcp_heap_gc_start(F.heap, roots, F.table, &gc));
    gcp_progress p = GCP_CONTINUE;
    long steps = 0;
    while (p == GCP_CONTINUE) {
        ck_assert_ok(gcp_collection_step(gc, &p));
        ck_assert_uint_le(gcp__gc_last_step_units(F.heap), 8);
        ck_assert_int_lt(++steps, 1000000);
    }
    ck_assert_int_gt(steps, 100000 / 256 / 8);   /* the copy was sliced */
    ck_assert_uint_eq(arr, GCP_HEAP_START);
    uint32_t len;
    ck_assert_ok(gcp_array_length(F.heap, arr, &len));
    ck_assert_uint_eq(len, 100000);
    for (uint32_t i = 0; i < 100000; i += 997) {
        uint8_t v[8] = {0};   /* room for any element width (LTO cannot see it is 1) */
        ck_assert_ok(gcp_array_read(F.heap, arr, i, v));
        ck_assert_uint_eq(v[0], (uint8_t)(i * 7u + 1u));
    }
}
END_TEST

START_TEST(wide_ref_array_fixed_across_steps)
{
    teardown();
    open_with(3);
    gcp_ref arr;
    ck_assert_ok(gcp_heap_alloc_array(F.heap, F.RA, 500, &arr));
    ck_assert_ok(gcp_roots_add(roots, &arr));
    for (uint32_t i = 0; i < 500; i++) {
        (void)new_s(1000 + i);   /* garbage between the elements */
        ck_assert_ok(gcp_array_set_ref(F.heap, F.table, arr, i, new_s(i)));
    }
    gcf_collect(&F, roots);
    ck_assert_uint_eq(next_free(), GCP_HEAP_START + gcp__align8(GCP_ARRAY_ELEMS + 4 * 500) + 500 * 32);
    for (uint32_t i = 0; i < 500; i++) {
        gcp_ref e;
        ck_assert_ok(gcp_array_get_ref(F.heap, arr, i, &e));
        ck_assert_uint_eq(tag_of(e), i);
    }
}
END_TEST

/* Roots changed before the fix phases: the collection ends, the heap is
 * fine.  After: the heap is half moved and is poisoned. */
static void change_roots_after(long steps, bool expect_poison)
{
    teardown();
    open_with(1);
    gcp_ref keep = new_s(1), dummy = GCP_REF_NULL;
    (void)new_s(2);
    gcp_ref later = new_s(3);
    link(keep, 0, later);
    ck_assert_ok(gcp_roots_add(roots, &keep));
    gcp_collection *gc;
    ck_assert_ok(gcp_heap_gc_start(F.heap, roots, F.table, &gc));
    gcp_progress p;
    for (long i = 0; i < steps; i++)
        ck_assert_ok(gcp_collection_step(gc, &p));
    ck_assert_int_eq(p, GCP_CONTINUE);
    ck_assert_ok(gcp_roots_add(roots, &dummy));
    ck_assert_int_eq(gcp_collection_step(gc, &p), GCP_ESTATE);
    ck_assert(gcp_heap_is_poisoned(F.heap) == expect_poison);
    if (!expect_poison) {
        ck_assert_uint_eq(tag_of(keep), 1);
        ck_assert_uint_eq(tag_of(field(keep, 0)), 3);
        gcf_collect(&F, roots);
        ck_assert_uint_eq(tag_of(field(keep, 0)), 3);
    }
}

/* With budget 1: 1 root, 2 objects traced (1 + 2 slots each), the 2 marked
 * objects planned (the garbage between them is not read), then the fix
 * phases. */
START_TEST(roots_changed_while_marking) { change_roots_after(3, false); }
END_TEST
START_TEST(roots_changed_while_planning) { change_roots_after(8, false); }
END_TEST
START_TEST(roots_changed_while_moving) { change_roots_after(14, true); }
END_TEST

START_TEST(forged_dead_header_is_corruption)
{
    /* With an externref in the heap the plan walks every block (a dead
     * externref's host data must be finalized), dead ones too. */
    static int fin;
    gcp_ref keep = new_s(1), dead = new_s(2);
    (void)new_s(3);
    gcf_extern(&F, &fin);
    ck_assert_ok(gcp_roots_add(roots, &keep));
    gcf_poke(&F, dead, GCP_HDR_SIZE, 0xfffffff0u);   /* the walk would leave the heap */
    ck_assert_int_eq(gcp_heap_gc(F.heap, roots, F.table), GCP_ECORRUPT);
    ck_assert(gcp_heap_is_poisoned(F.heap));
}
END_TEST

/* Without externrefs the plan goes from mark to mark: a forged dead header
 * is never read, and its bytes are reclaimed like any garbage. */
START_TEST(forged_dead_header_is_not_read)
{
    gcp_ref keep = new_s(1), dead = new_s(2);
    gcp_ref after = new_s(3);
    link(keep, 0, after);
    ck_assert_ok(gcp_roots_add(roots, &keep));
    gcf_poke(&F, dead, GCP_HDR_SIZE, 0xfffffff0u);
    gcf_collect(&F, roots);
    ck_assert(!gcp_heap_is_poisoned(F.heap));
    ck_assert_uint_eq(next_free(), GCP_HEAP_START + 2 * 32);
    ck_assert_uint_eq(tag_of(field(keep, 0)), 3);
}
END_TEST

/* Two marked objects that overlap (a size forged to cover the next one):
 * the plan by marks reports it. */
START_TEST(overlapping_marked_objects_are_corruption)
{
    gcp_ref a = new_s(1), b = new_s(2);
    gcp_ref ra = a, rb = b;
    ck_assert_ok(gcp_roots_add(roots, &ra));
    ck_assert_ok(gcp_roots_add(roots, &rb));
    gcf_forge_byte_array(&F, a, 64);
    ck_assert_int_eq(gcp_heap_gc(F.heap, roots, F.table), GCP_ECORRUPT);
    ck_assert(gcp_heap_is_poisoned(F.heap));
}
END_TEST

START_TEST(overlapping_forged_object_is_corruption)
{
    /* A big byte array whose payload holds a well-formed struct header,
     * reached through a forged ref: the trace marks it, the plan walk never
     * finds it. */
    gcp_ref holder = new_s(1), arr;
    ck_assert_ok(gcp_heap_alloc_array(F.heap, F.BA, 200, &arr));
    gcp_ref inner = arr + 64;
    gcf_poke(&F, inner, GCP_HDR_KIND, GCP_KIND_STRUCT);
    gcf_poke(&F, inner, GCP_HDR_TYPE, F.S);
    gcf_poke(&F, inner, GCP_HDR_SIZE, 32);
    gcf_poke(&F, inner, GCP_HDR_CWORD, 0);
    gcf_poke(&F, holder, GCP_OBJ_PAYLOAD + 0, inner);
    gcf_poke(&F, holder, GCP_OBJ_PAYLOAD + 8, arr);
    ck_assert_ok(gcp_roots_add(roots, &holder));
    ck_assert_int_eq(gcp_heap_gc(F.heap, roots, F.table), GCP_ECORRUPT);
    ck_assert(gcp_heap_is_poisoned(F.heap));
}
END_TEST

START_TEST(forged_slot_and_bump_pointer_are_corruption)
{
    gcp_ref keep = new_s(1);
    ck_assert_ok(gcp_roots_add(roots, &keep));
    gcf_poke(&F, keep, GCP_OBJ_PAYLOAD, 0x7ffffff0u);
    ck_assert_int_eq(gcp_heap_gc(F.heap, roots, F.table), GCP_ECORRUPT);
    gcf_recycle(&F);
    gcp_bump *b = gcp_heap_collector_data(F.heap);
    b->next = 3;   /* compiled code scribbled on the bump pointer */
    gcp_ref r;
    ck_assert_int_eq(gcp_heap_alloc_struct(F.heap, F.S, &r), GCP_ECORRUPT);
    gcf_recycle(&F);
    b->next = (uint32_t)gcp_heap_bound(F.heap) + 8;
    ck_assert_int_eq(gcp_heap_gc(F.heap, NULL, F.table), GCP_ECORRUPT);
}
END_TEST

START_TEST(externref_id_copied_is_corruption)
{
    static int fin;
    gcp_ref holder = new_s(1);
    (void)new_s(2);
    gcp_ref e1 = gcf_extern(&F, &fin), e2 = gcf_extern(&F, &fin);
    link(holder, 0, e1);
    link(holder, 8, e2);
    gcf_poke(&F, e2, GCP_OBJ_PAYLOAD, gcf_peek(&F, e1, GCP_OBJ_PAYLOAD));
    ck_assert_ok(gcp_roots_add(roots, &holder));
    ck_assert_int_eq(gcp_heap_gc(F.heap, roots, F.table), GCP_ECORRUPT);
}
END_TEST

START_TEST(inline_allocation_is_collected)
{
    gcp_bump *b = gcp_heap_collector_data(F.heap);
    ck_assert_ptr_nonnull(b);
    (void)new_s(1);
    /* Compiled code bumps next itself and writes a struct header. */
    gcp_ref r = b->next;
    ck_assert_uint_le(r + 32, b->limit);
    b->next = r + 32;
    gcf_poke(&F, r, GCP_HDR_KIND, GCP_KIND_STRUCT);
    gcf_poke(&F, r, GCP_HDR_TYPE, F.S);
    gcf_poke(&F, r, GCP_HDR_SIZE, 32);
    gcf_poke(&F, r, GCP_OBJ_PAYLOAD + 4, 77);
    ck_assert_ok(gcp_roots_add(roots, &r));
    gcf_collect(&F, roots);
    ck_assert_uint_eq(r, GCP_HEAP_START);
    ck_assert_uint_eq(tag_of(r), 77);
    ck_assert_uint_eq(b->next, GCP_HEAP_START + 32);
}
END_TEST

/* 200 structs, every third one kept in a chain from the root. */
static gcp_ref build_chain(void)
{
    gcp_ref keep = GCP_REF_NULL;
    for (int i = 0; i < 200; i++) {
        gcp_ref r = new_s((uint32_t)i);
        if (i % 3 == 0) {
            if (keep != GCP_REF_NULL)
                link(r, 0, keep);
            keep = r;
        }
    }
    return keep;
}

START_TEST(release_mid_move_then_next_holder_sees_zeroes)
{
    teardown();
    open_with(2);
    gcp_ref keep = build_chain();
    ck_assert_ok(gcp_roots_add(roots, &keep));
    gcp_collection *gc;
    ck_assert_ok(gcp_heap_gc_start(F.heap, roots, F.table, &gc));
    gcp_progress p = GCP_CONTINUE;
    long total = 0;
    while (p == GCP_CONTINUE) {
        ck_assert_ok(gcp_collection_step(gc, &p));
        total++;
    }
    gcf_recycle(&F);
    keep = build_chain();
    ck_assert_ok(gcp_heap_gc_start(F.heap, roots, F.table, &gc));
    for (long i = 0; i < total - 10; i++)   /* the last units move objects */
        ck_assert_ok(gcp_collection_step(gc, &p));
    ck_assert_int_eq(p, GCP_CONTINUE);
    size_t used = next_free();
    gcf_recycle(&F);
    ck_assert_int_eq(gcp_collection_step(gc, &p), GCP_ESTATE);
    ck_assert(!gcp_heap_is_poisoned(F.heap));
    for (size_t i = 0; i < used; i++)
        ck_assert_uint_eq(gcf_at(&F, 0)[i], 0);
}
END_TEST

START_TEST(heap_follows_the_live_set)
{
    teardown();
    gcf_open(&F, GCP_COLLECTOR_COMPACT, 64 * MIB, 10000);
    ck_assert_ok(gcp_roots_new(&roots));
    gcp_ref keep;
    ck_assert_ok(gcp_heap_alloc_array(F.heap, F.BA, 1 << 20, &keep));
    ck_assert_ok(gcp_roots_add(roots, &keep));
    uint64_t collections = 0;
    for (int i = 0; i < 100000; i++) {
        gcp_ref r;
        gcp_status st = gcp_heap_alloc_struct(F.heap, F.L, &r);
        if (st == GCP_NEED_GC) {
            gcf_collect(&F, roots);
            collections++;
            st = gcp_heap_alloc_struct(F.heap, F.L, &r);
        }
        ck_assert_ok(st);
    }
    ck_assert_uint_gt(collections, 10);
    ck_assert_uint_le(gcp_heap_bound(F.heap), 8 * MIB);
    uint32_t len;
    ck_assert_ok(gcp_array_length(F.heap, keep, &len));
    ck_assert_uint_eq(len, 1 << 20);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("compact");
    TCase *tc = tcase_create("compact");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, live_objects_slide_down_and_refs_follow);
    tcase_add_test(tc, handles_follow_a_move);
    tcase_add_test(tc, large_array_moves_across_steps);
    tcase_add_test(tc, wide_ref_array_fixed_across_steps);
    tcase_add_test(tc, roots_changed_while_marking);
    tcase_add_test(tc, roots_changed_while_planning);
    tcase_add_test(tc, roots_changed_while_moving);
    tcase_add_test(tc, forged_dead_header_is_corruption);
    tcase_add_test(tc, forged_dead_header_is_not_read);
    tcase_add_test(tc, overlapping_marked_objects_are_corruption);
    tcase_add_test(tc, overlapping_forged_object_is_corruption);
    tcase_add_test(tc, forged_slot_and_bump_pointer_are_corruption);
    tcase_add_test(tc, externref_id_copied_is_corruption);
    tcase_add_test(tc, inline_allocation_is_collected);
    tcase_add_test(tc, release_mid_move_then_next_holder_sees_zeroes);
    tcase_add_test(tc, heap_follows_the_live_set);
    suite_add_tcase(s, tc);
    return run_suite(s);
}

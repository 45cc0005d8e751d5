/* SPDX-License-Identifier: MIT */
/* The roots list: stack and non-stack roots, get/set through them, r64
 * rejection, clear keeping storage, removal and truncation; handles in
 * scopes and long-lived ones, stale and forged handles, limits, the
 * collectors' view of the cells (gcp__roots_*), and collections of both
 * tracing collectors keeping what only handles hold. */
#include "lib/freelist.h"
#include "lib/heap.h"
#include "lib/inspect.h"
#include "lib/object.h"
#include "lib/roots.h"
#include "testutil.h"

START_TEST(add_get_set)
{
    gcp_roots *r;
    ck_assert_ok(gcp_roots_new(&r));
    ck_assert_uint_eq(gcp_roots_count(r), 0);
    uint64_t stack = 16;
    gcp_ref plain = 32;
    ck_assert_ok(gcp_roots_add_stack(r, &stack));
    ck_assert_ok(gcp_roots_add(r, &plain));
    ck_assert_uint_eq(gcp_roots_count(r), 2);
    gcp_root root;
    ck_assert_ok(gcp_roots_at(r, 0, &root));
    ck_assert(root.on_stack);
    ck_assert_ptr_eq(root.where, &stack);
    ck_assert_ok(gcp_roots_at(r, 1, &root));
    ck_assert(!root.on_stack);
    ck_assert_ptr_eq(root.where, &plain);
    gcp_ref v;
    ck_assert_ok(gcp_roots_get(r, 0, &v));
    ck_assert_uint_eq(v, 16);
    ck_assert_ok(gcp_roots_get(r, 1, &v));
    ck_assert_uint_eq(v, 32);
    /* set writes where the root lives. */
    ck_assert_ok(gcp_roots_set(r, 0, 0xfffffff8u));
    ck_assert_uint_eq(stack, UINT64_C(0xfffffff8));
    ck_assert_ok(gcp_roots_set(r, 1, 48));
    ck_assert_uint_eq(plain, 48);
    stack = 5;   /* compiled code updates its slot */
    ck_assert_ok(gcp_roots_get(r, 0, &v));
    ck_assert_uint_eq(v, 5);
    gcp_roots_free(r);
}
END_TEST

START_TEST(r64_with_upper_bits_rejected)
{
    gcp_roots *r;
    ck_assert_ok(gcp_roots_new(&r));
    uint64_t stack = (UINT64_C(1) << 32) | 16;
    ck_assert_ok(gcp_roots_add_stack(r, &stack));
    gcp_ref v = 99;
    ck_assert_status(gcp_roots_get(r, 0, &v), GCP_EINVAL);
    ck_assert_uint_eq(v, 99);
    stack = UINT64_MAX;
    ck_assert_status(gcp_roots_get(r, 0, &v), GCP_EINVAL);
    gcp_roots_free(r);
}
END_TEST

START_TEST(bounds_and_null_arguments)
{
    gcp_roots *r;
    ck_assert_ok(gcp_roots_new(&r));
    gcp_ref v;
    gcp_root root;
    ck_assert_status(gcp_roots_get(r, 0, &v), GCP_EBOUNDS);
    ck_assert_status(gcp_roots_at(r, 0, &root), GCP_EBOUNDS);
    ck_assert_status(gcp_roots_set(r, 0, 0), GCP_EBOUNDS);
    ck_assert_status(gcp_roots_add(r, NULL), GCP_EINVAL);
    ck_assert_status(gcp_roots_add_stack(r, NULL), GCP_EINVAL);
    ck_assert_status(gcp_roots_add(NULL, &v), GCP_EINVAL);
    ck_assert_status(gcp_roots_get(r, 0, NULL), GCP_EINVAL);
    ck_assert_status(gcp_roots_new(NULL), GCP_EINVAL);
    ck_assert_uint_eq(gcp_roots_count(r), 0);
    ck_assert_uint_eq(gcp_roots_count(NULL), 0);
    gcp_roots_free(r);
    gcp_roots_free(NULL);
    gcp_roots_clear(NULL);
}
END_TEST

START_TEST(clear_keeps_storage)
{
    gcp_roots *r;
    ck_assert_ok(gcp_roots_new(&r));
    static gcp_ref refs[1000];
    for (int i = 0; i < 1000; i++)
        ck_assert_ok(gcp_roots_add(r, &refs[i]));
    size_t cap = gcp_roots_capacity(r);
    ck_assert_uint_ge(cap, 1000);
    gcp_root first;
    ck_assert_ok(gcp_roots_at(r, 0, &first));
    for (int round = 0; round < 5; round++) {
        gcp_roots_clear(r);
        ck_assert_uint_eq(gcp_roots_count(r), 0);
        ck_assert_uint_eq(gcp_roots_capacity(r), cap);
        gcp_ref v;
        ck_assert_status(gcp_roots_get(r, 0, &v), GCP_EBOUNDS);
        for (int i = 0; i < 1000; i++)
            ck_assert_ok(gcp_roots_add(r, &refs[999 - i]));
        ck_assert_uint_eq(gcp_roots_capacity(r), cap);
        ck_assert_ok(gcp_roots_at(r, 0, &first));
        ck_assert_ptr_eq(first.where, &refs[999]);
    }
    gcp_roots_free(r);
}
END_TEST


START_TEST(remove_moves_the_last_entry)
{
    gcp_roots *r;
    ck_assert_ok(gcp_roots_new(&r));
    gcp_ref a = 2, b = 4, c = 6, d = 8;
    ck_assert_ok(gcp_roots_add(r, &a));
    ck_assert_ok(gcp_roots_add(r, &b));
    ck_assert_ok(gcp_roots_add(r, &c));
    ck_assert_ok(gcp_roots_add(r, &d));
    uint64_t v0 = gcp__roots_version(r);
    ck_assert_ok(gcp_roots_remove(r, 1));
    ck_assert_uint_gt(gcp__roots_version(r), v0);
    ck_assert_uint_eq(gcp_roots_count(r), 3);
    gcp_root e;
    ck_assert_ok(gcp_roots_at(r, 0, &e));
    ck_assert_ptr_eq(e.where, &a);
    ck_assert_ok(gcp_roots_at(r, 1, &e));
    ck_assert_ptr_eq(e.where, &d);
    ck_assert_ok(gcp_roots_at(r, 2, &e));
    ck_assert_ptr_eq(e.where, &c);
    /* The last entry: nothing moves. */
    ck_assert_ok(gcp_roots_remove(r, 2));
    ck_assert_uint_eq(gcp_roots_count(r), 2);
    ck_assert_ok(gcp_roots_at(r, 1, &e));
    ck_assert_ptr_eq(e.where, &d);
    uint64_t v1 = gcp__roots_version(r);
    ck_assert_status(gcp_roots_remove(r, 2), GCP_EBOUNDS);
    ck_assert_status(gcp_roots_remove(NULL, 0), GCP_EINVAL);
    ck_assert_uint_eq(gcp__roots_version(r), v1);
    ck_assert_ok(gcp_roots_remove(r, 0));
    ck_assert_ok(gcp_roots_remove(r, 0));
    ck_assert_uint_eq(gcp_roots_count(r), 0);
    ck_assert_status(gcp_roots_remove(r, 0), GCP_EBOUNDS);
    gcp_roots_free(r);
}
END_TEST

START_TEST(truncate_to_a_mark)
{
    gcp_roots *r;
    ck_assert_ok(gcp_roots_new(&r));
    static gcp_ref refs[8];
    ck_assert_ok(gcp_roots_add(r, &refs[0]));
    ck_assert_ok(gcp_roots_add(r, &refs[1]));
    size_t mark = gcp_roots_count(r);
    for (int i = 2; i < 8; i++)
        ck_assert_ok(gcp_roots_add(r, &refs[i]));
    size_t cap = gcp_roots_capacity(r);
    uint64_t v = gcp__roots_version(r);
    ck_assert_status(gcp_roots_truncate(r, 9), GCP_EBOUNDS);
    ck_assert_status(gcp_roots_truncate(NULL, 0), GCP_EINVAL);
    ck_assert_uint_eq(gcp_roots_count(r), 8);
    ck_assert_uint_eq(gcp__roots_version(r), v);
    ck_assert_ok(gcp_roots_truncate(r, 8));
    ck_assert_uint_eq(gcp_roots_count(r), 8);
    ck_assert_ok(gcp_roots_truncate(r, mark));
    ck_assert_uint_gt(gcp__roots_version(r), v);
    ck_assert_uint_eq(gcp_roots_count(r), 2);
    ck_assert_uint_eq(gcp_roots_capacity(r), cap);
    gcp_root e;
    ck_assert_ok(gcp_roots_at(r, 1, &e));
    ck_assert_ptr_eq(e.where, &refs[1]);
    ck_assert_status(gcp_roots_at(r, 2, &e), GCP_EBOUNDS);
    ck_assert_ok(gcp_roots_truncate(r, 0));
    ck_assert_uint_eq(gcp_roots_count(r), 0);
    gcp_roots_free(r);
}
END_TEST

/* ---------------------------------------------------------------- handles */

static gcp_ref get(gcp_roots *r, gcp_handle h)
{
    gcp_ref v = 0xdead;
    ck_assert_ok(gcp_roots_handle_get(r, h, &v));
    return v;
}

static void assert_stale(gcp_roots *r, gcp_handle h)
{
    gcp_ref v = 0xdead;
    ck_assert_status(gcp_roots_handle_get(r, h, &v), GCP_ESTALE);
    ck_assert_uint_eq(v, 0xdead);
    ck_assert_status(gcp_roots_handle_set(r, h, 2), GCP_ESTALE);
    ck_assert_status(gcp_roots_handle_free(r, h), GCP_ESTALE);
}

START_TEST(scopes_nest)
{
    gcp_roots *r;
    ck_assert_ok(gcp_roots_new(&r));
    gcp_scope a, b, c;
    gcp_handle h1, h2, h3, h4;
    ck_assert_ok(gcp_roots_scope_enter(r, &a));
    ck_assert_ok(gcp_roots_scope_handle(r, 16, &h1));
    ck_assert_ok(gcp_roots_scope_handle(r, 24, &h2));
    ck_assert_ok(gcp_roots_scope_enter(r, &b));
    ck_assert_uint_eq(gcp_roots_scope_depth(r), 2);
    ck_assert_ok(gcp_roots_scope_handle(r, 32, &h3));
    ck_assert_uint_eq(gcp_roots_handle_count(r), 3);
    ck_assert_uint_eq(get(r, h1), 16);
    ck_assert_uint_eq(get(r, h2), 24);
    ck_assert_uint_eq(get(r, h3), 32);
    ck_assert_ok(gcp_roots_handle_set(r, h1, 40));
    ck_assert_uint_eq(get(r, h1), 40);
    ck_assert_ok(gcp_roots_scope_leave(r, b));
    assert_stale(r, h3);
    ck_assert_uint_eq(get(r, h1), 40);
    ck_assert_uint_eq(get(r, h2), 24);
    ck_assert_uint_eq(gcp_roots_handle_count(r), 2);
    ck_assert_uint_eq(gcp_roots_scope_depth(r), 1);
    /* The next scope reuses h3's cell under a new generation. */
    ck_assert_ok(gcp_roots_scope_enter(r, &c));
    ck_assert_ok(gcp_roots_scope_handle(r, 48, &h4));
    ck_assert_uint_eq(h4.index, h3.index);
    ck_assert_uint_ne(h4.gen, h3.gen);
    assert_stale(r, h3);
    ck_assert_uint_eq(get(r, h4), 48);
    ck_assert_ok(gcp_roots_scope_leave(r, c));
    ck_assert_ok(gcp_roots_scope_leave(r, a));
    assert_stale(r, h1);
    assert_stale(r, h2);
    assert_stale(r, h4);
    ck_assert_uint_eq(gcp_roots_handle_count(r), 0);
    ck_assert_uint_eq(gcp_roots_scope_depth(r), 0);
    ck_assert_uint_eq(gcp__roots_n(r), 0);
    gcp_roots_free(r);
}
END_TEST

START_TEST(leaving_unroots_everything_since_the_mark)
{
    gcp_roots *r;
    ck_assert_ok(gcp_roots_new(&r));
    gcp_ref entry = 8;
    ck_assert_ok(gcp_roots_add(r, &entry));
    gcp_scope outer, s;
    gcp_handle keep, h[1000];
    ck_assert_ok(gcp_roots_scope_enter(r, &outer));
    ck_assert_ok(gcp_roots_scope_handle(r, 8, &keep));
    ck_assert_ok(gcp_roots_scope_enter(r, &s));
    for (int i = 0; i < 1000; i++)
        ck_assert_ok(gcp_roots_scope_handle(r, (gcp_ref)(16 + 8 * i), &h[i]));
    ck_assert_uint_eq(gcp__roots_n(r), 1 + 1 + 1000);
    ck_assert_uint_eq(get(r, h[999]), 16 + 8 * 999);
    ck_assert_ok(gcp_roots_scope_leave(r, s));
    ck_assert_uint_eq(gcp_roots_handle_count(r), 1);
    ck_assert_uint_eq(gcp__roots_n(r), 2);
    for (int i = 0; i < 1000; i++)
        assert_stale(r, h[i]);
    ck_assert_uint_eq(get(r, keep), 8);
    ck_assert_ok(gcp_roots_scope_leave(r, outer));
    gcp_roots_free(r);
}
END_TEST

START_TEST(scopes_left_out_of_order)
{
    gcp_roots *r, *other;
    ck_assert_ok(gcp_roots_new(&r));
    ck_assert_ok(gcp_roots_new(&other));
    gcp_handle h;
    ck_assert_status(gcp_roots_scope_handle(r, 8, &h), GCP_ESTATE);
    gcp_scope a, b, c, foreign;
    ck_assert_ok(gcp_roots_scope_enter(r, &a));
    ck_assert_ok(gcp_roots_scope_enter(r, &b));
    ck_assert_ok(gcp_roots_scope_enter(r, &c));
    ck_assert_ok(gcp_roots_scope_handle(r, 8, &h));
    ck_assert_ok(gcp_roots_scope_enter(other, &foreign));
    uint64_t v = gcp__roots_version(r);
    /* Outer scopes still open: refused, nothing changed. */
    ck_assert_status(gcp_roots_scope_leave(r, a), GCP_ESTATE);
    ck_assert_status(gcp_roots_scope_leave(r, b), GCP_ESTATE);
    ck_assert_uint_eq(gcp_roots_scope_depth(r), 3);
    ck_assert_uint_eq(get(r, h), 8);
    ck_assert_uint_eq(gcp__roots_version(r), v);
    /* Marks of another list, forged ones. */
    ck_assert_status(gcp_roots_scope_leave(r, foreign), GCP_ESTALE);
    ck_assert_status(gcp_roots_scope_leave(r, (gcp_scope){0, 0}), GCP_ESTALE);
    gcp_scope forged = c;
    forged.serial += 100;
    ck_assert_status(gcp_roots_scope_leave(r, forged), GCP_ESTALE);
    forged = c;
    forged.list ^= 1;
    ck_assert_status(gcp_roots_scope_leave(r, forged), GCP_ESTALE);
    ck_assert_uint_eq(gcp_roots_scope_depth(r), 3);
    ck_assert_status(gcp_roots_scope_leave(NULL, c), GCP_EINVAL);
    /* In order. */
    ck_assert_ok(gcp_roots_scope_leave(r, c));
    ck_assert_status(gcp_roots_scope_leave(r, c), GCP_ESTALE);   /* left already */
    ck_assert_status(gcp_roots_scope_leave(r, a), GCP_ESTATE);
    ck_assert_ok(gcp_roots_scope_leave(r, b));
    ck_assert_ok(gcp_roots_scope_leave(r, a));
    ck_assert_status(gcp_roots_scope_leave(r, a), GCP_ESTALE);
    ck_assert_status(gcp_roots_scope_leave(r, b), GCP_ESTALE);
    /* A new scope at the same depth does not revive an old mark. */
    gcp_scope d;
    ck_assert_ok(gcp_roots_scope_enter(r, &d));
    ck_assert_status(gcp_roots_scope_leave(r, a), GCP_ESTALE);
    ck_assert_ok(gcp_roots_scope_leave(r, d));
    ck_assert_ok(gcp_roots_scope_leave(other, foreign));
    gcp_roots_free(other);
    gcp_roots_free(r);
}
END_TEST

START_TEST(long_lived_handles_outlive_scopes)
{
    gcp_roots *r;
    ck_assert_ok(gcp_roots_new(&r));
    gcp_scope s;
    gcp_handle l, sc;
    ck_assert_ok(gcp_roots_scope_enter(r, &s));
    ck_assert_ok(gcp_roots_handle_new(r, 16, &l));
    ck_assert_ok(gcp_roots_scope_handle(r, 24, &sc));
    /* A scoped handle is not freed one by one. */
    ck_assert_status(gcp_roots_handle_free(r, sc), GCP_EINVAL);
    ck_assert_uint_eq(get(r, sc), 24);
    ck_assert_ok(gcp_roots_scope_leave(r, s));
    assert_stale(r, sc);
    ck_assert_uint_eq(get(r, l), 16);
    ck_assert_uint_eq(gcp_roots_handle_count(r), 1);
    ck_assert_ok(gcp_roots_handle_free(r, l));
    assert_stale(r, l);
    ck_assert_uint_eq(gcp_roots_handle_count(r), 0);
    gcp_roots_free(r);
}
END_TEST

START_TEST(freed_cells_come_back_with_a_new_generation)
{
    gcp_roots *r;
    ck_assert_ok(gcp_roots_new(&r));
    gcp_handle a, b, c, d;
    ck_assert_ok(gcp_roots_handle_new(r, 16, &a));
    ck_assert_ok(gcp_roots_handle_new(r, 24, &b));
    ck_assert_ok(gcp_roots_handle_free(r, a));
    assert_stale(r, a);
    ck_assert_uint_eq(get(r, b), 24);
    ck_assert_ok(gcp_roots_handle_new(r, 32, &c));
    ck_assert_uint_eq(c.index, a.index);
    ck_assert_uint_ne(c.gen, a.gen);
    assert_stale(r, a);
    ck_assert_uint_eq(get(r, c), 32);
    ck_assert_ok(gcp_roots_handle_set(r, c, 40));
    ck_assert_uint_eq(get(r, c), 40);
    /* No new cell while a freed one waits. */
    ck_assert_ok(gcp_roots_handle_free(r, b));
    ck_assert_ok(gcp_roots_handle_new(r, 48, &d));
    ck_assert_uint_eq(d.index, b.index);
    ck_assert_uint_eq(gcp__roots_n(r), 2);
    ck_assert_uint_eq(gcp_roots_handle_count(r), 2);
    gcp_roots_free(r);
}
END_TEST

START_TEST(stale_foreign_and_forged_handles_refused)
{
    gcp_roots *r, *other;
    ck_assert_ok(gcp_roots_new(&r));
    ck_assert_ok(gcp_roots_new(&other));
    gcp_handle mine, theirs, theirs_l;
    gcp_scope s;
    ck_assert_ok(gcp_roots_handle_new(r, 16, &mine));
    ck_assert_ok(gcp_roots_handle_new(other, 24, &theirs_l));
    ck_assert_ok(gcp_roots_scope_enter(r, &s));
    ck_assert_ok(gcp_roots_scope_enter(other, &s));
    ck_assert_ok(gcp_roots_scope_handle(other, 32, &theirs));
    ck_assert_ok(gcp_roots_scope_handle(r, 40, &(gcp_handle){0}));
    /* Same index and generation as a live cell of r, another list. */
    ck_assert_uint_eq(theirs_l.index, mine.index);
    ck_assert_uint_eq(theirs_l.gen, mine.gen);
    assert_stale(r, theirs_l);
    assert_stale(r, theirs);
    assert_stale(r, (gcp_handle){0, 0, 0});
    gcp_handle f = mine;
    f.gen++;
    assert_stale(r, f);
    f = mine;
    f.index = 0x7fffffffu;
    assert_stale(r, f);
    f.index = 0xffffffffu;
    assert_stale(r, f);
    f.index = mine.index + 1;
    assert_stale(r, f);
    f = theirs;
    f.list = mine.list;
    f.index = 1;             /* past the open scoped cells */
    assert_stale(r, f);
    f.gen = 0;
    f.index = 0;
    assert_stale(r, f);
    /* The good ones still work; NULL arguments. */
    ck_assert_uint_eq(get(r, mine), 16);
    ck_assert_uint_eq(get(other, theirs), 32);
    gcp_ref v;
    ck_assert_status(gcp_roots_handle_get(NULL, mine, &v), GCP_EINVAL);
    ck_assert_status(gcp_roots_handle_get(r, mine, NULL), GCP_EINVAL);
    ck_assert_status(gcp_roots_handle_set(NULL, mine, 0), GCP_EINVAL);
    ck_assert_status(gcp_roots_handle_free(NULL, mine), GCP_EINVAL);
    ck_assert_status(gcp_roots_handle_new(NULL, 0, &f), GCP_EINVAL);
    ck_assert_status(gcp_roots_handle_new(r, 0, NULL), GCP_EINVAL);
    ck_assert_status(gcp_roots_scope_handle(r, 0, NULL), GCP_EINVAL);
    ck_assert_status(gcp_roots_scope_handle(NULL, 0, &f), GCP_EINVAL);
    ck_assert_status(gcp_roots_scope_enter(NULL, &s), GCP_EINVAL);
    ck_assert_status(gcp_roots_scope_enter(r, NULL), GCP_EINVAL);
    ck_assert_uint_eq(gcp_roots_handle_count(NULL), 0);
    ck_assert_uint_eq(gcp_roots_scope_depth(NULL), 0);
    gcp_roots_reset(NULL);
    gcp_roots_free(other);
    gcp_roots_free(r);
}
END_TEST

START_TEST(reset_makes_every_handle_stale)
{
    gcp_roots *r;
    ck_assert_ok(gcp_roots_new(&r));
    gcp_ref entry = 8;
    ck_assert_ok(gcp_roots_add(r, &entry));
    gcp_scope s;
    gcp_handle l, sc;
    ck_assert_ok(gcp_roots_handle_new(r, 16, &l));
    ck_assert_ok(gcp_roots_scope_enter(r, &s));
    ck_assert_ok(gcp_roots_scope_handle(r, 24, &sc));
    ck_assert_ok(gcp_roots_set_handle_limit(r, 1));
    uint64_t v = gcp__roots_version(r);
    gcp_roots_reset(r);
    ck_assert_uint_gt(gcp__roots_version(r), v);
    ck_assert_uint_eq(gcp_roots_count(r), 0);
    ck_assert_uint_eq(gcp_roots_handle_count(r), 0);
    ck_assert_uint_eq(gcp_roots_scope_depth(r), 0);
    ck_assert_uint_eq(gcp__roots_n(r), 0);
    assert_stale(r, l);
    assert_stale(r, sc);
    ck_assert_status(gcp_roots_scope_leave(r, s), GCP_ESTALE);
    /* The new cells have the old indexes and generations, but not the old
     * list id; the limit is the default again. */
    gcp_handle l2, l3;
    ck_assert_ok(gcp_roots_handle_new(r, 32, &l2));
    ck_assert_ok(gcp_roots_handle_new(r, 40, &l3));
    ck_assert_uint_eq(l2.index, l.index);
    ck_assert_uint_eq(l2.gen, l.gen);
    assert_stale(r, l);
    ck_assert_uint_eq(get(r, l2), 32);
    gcp_roots_free(r);
}
END_TEST

START_TEST(used_up_cells_are_retired)
{
    gcp_roots *r;
    ck_assert_ok(gcp_roots_new(&r));
    /* A long-lived cell at its last generation is not reused once freed. */
    gcp_handle a, old, b;
    ck_assert_ok(gcp_roots_handle_new(r, 16, &a));
    ck_assert_status(gcp__roots_handle_age(r, a, UINT32_MAX, &old), GCP_EINVAL);
    ck_assert_ok(gcp__roots_handle_age(r, a, UINT32_MAX - 1, &old));
    assert_stale(r, a);
    ck_assert_uint_eq(get(r, old), 16);
    ck_assert_ok(gcp_roots_handle_free(r, old));
    assert_stale(r, old);
    ck_assert_ok(gcp_roots_handle_new(r, 24, &b));
    ck_assert_uint_ne(b.index, old.index);
    assert_stale(r, old);
    /* The retired cell is still a root slot, reading null. */
    ck_assert_uint_eq(gcp__roots_n(r), 2);
    gcp_ref v;
    ck_assert_ok(gcp__roots_value(r, 0, &v));
    ck_assert_uint_eq(v, GCP_REF_NULL);
    ck_assert_status(gcp__roots_update(r, 0, 8), GCP_EINVAL);
    ck_assert_ok(gcp__roots_value(r, 1, &v));
    ck_assert_uint_eq(v, 24);

    /* A scoped cell likewise: the next scope skips it. */
    gcp_scope s;
    gcp_handle h, aged, h2, h3;
    ck_assert_ok(gcp_roots_scope_enter(r, &s));
    ck_assert_ok(gcp_roots_scope_handle(r, 32, &h));
    ck_assert_ok(gcp__roots_handle_age(r, h, UINT32_MAX - 1, &aged));
    ck_assert_uint_eq(get(r, aged), 32);
    ck_assert_ok(gcp_roots_scope_leave(r, s));
    ck_assert_ok(gcp_roots_scope_enter(r, &s));
    ck_assert_ok(gcp_roots_scope_handle(r, 40, &h2));
    ck_assert_uint_eq(h2.index, aged.index + 1);
    assert_stale(r, aged);
    ck_assert_uint_eq(gcp_roots_handle_count(r), 2);
    ck_assert_uint_eq(gcp__roots_n(r), 2 + 2);
    ck_assert_ok(gcp__roots_value(r, 0, &v));
    ck_assert_uint_eq(v, GCP_REF_NULL);
    ck_assert_ok(gcp__roots_value(r, 1, &v));
    ck_assert_uint_eq(v, 40);
    ck_assert_ok(gcp_roots_scope_leave(r, s));
    ck_assert_uint_eq(gcp_roots_handle_count(r), 1);
    ck_assert_ok(gcp_roots_scope_enter(r, &s));
    ck_assert_ok(gcp_roots_scope_handle(r, 48, &h3));
    ck_assert_uint_eq(h3.index, h2.index);
    assert_stale(r, h2);
    ck_assert_ok(gcp_roots_scope_leave(r, s));
    assert_stale(r, (gcp_handle){0});
    ck_assert_status(gcp__roots_handle_age(r, aged, 5, &h), GCP_ESTALE);
    gcp_roots_free(r);
}
END_TEST

START_TEST(limits_give_the_tables_status)
{
    gcp_roots *r;
    ck_assert_ok(gcp_roots_new(&r));
    ck_assert_status(gcp_roots_set_handle_limit(r, 0), GCP_EINVAL);
    ck_assert_status(gcp_roots_set_handle_limit(r, GCP_ROOTS_MAX_HANDLES + 1), GCP_EINVAL);
    ck_assert_status(gcp_roots_set_handle_limit(NULL, 3), GCP_EINVAL);
    ck_assert_ok(gcp_roots_set_handle_limit(r, 3));
    gcp_handle l[4], s[4];
    for (int i = 0; i < 3; i++)
        ck_assert_ok(gcp_roots_handle_new(r, 16, &l[i]));
    uint64_t v = gcp__roots_version(r);
    ck_assert_status(gcp_roots_handle_new(r, 16, &l[3]), GCP_ELIMIT);
    ck_assert_uint_eq(gcp_roots_handle_count(r), 3);
    ck_assert_uint_eq(gcp__roots_version(r), v);
    /* A freed cell is reused under the limit. */
    ck_assert_ok(gcp_roots_handle_free(r, l[1]));
    ck_assert_ok(gcp_roots_handle_new(r, 24, &l[1]));
    ck_assert_status(gcp_roots_handle_new(r, 16, &l[3]), GCP_ELIMIT);
    /* Scoped handles and scopes have limits of their own. */
    gcp_scope sc[4];
    ck_assert_ok(gcp_roots_scope_enter(r, &sc[0]));
    for (int i = 0; i < 3; i++)
        ck_assert_ok(gcp_roots_scope_handle(r, 32, &s[i]));
    v = gcp__roots_version(r);
    ck_assert_status(gcp_roots_scope_handle(r, 32, &s[3]), GCP_ELIMIT);
    ck_assert_uint_eq(gcp__roots_version(r), v);
    ck_assert_uint_eq(gcp_roots_handle_count(r), 6);
    ck_assert_ok(gcp_roots_scope_enter(r, &sc[1]));
    ck_assert_ok(gcp_roots_scope_enter(r, &sc[2]));
    ck_assert_status(gcp_roots_scope_enter(r, &sc[3]), GCP_ELIMIT);
    ck_assert_uint_eq(gcp_roots_scope_depth(r), 3);
    ck_assert_ok(gcp_roots_scope_leave(r, sc[2]));
    ck_assert_ok(gcp_roots_scope_leave(r, sc[1]));
    ck_assert_ok(gcp_roots_scope_leave(r, sc[0]));
    ck_assert_uint_eq(get(r, l[1]), 24);
    /* Raised again. */
    ck_assert_ok(gcp_roots_set_handle_limit(r, 4));
    ck_assert_ok(gcp_roots_handle_new(r, 16, &l[3]));
    gcp_roots_free(r);
}
END_TEST

START_TEST(collector_view_covers_the_cells)
{
    gcp_roots *r;
    ck_assert_ok(gcp_roots_new(&r));
    uint64_t stack = 8;
    gcp_ref plain = 16;
    ck_assert_ok(gcp_roots_add_stack(r, &stack));
    ck_assert_ok(gcp_roots_add(r, &plain));
    gcp_scope s;
    gcp_handle s1, s2, l1, l2;
    ck_assert_ok(gcp_roots_scope_enter(r, &s));
    ck_assert_ok(gcp_roots_scope_handle(r, 24, &s1));
    ck_assert_ok(gcp_roots_scope_handle(r, 32, &s2));
    ck_assert_ok(gcp_roots_handle_new(r, 40, &l1));
    ck_assert_ok(gcp_roots_handle_new(r, 48, &l2));
    ck_assert_ok(gcp_roots_handle_free(r, l1));
    /* Entries, then scoped cells, then long-lived cells (free ones null). */
    ck_assert_uint_eq(gcp__roots_n(r), 6);
    const gcp_ref want[6] = {8, 16, 24, 32, 0, 48};
    for (size_t i = 0; i < 6; i++) {
        gcp_ref v = 0xdead;
        ck_assert_ok(gcp__roots_value(r, i, &v));
        ck_assert_uint_eq(v, want[i]);
    }
    gcp_ref v;
    ck_assert_status(gcp__roots_value(r, 6, &v), GCP_EBOUNDS);
    ck_assert_status(gcp__roots_update(r, 6, 0), GCP_EBOUNDS);
    ck_assert_status(gcp__roots_value(NULL, 0, &v), GCP_EINVAL);
    ck_assert_status(gcp__roots_update(NULL, 0, 0), GCP_EINVAL);
    ck_assert_uint_eq(gcp__roots_n(NULL), 0);
    /* A collector moving objects: what the host reads is the new ref, and
     * the moves are not host changes. */
    uint64_t ver = gcp__roots_version(r);
    ck_assert_ok(gcp__roots_update(r, 0, 104));
    ck_assert_ok(gcp__roots_update(r, 1, 112));
    ck_assert_ok(gcp__roots_update(r, 2, 120));
    ck_assert_ok(gcp__roots_update(r, 3, 128));
    ck_assert_ok(gcp__roots_update(r, 5, 136));
    ck_assert_status(gcp__roots_update(r, 4, 144), GCP_EINVAL);   /* free cell */
    ck_assert_ok(gcp__roots_update(r, 4, GCP_REF_NULL));
    ck_assert_uint_eq(gcp__roots_version(r), ver);
    ck_assert_uint_eq(stack, 104);
    ck_assert_uint_eq(plain, 112);
    ck_assert_uint_eq(get(r, s1), 120);
    ck_assert_uint_eq(get(r, s2), 128);
    ck_assert_uint_eq(get(r, l2), 136);
    ck_assert_ok(gcp__roots_value(r, 4, &v));
    ck_assert_uint_eq(v, 0);
    /* The freed cell stays free. */
    gcp_handle l3;
    ck_assert_ok(gcp_roots_handle_new(r, 56, &l3));
    ck_assert_uint_eq(l3.index, l1.index);
    ck_assert_ok(gcp__roots_value(r, 4, &v));
    ck_assert_uint_eq(v, 56);
    ck_assert_ok(gcp_roots_scope_leave(r, s));
    ck_assert_uint_eq(gcp__roots_n(r), 4);
    ck_assert_ok(gcp__roots_value(r, 2, &v));
    ck_assert_uint_eq(v, 56);
    gcp_roots_free(r);
}
END_TEST

/* Every host change moves the version; reads and scope entry do not. */
START_TEST(host_changes_move_the_version)
{
    gcp_roots *r;
    ck_assert_ok(gcp_roots_new(&r));
    gcp_ref a = 8, b = 16;
    gcp_scope s;
    gcp_handle h, l;
    gcp_ref v;
    uint64_t ver = gcp__roots_version(r);
#define CHANGES(expr)                                            \
    do {                                                         \
        expr;                                                    \
        ck_assert_msg(gcp__roots_version(r) != ver, "%s", #expr); \
        ver = gcp__roots_version(r);                             \
    } while (0)
#define KEEPS(expr)                                              \
    do {                                                         \
        expr;                                                    \
        ck_assert_msg(gcp__roots_version(r) == ver, "%s", #expr); \
    } while (0)
    CHANGES(ck_assert_ok(gcp_roots_add(r, &a)));
    CHANGES(ck_assert_ok(gcp_roots_add(r, &b)));
    CHANGES(ck_assert_ok(gcp_roots_set(r, 0, 24)));
    CHANGES(ck_assert_ok(gcp_roots_remove(r, 0)));
    CHANGES(ck_assert_ok(gcp_roots_truncate(r, 0)));
    CHANGES(ck_assert_ok(gcp_roots_add(r, &a)));
    CHANGES(gcp_roots_clear(r));
    KEEPS(ck_assert_ok(gcp_roots_scope_enter(r, &s)));
    CHANGES(ck_assert_ok(gcp_roots_scope_handle(r, 8, &h)));
    CHANGES(ck_assert_ok(gcp_roots_handle_set(r, h, 16)));
    CHANGES(ck_assert_ok(gcp_roots_handle_new(r, 8, &l)));
    CHANGES(ck_assert_ok(gcp_roots_handle_set(r, l, 16)));
    KEEPS(ck_assert_ok(gcp_roots_handle_get(r, l, &v)));
    KEEPS(ck_assert_status(gcp_roots_handle_free(r, h), GCP_EINVAL));
    CHANGES(ck_assert_ok(gcp_roots_handle_free(r, l)));
    KEEPS(ck_assert_status(gcp_roots_handle_free(r, l), GCP_ESTALE));
    CHANGES(ck_assert_ok(gcp_roots_scope_leave(r, s)));
    KEEPS(ck_assert_status(gcp_roots_scope_leave(r, s), GCP_ESTALE));
    CHANGES(gcp_roots_reset(r));
#undef CHANGES
#undef KEEPS
    gcp_roots_free(r);
}
END_TEST

/* ---------------------------------------------------------------- collections */

/* A store of a one-slot pool with the collector of the loop index and a
 * struct type S = {ref @0, u32 @4, ref @8, u32 @12}. */
static const gcp_collector collectors[] = {GCP_COLLECTOR_DRC, GCP_COLLECTOR_MARKSWEEP};

typedef struct fixture {
    gcp_types *types;
    uint32_t S;
    gcp_pool *pool;
    gcp_store *store;
    gcp_heap *heap;
    gcp_roots *roots;
} fixture;

static void open_store(fixture *f, gcp_collector kind, uint32_t budget)
{
    ck_assert_ok(gcp_types_new(&f->types));
    const uint32_t offs[] = {0, 8};
    ck_assert_ok(gcp_types_add_struct(f->types, 16, offs, 2, &f->S));
    gcp_pool_config c = small_config(1);
    c.types = f->types;
    c.collector = kind;
    c.gc_step_budget = budget;
    ck_assert_ok(gcp_pool_new(&c, &f->pool));
    ck_assert_ok(gcp_store_new(f->pool, &f->store));
    f->heap = gcp_store_heap(f->store);
    f->roots = gcp_store_roots(f->store);
}

static void close_store(fixture *f)
{
    ck_assert_ok(gcp_store_free(f->store));
    ck_assert_ok(gcp_pool_free(f->pool));
    gcp_types_release(f->types);
}

/* True when r starts a live object in a walk of the heap's blocks. */
static bool is_live(fixture *f, gcp_ref r)
{
    gcp_freelist *fl = gcp__heap_freelist(f->heap);
    for (uint64_t at = GCP_HEAP_START; at < fl->frontier && at <= r;) {
        gcp_obj o;
        ck_assert_ok(gcp__obj_check_block(f->heap, (gcp_ref)at, &o));
        if (at == r)
            return o.kind != GCP_KIND_FREE;
        at += o.size;
    }
    return false;
}

static void count_fin(void *p) { (*(int *)p)++; }

static uint32_t read_u32(fixture *f, gcp_ref obj, uint32_t off)
{
    uint32_t v;
    ck_assert_ok(gcp_struct_read(f->heap, obj, off, &v, sizeof v));
    return v;
}

static void write_u32(fixture *f, gcp_ref obj, uint32_t off, uint32_t v)
{
    ck_assert_ok(gcp_struct_write(f->heap, obj, off, &v, sizeof v));
}

/* parent {child, 0xabc0 + tag, ext, 0} -> child {0, 7, 0, 9}; ext holds
 * fin.  The host's own references are dropped: only what the caller roots
 * keeps the three. */
typedef struct graph {
    gcp_ref parent, child, ext;
} graph;

static graph make_graph(fixture *f, int *fin, uint32_t tag)
{
    graph g;
    gcp_hostdata *t = gcp_store_hostdata(f->store);
    ck_assert_ok(gcp_heap_alloc_struct(f->heap, f->S, &g.parent));
    ck_assert_ok(gcp_heap_alloc_struct(f->heap, f->S, &g.child));
    ck_assert_ok(gcp_store_alloc_externref(f->store, fin, count_fin, &g.ext));
    ck_assert_ok(gcp_struct_set_ref(f->heap, t, g.parent, 0, g.child));
    ck_assert_ok(gcp_struct_set_ref(f->heap, t, g.parent, 8, g.ext));
    write_u32(f, g.parent, 4, 0xabc0 + tag);
    write_u32(f, g.child, 4, 7);
    write_u32(f, g.child, 12, 9);
    ck_assert_ok(gcp_heap_drop_ref(f->heap, t, g.child));
    ck_assert_ok(gcp_heap_drop_ref(f->heap, t, g.ext));
    ck_assert_ok(gcp_heap_drop_ref(f->heap, t, g.parent));
    return g;
}

/* The graph read from parent (as the handle gives it) is whole. */
static void assert_graph(fixture *f, gcp_ref parent, int *fin, uint32_t tag)
{
    ck_assert_uint_eq(read_u32(f, parent, 4), 0xabc0 + tag);
    gcp_ref child, ext;
    ck_assert_ok(gcp_struct_get_ref(f->heap, parent, 0, &child));
    ck_assert_ok(gcp_struct_get_ref(f->heap, parent, 8, &ext));
    ck_assert_uint_eq(read_u32(f, child, 4), 7);
    ck_assert_uint_eq(read_u32(f, child, 12), 9);
    void *p;
    ck_assert_ok(gcp_store_externref_data(f->store, ext, &p));
    ck_assert_ptr_eq(p, fin);
    ck_assert_int_eq(*fin, 0);
}

static void assert_reclaimed(fixture *f, graph g, int *fin)
{
    ck_assert_int_eq(*fin, 1);
    ck_assert(!is_live(f, g.parent));
    ck_assert(!is_live(f, g.child));
    ck_assert(!is_live(f, g.ext));
}

/* Several collections, the last one a full trace (DRC's backup trace). */
static void collect_a_few(fixture *f)
{
    for (int i = 0; i < 3; i++)
        ck_assert_ok(gcp_store_gc(f->store));
    gcp__drc_request_trace(f->heap);
    ck_assert_ok(gcp_store_gc(f->store));
}

START_TEST(only_a_long_lived_handle_keeps_a_graph)
{
    fixture f;
    open_store(&f, collectors[_i], 10000);
    static int fin_kept, fin_dropped;
    fin_kept = fin_dropped = 0;
    graph kept = make_graph(&f, &fin_kept, 1);
    graph dropped = make_graph(&f, &fin_dropped, 2);
    gcp_handle h;
    ck_assert_ok(gcp_roots_handle_new(f.roots, kept.parent, &h));
    collect_a_few(&f);
    /* The unrooted graph is gone, the rooted one whole. */
    assert_reclaimed(&f, dropped, &fin_dropped);
    gcp_ref p;
    ck_assert_ok(gcp_roots_handle_get(f.roots, h, &p));
    ck_assert_uint_eq(p, kept.parent);
    assert_graph(&f, p, &fin_kept, 1);
    ck_assert(is_live(&f, kept.child) && is_live(&f, kept.ext));
    ck_assert_ok(gcp_roots_handle_free(f.roots, h));
    ck_assert_ok(gcp_store_gc(f.store));
    assert_reclaimed(&f, kept, &fin_kept);
    close_store(&f);
}
END_TEST

START_TEST(only_a_scoped_handle_keeps_a_graph)
{
    fixture f;
    open_store(&f, collectors[_i], 10000);
    static int fin_outer, fin_inner;
    fin_outer = fin_inner = 0;
    gcp_scope outer, inner;
    gcp_handle ho, hi;
    ck_assert_ok(gcp_roots_scope_enter(f.roots, &outer));
    graph go = make_graph(&f, &fin_outer, 3);
    ck_assert_ok(gcp_roots_scope_handle(f.roots, go.parent, &ho));
    ck_assert_ok(gcp_roots_scope_enter(f.roots, &inner));
    graph gi = make_graph(&f, &fin_inner, 4);
    ck_assert_ok(gcp_roots_scope_handle(f.roots, gi.parent, &hi));
    collect_a_few(&f);
    gcp_ref p;
    ck_assert_ok(gcp_roots_handle_get(f.roots, hi, &p));
    assert_graph(&f, p, &fin_inner, 4);
    ck_assert_ok(gcp_roots_handle_get(f.roots, ho, &p));
    assert_graph(&f, p, &fin_outer, 3);
    /* Leaving the inner scope unroots its graph only. */
    ck_assert_ok(gcp_roots_scope_leave(f.roots, inner));
    ck_assert_ok(gcp_store_gc(f.store));
    assert_reclaimed(&f, gi, &fin_inner);
    ck_assert_ok(gcp_roots_handle_get(f.roots, ho, &p));
    assert_graph(&f, p, &fin_outer, 3);
    ck_assert_ok(gcp_roots_scope_leave(f.roots, outer));
    ck_assert_ok(gcp_store_gc(f.store));
    assert_reclaimed(&f, go, &fin_outer);
    close_store(&f);
}
END_TEST

/* A cycle that only a handle reaches survives DRC's backup trace and
 * mark-sweep; unrooted, it is freed. */
START_TEST(a_cycle_held_by_a_handle)
{
    fixture f;
    open_store(&f, collectors[_i], 10000);
    gcp_hostdata *t = gcp_store_hostdata(f.store);
    gcp_ref a, b;
    ck_assert_ok(gcp_heap_alloc_struct(f.heap, f.S, &a));
    ck_assert_ok(gcp_heap_alloc_struct(f.heap, f.S, &b));
    ck_assert_ok(gcp_struct_set_ref(f.heap, t, a, 0, b));
    ck_assert_ok(gcp_struct_set_ref(f.heap, t, b, 0, a));
    write_u32(&f, b, 4, 77);
    ck_assert_ok(gcp_heap_drop_ref(f.heap, t, a));
    ck_assert_ok(gcp_heap_drop_ref(f.heap, t, b));
    gcp_handle h;
    ck_assert_ok(gcp_roots_handle_new(f.roots, a, &h));
    collect_a_few(&f);
    ck_assert(is_live(&f, a) && is_live(&f, b));
    gcp_ref p, q;
    ck_assert_ok(gcp_roots_handle_get(f.roots, h, &p));
    ck_assert_ok(gcp_struct_get_ref(f.heap, p, 0, &q));
    ck_assert_uint_eq(read_u32(&f, q, 4), 77);
    ck_assert_ok(gcp_roots_handle_free(f.roots, h));
    gcp__drc_request_trace(f.heap);
    ck_assert_ok(gcp_store_gc(f.store));
    ck_assert(!is_live(&f, a) && !is_live(&f, b));
    close_store(&f);
}
END_TEST

/* Any host change of handles or entries during a collection ends it with
 * GCP_ESTATE; the next collection then runs normally. */
START_TEST(host_changes_end_a_collection)
{
    fixture f;
    open_store(&f, collectors[_i], 1);
    static int fin;
    fin = 0;
    graph g = make_graph(&f, &fin, 5);
    gcp_ref entry = GCP_REF_NULL;
    gcp_scope s;
    gcp_handle keep, scoped;
    ck_assert_ok(gcp_roots_add(f.roots, &entry));
    ck_assert_ok(gcp_roots_handle_new(f.roots, g.parent, &keep));
    ck_assert_ok(gcp_roots_scope_enter(f.roots, &s));
    ck_assert_ok(gcp_roots_scope_handle(f.roots, GCP_REF_NULL, &scoped));
    gcp_hostdata *t = gcp_store_hostdata(f.store);
    for (int change = 0; change < 8; change++) {
        gcp_collection *gc;
        gcp_progress p;
        ck_assert_ok(gcp_heap_gc_start(f.heap, f.roots, t, &gc));
        ck_assert_ok(gcp_collection_step(gc, &p));
        ck_assert_int_eq(p, GCP_CONTINUE);
        gcp_handle tmp;
        switch (change) {
        case 0: ck_assert_ok(gcp_roots_handle_new(f.roots, GCP_REF_NULL, &tmp));
                ck_assert_ok(gcp_roots_handle_free(f.roots, tmp)); break;
        case 1: ck_assert_ok(gcp_roots_handle_set(f.roots, keep, g.parent)); break;
        case 2: ck_assert_ok(gcp_roots_scope_handle(f.roots, GCP_REF_NULL, &tmp)); break;
        case 3: {
            gcp_scope in;
            ck_assert_ok(gcp_roots_scope_enter(f.roots, &in));
            ck_assert_ok(gcp_roots_scope_leave(f.roots, in));
            break;
        }
        case 4: ck_assert_ok(gcp_roots_add(f.roots, &entry)); break;
        case 5: ck_assert_ok(gcp_roots_remove(f.roots, 1)); break;
        case 6: ck_assert_ok(gcp_roots_truncate(f.roots, 1)); break;
        default: ck_assert_ok(gcp_roots_set(f.roots, 0, GCP_REF_NULL)); break;
        }
        ck_assert_status(gcp_collection_step(gc, &p), GCP_ESTATE);
        ck_assert_status(gcp_collection_step(gc, &p), GCP_ESTATE);
        /* The heap is usable again and the graph untouched. */
        ck_assert_ok(gcp_roots_handle_get(f.roots, keep, &g.parent));
        assert_graph(&f, g.parent, &fin, 5);
    }
    /* Only reading: the collection completes and keeps the graph. */
    ck_assert_ok(gcp_heap_gc(f.heap, f.roots, t));
    gcp_ref p;
    ck_assert_ok(gcp_roots_handle_get(f.roots, keep, &p));
    assert_graph(&f, p, &fin, 5);
    ck_assert_ok(gcp_roots_scope_leave(f.roots, s));
    ck_assert_ok(gcp_roots_handle_free(f.roots, keep));
    ck_assert_ok(gcp_store_gc(f.store));
    assert_reclaimed(&f, g, &fin);
    close_store(&f);
}
END_TEST

/* A bad ref put into a handle is met by the root check of the next
 * collection: corruption, the store poisoned, no crash. */
START_TEST(a_bad_ref_in_a_handle_is_refused)
{
    fixture f;
    open_store(&f, collectors[_i], 10000);
    gcp_handle h;
    ck_assert_ok(gcp_roots_handle_new(f.roots, 0x7ffff8u, &h));
    ck_assert_status(gcp_store_gc(f.store), GCP_ECORRUPT);
    ck_assert(gcp_heap_is_poisoned(f.heap));
    close_store(&f);
}
END_TEST

/* A freed store's handles are refused by the store its heap goes to next. */
START_TEST(handles_of_a_freed_store_are_stale)
{
    fixture f;
    open_store(&f, collectors[_i], 10000);
    gcp_scope s;
    gcp_handle l, sc;
    ck_assert_ok(gcp_roots_handle_new(f.roots, GCP_REF_NULL, &l));
    ck_assert_ok(gcp_roots_scope_enter(f.roots, &s));
    ck_assert_ok(gcp_roots_scope_handle(f.roots, GCP_REF_NULL, &sc));
    ck_assert_ok(gcp_store_free(f.store));
    ck_assert_ok(gcp_store_new(f.pool, &f.store));
    gcp_roots *again = gcp_store_roots(f.store);
    ck_assert_uint_eq(gcp_roots_handle_count(again), 0);
    ck_assert_uint_eq(gcp_roots_scope_depth(again), 0);
    assert_stale(again, l);
    assert_stale(again, sc);
    gcp_handle l2;
    ck_assert_ok(gcp_roots_handle_new(again, GCP_REF_NULL, &l2));
    assert_stale(again, l);
    close_store(&f);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("roots");
    TCase *tc = tcase_create("roots");
    tcase_add_test(tc, add_get_set);
    tcase_add_test(tc, r64_with_upper_bits_rejected);
    tcase_add_test(tc, bounds_and_null_arguments);
    tcase_add_test(tc, clear_keeps_storage);
    tcase_add_test(tc, remove_moves_the_last_entry);
    tcase_add_test(tc, truncate_to_a_mark);
    suite_add_tcase(s, tc);

    TCase *th = tcase_create("handles");
    tcase_add_test(th, scopes_nest);
    tcase_add_test(th, leaving_unroots_everything_since_the_mark);
    tcase_add_test(th, scopes_left_out_of_order);
    tcase_add_test(th, long_lived_handles_outlive_scopes);
    tcase_add_test(th, freed_cells_come_back_with_a_new_generation);
    tcase_add_test(th, stale_foreign_and_forged_handles_refused);
    tcase_add_test(th, reset_makes_every_handle_stale);
    tcase_add_test(th, used_up_cells_are_retired);
    tcase_add_test(th, limits_give_the_tables_status);
    tcase_add_test(th, collector_view_covers_the_cells);
    tcase_add_test(th, host_changes_move_the_version);
    suite_add_tcase(s, th);

    TCase *tg = tcase_create("collections");
    int nc = (int)(sizeof collectors / sizeof collectors[0]);
    tcase_add_loop_test(tg, only_a_long_lived_handle_keeps_a_graph, 0, nc);
    tcase_add_loop_test(tg, only_a_scoped_handle_keeps_a_graph, 0, nc);
    tcase_add_loop_test(tg, a_cycle_held_by_a_handle, 0, nc);
    tcase_add_loop_test(tg, host_changes_end_a_collection, 0, nc);
    tcase_add_loop_test(tg, a_bad_ref_in_a_handle_is_refused, 0, nc);
    tcase_add_loop_test(tg, handles_of_a_freed_store_are_stale, 0, nc);
    suite_add_tcase(s, tg);
    return run_suite(s);
}

/* SPDX-License-Identifier: MIT */
/* The shared tracer (lib/trace.c): the grey stack stays inside its
 * bounded vector whatever the step budget, for mark-sweep marking and for
 * DRC's backup trace. */
#include "gcutil.h"
#include "lib/inspect.h"
#include "lib/trace.h"

#define LEAVES 300

static int fin_count;

/* Asserts the invariant of the grey stack after a step. */
static void assert_stack_bounded(gc_fixture *f)
{
    gcp_flc *c = f->heap->cdata;
    ck_assert_uint_le(c->tracer.stack.n, c->tracer.stack.cap);
    ck_assert_uint_le(c->tracer.stack.n, c->tracer.stack.limit);
}

/* Runs a collection step by step, checking the grey stack after each. */
static void collect_checked(gc_fixture *f, gcp_roots *roots)
{
    gcp_collection *gc;
    ck_assert_ok(gcp_heap_gc_start(f->heap, roots, f->table, &gc));
    gcp_progress p = GCP_CONTINUE;
    for (long steps = 0; p == GCP_CONTINUE; steps++) {
        ck_assert_ok(gcp_collection_step(gc, &p));
        assert_stack_bounded(f);
        ck_assert_int_lt(steps, 10000000);
    }
}

/* A rooted ref array of n slots whose first `fresh` hold fresh leaves
 * (each an externref counting its finalizations). */
static gcp_ref leafy_array(gc_fixture *f, uint32_t n, uint32_t fresh)
{
    gcp_ref arr;
    ck_assert_ok(gcp_heap_alloc_array(f->heap, f->RA, n, &arr));
    for (uint32_t i = 0; i < fresh; i++)
        ck_assert_ok(gcp_array_set_ref(f->heap, f->table, arr, i, gcf_extern(f, &fin_count)));
    return arr;
}

/* The scan of a big array runs out of budget right after its own pushes
 * filled the stack: the partly scanned array goes back on top. */
static void budget_one_case(gcp_collector kind)
{
    gc_fixture f;
    fin_count = 0;
    gcf_open(&f, kind, 1 * MIB, 1);
    gcp_ref arr = leafy_array(&f, LEAVES, LEAVES);
    gcp_roots *roots;
    ck_assert_ok(gcp_roots_new(&roots));
    ck_assert_ok(gcp_roots_add(roots, &arr));
    if (kind == GCP_COLLECTOR_DRC)
        gcp__drc_request_trace(f.heap);
    collect_checked(&f, roots);
    ck_assert(!gcp_heap_is_poisoned(f.heap));
    ck_assert_int_eq(fin_count, 0);                       /* every leaf survived */
    ck_assert_uint_eq(gcp_hostdata_count(f.table), LEAVES);
    for (uint32_t i = 0; i < LEAVES; i++) {
        gcp_ref leaf;
        void *p;
        ck_assert_ok(gcp_array_get_ref(f.heap, arr, i, &leaf));
        ck_assert_ok(gcp_heap_externref_data(f.heap, f.table, leaf, &p));
        ck_assert_ptr_eq(p, &fin_count);
    }
    gcp_roots_free(roots);
    gcf_close(&f);
    ck_assert_int_eq(fin_count, LEAVES);                  /* once each, at the end */
}

START_TEST(marksweep_budget_one_array_of_leaves) { budget_one_case(GCP_COLLECTOR_MARKSWEEP); }
END_TEST
START_TEST(drc_trace_budget_one_array_of_leaves) { budget_one_case(GCP_COLLECTOR_DRC); }
END_TEST

/* The default budget: an array of 20 000 slots whose first 255 hold fresh
 * leaves, plus a stack root, fills the first 256 grey entries exactly when
 * the budget runs out inside the array. */
START_TEST(default_budget_long_array_and_stack_root)
{
    gc_fixture f;
    fin_count = 0;
    gcf_open(&f, GCP_COLLECTOR_MARKSWEEP, 1 * MIB, 10000);
    gcp_ref arr = leafy_array(&f, 20000, 255);
    gcp_ref other;
    ck_assert_ok(gcp_heap_alloc_struct(f.heap, f.S, &other));
    uint64_t r64 = gcp_ref_to_r64(other);
    gcp_roots *roots;
    ck_assert_ok(gcp_roots_new(&roots));
    ck_assert_ok(gcp_roots_add_stack(roots, &r64));
    ck_assert_ok(gcp_roots_add(roots, &arr));
    collect_checked(&f, roots);
    ck_assert(!gcp_heap_is_poisoned(f.heap));
    ck_assert_int_eq(fin_count, 0);
    /* The host data is intact: every leaf still hands out what it held. */
    for (uint32_t i = 0; i < 255; i++) {
        gcp_ref leaf;
        void *p = NULL;
        ck_assert_ok(gcp_array_get_ref(f.heap, arr, i, &leaf));
        ck_assert_ok(gcp_heap_externref_data(f.heap, f.table, leaf, &p));
        ck_assert_ptr_eq(p, &fin_count);
    }
    gcp_roots_free(roots);
    gcf_close(&f);
    ck_assert_int_eq(fin_count, 255);
}
END_TEST

/* Every budget from 1 to 9 over a small graph with shared children: the
 * stack stays bounded and the same objects survive. */
START_TEST(small_budgets_same_survivors)
{
    for (uint32_t budget = 1; budget < 10; budget++) {
        gc_fixture f;
        fin_count = 0;
        gcf_open(&f, GCP_COLLECTOR_MARKSWEEP, 1 * MIB, budget);
        gcp_ref arr = leafy_array(&f, 64, 40), dead = leafy_array(&f, 8, 8);
        (void)dead;
        for (uint32_t i = 40; i < 64; i++) {
            gcp_ref shared;
            ck_assert_ok(gcp_array_get_ref(f.heap, arr, i % 7, &shared));
            ck_assert_ok(gcp_array_set_ref(f.heap, f.table, arr, i, shared));
        }
        gcp_roots *roots;
        ck_assert_ok(gcp_roots_new(&roots));
        ck_assert_ok(gcp_roots_add(roots, &arr));
        collect_checked(&f, roots);
        ck_assert_int_eq(fin_count, 8);   /* the unrooted array's leaves */
        gcp_roots_free(roots);
        gcf_close(&f);
        ck_assert_int_eq(fin_count, 48);
    }
}
END_TEST

/* The prefetch queue: a ref found unmarked waits (pending, not marked yet)
 * until GCP_TRACE_QUEUE more arrive or the stack runs dry; it is validated
 * when it leaves, so a forged ref is still caught, one step later. */
START_TEST(queue_delays_validation_not_marking)
{
    gc_fixture f;
    gcf_open(&f, GCP_COLLECTOR_MARKSWEEP, 1 * MIB, 1000);
    gcp_ref objs[GCP_TRACE_QUEUE + 2];
    for (size_t i = 0; i < sizeof objs / sizeof objs[0]; i++)
        ck_assert_ok(gcp_heap_alloc_struct(f.heap, f.S, &objs[i]));
    gcp_flc *c = f.heap->cdata;
    gcp_tracer *t = &c->tracer;
    ck_assert_ok(gcp__trace_begin(t, f.heap, c->fl.frontier));
    ck_assert_ok(gcp__trace_shade(t, objs[0]));
    ck_assert_ok(gcp__trace_shade(t, objs[0]));   /* twice while queued */
    ck_assert_uint_eq(gcp__trace_pending(t), 2);
    ck_assert_uint_eq(t->stack.n, 0);
    ck_assert(!gcp__trace_marked(t, objs[0]));
    for (uint32_t i = 1; i < GCP_TRACE_QUEUE; i++)
        ck_assert_ok(gcp__trace_shade(t, objs[i]));
    /* The queue was full: the oldest left it, validated and marked. */
    ck_assert(gcp__trace_marked(t, objs[0]));
    ck_assert_uint_eq(t->stack.n, 1);
    ck_assert_uint_eq(gcp__trace_pending(t), GCP_TRACE_QUEUE + 1);
    uint64_t units = 0;
    ck_assert_ok(gcp__trace_drain(t, 1000000, &units));
    ck_assert_uint_eq(gcp__trace_pending(t), 0);
    for (uint32_t i = 0; i < GCP_TRACE_QUEUE; i++)
        ck_assert(gcp__trace_marked(t, objs[i]));
    ck_assert(!gcp__trace_marked(t, objs[GCP_TRACE_QUEUE]));
    ck_assert_uint_eq(gcp__trace_count(t), GCP_TRACE_QUEUE);   /* objs[0] once */
    /* A forged ref (inside an object) is accepted into the queue and
     * refused when it leaves it. */
    ck_assert_ok(gcp__trace_shade(t, objs[GCP_TRACE_QUEUE] + 8));
    ck_assert(!gcp_heap_is_poisoned(f.heap));
    units = 0;
    ck_assert_status(gcp__trace_drain(t, 1000000, &units), GCP_ECORRUPT);
    ck_assert(gcp_heap_is_poisoned(f.heap));
    gcp__trace_drop(t);
    ck_assert_uint_eq(gcp__trace_pending(t), 0);
    gcf_close(&f);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("trace");
    TCase *tc = tcase_create("tracer");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, marksweep_budget_one_array_of_leaves);
    tcase_add_test(tc, drc_trace_budget_one_array_of_leaves);
    tcase_add_test(tc, default_budget_long_array_and_stack_root);
    tcase_add_test(tc, small_budgets_same_survivors);
    tcase_add_test(tc, queue_delays_validation_not_marking);
    suite_add_tcase(s, tc);
    return run_suite(s);
}

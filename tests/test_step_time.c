/* SPDX-License-Identifier: MIT */
/* Collection steps bounded in time (gc_step_time_us, lib/gc.c): a step
 * ends after its unit budget or once its time is up, the clock read
 * between slices of GCP__STEP_SLICE units; the collection it slices still
 * completes with the same survivors.  The clock is replaced by a fake one
 * through gcp__step_clock.  Also the field's default, its validation and
 * the default an older caller's (smaller) configuration gets. */
#include <stddef.h>

#include "gcutil.h"
#include "lib/inspect.h"
#include "lib/poolcfg.h"

static const gcp_collector collectors[] = {GCP_COLLECTOR_MARKSWEEP, GCP_COLLECTOR_DRC,
                                           GCP_COLLECTOR_COMPACT};
#define N_COLLECTORS ((int)(sizeof collectors / sizeof *collectors))

/* Most units one gc_step call does past its slice: a DRC free of an S
 * object (1 + its 2 ref slots) started on the slice's last unit. */
#define OVERSHOOT 3u

/* ------------------------------------------------------------ fake clock */

static uint64_t fake_now, fake_tick, fake_reads;

static uint64_t fake_clock(void)
{
    fake_reads++;
    uint64_t t = fake_now;
    fake_now += fake_tick;
    return t;
}

/* Every read of the clock returns `tick` ns more than the one before. */
static void use_fake_clock(uint64_t tick)
{
    fake_now = 1000000;
    fake_tick = tick;
    fake_reads = 0;
    gcp__step_clock = fake_clock;
}

static void restore_clock(void) { gcp__step_clock = gcp__step_clock_monotonic; }

/* ------------------------------------------------------------ a heap to collect */

typedef struct graph {
    gc_fixture f;
    gcp_roots *roots;
    gcp_ref root;
    int live_fin, dead_fin;   /* finalizer calls of live and dead externrefs */
} graph;

#define LIVE 3000u
#define DEAD 3000u

/* A rooted chain of LIVE S objects, node i holding i at offset 4 and an
 * externref at 8, and DEAD unreachable S objects with an externref each
 * (DRC: the host dropped its counts, so their counts are zero). */
static void graph_build(graph *g, gcp_collector kind, uint32_t budget, uint64_t time_us)
{
    memset(g, 0, sizeof *g);
    gcf_open_timed(&g->f, kind, 1 * MIB, budget, time_us);
    gcp_heap *h = g->f.heap;
    ck_assert_ok(gcp_roots_new(&g->roots));
    gcp_ref prev = GCP_REF_NULL;
    for (uint32_t i = 0; i < LIVE + DEAD; i++) {
        bool live = i < LIVE;
        gcp_ref n, e = gcf_extern(&g->f, live ? &g->live_fin : &g->dead_fin);
        ck_assert_ok(gcp_heap_alloc_struct(h, g->f.S, &n));
        ck_assert_ok(gcp_struct_write(h, n, 4, &i, sizeof i));
        ck_assert_ok(gcp_struct_set_ref(h, g->f.table, n, 8, e));
        ck_assert_ok(gcp_heap_drop_ref(h, g->f.table, e));
        if (i == 0) {
            g->root = n;
            ck_assert_ok(gcp_roots_add(g->roots, &g->root));
        } else if (live) {
            ck_assert_ok(gcp_struct_set_ref(h, g->f.table, prev, 0, n));
        }
        if (i > 0)
            ck_assert_ok(gcp_heap_drop_ref(h, g->f.table, n));
        prev = n;
    }
}

/* The chain from the root is whole and every dead object was reclaimed. */
static void graph_check(graph *g)
{
    gcp_heap *h = g->f.heap;
    ck_assert_int_eq(g->dead_fin, (int)DEAD);
    ck_assert_int_eq(g->live_fin, 0);
    ck_assert_uint_eq(gcp_hostdata_count(g->f.table), LIVE);
    gcp_ref n = g->root;
    for (uint32_t i = 0; i < LIVE; i++) {
        ck_assert(gcp_ref_is_heap(n));
        uint32_t v;
        gcp_ref e;
        ck_assert_ok(gcp_struct_read(h, n, 4, &v, sizeof v));
        ck_assert_uint_eq(v, i);
        ck_assert_ok(gcp_struct_get_ref(h, n, 8, &e));
        ck_assert(gcp_ref_is_heap(e));
        ck_assert_ok(gcp_struct_get_ref(h, n, 0, &n));
    }
    ck_assert_uint_eq(n, GCP_REF_NULL);
}

static void graph_free(graph *g)
{
    gcf_close(&g->f);
    gcp_roots_free(g->roots);
}

typedef struct step_log {
    int steps;             /* steps until complete, the last included */
    uint64_t units;        /* over all steps */
    uint64_t most, least;  /* units of the steps that did not complete */
    uint64_t reads;        /* clock reads of the first step */
} step_log;

/* Steps the collection over g's roots to completion. */
static step_log graph_collect(graph *g)
{
    step_log log = {0, 0, 0, UINT64_MAX, 0};
    gcp_collection *gc;
    ck_assert_ok(gcp_heap_gc_start(g->f.heap, g->roots, g->f.table, &gc));
    uint32_t budget = g->f.heap->step_budget;
    gcp_progress p = GCP_CONTINUE;
    while (p == GCP_CONTINUE) {
        uint64_t reads = fake_reads;
        ck_assert_ok(gcp_collection_step(gc, &p));
        /* The slices' budget does not stay behind. */
        ck_assert_uint_eq(g->f.heap->step_budget, budget);
        uint64_t u = gcp__gc_last_step_units(g->f.heap);
        if (log.steps == 0)
            log.reads = fake_reads - reads;
        log.steps++;
        log.units += u;
        if (p == GCP_CONTINUE) {
            log.most = u > log.most ? u : log.most;
            log.least = u < log.least ? u : log.least;
        }
        ck_assert_int_lt(log.steps, 100000);
    }
    ck_assert_uint_eq(gcp_heap_collections(g->f.heap), 1);
    return log;
}

/* ------------------------------------------------------------ tests */

/* A clock that jumps a second at every read: each step ends after its
 * first slice, and the collection still completes with what a step bounded
 * by units alone leaves. */
START_TEST(time_up_after_one_slice)
{
    graph g;
    graph_build(&g, collectors[_i], 10000, 500);
    use_fake_clock(UINT64_C(1000000000));
    step_log sliced = graph_collect(&g);
    restore_clock();
    graph_check(&g);
    ck_assert_uint_le(sliced.most, GCP__STEP_SLICE + OVERSHOOT);
    ck_assert_uint_ge(sliced.least, GCP__STEP_SLICE);
    ck_assert_uint_eq(sliced.reads, 2);   /* before the slice and after it */
    ck_assert_int_ge(sliced.steps, 8);
    graph_free(&g);

    /* The same heap collected with units only: fewer, longer steps, the
     * same survivors, about the same work. */
    graph_build(&g, collectors[_i], 10000, 0);
    use_fake_clock(UINT64_C(1000000000));
    step_log whole = graph_collect(&g);
    restore_clock();
    graph_check(&g);
    ck_assert_int_lt(whole.steps, sliced.steps);
    ck_assert_uint_ge(whole.least, 10000);
    ck_assert_uint_le(whole.units, sliced.units + sliced.units / 10);
    ck_assert_uint_le(sliced.units, whole.units + whole.units / 10);
    graph_free(&g);
}
END_TEST

/* gc_step_time_us = 0: the clock is never read and a step does its whole
 * unit budget, however much time passes. */
START_TEST(no_time_budget_units_only)
{
    graph g;
    graph_build(&g, collectors[_i], 10000, 0);
    ck_assert_uint_eq(g.f.heap->step_time_ns, 0);
    use_fake_clock(UINT64_C(1000000000));
    step_log log = graph_collect(&g);
    restore_clock();
    ck_assert_uint_eq(fake_reads, 0);
    ck_assert_int_ge(log.steps, 2);
    ck_assert_uint_ge(log.least, 10000);
    ck_assert_uint_le(log.most, 10000 + OVERSHOOT);
    graph_check(&g);
    graph_free(&g);
}
END_TEST

/* A clock that stands still: the time is never up, so a step runs its
 * slices to the whole unit budget, and the units it reports are those of
 * all its slices. */
START_TEST(time_left_whole_budget_in_slices)
{
    graph g;
    graph_build(&g, collectors[_i], 10000, 500);
    use_fake_clock(0);
    step_log log = graph_collect(&g);
    restore_clock();
    ck_assert_int_ge(log.steps, 2);
    ck_assert_uint_ge(log.least, 10000);
    ck_assert_uint_le(log.most, 10000 + OVERSHOOT);
    /* 10000 units: nine full slices, the clock read after each but the
     * last, plus the read at the start. */
    ck_assert_uint_eq(log.reads, 10);
    graph_check(&g);
    graph_free(&g);
}
END_TEST

/* A unit budget below one slice: one gc_step call, as without a time
 * budget; the clock is read once, at the start. */
START_TEST(small_budget_one_slice)
{
    graph g;
    graph_build(&g, collectors[_i], 100, 500);
    use_fake_clock(UINT64_C(1000000000));
    step_log log = graph_collect(&g);
    restore_clock();
    ck_assert_uint_eq(log.reads, 1);
    ck_assert_uint_ge(log.least, 100);
    ck_assert_uint_le(log.most, 100 + OVERSHOOT);
    graph_check(&g);
    graph_free(&g);
}
END_TEST

/* The real clock, with a 1 us budget (shorter than any slice of 1024
 * units): every step ends after its first slice. */
START_TEST(monotonic_clock_ends_steps)
{
    ck_assert_ptr_eq(gcp__step_clock, gcp__step_clock_monotonic);
    uint64_t a = gcp__step_clock_monotonic(), b = gcp__step_clock_monotonic();
    ck_assert_uint_gt(a, 0);
    ck_assert_uint_ge(b, a);
    graph g;
    graph_build(&g, collectors[_i], 10000, 1);
    step_log log = graph_collect(&g);
    ck_assert_uint_le(log.most, GCP__STEP_SLICE + OVERSHOOT);
    ck_assert_int_ge(log.steps, 8);
    graph_check(&g);
    graph_free(&g);
}
END_TEST

/* ------------------------------------------------------------ configuration */

START_TEST(default_and_validation)
{
    gcp_pool_config c = gcp_pool_config_default();
    ck_assert_uint_eq(c.gc_step_time_us, 500);
    gcp_heap *h;
    c = small_config(1);
    c.gc_step_time_us = 500;
    ck_assert_ok(gcp_heap_new_ondemand(&c, &h));
    ck_assert_uint_eq(h->step_time_ns, 500000);
    ck_assert_ok(gcp_heap_free_ondemand(h));
    c.gc_step_time_us = GCP__STEP_TIME_US_MAX;   /* 10 s */
    ck_assert_ok(gcp_heap_new_ondemand(&c, &h));
    ck_assert_uint_eq(h->step_time_ns, UINT64_C(10000000000));
    ck_assert_ok(gcp_heap_free_ondemand(h));
    c.gc_step_time_us = 0;
    ck_assert_ok(gcp_heap_new_ondemand(&c, &h));
    ck_assert_uint_eq(h->step_time_ns, 0);
    ck_assert_ok(gcp_heap_free_ondemand(h));
    gcp_pool *p;
    c.gc_step_time_us = GCP__STEP_TIME_US_MAX + 1;
    ck_assert_status(gcp_pool_new(&c, &p), GCP_EINVAL);
    ck_assert_ptr_nonnull(strstr(gcp_last_error(), "gc_step_time_us = 10000001"));
    c.gc_step_time_us = UINT64_MAX;
    ck_assert_status(gcp_heap_new_ondemand(&c, &h), GCP_EINVAL);
    ck_assert_ptr_nonnull(strstr(gcp_last_error(), "gc_step_time_us"));
}
END_TEST

/* The struct of a caller built against a header without gc_step_time_us
 * ends where the field begins: init writes no byte past it, and the pool
 * gives the field its default whatever lies past the caller's struct. */
#define OLD_SIZE offsetof(gcp_pool_config, gc_step_time_us)

START_TEST(older_config_gets_the_default)
{
    ck_assert_uint_eq(OLD_SIZE, 88);   /* gcpool 0.2's and 0.3's struct on LP64 */
    ck_assert_uint_gt(sizeof(gcp_pool_config), OLD_SIZE);
    gcp_pool_config c;
    memset(&c, 0xa5, sizeof c);
    ck_assert_ok(gcp_pool_config_init(&c, OLD_SIZE));
    ck_assert_uint_eq(c.size, OLD_SIZE);
    ck_assert_uint_eq(c.num_slots, 128);
    ck_assert(!c.debug);
    const unsigned char *tail = (const unsigned char *)&c + OLD_SIZE;
    for (size_t i = 0; i < sizeof c - OLD_SIZE; i++)
        ck_assert_uint_eq(tail[i], 0xa5);
    /* What the library makes of it: the default, not the 0xa5 bytes. */
    gcp_pool_config full;
    ck_assert_ok(gcp__config_copy(&c, &full));
    ck_assert_uint_eq(full.size, sizeof full);
    ck_assert_uint_eq(full.gc_step_time_us, 500);
    ck_assert_uint_eq(full.num_slots, 128);
    c.num_slots = 1;
    c.max_heap_bytes = c.reservation_bytes = 1 * MIB;
    c.guard_bytes = 64 * KIB;
    c.collector = GCP_COLLECTOR_MARKSWEEP;
    gcp_pool *p;
    ck_assert_ok(gcp_pool_new(&c, &p));
    gcp_heap *h;
    ck_assert_ok(gcp_pool_acquire(p, &h));
    ck_assert_uint_eq(h->step_time_ns, 500000);
    ck_assert_ok(gcp_pool_release(p, h));
    ck_assert_ok(gcp_pool_free(p));
    /* A size between the two versions ends inside the field: refused. */
    ck_assert_status(gcp_pool_config_init(&c, OLD_SIZE + 4), GCP_EINVAL);
    ck_assert_ptr_nonnull(strstr(gcp_last_error(), "not the size of any gcp_pool_config"));
    c.size = OLD_SIZE + 4;
    ck_assert_status(gcp_pool_new(&c, &p), GCP_EINVAL);
    ck_assert_ptr_nonnull(strstr(gcp_last_error(), "config.size is 92"));
    c.size = OLD_SIZE - 8;
    ck_assert_status(gcp_pool_new(&c, &p), GCP_EINVAL);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("step_time");
    TCase *tc = tcase_create("steps");
    tcase_set_timeout(tc, 60);
    tcase_add_loop_test(tc, time_up_after_one_slice, 0, N_COLLECTORS);
    tcase_add_loop_test(tc, no_time_budget_units_only, 0, N_COLLECTORS);
    tcase_add_loop_test(tc, time_left_whole_budget_in_slices, 0, N_COLLECTORS);
    tcase_add_loop_test(tc, small_budget_one_slice, 0, N_COLLECTORS);
    tcase_add_loop_test(tc, monotonic_clock_ends_steps, 0, N_COLLECTORS);
    suite_add_tcase(s, tc);
    TCase *tcfg = tcase_create("config");
    tcase_add_test(tcfg, default_and_validation);
    tcase_add_test(tcfg, older_config_gets_the_default);
    suite_add_tcase(s, tcfg);
    return run_suite(s);
}

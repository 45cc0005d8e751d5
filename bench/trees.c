/* SPDX-License-Identifier: MIT */
/* The tree workloads of gcpool-bench: GCBench and binary-trees, written
 * from the benchmarks' public descriptions, for gcpool (through its checked
 * API), Boehm GC, glibc malloc/free and mimalloc.  One cycle is one whole
 * run of the benchmark.
 *
 * GCBench (Boehm, Ellis, Kovac): a stretch tree of depth 18 built and
 * dropped; a long-lived tree of depth 16 (top-down) and a long-lived array
 * of 500 000 doubles, half of it filled; then for depths 4, 6, ..., 16,
 * NumIters(d) = 2 * TreeSize(18) / TreeSize(d) trees built top-down and as
 * many bottom-up, each dropped at once (TreeSize(d) = 2^(d+1) - 1).  Nodes
 * hold two refs and two 32-bit ints.  At the end the long-lived tree is
 * counted and one array element checked.
 *
 * binary-trees (the benchmarks game's shape), maximum depth N: a stretch
 * tree of depth N + 1 built, checked and dropped; a long-lived tree of
 * depth N; for depths d = 4, 6, ..., N, 2^(N - d + 4) trees built bottom-up,
 * each checked (its nodes counted) and dropped; the long-lived tree
 * checked.  Nodes hold two refs.
 *
 * gcpool: one store per run (gcp_store_new from the cell's pool,
 * gcp_store_free at the end, both timed); nodes from gcp_heap_alloc_struct,
 * linked with gcp_struct_set_ref, walked with gcp_struct_get_ref, and the
 * host's reference to each node dropped (gcp_heap_drop_ref) once it is
 * linked, as the API's ownership rules ask for every collector.  What the
 * host holds is rooted: the long-lived tree and array, the tree being
 * built, and in bottom-up construction the finished subtrees waiting for
 * their parent (one pair of root slots per level).  On GCP_NEED_GC the run
 * collects with gcp_heap_gc_start and gcp_collection_step, each timed, and
 * retries once. */
#include "config.h"

/* Boehm GC stops threads with signals that ThreadSanitizer intercepts: in a
 * ThreadSanitizer build it is left out (as in sys_peers.c). */
#if defined(__SANITIZE_THREAD__) && defined(HAVE_BDWGC)
#undef HAVE_BDWGC
#define TREES_BOEHM_ABSENT "left out of ThreadSanitizer builds (its signals cannot be delivered there)"
#endif

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#ifdef HAVE_MIMALLOC
#include <mimalloc.h>
#endif
#ifdef HAVE_BDWGC
#define GC_THREADS
#define GC_NO_THREAD_REDIRECTS
#include <gc.h>
#endif

#include "gcpool.h"

#include "bench/bench.h"

#define BT_MIN_DEPTH 4u
/* Deepest tree of any run: binary-trees 18 stretches to depth 19. */
#define TREES_MAX_DEPTH 24u

typedef struct gcbench_shape {
    unsigned stretch, long_lived, min_depth, max_depth;
    uint32_t array_len;
    uint32_t check_index;    /* the array element checked at the end */
} gcbench_shape;

/* The full GCBench for k = 18; smaller k scale every depth (and the array)
 * down for the smoke runs. */
static gcbench_shape gcbench_shape_of(uint64_t k)
{
    gcbench_shape s;
    s.stretch = (unsigned)k;
    s.long_lived = s.max_depth = (unsigned)k - 2;
    s.min_depth = 4;
    s.array_len = k >= 18 ? 500000u : 500000u >> (18 - k);
    if (s.array_len < 4000)
        s.array_len = 4000;
    s.check_index = 1000;
    return s;
}

static uint64_t tree_size(unsigned depth) { return (UINT64_C(1) << (depth + 1)) - 1; }

static uint64_t gcbench_iters(const gcbench_shape *s, unsigned depth)
{
    return 2 * tree_size(s->stretch) / tree_size(depth);
}

/* What a run's checksum must be: GCBench, the long-lived tree's nodes plus
 * one for the array element; binary-trees, the sum of every check. */
static uint64_t expected_sum(const bcell *c)
{
    if (c->workload == BW_GCBENCH)
        return tree_size(gcbench_shape_of(c->k).long_lived) + 1;
    unsigned n = (unsigned)c->k;
    uint64_t s = tree_size(n + 1) + tree_size(n);
    for (unsigned d = BT_MIN_DEPTH; d <= n; d += 2)
        s += (UINT64_C(1) << (n - d + BT_MIN_DEPTH)) * tree_size(d);
    return s;
}

static bool valid_depths(const bcell *c)
{
    if (c->workload == BW_GCBENCH)
        return c->k >= 8 && c->k <= 20;
    return c->k >= BT_MIN_DEPTH + 2 && c->k + 1 < TREES_MAX_DEPTH;
}

/* ------------------------------------------------------------------ gcpool */

/* Node layouts: refs at payload offsets 0 and 4; GCBench adds i and j. */
#define GNODE_PAYLOAD 16u
#define BNODE_PAYLOAD 8u
#define NODE_LEFT 0u
#define NODE_RIGHT 4u
/* Object bytes: the 16-byte header and the payload, 8-byte aligned. */
#define GNODE_OBJ 32u
#define BNODE_OBJ 24u

typedef struct tg_shared {
    gcp_pool *pool;
    uint32_t t_gnode, t_bnode, t_doubles;
    /* gcpool-init: bottom-up nodes made with their children in one call
     * (gcp_heap_alloc_struct_init) instead of alloc + two set_ref. */
    bool init;
} tg_shared;

typedef struct tg {
    tg_shared *sh;
    const bcell *cell;
    uint32_t node_type;
    gcp_store *store;
    gcp_heap *h;
    gcp_hostdata *table;
    gcp_roots *roots;
    /* Root slots (the store's roots list points at them during a run). */
    gcp_ref long_lived, array, temp;
    gcp_ref stack[2 * (TREES_MAX_DEPTH + 1)];
    /* measured */
    uint64_t peak, collections, gc_ns, step_ns;
} tg;

static int tg_setup_heap(const bcell *c, uint64_t max_heap, void **shared, char *why,
                         size_t why_len)
{
    tg_shared *sh = calloc(1, sizeof *sh);
    if (!sh)
        return gcpb_fail(why, why_len, BR_SKIP, "out of memory");
    gcp_types *types;
    gcp_status st = gcp_types_new(&types);
    if (st != GCP_OK) {
        free(sh);
        return gcpb_fail(why, why_len, BR_SKIP, "gcp_types_new: %s", gcp_strerror(st));
    }
    const uint32_t refs[2] = {NODE_LEFT, NODE_RIGHT};
    if ((st = gcp_types_add_struct(types, GNODE_PAYLOAD, refs, 2, &sh->t_gnode)) != GCP_OK ||
        (st = gcp_types_add_struct(types, BNODE_PAYLOAD, refs, 2, &sh->t_bnode)) != GCP_OK ||
        (st = gcp_types_add_array(types, 8, false, &sh->t_doubles)) != GCP_OK) {
        gcp_types_release(types);
        free(sh);
        return gcpb_fail(why, why_len, BR_SKIP, "registering types: %s", gcp_strerror(st));
    }
    gcp_pool_config cfg = gcp_pool_config_default();
    cfg.num_slots = 2;
    cfg.max_heap_bytes = max_heap;
    if (cfg.initial_heap_bytes > max_heap)
        cfg.initial_heap_bytes = max_heap;
    cfg.collector = (gcp_collector)c->collector;
    cfg.types = types;
    st = gcp_pool_new(&cfg, &sh->pool);
    gcp_types_release(types);
    if (st != GCP_OK) {
        free(sh);
        return gcpb_fail(why, why_len, BR_SKIP, "gcp_pool_new: %s", gcp_strerror(st));
    }
    *shared = sh;
    return BR_OK;
}

static int tg_setup(const bcell *c, void **shared, char *why, size_t why_len)
{
    if (!valid_depths(c))
        return gcpb_fail(why, why_len, BR_SKIP, "depth %" PRIu64 " out of range", c->k);
    int r = tg_setup_heap(c, c->max_heap, shared, why, why_len);
    if (r == BR_OK)
        ((tg_shared *)*shared)->init = c->sys == &gcpb_trees_gcpool_init;
    return r;
}

static void tg_teardown(void *shared)
{
    tg_shared *sh = shared;
    if (sh)
        gcp_pool_free(sh->pool);
    free(sh);
}

static int tg_thread_setup(void *shared, const bcell *c, void **ts, char *why, size_t why_len)
{
    tg *t = calloc(1, sizeof *t);
    if (!t)
        return gcpb_fail(why, why_len, BR_SKIP, "out of memory");
    t->sh = shared;
    t->cell = c;
    t->node_type = c->workload == BW_GCBENCH ? t->sh->t_gnode : t->sh->t_bnode;
    *ts = t;
    return BR_OK;
}

static void tg_thread_teardown(void *ts) { free(ts); }

static uint64_t max_u64(uint64_t a, uint64_t b) { return a > b ? a : b; }

/* A whole collection over the store's roots, step by step. */
static gcp_status tg_collect(tg *t)
{
    uint64_t t0 = gcpb_now();
    gcp_collection *gc;
    gcp_status st = gcp_heap_gc_start(t->h, t->roots, t->table, &gc);
    uint64_t t1 = gcpb_now();
    t->step_ns = max_u64(t->step_ns, t1 - t0);
    gcp_progress p = GCP_CONTINUE;
    while (st == GCP_OK && p == GCP_CONTINUE) {
        uint64_t s0 = gcpb_now();
        st = gcp_collection_step(gc, &p);
        t1 = gcpb_now();
        t->step_ns = max_u64(t->step_ns, t1 - s0);
    }
    if (st != GCP_OK)
        return st;
    t->gc_ns = max_u64(t->gc_ns, t1 - t0);
    t->collections++;
    t->peak = max_u64(t->peak, gcp_heap_bound(t->h));
    return GCP_OK;
}

/* A zeroed node owned by the host (collect and retry on GCP_NEED_GC). */
static gcp_status tg_node(tg *t, gcp_ref *out)
{
    gcp_status st = gcp_heap_alloc_struct(t->h, t->node_type, out);
    if (st == GCP_NEED_GC && (st = tg_collect(t)) == GCP_OK)
        st = gcp_heap_alloc_struct(t->h, t->node_type, out);
    return st;
}

/* A node holding the refs in root slots *ls and *rs (borrowed): after a
 * collection the retry reads the slots again, moved or not. */
static gcp_status tg_node_with_once(tg *t, const gcp_ref *ls, const gcp_ref *rs, gcp_ref *out)
{
    /* The node's payload: the refs at NODE_LEFT and NODE_RIGHT, and for
     * GCBench two zero ints. */
    uint32_t img[GNODE_PAYLOAD / 4] = {0};
    img[NODE_LEFT / 4] = *ls;
    img[NODE_RIGHT / 4] = *rs;
    size_t len = t->cell->workload == BW_GCBENCH ? GNODE_PAYLOAD : BNODE_PAYLOAD;
    return gcp_heap_alloc_struct_init(t->h, t->node_type, img, len, out);
}

static gcp_status tg_node_with(tg *t, const gcp_ref *ls, const gcp_ref *rs, gcp_ref *out)
{
    gcp_status st = tg_node_with_once(t, ls, rs, out);
    if (st == GCP_NEED_GC && (st = tg_collect(t)) == GCP_OK)
        st = tg_node_with_once(t, ls, rs, out);
    return st;
}

static gcp_status tg_drop(tg *t, gcp_ref r) { return gcp_heap_drop_ref(t->h, t->table, r); }

/* GCBench's Populate: *n, a root slot, holds a node; its new children
 * wait in the root slots of `level` while they are populated, so that a
 * moving collector finds (and updates) every ref the host still uses. */
static gcp_status tg_populate(tg *t, unsigned depth, unsigned level, gcp_ref *n)
{
    if (depth == 0)
        return GCP_OK;
    gcp_ref *ls = &t->stack[2 * level], *rs = ls + 1;
    gcp_status st;
    if ((st = tg_node(t, ls)) != GCP_OK ||
        (st = gcp_struct_set_ref(t->h, t->table, *n, NODE_LEFT, *ls)) != GCP_OK ||
        (st = tg_drop(t, *ls)) != GCP_OK || (st = tg_node(t, rs)) != GCP_OK ||
        (st = gcp_struct_set_ref(t->h, t->table, *n, NODE_RIGHT, *rs)) != GCP_OK ||
        (st = tg_drop(t, *rs)) != GCP_OK)
        return st;
    /* The children are borrowed from n's fields from here on. */
    if ((st = tg_populate(t, depth - 1, level + 1, ls)) == GCP_OK)
        st = tg_populate(t, depth - 1, level + 1, rs);
    *ls = *rs = GCP_REF_NULL;
    return st;
}

/* Bottom-up construction into *out, a root slot: the two subtrees of
 * level `level` wait in root slots while their parent is allocated. */
static gcp_status tg_make(tg *t, unsigned depth, unsigned level, gcp_ref *out)
{
    if (depth == 0)
        return tg_node(t, out);
    gcp_ref *ls = &t->stack[2 * level], *rs = ls + 1;
    gcp_ref n;
    gcp_status st;
    if (t->sh->init) {
        if ((st = tg_make(t, depth - 1, level + 1, ls)) != GCP_OK ||
            (st = tg_make(t, depth - 1, level + 1, rs)) != GCP_OK ||
            (st = tg_node_with(t, ls, rs, &n)) != GCP_OK || (st = tg_drop(t, *ls)) != GCP_OK ||
            (st = tg_drop(t, *rs)) != GCP_OK)
            return st;
        *ls = *rs = GCP_REF_NULL;
        *out = n;
        return GCP_OK;
    }
    if ((st = tg_make(t, depth - 1, level + 1, ls)) != GCP_OK ||
        (st = tg_make(t, depth - 1, level + 1, rs)) != GCP_OK || (st = tg_node(t, &n)) != GCP_OK ||
        (st = gcp_struct_set_ref(t->h, t->table, n, NODE_LEFT, *ls)) != GCP_OK ||
        (st = gcp_struct_set_ref(t->h, t->table, n, NODE_RIGHT, *rs)) != GCP_OK ||
        (st = tg_drop(t, *ls)) != GCP_OK || (st = tg_drop(t, *rs)) != GCP_OK)
        return st;
    *ls = *rs = GCP_REF_NULL;
    *out = n;
    return GCP_OK;
}

/* Nodes of the tree at n (a leaf has a null left child). */
static gcp_status tg_count(tg *t, gcp_ref n, uint64_t *count)
{
    (*count)++;
    gcp_ref l, r;
    gcp_status st = gcp_struct_get_ref(t->h, n, NODE_LEFT, &l);
    if (st != GCP_OK || l == GCP_REF_NULL)
        return st;
    if ((st = gcp_struct_get_ref(t->h, n, NODE_RIGHT, &r)) != GCP_OK ||
        (st = tg_count(t, l, count)) != GCP_OK)
        return st;
    return tg_count(t, r, count);
}

/* Drops the host's reference in a root slot and empties it. */
static gcp_status tg_release(tg *t, gcp_ref *slot)
{
    gcp_status st = tg_drop(t, *slot);
    *slot = GCP_REF_NULL;
    return st;
}

static gcp_status tg_gcbench(tg *t, uint64_t *sum)
{
    gcbench_shape s = gcbench_shape_of(t->cell->k);
    gcp_status st;
    if ((st = tg_make(t, s.stretch, 0, &t->temp)) != GCP_OK ||
        (st = tg_release(t, &t->temp)) != GCP_OK || (st = tg_node(t, &t->long_lived)) != GCP_OK ||
        (st = tg_populate(t, s.long_lived, 0, &t->long_lived)) != GCP_OK)
        return st;
    st = gcp_heap_alloc_array(t->h, t->sh->t_doubles, s.array_len, &t->array);
    if (st == GCP_NEED_GC && (st = tg_collect(t)) == GCP_OK)
        st = gcp_heap_alloc_array(t->h, t->sh->t_doubles, s.array_len, &t->array);
    if (st != GCP_OK)
        return st;
    for (uint32_t i = 0; i < s.array_len / 2; i++) {
        double v = 1.0 / i;
        if ((st = gcp_array_write(t->h, t->array, i, &v)) != GCP_OK)
            return st;
    }
    for (unsigned d = s.min_depth; d <= s.max_depth; d += 2) {
        uint64_t iters = gcbench_iters(&s, d);
        for (uint64_t i = 0; i < iters; i++)
            if ((st = tg_node(t, &t->temp)) != GCP_OK ||
                (st = tg_populate(t, d, 0, &t->temp)) != GCP_OK ||
                (st = tg_release(t, &t->temp)) != GCP_OK)
                return st;
        for (uint64_t i = 0; i < iters; i++)
            if ((st = tg_make(t, d, 0, &t->temp)) != GCP_OK ||
                (st = tg_release(t, &t->temp)) != GCP_OK)
                return st;
    }
    uint64_t n = 0;
    double v;
    if ((st = tg_count(t, t->long_lived, &n)) != GCP_OK ||
        (st = gcp_array_read(t->h, t->array, s.check_index, &v)) != GCP_OK)
        return st;
    *sum = n + (v == 1.0 / s.check_index ? 1 : 0);
    return GCP_OK;
}

static gcp_status tg_btrees(tg *t, uint64_t *sum)
{
    unsigned n = (unsigned)t->cell->k;
    uint64_t check = 0;
    gcp_status st;
    if ((st = tg_make(t, n + 1, 0, &t->temp)) != GCP_OK ||
        (st = tg_count(t, t->temp, &check)) != GCP_OK ||
        (st = tg_release(t, &t->temp)) != GCP_OK ||
        (st = tg_make(t, n, 0, &t->long_lived)) != GCP_OK)
        return st;
    for (unsigned d = BT_MIN_DEPTH; d <= n; d += 2) {
        uint64_t iters = UINT64_C(1) << (n - d + BT_MIN_DEPTH);
        for (uint64_t i = 0; i < iters; i++)
            if ((st = tg_make(t, d, 0, &t->temp)) != GCP_OK ||
                (st = tg_count(t, t->temp, &check)) != GCP_OK ||
                (st = tg_release(t, &t->temp)) != GCP_OK)
                return st;
    }
    if ((st = tg_count(t, t->long_lived, &check)) != GCP_OK)
        return st;
    *sum = check;
    return GCP_OK;
}

static int tg_fail(bctx *x, const char *what, gcp_status st)
{
    if (st == GCP_ELIMIT || st == GCP_ETOOLARGE)
        return gcpb_fail(x->why, x->why_len, BR_NA, "does not fit the heap max (%s)",
                         gcp_strerror(st));
    return gcpb_fail(x->why, x->why_len, BR_SKIP, "%s: %s", what, gcp_strerror(st));
}

static int tg_cycle(void *ts, bctx *x)
{
    tg *t = ts;
    gcp_status st = gcp_store_new(t->sh->pool, &t->store);
    if (st != GCP_OK)
        return tg_fail(x, "gcp_store_new", st);
    t->h = gcp_store_heap(t->store);
    t->table = gcp_store_hostdata(t->store);
    t->roots = gcp_store_roots(t->store);
    t->long_lived = t->array = t->temp = GCP_REF_NULL;
    for (size_t i = 0; i < sizeof t->stack / sizeof t->stack[0]; i++)
        t->stack[i] = GCP_REF_NULL;
    t->peak = gcp_heap_bound(t->h);
    t->collections = t->gc_ns = t->step_ns = 0;
    if ((st = gcp_roots_add(t->roots, &t->long_lived)) != GCP_OK ||
        (st = gcp_roots_add(t->roots, &t->array)) != GCP_OK ||
        (st = gcp_roots_add(t->roots, &t->temp)) != GCP_OK) {
        gcp_store_free(t->store);
        return tg_fail(x, "gcp_roots_add", st);
    }
    for (size_t i = 0; i < sizeof t->stack / sizeof t->stack[0]; i++) {
        if ((st = gcp_roots_add(t->roots, &t->stack[i])) != GCP_OK) {
            gcp_store_free(t->store);
            return tg_fail(x, "gcp_roots_add", st);
        }
    }
    uint64_t sum = 0;
    st = t->cell->workload == BW_GCBENCH ? tg_gcbench(t, &sum) : tg_btrees(t, &sum);
    t->peak = max_u64(t->peak, gcp_heap_bound(t->h));
    gcp_status fst = gcp_store_free(t->store);
    t->store = NULL;
    if (st != GCP_OK)
        return tg_fail(x, "building the trees", st);
    if (fst != GCP_OK)
        return tg_fail(x, "gcp_store_free", fst);
    x->sum = sum;
    x->peak_bytes = t->peak;
    x->collections = t->collections;
    x->gc_ns = t->gc_ns;
    x->step_ns = t->step_ns;
    x->has_gc_stats = t->cell->collector != GCP_COLLECTOR_NULL;
    return BR_OK;
}

const bsys gcpb_trees_gcpool = {
    .name = "gcpool", .setup = tg_setup, .thread_setup = tg_thread_setup,
    .cycle = tg_cycle, .thread_teardown = tg_thread_teardown, .teardown = tg_teardown,
};

const bsys gcpb_trees_gcpool_init = {
    .name = "gcpool-init", .setup = tg_setup, .thread_setup = tg_thread_setup,
    .cycle = tg_cycle, .thread_teardown = tg_thread_teardown, .teardown = tg_teardown,
};

/* ------------------------------------------------------------ heap max */

/* Bytes live at the run's fullest point, as gcpool lays the objects out:
 * no heap max below it can fit. */
static uint64_t live_peak(const bcell *c)
{
    if (c->workload == BW_GCBENCH) {
        gcbench_shape s = gcbench_shape_of(c->k);
        uint64_t stretch = tree_size(s.stretch) * GNODE_OBJ;
        uint64_t later = (tree_size(s.long_lived) + tree_size(s.max_depth)) * GNODE_OBJ +
                         GCP_ARRAY_ELEMS + 8 * (uint64_t)s.array_len;
        return max_u64(stretch, later);
    }
    return max_u64(tree_size((unsigned)c->k + 1), 2 * tree_size((unsigned)c->k)) * BNODE_OBJ;
}

#define FIT_GRAIN (64 * GCPB_KIB)

static uint64_t grain_up(uint64_t v) { return (v + FIT_GRAIN - 1) / FIT_GRAIN * FIT_GRAIN; }

/* One untimed run with the given heap max: BR_OK, BR_NA (does not fit) or
 * BR_SKIP. */
static int fit_probe(bcell *c, uint64_t max_heap)
{
    void *sh = NULL, *ts = NULL;
    int r = tg_setup_heap(c, max_heap, &sh, c->note, sizeof c->note);
    if (r != BR_OK)
        return r;
    if ((r = tg_thread_setup(sh, c, &ts, c->note, sizeof c->note)) == BR_OK) {
        bctx x = {.why = c->note, .why_len = sizeof c->note};
        r = tg_cycle(ts, &x);
        if (r == BR_OK && x.sum != expected_sum(c))
            r = gcpb_fail(c->note, sizeof c->note, BR_SKIP, "checksum %" PRIu64 ", want %" PRIu64,
                          x.sum, expected_sum(c));
        tg_thread_teardown(ts);
    }
    tg_teardown(sh);
    return r;
}

int gcpb_trees_fit(bcell *c)
{
    const uint64_t top = 4 * GCPB_GIB;
    c->min_fit = 0;
    if (c->collector == GCP_COLLECTOR_NULL) {
        c->max_heap = top;
        return BR_OK;
    }
    if (!valid_depths(c))
        return gcpb_fail(c->note, sizeof c->note, BR_SKIP, "depth %" PRIu64 " out of range", c->k);
    /* Grow from the live peak by a quarter, then doubling, until a run
     * fits; then bisect down to 1/32 of the live peak. */
    uint64_t live = live_peak(c);
    uint64_t fail = grain_up(live) - FIT_GRAIN, fit = 0;
    uint64_t m = grain_up(live);
    for (;;) {
        int r = fit_probe(c, m);
        if (r == BR_OK) {
            fit = m;
            break;
        }
        if (r != BR_NA)
            return r;
        fail = m;
        if (m >= top)
            return gcpb_fail(c->note, sizeof c->note, BR_NA, "does not fit in 4 GiB");
        uint64_t next = m == grain_up(live) ? grain_up(m + m / 4) : 2 * m;
        m = next < top ? next : top;
    }
    uint64_t grain = grain_up(live / 32);
    while (fit - fail > grain) {
        uint64_t mid = grain_up(fail + (fit - fail) / 2);
        if (mid >= fit)
            break;
        int r = fit_probe(c, mid);
        if (r == BR_OK)
            fit = mid;
        else if (r == BR_NA)
            fail = mid;
        else
            return r;
    }
    c->note[0] = 0;
    c->min_fit = fit;
    c->max_heap = 2 * fit < top ? 2 * fit : top;
    return BR_OK;
}

/* ------------------------------------------------------------ the peers */

typedef struct gnode {
    struct gnode *left, *right;
    int32_t i, j;
} gnode;

typedef struct bnode {
    struct bnode *left, *right;
} bnode;

/* State of a peer's run: live bytes as the program counts them (the sizes
 * it asked for) and their peak. */
typedef struct nat {
    const bcell *cell;
    uint64_t live, peak;
} nat;

static uint64_t gcount(const gnode *n)
{
    return n ? 1 + gcount(n->left) + gcount(n->right) : 0;
}

static uint64_t bcheck(const bnode *n)
{
    return 1 + (n->left ? bcheck(n->left) + bcheck(n->right) : 0);
}

static inline void *nat_count(nat *t, void *p, size_t bytes)
{
    if (p && (t->live += bytes) > t->peak)
        t->peak = t->live;
    return p;
}

static int nat_thread_setup(void *shared, const bcell *c, void **ts, char *why, size_t why_len)
{
    (void)shared;
    nat *t = calloc(1, sizeof *t);
    if (!t)
        return gcpb_fail(why, why_len, BR_SKIP, "out of memory");
    t->cell = c;
    *ts = t;
    return BR_OK;
}

static void nat_thread_teardown(void *ts) { free(ts); }

static int nat_setup(const bcell *c, void **shared, char *why, size_t why_len)
{
    *shared = NULL;
    if (!valid_depths(c))
        return gcpb_fail(why, why_len, BR_SKIP, "depth %" PRIu64 " out of range", c->k);
    return BR_OK;
}

static void nat_teardown(void *shared) { (void)shared; }

/* glibc malloc/free */
#define TN(name) malloc_##name
#define TN_ALLOC(t, bytes) nat_count(t, malloc(bytes), bytes)
#define TN_ALLOC_ATOMIC(t, bytes) TN_ALLOC(t, bytes)
#define TN_FREE(t, p, bytes) ((t)->live -= (bytes), free(p))
#define TN_FREES 1
#include "bench/trees_native.h"
#undef TN
#undef TN_ALLOC
#undef TN_ALLOC_ATOMIC
#undef TN_FREE
#undef TN_FREES

/* The checksum every run must reach; BR_SKIP with a note otherwise. */
static int check_sum(const bcell *c, uint64_t sum, bctx *x)
{
    if (sum != expected_sum(c))
        return gcpb_fail(x->why, x->why_len, BR_SKIP,
                         "checksum %" PRIu64 " (nodes counted), want %" PRIu64, sum,
                         expected_sum(c));
    x->sum = sum;
    return BR_OK;
}

static int nat_result(nat *t, int st, uint64_t sum, bctx *x)
{
    if (st != 0)
        return gcpb_fail(x->why, x->why_len, BR_SKIP, "allocation failed");
    x->peak_bytes = t->peak;
    return check_sum(t->cell, sum, x);
}

static int malloc_cycle(void *ts, bctx *x)
{
    nat *t = ts;
    t->live = t->peak = 0;
    uint64_t sum = 0;
    int st = malloc_run(t, &sum);
    return nat_result(t, st, sum, x);
}

const bsys gcpb_trees_malloc = {
    .name = "malloc", .setup = nat_setup, .thread_setup = nat_thread_setup,
    .cycle = malloc_cycle, .thread_teardown = nat_thread_teardown, .teardown = nat_teardown,
};

/* mimalloc: mi_malloc/mi_free */
#ifdef HAVE_MIMALLOC
#define TN(name) mimalloc_##name
#define TN_ALLOC(t, bytes) nat_count(t, mi_malloc(bytes), bytes)
#define TN_ALLOC_ATOMIC(t, bytes) TN_ALLOC(t, bytes)
#define TN_FREE(t, p, bytes) ((t)->live -= (bytes), mi_free(p))
#define TN_FREES 1
#include "bench/trees_native.h"
#undef TN
#undef TN_ALLOC
#undef TN_ALLOC_ATOMIC
#undef TN_FREE
#undef TN_FREES

static int mimalloc_cycle(void *ts, bctx *x)
{
    nat *t = ts;
    t->live = t->peak = 0;
    uint64_t sum = 0;
    int st = mimalloc_run(t, &sum);
    return nat_result(t, st, sum, x);
}

const bsys gcpb_trees_mimalloc = {
    .name = "mimalloc", .setup = nat_setup, .thread_setup = nat_thread_setup,
    .cycle = mimalloc_cycle, .thread_teardown = nat_thread_teardown, .teardown = nat_teardown,
};
#else
const bsys gcpb_trees_mimalloc = {
    .name = "mimalloc",
    .absent = "not built in: configure did not find mimalloc (Debian: libmimalloc-dev)",
};
#endif

/* Boehm GC: GC_MALLOC nodes, a GC_MALLOC_ATOMIC array, trees dropped; the
 * collector runs when it decides.  Each collection is timed from
 * GC_EVENT_START to GC_EVENT_END and the heap size (GC_get_heap_size)
 * sampled at its end; before a cell's runs, GC_gcollect_and_unmap gives
 * back what earlier cells left. */
#ifdef HAVE_BDWGC
#define TN(name) boehm_##name
#define TN_ALLOC(t, bytes) ((void)(t), GC_MALLOC(bytes))
#define TN_ALLOC_ATOMIC(t, bytes) ((void)(t), GC_MALLOC_ATOMIC(bytes))
#define TN_FREE(t, p, bytes) ((void)(t), (void)(p), (void)(bytes))
#define TN_FREES 0
#include "bench/trees_native.h"
#undef TN
#undef TN_ALLOC
#undef TN_ALLOC_ATOMIC
#undef TN_FREE
#undef TN_FREES

/* Written by the collecting thread with the allocation lock held; read by
 * the cell's thread between runs.  Only one Boehm tree cell runs at once. */
static uint64_t bw_gc_start, bw_gc_longest, bw_heap_peak;

static void GC_CALLBACK bw_event(GC_EventType e)
{
    if (e == GC_EVENT_START) {
        bw_gc_start = gcpb_now();
    } else if (e == GC_EVENT_END) {
        bw_gc_longest = max_u64(bw_gc_longest, gcpb_now() - bw_gc_start);
        bw_heap_peak = max_u64(bw_heap_peak, GC_get_heap_size());
    }
}

typedef struct bw_ts {
    nat n;
    bool registered;
} bw_ts;

static int bw_setup(const bcell *c, void **shared, char *why, size_t why_len)
{
    int r = nat_setup(c, shared, why, why_len);
    if (r == BR_OK)
        GC_gcollect_and_unmap();
    return r;
}

static int bw_thread_setup(void *shared, const bcell *c, void **ts, char *why, size_t why_len)
{
    (void)shared;
    bw_ts *t = calloc(1, sizeof *t);
    if (!t)
        return gcpb_fail(why, why_len, BR_SKIP, "out of memory");
    struct GC_stack_base sb;
    if (GC_get_stack_base(&sb) != GC_SUCCESS) {
        free(t);
        return gcpb_fail(why, why_len, BR_SKIP, "GC_get_stack_base failed");
    }
    t->registered = GC_register_my_thread(&sb) == GC_SUCCESS;
    t->n.cell = c;
    GC_set_on_collection_event(bw_event);
    *ts = t;
    return BR_OK;
}

static void bw_thread_teardown(void *ts)
{
    bw_ts *t = ts;
    if (!t)
        return;
    GC_set_on_collection_event(0);
    if (t->registered)
        GC_unregister_my_thread();
    free(t);
}

static int bw_cycle(void *ts, bctx *x)
{
    bw_ts *t = ts;
    GC_word gc0 = GC_get_gc_no();
    GC_alloc_lock();
    bw_gc_longest = 0;
    bw_heap_peak = GC_get_heap_size();
    GC_alloc_unlock();
    uint64_t sum = 0;
    int st = boehm_run(&t->n, &sum);
    GC_alloc_lock();
    x->peak_bytes = max_u64(bw_heap_peak, GC_get_heap_size());
    x->gc_ns = bw_gc_longest;
    GC_alloc_unlock();
    x->collections = GC_get_gc_no() - gc0;
    x->has_gc_stats = true;
    if (st != 0)
        return gcpb_fail(x->why, x->why_len, BR_SKIP, "GC_MALLOC failed");
    return check_sum(t->n.cell, sum, x);
}

const bsys gcpb_trees_boehm = {
    .name = "boehm", .setup = bw_setup, .thread_setup = bw_thread_setup,
    .cycle = bw_cycle, .thread_teardown = bw_thread_teardown, .teardown = nat_teardown,
};
#else
#ifndef TREES_BOEHM_ABSENT
#define TREES_BOEHM_ABSENT "not built in: configure did not find Boehm GC (Debian: libgc-dev)"
#endif
const bsys gcpb_trees_boehm = {.name = "boehm", .absent = TREES_BOEHM_ABSENT};
#endif

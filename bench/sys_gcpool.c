/* SPDX-License-Identifier: MIT */
/* gcpool itself: store churn through the public API, allocation
 * throughput, full collections over a live set and incremental steps.
 *
 * Churn cycle: gcp_store_new, K x (gcp_heap_alloc_struct of a 32-byte
 * struct, gcp_struct_write of its payload), K x gcp_struct_read into the
 * checksum, gcp_store_free.  All threads of a cell share one pool. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "gcpool.h"

#include "bench/bench.h"

/* Node of the live lists: a ref at offset 0, the 32-byte payload at 8. */
#define NODE_PAYLOAD (8 + GCPB_PAYLOAD)
#define NODE_BYTES (16 + NODE_PAYLOAD)

typedef struct gp_shared {
    gcp_pool *pool;
    uint32_t t_obj;      /* 32-byte struct, no refs */
    uint32_t t_node;     /* live-list node */
    uint32_t t_bytes;    /* byte array (dirtying 16 MiB) */
} gp_shared;

typedef struct gp_ts {
    gp_shared *sh;
    const bcell *cell;
    uint64_t k;
    uint64_t expect;     /* checksum of one churn store */
    gcp_ref *refs;
    uint8_t *host;       /* 16 MiB of the host's own (host_dirty cells) */
    gcp_store *store;    /* long-lived store of the gc workloads */
    gcp_ref head;        /* live list (root) */
} gp_ts;

static const char *coll_name(int c)
{
    switch (c) {
    case GCP_COLLECTOR_NULL: return "null";
    case GCP_COLLECTOR_DRC: return "drc";
    case GCP_COLLECTOR_MARKSWEEP: return "marksweep";
    case GCP_COLLECTOR_COMPACT: return "compact";
    default: return "?";
    }
}

/* A pool for the cell, shared by its threads. */
static int gp_setup_budget(const bcell *c, uint32_t budget, void **shared, char *why,
                           size_t why_len)
{
    gp_shared *sh = calloc(1, sizeof *sh);
    if (!sh)
        return gcpb_fail(why, why_len, BR_SKIP, "out of memory");
    gcp_types *types;
    gcp_status st = gcp_types_new(&types);
    if (st != GCP_OK) {
        free(sh);
        return gcpb_fail(why, why_len, BR_SKIP, "gcp_types_new: %s", gcp_strerror(st));
    }
    uint32_t node_refs[1] = {0};
    if ((st = gcp_types_add_struct(types, GCPB_PAYLOAD, NULL, 0, &sh->t_obj)) != GCP_OK ||
        (st = gcp_types_add_struct(types, NODE_PAYLOAD, node_refs, 1, &sh->t_node)) != GCP_OK ||
        (st = gcp_types_add_array(types, 1, false, &sh->t_bytes)) != GCP_OK) {
        gcp_types_release(types);
        free(sh);
        return gcpb_fail(why, why_len, BR_SKIP, "registering types: %s", gcp_strerror(st));
    }
    /* The default configuration but for the collector, the maximum heap and
     * the step budget, with at least two slots per thread. */
    gcp_pool_config cfg = gcp_pool_config_default();
    if (cfg.num_slots < 2 * c->threads + 2)
        cfg.num_slots = 2 * c->threads + 2;
    if (c->max_heap)
        cfg.max_heap_bytes = c->max_heap;
    cfg.collector = (gcp_collector)c->collector;
    cfg.types = types;
    if (budget)
        cfg.gc_step_budget = budget;
    st = gcp_pool_new(&cfg, &sh->pool);
    gcp_types_release(types);
    if (st != GCP_OK) {
        free(sh);
        return gcpb_fail(why, why_len, BR_SKIP, "gcp_pool_new with collector %s: %s%s%s",
                         coll_name(c->collector), gcp_strerror(st), *gcp_last_error() ? ": " : "", gcp_last_error());
    }
    *shared = sh;
    return BR_OK;
}

static int gp_setup(const bcell *c, void **shared, char *why, size_t why_len)
{
    return gp_setup_budget(c, 0, shared, why, why_len);
}

static void gp_teardown(void *shared)
{
    gp_shared *sh = shared;
    if (!sh)
        return;
    gcp_pool_free(sh->pool);
    free(sh);
}

static int gp_thread_setup(void *shared, const bcell *c, void **ts, char *why, size_t why_len)
{
    gp_ts *t = calloc(1, sizeof *t);
    if (t)
        t->refs = calloc(c->k ? c->k : 1, sizeof *t->refs);
    if (t && c->host_dirty)
        t->host = malloc(GCPB_DIRTY_BYTES);
    if (!t || !t->refs || (c->host_dirty && !t->host)) {
        if (t)
            free(t->refs);
        free(t);
        return gcpb_fail(why, why_len, BR_SKIP, "out of memory");
    }
    t->sh = shared;
    t->cell = c;
    t->k = c->k;
    t->expect = c->timed_stores > 1 ? gcpb_expected_sum(c->k) : 0;
    *ts = t;
    return BR_OK;
}

static void gp_thread_teardown(void *ts)
{
    gp_ts *t = ts;
    if (!t)
        return;
    gcp_store_free(t->store);
    free(t->host);
    free(t->refs);
    free(t);
}

static int api_fail(bctx *x, const char *what, gcp_status st)
{
    if (st == GCP_ELIMIT || st == GCP_ETOOLARGE)
        return gcpb_fail(x->why, x->why_len, BR_NA, "does not fit the maximum heap (%s: %s)",
                         what, gcp_strerror(st));
    return gcpb_fail(x->why, x->why_len, BR_SKIP, "%s: %s%s%s", what, gcp_strerror(st), *gcp_last_error() ? ": " : "", gcp_last_error());
}

/* Allocates object i of a churn store whose heap is h (the host owns the
 * new reference); on GCP_NEED_GC the objects so far are added to the
 * store's roots, the store collects, and the allocation is retried once. */
static inline gcp_status churn_alloc(gp_ts *t, gcp_store *s, gcp_heap *h, uint64_t i,
                                     uint64_t *rooted)
{
    gcp_status st = gcp_heap_alloc_struct(h, t->sh->t_obj, &t->refs[i]);
    if (st != GCP_NEED_GC)
        return st;
    for (; *rooted < i; (*rooted)++)
        if ((st = gcp_roots_add(gcp_store_roots(s), &t->refs[*rooted])) != GCP_OK)
            return st;
    if ((st = gcp_store_gc(s)) != GCP_OK)
        return st;
    return gcp_heap_alloc_struct(h, t->sh->t_obj, &t->refs[i]);
}

/* acquire, K x (allocate, write), K x read, release */
static int churn_store(gp_ts *t, uint64_t k, bctx *x)
{
    gcp_store *s;
    gcp_status st = gcp_store_new(t->sh->pool, &s);
    if (st != GCP_OK)
        return api_fail(x, "gcp_store_new", st);
    gcp_heap *h = gcp_store_heap(s);
    uint64_t rooted = 0;
    for (uint64_t i = 0; i < k; i++) {
        if ((st = churn_alloc(t, s, h, i, &rooted)) != GCP_OK) {
            gcp_store_free(s);
            return api_fail(x, "gcp_heap_alloc_struct", st);
        }
        uint64_t w[4];
        gcpb_fill(w, i);
        if ((st = gcp_struct_write(h, t->refs[i], 0, w, sizeof w)) != GCP_OK) {
            gcp_store_free(s);
            return api_fail(x, "gcp_struct_write", st);
        }
    }
    uint64_t sum = 0;
    for (uint64_t i = 0; i < k; i++) {
        uint64_t w[4];
        if ((st = gcp_struct_read(h, t->refs[i], 0, w, sizeof w)) != GCP_OK) {
            gcp_store_free(s);
            return api_fail(x, "gcp_struct_read", st);
        }
        sum += w[0] + w[1] + w[2] + w[3];
    }
    x->sum = sum;
    if ((st = gcp_store_free(s)) != GCP_OK)
        return api_fail(x, "gcp_store_free", st);
    return BR_OK;
}

/* A store that writes 16 MiB (byte arrays filled through the heap base, as
 * compiled code would), released right before the K store.  Inside a no-GC
 * scope, so that DRC and mark-sweep grow to hold it instead of asking for a
 * collection first. */
static int dirty_store(gp_ts *t, bctx *x)
{
    gcp_store *s;
    gcp_status st = gcp_store_new(t->sh->pool, &s);
    if (st != GCP_OK)
        return api_fail(x, "gcp_store_new", st);
    gcp_heap *h = gcp_store_heap(s);
    /* One array per MiB, header and length included. */
    const uint32_t len = (uint32_t)(GCPB_MIB - 64);
    gcp_heap_enter_no_gc(h);
    for (uint64_t i = 0; i < GCPB_DIRTY_BYTES / GCPB_MIB; i++) {
        gcp_ref a;
        if ((st = gcp_heap_alloc_array(h, t->sh->t_bytes, len, &a)) != GCP_OK) {
            gcp_heap_exit_no_gc(h);
            gcp_store_free(s);
            return api_fail(x, "gcp_heap_alloc_array", st);
        }
        memset(gcp_heap_base(h) + a + GCP_ARRAY_ELEMS, 0x5a, len);
    }
    gcp_heap_exit_no_gc(h);
    if ((st = gcp_store_free(s)) != GCP_OK)
        return api_fail(x, "gcp_store_free", st);
    return BR_OK;
}

/* Stores timed one by one (BW_RESET_NEXT): each K store's time goes to
 * x->timed_ns; what the cycle did before them is not timed.  Every
 * store's checksum is checked (the runner checks the last one). */
static int timed_stores(gp_ts *t, bctx *x)
{
    unsigned n = t->cell->timed_stores;
    for (unsigned i = 0; i < n; i++) {
        uint64_t t0 = gcpb_now();
        int r = churn_store(t, t->k, x);
        x->timed_ns += gcpb_now() - t0;
        if (r != BR_OK)
            return r;
        if (i + 1 < n && x->sum != t->expect)
            return gcpb_fail(x->why, x->why_len, BR_SKIP, "checksum mismatch in store %u", i + 1);
    }
    return BR_OK;
}

static int gp_cycle(void *ts, bctx *x)
{
    gp_ts *t = ts;
    if (t->cell->after_dirty) {
        int r = dirty_store(t, x);
        if (r != BR_OK)
            return r;
    }
    if (t->host) {
        /* The host writes 16 MiB of its own memory: the caches the K store
         * then finds are as cold as after a 16 MiB store.  In 1 MiB pieces,
         * as dirty_store writes: one 16 MiB memset takes non-temporal stores
         * in glibc, which leave most of the caches as they were. */
        for (uint64_t i = 0; i < GCPB_DIRTY_BYTES / GCPB_MIB; i++)
            memset(t->host + i * GCPB_MIB, 0x5a, GCPB_MIB);
        __asm__ volatile("" : : "r"(t->host) : "memory");
    }
    if (t->cell->timed_stores)
        return timed_stores(t, x);
    return churn_store(t, t->k, x);
}

/* The same store cycle with the objects allocated the way compiled code
 * does it under the null collector: bump gcp_bump.next inline, write the
 * header and payload through the heap base, and call
 * gcp_heap_alloc_struct only when the inline room runs out (it grows the
 * heap and moves the limit). */
static int inline_store(gp_ts *t, bctx *x)
{
    gcp_store *s;
    gcp_status st = gcp_store_new(t->sh->pool, &s);
    if (st != GCP_OK)
        return api_fail(x, "gcp_store_new", st);
    gcp_heap *h = gcp_store_heap(s);
    gcp_bump *b = gcp_heap_collector_data(h);
    if (!b) {
        gcp_store_free(s);
        return gcpb_fail(x->why, x->why_len, BR_SKIP, "the collector exposes no bump pointer");
    }
    uint8_t *base = gcp_heap_base(h);
    uint64_t rooted = 0;
    for (uint64_t i = 0; i < t->k; i++) {
        gcp_ref r = b->next;
        if ((uint64_t)r + GCPB_OBJ_BYTES <= b->limit) {
            uint32_t hdr[4] = {GCP_KIND_STRUCT, t->sh->t_obj, GCPB_OBJ_BYTES, 0};
            memcpy(base + r, hdr, sizeof hdr);
            b->next = r + GCPB_OBJ_BYTES;
        } else if ((st = churn_alloc(t, s, h, i, &rooted)) == GCP_OK) {
            r = t->refs[i];
        } else {
            gcp_store_free(s);
            return api_fail(x, "gcp_heap_alloc_struct", st);
        }
        uint64_t w[4];
        gcpb_fill(w, i);
        memcpy(base + r + GCP_OBJ_PAYLOAD, w, sizeof w);
        t->refs[i] = r;
    }
    __asm__ volatile("" ::: "memory");
    uint64_t sum = 0;
    for (uint64_t i = 0; i < t->k; i++) {
        uint64_t w[4];
        memcpy(w, base + t->refs[i] + GCP_OBJ_PAYLOAD, sizeof w);
        sum += w[0] + w[1] + w[2] + w[3];
    }
    x->sum = sum;
    __asm__ volatile("" ::: "memory");
    if ((st = gcp_store_free(s)) != GCP_OK)
        return api_fail(x, "gcp_store_free", st);
    return BR_OK;
}

static int inline_cycle(void *ts, bctx *x) { return inline_store(ts, x); }

const bsys gcpb_gcpool_inline = {
    .name = "gcpool-inline", .setup = gp_setup, .thread_setup = gp_thread_setup,
    .cycle = inline_cycle, .thread_teardown = gp_thread_teardown, .teardown = gp_teardown,
};

const bsys gcpb_gcpool = {
    .name = "gcpool", .setup = gp_setup, .thread_setup = gp_thread_setup,
    .cycle = gp_cycle, .thread_teardown = gp_thread_teardown, .teardown = gp_teardown,
};

/* ------------------------------------------------------------ gc workloads */

static int gc_setup(const bcell *c, void **shared, char *why, size_t why_len)
{
    return gp_setup_budget(c, 0, shared, why, why_len);
}

static int alloc_thread_setup(void *shared, const bcell *c, void **ts, char *why, size_t why_len)
{
    int r = gp_thread_setup(shared, c, ts, why, why_len);
    if (r != BR_OK)
        return r;
    gp_ts *t = *ts;
    gcp_status st = gcp_store_new(t->sh->pool, &t->store);
    if (st != GCP_OK)
        return gcpb_fail(why, why_len, BR_SKIP, "gcp_store_new: %s%s%s", gcp_strerror(st), *gcp_last_error() ? ": " : "", gcp_last_error());
    return BR_OK;
}

/* Allocates an object in the long-lived store (the host owns the new
 * reference): collects on GCP_NEED_GC; in the allocation workload a full
 * null-collector store is replaced by a fresh one (the only way it
 * reclaims). */
static gcp_status alloc_obj(gp_ts *t, uint32_t type, gcp_ref *out)
{
    gcp_status st = gcp_heap_alloc_struct(gcp_store_heap(t->store), type, out);
    if (st == GCP_NEED_GC) {
        if ((st = gcp_store_gc(t->store)) != GCP_OK)
            return st;
        st = gcp_heap_alloc_struct(gcp_store_heap(t->store), type, out);
    }
    if (st == GCP_ELIMIT && t->cell->collector == GCP_COLLECTOR_NULL &&
        t->cell->workload == BW_GC_ALLOC) {
        gcp_store_free(t->store);
        t->store = NULL;
        if ((st = gcp_store_new(t->sh->pool, &t->store)) != GCP_OK)
            return st;
        st = gcp_heap_alloc_struct(gcp_store_heap(t->store), type, out);
    }
    return st;
}

/* The host lets go of its reference: the object is garbage. */
static gcp_status drop(gp_ts *t, gcp_ref r)
{
    return gcp_heap_drop_ref(gcp_store_heap(t->store), gcp_store_hostdata(t->store), r);
}

/* k objects allocated, written and dropped (the last one is read back
 * first). */
static int alloc_cycle(void *ts, bctx *x)
{
    gp_ts *t = ts;
    uint64_t w[4];
    for (uint64_t i = 0; i < t->k; i++) {
        gcp_ref r;
        gcp_status st = alloc_obj(t, t->sh->t_obj, &r);
        if (st != GCP_OK)
            return api_fail(x, "allocation", st);
        gcpb_fill(w, i);
        gcp_heap *h = gcp_store_heap(t->store);
        if ((st = gcp_struct_write(h, r, 0, w, sizeof w)) != GCP_OK)
            return api_fail(x, "gcp_struct_write", st);
        if (i + 1 == t->k && (st = gcp_struct_read(h, r, 0, w, sizeof w)) != GCP_OK)
            return api_fail(x, "gcp_struct_read", st);
        if ((st = drop(t, r)) != GCP_OK)
            return api_fail(x, "gcp_heap_drop_ref", st);
    }
    x->sum = w[0];
    return BR_OK;
}

/* Builds a list of k nodes rooted at t->head: the roots list points at
 * t->head, the host owns the head's reference and each node holds the
 * next. */
static gcp_status build_live(gp_ts *t, uint64_t k)
{
    gcp_heap *h = gcp_store_heap(t->store);
    gcp_hostdata *table = gcp_store_hostdata(t->store);
    gcp_status st = gcp_roots_add(gcp_store_roots(t->store), &t->head);
    if (st != GCP_OK)
        return st;
    for (uint64_t i = 0; i < k; i++) {
        gcp_ref n;
        if ((st = alloc_obj(t, t->sh->t_node, &n)) != GCP_OK ||
            (st = gcp_struct_set_ref(h, table, n, 0, t->head)) != GCP_OK)
            return st;
        uint64_t w[4];
        gcpb_fill(w, i);
        if ((st = gcp_struct_write(h, n, 8, w, sizeof w)) != GCP_OK)
            return st;
        if (t->head && (st = gcp_heap_drop_ref(h, table, t->head)) != GCP_OK)
            return st;
        t->head = n;
    }
    return GCP_OK;
}

/* Walks the live list: every node must still be there, payload intact. */
static gcp_status check_live(gp_ts *t, uint64_t k, uint64_t *len)
{
    gcp_heap *h = gcp_store_heap(t->store);
    gcp_ref n = t->head;
    gcp_status st = GCP_OK;
    *len = 0;
    while (n && *len <= k) {
        uint64_t w[4];
        if ((st = gcp_struct_read(h, n, 8, w, sizeof w)) != GCP_OK)
            return st;
        if (w[0] != gcpb_word(k - 1 - *len, 0))
            return GCP_ECORRUPT;
        if ((st = gcp_struct_get_ref(h, n, 0, &n)) != GCP_OK)
            return st;
        (*len)++;
    }
    return GCP_OK;
}

static int live_thread_setup(void *shared, const bcell *c, void **ts, char *why, size_t why_len)
{
    int r = alloc_thread_setup(shared, c, ts, why, why_len);
    if (r != BR_OK)
        return r;
    gcp_status st = build_live(*ts, c->k);
    if (st != GCP_OK)
        return gcpb_fail(why, why_len, st == GCP_ELIMIT ? BR_NA : BR_SKIP,
                         "building the live set: %s", gcp_strerror(st));
    return BR_OK;
}

/* As many garbage objects as live ones, then a full collection (timed). */
static int live_garbage(gp_ts *t, bctx *x)
{
    for (uint64_t i = 0; i < t->k; i++) {
        gcp_ref r;
        gcp_status st = alloc_obj(t, t->sh->t_obj, &r);
        if (st == GCP_OK)
            st = drop(t, r);
        if (st != GCP_OK)
            return api_fail(x, "allocating garbage", st);
    }
    return BR_OK;
}

static int live_verify(gp_ts *t, bctx *x)
{
    uint64_t len;
    gcp_status st = check_live(t, t->k, &len);
    if (st != GCP_OK)
        return api_fail(x, "walking the live set after a collection", st);
    if (len != t->k)
        return gcpb_fail(x->why, x->why_len, BR_SKIP, "live list has %llu nodes, want %llu",
                         (unsigned long long)len, (unsigned long long)t->k);
    x->sum = len;
    return BR_OK;
}

static int live_cycle(void *ts, bctx *x)
{
    gp_ts *t = ts;
    int r = live_garbage(t, x);
    if (r != BR_OK)
        return r;
    uint64_t t0 = gcpb_now();
    gcp_status st = gcp_store_gc(t->store);
    x->timed_ns = gcpb_now() - t0;
    if (st != GCP_OK)
        return api_fail(x, "gcp_store_gc", st);
    return live_verify(t, x);
}

const bsys gcpb_gcpool_alloc = {
    .name = "gcpool", .setup = gc_setup, .thread_setup = alloc_thread_setup,
    .cycle = alloc_cycle, .thread_teardown = gp_thread_teardown, .teardown = gp_teardown,
};
const bsys gcpb_gcpool_collect = {
    .name = "gcpool", .setup = gc_setup, .thread_setup = live_thread_setup,
    .cycle = live_cycle, .thread_teardown = gp_thread_teardown, .teardown = gp_teardown,
};

static int grow_steps(double **v, size_t *cap, size_t n)
{
    if (n < *cap)
        return 0;
    size_t nc = *cap ? *cap * 2 : 1024;
    double *nv = realloc(*v, nc * sizeof *nv);
    if (!nv)
        return -1;
    *v = nv;
    *cap = nc;
    return 0;
}

void gcpb_gcpool_steps(bcell *c)
{
    void *shared = NULL, *ts = NULL;
    double *v = NULL;
    size_t n = 0, cap = 0, collections = 0;
    bcell live = *c;
    live.k = gcpb_live_objects();
    c->status = gp_setup_budget(c, (uint32_t)c->k, &shared, c->note, sizeof c->note);
    if (c->status != BR_OK)
        return;
    c->status = live_thread_setup(shared, &live, &ts, c->note, sizeof c->note);
    gp_ts *t = ts;
    unsigned rounds = gcpb_opts.reps + 1;   /* the first one warms up */
    for (unsigned rep = 0; c->status == BR_OK && rep < rounds; rep++) {
        bctx x = {.why = c->note, .why_len = sizeof c->note};
        if ((c->status = live_garbage(t, &x)) != BR_OK)
            break;
        gcp_collection *gc;
        gcp_status st = gcp_heap_gc_start(gcp_store_heap(t->store), gcp_store_roots(t->store),
                                          gcp_store_hostdata(t->store), &gc);
        if (st != GCP_OK) {
            c->status = api_fail(&x, "gcp_heap_gc_start", st);
            break;
        }
        gcp_progress p = GCP_CONTINUE;
        while (st == GCP_OK && p == GCP_CONTINUE) {
            uint64_t t0 = gcpb_now();
            st = gcp_collection_step(gc, &p);
            double dt = (double)(gcpb_now() - t0);
            if (rep > 0) {
                if (grow_steps(&v, &cap, n) != 0) {
                    st = GCP_ENOMEM;
                    break;
                }
                v[n++] = dt;
            }
        }
        if (st != GCP_OK) {
            c->status = api_fail(&x, "gcp_collection_step", st);
            break;
        }
        if (rep > 0)
            collections++;
        c->status = live_verify(t, &x);
    }
    if (c->status == BR_OK && n > 0) {
        gcpb_summarise(v, n, &c->ns_median, &c->ns_min, &c->ns_max);
        c->cycles_per_sec = c->ns_median > 0 ? 1e9 / c->ns_median : 0;
        c->aux = (double)n / (double)collections;
    } else if (c->status == BR_OK) {
        c->status = gcpb_fail(c->note, sizeof c->note, BR_SKIP, "no steps recorded");
    }
    free(v);
    gp_thread_teardown(ts);
    gp_teardown(shared);
}

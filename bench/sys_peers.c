/* SPDX-License-Identifier: MIT */
/* The peer allocators, each found at configure time:
 *
 *   mimalloc         a heap per store: mi_heap_new, mi_heap_malloc,
 *                    mi_heap_destroy
 *   jemalloc-arena   an arena per thread, reused with arena.<i>.reset;
 *                    objects come from mallocx(MALLOCX_ARENA(i) |
 *                    MALLOCX_TCACHE_NONE)
 *   boehm            GC_malloc; the store's objects become garbage at the
 *                    end of the cycle and the collector runs when it decides
 *   boehm+collect    the same with a forced GC_gcollect() after every cycle
 *
 * Each object is a 32-byte block written with the common pattern and read
 * back into the checksum.  Worker threads register with Boehm GC. */
#include "config.h"

/* Boehm GC stops threads with signals that ThreadSanitizer intercepts: in a
 * ThreadSanitizer build it is left out. */
#if defined(__SANITIZE_THREAD__) && defined(HAVE_BDWGC)
#undef HAVE_BDWGC
#define BOEHM_ABSENT "left out of ThreadSanitizer builds (its signals cannot be delivered there)"
#endif

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jemalloc/jemalloc.h>
#ifdef HAVE_MIMALLOC
#include <mimalloc.h>
#endif
#ifdef HAVE_BDWGC
#define GC_THREADS
#define GC_NO_THREAD_REDIRECTS
#include <gc.h>
#endif

#include "bench/bench.h"

static void write_obj(void *p, uint64_t i)
{
    uint64_t w[4];
    gcpb_fill(w, i);
    memcpy(p, w, sizeof w);
}

static uint64_t read_objs(void *const *ptrs, uint64_t k)
{
    __asm__ volatile("" ::: "memory");
    uint64_t s = 0;
    for (uint64_t i = 0; i < k; i++) {
        uint64_t w[4];
        memcpy(w, ptrs[i], sizeof w);
        s += w[0] + w[1] + w[2] + w[3];
    }
    return s;
}

static int no_setup(const bcell *c, void **shared, char *why, size_t why_len)
{
    (void)c, (void)why, (void)why_len;
    *shared = NULL;
    return BR_OK;
}

static void no_teardown(void *shared) { (void)shared; }

/* Per-thread state of the malloc-style peers. */
typedef struct peer_ts {
    uint64_t k;
    void **ptrs;
    unsigned arena;        /* jemalloc */
    int flags;             /* jemalloc */
    bool registered;       /* Boehm */
} peer_ts;

static peer_ts *peer_ts_new(const bcell *c, char *why, size_t why_len)
{
    peer_ts *t = calloc(1, sizeof *t);
    if (t) {
        t->k = c->k;
        t->ptrs = calloc(c->k ? c->k : 1, sizeof *t->ptrs);
    }
    if (!t || !t->ptrs) {
        free(t);
        gcpb_fail(why, why_len, BR_SKIP, "out of memory");
        return NULL;
    }
    return t;
}

static void peer_ts_free(peer_ts *t)
{
    if (t) {
        free(t->ptrs);
        free(t);
    }
}

/* ---------------------------------------------------------------- mimalloc */

#ifdef HAVE_MIMALLOC
static int mi_thread_setup(void *shared, const bcell *c, void **ts, char *why, size_t why_len)
{
    (void)shared;
    *ts = peer_ts_new(c, why, why_len);
    return *ts ? BR_OK : BR_SKIP;
}

static void mi_thread_teardown(void *ts) { peer_ts_free(ts); }

static int mi_cycle(void *ts, bctx *x)
{
    peer_ts *t = ts;
    mi_heap_t *h = mi_heap_new();
    if (!h)
        return gcpb_fail(x->why, x->why_len, BR_SKIP, "mi_heap_new failed");
    for (uint64_t i = 0; i < t->k; i++) {
        void *p = mi_heap_malloc(h, GCPB_PAYLOAD);
        if (!p) {
            mi_heap_destroy(h);
            return gcpb_fail(x->why, x->why_len, BR_SKIP, "mi_heap_malloc failed");
        }
        write_obj(p, i);
        t->ptrs[i] = p;
    }
    x->sum = read_objs(t->ptrs, t->k);
    mi_heap_destroy(h);
    return BR_OK;
}

const bsys gcpb_mimalloc = {
    .name = "mimalloc", .setup = no_setup, .thread_setup = mi_thread_setup,
    .cycle = mi_cycle, .thread_teardown = mi_thread_teardown, .teardown = no_teardown,
};
#else
const bsys gcpb_mimalloc = {
    .name = "mimalloc",
    .absent = "not built in: configure did not find mimalloc (Debian: libmimalloc-dev)",
};
#endif

/* ---------------------------------------------------------------- jemalloc */

static int je_thread_setup(void *shared, const bcell *c, void **ts, char *why, size_t why_len)
{
    (void)shared;
    peer_ts *t = peer_ts_new(c, why, why_len);
    if (!t)
        return BR_SKIP;
    size_t sz = sizeof t->arena;
    if (mallctl("arenas.create", &t->arena, &sz, NULL, 0) != 0) {
        peer_ts_free(t);
        return gcpb_fail(why, why_len, BR_SKIP, "mallctl arenas.create failed");
    }
    t->flags = (int)MALLOCX_ARENA(t->arena) | MALLOCX_TCACHE_NONE;
    *ts = t;
    return BR_OK;
}

static int je_ctl_arena(unsigned arena, const char *op)
{
    char name[64];
    snprintf(name, sizeof name, "arena.%u.%s", arena, op);
    return mallctl(name, NULL, NULL, NULL, 0);
}

static void je_thread_teardown(void *ts)
{
    peer_ts *t = ts;
    if (t)
        je_ctl_arena(t->arena, "destroy");
    peer_ts_free(t);
}

static int je_cycle(void *ts, bctx *x)
{
    peer_ts *t = ts;
    for (uint64_t i = 0; i < t->k; i++) {
        void *p = mallocx(GCPB_PAYLOAD, t->flags);
        if (!p)
            return gcpb_fail(x->why, x->why_len, BR_SKIP, "mallocx failed");
        write_obj(p, i);
        t->ptrs[i] = p;
    }
    x->sum = read_objs(t->ptrs, t->k);
    if (je_ctl_arena(t->arena, "reset") != 0)
        return gcpb_fail(x->why, x->why_len, BR_SKIP, "mallctl arena.%u.reset failed", t->arena);
    return BR_OK;
}

const bsys gcpb_jemalloc = {
    .name = "jemalloc-arena", .setup = no_setup, .thread_setup = je_thread_setup,
    .cycle = je_cycle, .thread_teardown = je_thread_teardown, .teardown = no_teardown,
};

/* ---------------------------------------------------------------- Boehm GC */

#ifdef HAVE_BDWGC
void gcpb_peers_init(void)
{
    GC_INIT();
    GC_allow_register_threads();
}

/* The pointer array lives in uncollectable (scanned) memory so that a
 * collection in the middle of a cycle keeps the store's objects alive. */
static int gc_thread_setup(void *shared, const bcell *c, void **ts, char *why, size_t why_len)
{
    (void)shared;
    peer_ts *t = calloc(1, sizeof *t);
    if (!t)
        return gcpb_fail(why, why_len, BR_SKIP, "out of memory");
    struct GC_stack_base sb;
    if (GC_get_stack_base(&sb) != GC_SUCCESS) {
        free(t);
        return gcpb_fail(why, why_len, BR_SKIP, "GC_get_stack_base failed");
    }
    t->registered = GC_register_my_thread(&sb) == GC_SUCCESS;
    t->k = c->k;
    t->ptrs = GC_MALLOC_UNCOLLECTABLE((c->k ? c->k : 1) * sizeof *t->ptrs);
    if (!t->ptrs) {
        if (t->registered)
            GC_unregister_my_thread();
        free(t);
        return gcpb_fail(why, why_len, BR_SKIP, "out of memory");
    }
    *ts = t;
    return BR_OK;
}

static void gc_thread_teardown(void *ts)
{
    peer_ts *t = ts;
    if (!t)
        return;
    GC_FREE(t->ptrs);
    if (t->registered)
        GC_unregister_my_thread();
    free(t);
}

static int gc_churn(peer_ts *t, bctx *x)
{
    for (uint64_t i = 0; i < t->k; i++) {
        void *p = GC_MALLOC(GCPB_PAYLOAD);
        if (!p)
            return gcpb_fail(x->why, x->why_len, BR_SKIP, "GC_malloc failed");
        write_obj(p, i);
        t->ptrs[i] = p;
    }
    x->sum = read_objs(t->ptrs, t->k);
    /* The store is dropped: its objects are garbage from here on. */
    memset(t->ptrs, 0, t->k * sizeof *t->ptrs);
    return BR_OK;
}

static int gc_cycle(void *ts, bctx *x) { return gc_churn(ts, x); }

static int gc_collect_cycle(void *ts, bctx *x)
{
    int st = gc_churn(ts, x);
    GC_gcollect();
    return st;
}

/* Allocation throughput: k objects per cycle, garbage at once. */
static int gc_alloc_cycle(void *ts, bctx *x)
{
    peer_ts *t = ts;
    void *p = NULL;
    for (uint64_t i = 0; i < t->k; i++) {
        p = GC_MALLOC(GCPB_PAYLOAD);
        if (!p)
            return gcpb_fail(x->why, x->why_len, BR_SKIP, "GC_malloc failed");
        write_obj(p, i);
    }
    x->sum = read_objs(&p, p ? 1 : 0);
    return BR_OK;
}

/* A full collection with k live objects (a linked list, 48 bytes a node, as
 * gcpool's) and as many garbage objects allocated since the last one. */
typedef struct gc_node {
    struct gc_node *next;
    uint64_t pad;
    uint64_t payload[4];
} gc_node;

static int gc_live_thread_setup(void *shared, const bcell *c, void **ts, char *why, size_t why_len)
{
    bcell one = *c;
    one.k = 1;   /* the pointer array holds only the list head */
    int st = gc_thread_setup(shared, &one, ts, why, why_len);
    if (st != BR_OK)
        return st;
    peer_ts *t = *ts;
    t->k = c->k;
    gc_node *head = NULL;
    for (uint64_t i = 0; i < c->k; i++) {
        gc_node *n = GC_MALLOC(sizeof *n);
        if (!n)
            return gcpb_fail(why, why_len, BR_SKIP, "GC_malloc failed");
        n->next = head;
        gcpb_fill(n->payload, i);
        head = n;
        t->ptrs[0] = head;
    }
    return BR_OK;
}

static int gc_live_cycle(void *ts, bctx *x)
{
    peer_ts *t = ts;
    for (uint64_t i = 0; i < t->k; i++) {
        gc_node *n = GC_MALLOC(sizeof *n);
        if (!n)
            return gcpb_fail(x->why, x->why_len, BR_SKIP, "GC_malloc failed");
        n->pad = i;
    }
    uint64_t t0 = gcpb_now();
    GC_gcollect();
    x->timed_ns = gcpb_now() - t0;
    uint64_t len = 0;
    for (gc_node *n = t->ptrs[0]; n; n = n->next)
        len++;
    if (len != t->k)
        return gcpb_fail(x->why, x->why_len, BR_SKIP, "live list has %llu nodes, want %llu",
                         (unsigned long long)len, (unsigned long long)t->k);
    x->sum = len;
    return BR_OK;
}

const bsys gcpb_boehm_alloc = {
    .name = "boehm", .setup = no_setup, .thread_setup = gc_thread_setup,
    .cycle = gc_alloc_cycle, .thread_teardown = gc_thread_teardown, .teardown = no_teardown,
};
const bsys gcpb_boehm_live = {
    .name = "boehm", .setup = no_setup, .thread_setup = gc_live_thread_setup,
    .cycle = gc_live_cycle, .thread_teardown = gc_thread_teardown, .teardown = no_teardown,
};
const bsys gcpb_boehm = {
    .name = "boehm", .setup = no_setup, .thread_setup = gc_thread_setup,
    .cycle = gc_cycle, .thread_teardown = gc_thread_teardown, .teardown = no_teardown,
};
const bsys gcpb_boehm_collect = {
    .name = "boehm+collect", .setup = no_setup, .thread_setup = gc_thread_setup,
    .cycle = gc_collect_cycle, .thread_teardown = gc_thread_teardown, .teardown = no_teardown,
};
#else
void gcpb_peers_init(void) {}
#ifndef BOEHM_ABSENT
#define BOEHM_ABSENT "not built in: configure did not find Boehm GC (Debian: libgc-dev)"
#endif
const bsys gcpb_boehm = {.name = "boehm", .absent = BOEHM_ABSENT};
const bsys gcpb_boehm_collect = {.name = "boehm+collect", .absent = BOEHM_ABSENT};
const bsys gcpb_boehm_alloc = {.name = "boehm", .absent = BOEHM_ABSENT};
const bsys gcpb_boehm_live = {.name = "boehm", .absent = BOEHM_ABSENT};
#endif

/* SPDX-License-Identifier: MIT */
/* Collector micro-benchmark: prints figures, asserts nothing.
 *
 *   bench/gc_bench [scale [section]]
 *
 * scale multiplies the work (default 1); section 1..4 runs only that part.
 *
 * 1. allocation throughput of 32-byte structs through gcp_heap_alloc_struct
 *    for each collector (objects dropped at once, collections run on
 *    GCP_NEED_GC), and Boehm GC_malloc of the same size when built with it;
 * 2. collection time per live MiB (mark-sweep: a rooted list; DRC: freeing
 *    a list of garbage);
 * 3. the longest mark-sweep step at budgets 1k, 10k and 100k units;
 * 4. the free-list policy: segregated size classes against one first-fit
 *    list, on a churn of mixed sizes under DRC. */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "config.h"
#include "gcpool.h"
#include "lib/freelist.h"
#include "lib/heap.h"
#include "lib/inspect.h"
#include "lib/trace.h"

#ifdef HAVE_BDWGC
#include <gc.h>
#endif

#define MIB (UINT64_C(1) << 20)

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void must(gcp_status st, const char *what)
{
    if (st != GCP_OK) {
        fprintf(stderr, "gc_bench: %s: %s%s%s\n", what, gcp_strerror(st), *gcp_last_error() ? ": " : "", gcp_last_error());
        exit(1);
    }
}

static gcp_types *types;
static uint32_t S, RA, BA;

typedef struct bench_store {
    gcp_pool *pool;
    gcp_store *store;
    gcp_heap *heap;
    gcp_hostdata *table;
} bench_store;

static void open_store(bench_store *b, gcp_collector kind, uint64_t max, uint32_t budget)
{
    gcp_pool_config c = gcp_pool_config_default();
    c.num_slots = 1;
    c.collector = kind;
    c.max_heap_bytes = max;
    c.reservation_bytes = max;
    c.guard_bytes = 64 * 1024;
    c.keep_resident_bytes = max;
    c.gc_step_budget = budget;
    c.types = types;
    must(gcp_pool_new(&c, &b->pool), "pool");
    must(gcp_store_new(b->pool, &b->store), "store");
    b->heap = gcp_store_heap(b->store);
    b->table = gcp_store_hostdata(b->store);
}

static void close_store(bench_store *b)
{
    must(gcp_store_free(b->store), "store free");
    must(gcp_pool_free(b->pool), "pool free");
}

static const char *name_of(gcp_collector k)
{
    return k == GCP_COLLECTOR_NULL        ? "null"
           : k == GCP_COLLECTOR_DRC       ? "drc"
           : k == GCP_COLLECTOR_MARKSWEEP ? "marksweep"
                                          : "compact";
}

/* ---------------------------------------------------------------- 1. throughput */

/* Small enough to stay in cache between collections, as Boehm's heap does. */
#define HEAP (4 * MIB)

static double throughput_once(gcp_collector kind, long n, long *collections_out,
                              double *alloc_rate)
{
    bench_store b;
    open_store(&b, kind, HEAP, 100000);
    long collections = 0;
    double t0 = now(), in_gc = 0;
    for (long i = 0; i < n; i++) {
        gcp_ref r;
        gcp_status st = gcp_heap_alloc_struct(b.heap, S, &r);
        if (st == GCP_NEED_GC) {
            double g0 = now();
            if (kind == GCP_COLLECTOR_NULL) {
                /* Never reclaims: start over in a fresh store. */
                close_store(&b);
                open_store(&b, kind, HEAP, 100000);
            } else {
                must(gcp_store_gc(b.store), "gc");
            }
            collections++;
            in_gc += now() - g0;
            st = gcp_heap_alloc_struct(b.heap, S, &r);
        }
        must(st, "alloc");
        if (kind == GCP_COLLECTOR_DRC)
            must(gcp_heap_drop_ref(b.heap, b.table, r), "drop");
    }
    double dt = now() - t0;
    close_store(&b);
    *collections_out = collections;
    *alloc_rate = (double)n / (dt - in_gc);
    return (double)n / dt;
}

/* The machine is shared: the best of three runs is the figure. */
static void throughput(gcp_collector kind, long n)
{
    long collections = 0;
    double best = 0, best_alloc = 0, a;
    for (int i = 0; i < 3; i++) {
        double r = throughput_once(kind, n, &collections, &a);
        if (r > best)
            best = r;
        if (a > best_alloc)
            best_alloc = a;
    }
    printf("  %-10s %8.1f M objects/s, %6.1f M/s outside collections"
           "  (best of 3; %ld objects, %ld collections or resets)\n",
           name_of(kind), best / 1e6, best_alloc / 1e6, n, collections);
}

#ifdef HAVE_BDWGC
static void throughput_boehm(long n)
{
    GC_INIT();
    void *volatile sink = NULL;
    double best = 0;
    for (int r = 0; r < 3; r++) {
        double t0 = now();
        for (long i = 0; i < n; i++)
            sink = GC_malloc(32);
        double rate = (double)n / (now() - t0);
        if (rate > best)
            best = rate;
    }
    (void)sink;
    printf("  %-10s %8.1f M objects/s  (best of 3; %ld objects, GC_malloc(32))\n", "boehm",
           best / 1e6, n);
}
#endif

/* ---------------------------------------------------------------- 2. collection cost */

/* A list of n structs linked through field 8; returns its head (count 1). */
static gcp_ref build_list(bench_store *b, long n)
{
    gcp_ref head, prev;
    must(gcp_heap_alloc_struct(b->heap, S, &head), "alloc");
    prev = head;
    for (long i = 1; i < n; i++) {
        gcp_ref r;
        must(gcp_heap_alloc_struct(b->heap, S, &r), "alloc");
        must(gcp_struct_set_ref(b->heap, b->table, prev, 8, r), "link");
        must(gcp_heap_drop_ref(b->heap, b->table, r), "drop");
        prev = r;
    }
    return head;
}

static void collection_cost(uint64_t live_mib)
{
    long n = (long)(live_mib * MIB / 32);
    bench_store b;
    open_store(&b, GCP_COLLECTOR_MARKSWEEP, 1024 * MIB, 1000000000u);
    gcp_ref head = build_list(&b, n);
    must(gcp_roots_add(gcp_store_roots(b.store), &head), "root");
    double t0 = now();
    must(gcp_store_gc(b.store), "gc");
    double dt = now() - t0;
    printf("  marksweep  %8.2f ms per live MiB   (%llu MiB live, all marked and swept)\n",
           dt * 1e3 / (double)live_mib, (unsigned long long)live_mib);
    gcp_roots_clear(gcp_store_roots(b.store));
    t0 = now();
    must(gcp_store_gc(b.store), "gc");
    dt = now() - t0;
    printf("  marksweep  %8.2f ms per dead MiB   (sweeping the same list as garbage)\n",
           dt * 1e3 / (double)live_mib);
    close_store(&b);

    open_store(&b, GCP_COLLECTOR_DRC, 1024 * MIB, 1000000000u);
    head = build_list(&b, n);
    t0 = now();
    must(gcp_store_gc(b.store), "gc");
    dt = now() - t0;
    printf("  drc        %8.3f ms per live MiB   (live data costs nothing: only the zero-count table)\n",
           dt * 1e3 / (double)live_mib);
    must(gcp_heap_drop_ref(b.heap, b.table, head), "drop");
    t0 = now();
    must(gcp_store_gc(b.store), "gc");
    dt = now() - t0;
    printf("  drc        %8.2f ms per dead MiB   (freeing the list: decrements and free-list pushes)\n",
           dt * 1e3 / (double)live_mib);
    close_store(&b);
}

/* ---------------------------------------------------------------- 3. step lengths */

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static void longest_step(uint32_t budget, uint64_t live_mib)
{
    long n = (long)(live_mib * MIB / 32);
    bench_store b;
    open_store(&b, GCP_COLLECTOR_MARKSWEEP, 1024 * MIB, budget);
    gcp_ref head = build_list(&b, n), arr;
    /* Half of the heap is garbage, and one large ref array is live. */
    for (long i = 0; i < n; i++) {
        gcp_ref r;
        must(gcp_heap_alloc_struct(b.heap, S, &r), "alloc");
    }
    must(gcp_heap_alloc_array(b.heap, RA, 1u << 20, &arr), "array");
    must(gcp_roots_add(gcp_store_roots(b.store), &head), "root");
    must(gcp_roots_add(gcp_store_roots(b.store), &arr), "root");
    gcp_collection *gc;
    must(gcp_heap_gc_start(b.heap, gcp_store_roots(b.store), b.table, &gc), "start");
    gcp_progress p = GCP_CONTINUE;
    size_t steps = 0, cap = 1024;
    double *times = malloc(cap * sizeof *times);
    uint64_t most_units = 0;
    while (p == GCP_CONTINUE) {
        double t0 = now();
        must(gcp_collection_step(gc, &p), "step");
        double dt = now() - t0;
        if (steps == cap)
            times = realloc(times, (cap *= 2) * sizeof *times);
        times[steps++] = dt;
        uint64_t u = gcp__gc_last_step_units(b.heap);
        if (u > most_units)
            most_units = u;
    }
    qsort(times, steps, sizeof *times, cmp_double);
    /* The machine is shared with other work: the maximum includes
     * preemptions, the 99th percentile mostly does not. */
    printf("  budget %7u: median %8.1f us, p99 %8.1f us, max %8.1f us; %6zu steps, most units %llu\n",
           budget, times[steps / 2] * 1e6, times[steps * 99 / 100] * 1e6,
           times[steps - 1] * 1e6, steps, (unsigned long long)most_units);
    free(times);
    close_store(&b);
}

/* ---------------------------------------------------------------- 4. free-list policy */

static void policy(bool first_fit, long ops)
{
    bench_store b;
    open_store(&b, GCP_COLLECTOR_DRC, 256 * MIB, 1000000000u);
    gcp__heap_freelist(b.heap)->first_fit = first_fit;
    enum { LIVE = 20000 };
    static gcp_ref live[LIVE];
    for (int i = 0; i < LIVE; i++)
        live[i] = GCP_REF_NULL;
    uint64_t x = 88172645463325252ull;
    long collections = 0;
    double t0 = now();
    for (long i = 0; i < ops; i++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        int k = (int)(x % LIVE);
        if (live[k] != GCP_REF_NULL)
            must(gcp_heap_drop_ref(b.heap, b.table, live[k]), "drop");
        /* Mostly small structs and arrays, a few larger arrays. */
        uint32_t len = (x >> 20) % 16 == 0 ? (uint32_t)((x >> 32) % 2048) : (uint32_t)((x >> 32) % 40);
        gcp_status st;
        while ((st = gcp_heap_alloc_array(b.heap, BA, len, &live[k])) == GCP_NEED_GC) {
            must(gcp_store_gc(b.store), "gc");
            collections++;
        }
        must(st, "alloc");
        if (i % 4096 == 4095) {
            must(gcp_store_gc(b.store), "gc");
            collections++;
        }
    }
    double dt = now() - t0;
    printf("  %-22s %7.2f M ops/s, heap bound %6.1f MiB, %ld collections\n",
           first_fit ? "first-fit, one list" : "segregated classes", (double)ops / dt / 1e6,
           (double)gcp_heap_bound(b.heap) / (double)MIB, collections);
    close_store(&b);
}

int main(int argc, char **argv)
{
    long scale = argc > 1 ? atol(argv[1]) : 1;
    if (scale < 1)
        scale = 1;
    must(gcp_types_new(&types), "types");
    const uint32_t offs[] = {0, 8};
    must(gcp_types_add_struct(types, 16, offs, 2, &S), "type");
    must(gcp_types_add_array(types, 4, true, &RA), "type");
    must(gcp_types_add_array(types, 1, false, &BA), "type");

    int only = argc > 2 ? atoi(argv[2]) : 0;
    long n = 10000000L * scale;
    if (!only || only == 1) {
        printf("allocation throughput, 32-byte objects dropped at once (4 MiB heaps):\n");
        throughput(GCP_COLLECTOR_NULL, n);
        throughput(GCP_COLLECTOR_DRC, n);
        throughput(GCP_COLLECTOR_MARKSWEEP, n);
        throughput(GCP_COLLECTOR_COMPACT, n);
#ifdef HAVE_BDWGC
        throughput_boehm(n);
#else
        printf("  boehm      (not built: configure found no bdw-gc)\n");
#endif
    }
    if (!only || only == 2) {
        printf("collection time (32-byte structs in one list):\n");
        collection_cost(64 * (uint64_t)scale);
    }
    if (!only || only == 3) {
        printf("incremental mark-sweep steps (64 MiB live list + 64 MiB garbage + 4 MiB ref array):\n");
        longest_step(1000, 64);
        longest_step(10000, 64);
        longest_step(100000, 64);
    }
    if (!only || only == 4) {
        printf("free-list policy, DRC churn of mixed sizes (20000 live slots):\n");
        policy(false, 2000000L * scale);
        policy(true, 200000L * scale);
    }
    gcp_types_release(types);
    return 0;
}

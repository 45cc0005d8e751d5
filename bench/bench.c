/* SPDX-License-Identifier: MIT */
/* gcpool-bench: the store-churn benchmark, with the peer allocators and the
 * physical baselines measured in the same run.  See --help. */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "gcpool.h"

#include "bench/bench.h"
#include "bench/report.h"

#define MAX_KS 32
#define MAX_THREADS 1024
#define MAX_K (UINT64_C(1) << 24)
#define MAX_DEPTHS 8
#define MIN_BT_DEPTH 6
#define MAX_BT_DEPTH 22

static const char *prog = "gcpool-bench";

enum { WL_CHURN = 1, WL_RESET = 2, WL_THREADS = 4, WL_GC = 8, WL_GCBENCH = 16, WL_BTREES = 32,
       WL_BULK = 64, WL_ALL = 127 };

typedef struct args {
    unsigned workloads;
    uint64_t ks[MAX_KS];
    size_t nk;
    bool ks_given;
    uint64_t depths[MAX_DEPTHS];   /* binary-trees maximum depths */
    size_t ndepths;
    unsigned threads;
    int collectors[4];
    size_t ncoll;
    uint64_t max_heap;
    unsigned reps;
    bool reps_given;
    const char *systems;     /* comma-separated filter, NULL for all */
    const char *csv;
    const char *plot;
    bool quick;
} args;

static void usage(FILE *f)
{
    fprintf(f,
"Usage: %s [OPTION]...\n"
"Measures store churn (acquire a heap, K allocations of 32-byte objects\n"
"written and read back, release) for gcpool and its peers in one run.\n"
"\n"
"  --workload NAME   churn (default), reset, threads, gc, gcbench,\n"
"                    binary-trees, bulk, or all\n"
"                    churn:   every system at each K, 1 and N threads\n"
"                    reset:   maximum heap 1 MiB vs 4 GiB, the store after one\n"
"                             that dirtied 16 MiB (with it, and timed alone beside\n"
"                             a normal store), memset and madvise baselines\n"
"                    threads: one shared pool, 1 vs N threads\n"
"                    gc:      allocation throughput, collection time per live\n"
"                             MiB, longest incremental step at budgets 1k-100k\n"
"                    gcbench: Boehm's GCBench (stretch tree 18, long-lived tree\n"
"                             16 and array, trees of depths 4..16), one run a cycle\n"
"                    binary-trees: the benchmarks-game shape at depths 16, 18\n"
"                    (gcbench and binary-trees: each gcpool collector, boehm,\n"
"                    malloc and mimalloc; gcpool's heap max is twice the\n"
"                    smallest that fits, found by untimed runs first;\n"
"                    gcpool-init: bottom-up nodes made with their children\n"
"                    in one gcp_heap_alloc_struct_init)\n"
"                    bulk:    an array of K elements (u64, or refs through the\n"
"                             write barrier) filled element by element with\n"
"                             the checked API vs one gcp_array_fill, each\n"
"                             collector (K default 16,4096)\n"
"  --k LIST          objects per store, comma-separated (default 16,1024,65536)\n"
"  --depths LIST     binary-trees maximum depths, comma-separated, 6 to 22\n"
"                    (default 16,18; with --quick 6,8)\n"
"  --threads N       the N of the threaded rows (default: number of cores)\n"
"  --collector NAME  null, drc, marksweep, compact or all (default all)\n"
"  --system LIST     only these systems, comma-separated: gcpool,\n"
"                    gcpool-inline, mimalloc, jemalloc-arena, boehm,\n"
"                    boehm+collect, malloc, mmap-munmap, memset-baseline,\n"
"                    madvise-baseline, gcpool-elems, gcpool-fill,\n"
"                    gcpool-elems-ref, gcpool-fill-ref, gcpool-init\n"
"                    (default: all)\n"
"  --max-heap BYTES  gcpool's maximum heap for churn and threads (default 4G;\n"
"                    suffixes K, M, G; a multiple of the page size)\n"
"  --reps N          measured repetitions per cell, median quoted (default 5)\n"
"  --csv FILE        also write one CSV row per measured cell\n"
"  --plot FILE       draw the churn figures (1 thread) to a PNG with gnuplot\n"
"                    (the command in $GNUPLOT if set)\n"
"  --quick           short repetitions and small trees: a smoke run of every\n"
"                    path\n"
"  --help            print this help and exit\n"
"\n"
"CSV columns: workload,system,collector,k,threads,max_heap_bytes,\n"
"ns_per_cycle_median,ns_per_cycle_min,ns_per_cycle_max,cycles_per_sec,\n"
"min_fit_bytes,peak_heap_bytes,collections,longest_gc_ns,longest_step_ns\n"
"(the last five for gcbench and binary-trees only, empty where they do not\n"
"apply)\n"
"Exit status: 0 on success, 1 if the run could not complete, 2 for bad usage.\n",
            prog);
}

static _Noreturn void bad(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "%s: ", prog);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\nTry '%s --help' for more information.\n", prog);
    exit(2);
}

/* An unsigned decimal with an optional binary suffix (K, M, G, also KiB...). */
static bool parse_size(const char *s, uint64_t *out)
{
    if (!s || !*s || *s == '-' || *s == '+')
        return false;
    errno = 0;
    char *end;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || end == s)
        return false;
    unsigned shift = 0;
    if (*end) {
        switch (*end) {
        case 'k': case 'K': shift = 10; break;
        case 'm': case 'M': shift = 20; break;
        case 'g': case 'G': shift = 30; break;
        default: return false;
        }
        end++;
        if (strcasecmp(end, "") != 0 && strcasecmp(end, "iB") != 0 && strcasecmp(end, "B") != 0)
            return false;
    }
    if (shift && v > (UINT64_MAX >> shift))
        return false;
    *out = (uint64_t)v << shift;
    return true;
}

static unsigned parse_count(const char *opt, const char *s, unsigned lo, unsigned hi)
{
    uint64_t v;
    if (!parse_size(s, &v) || v < lo || v > hi)
        bad("%s: '%s' is not a number from %u to %u", opt, s, lo, hi);
    return (unsigned)v;
}

/* A comma-separated list must not have empty items. */
static bool list_has_empty(const char *s)
{
    size_t n = strlen(s);
    return n == 0 || s[0] == ',' || s[n - 1] == ',' || strstr(s, ",,") != NULL;
}

static void parse_klist(args *a, const char *s)
{
    if (list_has_empty(s))
        bad("--k: '%s' has an empty item", s);
    a->nk = 0;
    char *copy = strdup(s);
    if (!copy)
        bad("out of memory");
    char *save = NULL;
    for (char *tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        uint64_t v;
        if (!parse_size(tok, &v) || v == 0 || v > MAX_K)
            bad("--k: '%s' is not an object count from 1 to %" PRIu64, tok, MAX_K);
        if (a->nk == MAX_KS)
            bad("--k: at most %d values", MAX_KS);
        a->ks[a->nk++] = v;
    }
    free(copy);
    if (a->nk == 0)
        bad("--k: empty list");
    a->ks_given = true;
}

static void parse_depths(args *a, const char *s)
{
    if (list_has_empty(s))
        bad("--depths: '%s' has an empty item", s);
    a->ndepths = 0;
    char *copy = strdup(s);
    if (!copy)
        bad("out of memory");
    char *save = NULL;
    for (char *tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        uint64_t v;
        if (!parse_size(tok, &v) || v < MIN_BT_DEPTH || v > MAX_BT_DEPTH || strpbrk(tok, "kKmMgG"))
            bad("--depths: '%s' is not a depth from %d to %d", tok, MIN_BT_DEPTH, MAX_BT_DEPTH);
        if (a->ndepths == MAX_DEPTHS)
            bad("--depths: at most %d values", MAX_DEPTHS);
        a->depths[a->ndepths++] = v;
    }
    free(copy);
    if (a->ndepths == 0)
        bad("--depths: empty list");
}

static void parse_collector(args *a, const char *s)
{
    static const struct { const char *name; int c; } names[] = {
        {"null", GCP_COLLECTOR_NULL}, {"drc", GCP_COLLECTOR_DRC},
        {"marksweep", GCP_COLLECTOR_MARKSWEEP}, {"compact", GCP_COLLECTOR_COMPACT},
    };
    a->ncoll = 0;
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (!strcmp(s, "all") || !strcmp(s, names[i].name))
            a->collectors[a->ncoll++] = names[i].c;
    if (a->ncoll == 0)
        bad("--collector: unknown collector '%s' (null, drc, marksweep, compact or all)", s);
}

static const char *const system_names[] = {
    "gcpool", "gcpool-inline", "mimalloc", "jemalloc-arena", "boehm", "boehm+collect", "mmap-munmap",
    "memset-baseline", "madvise-baseline", "malloc", "gcpool-elems", "gcpool-fill",
    "gcpool-elems-ref", "gcpool-fill-ref", "gcpool-init",
};

/* Is name in the comma-separated list? */
static bool in_list(const char *list, const char *name)
{
    size_t n = strlen(name);
    for (const char *p = list; *p;) {
        const char *comma = strchr(p, ',');
        size_t len = comma ? (size_t)(comma - p) : strlen(p);
        if (len == n && !strncmp(p, name, n))
            return true;
        p += len + (comma ? 1 : 0);
    }
    return false;
}

static void parse_systems(const char *list)
{
    if (list_has_empty(list))
        bad("--system: '%s' has an empty item", list);
    char *copy = strdup(list);
    if (!copy)
        bad("out of memory");
    char *save = NULL;
    size_t n = 0;
    for (char *tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save), n++) {
        bool known = false;
        for (size_t i = 0; i < sizeof system_names / sizeof system_names[0]; i++)
            known |= !strcmp(tok, system_names[i]);
        if (!known) {
            /* bad() exits: the copy goes with the process. */
            bad("--system: unknown system '%s'", tok);
        }
    }
    free(copy);
    if (n == 0)
        bad("--system: empty list");
}

static unsigned parse_workload(const char *s)
{
    static const struct { const char *name; unsigned w; } names[] = {
        {"churn", WL_CHURN}, {"reset", WL_RESET}, {"threads", WL_THREADS},
        {"gc", WL_GC}, {"gcbench", WL_GCBENCH}, {"binary-trees", WL_BTREES}, {"bulk", WL_BULK},
        {"all", WL_ALL},
    };
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (!strcmp(s, names[i].name))
            return names[i].w;
    bad("--workload: unknown workload '%s' (churn, reset, threads, gc, gcbench, binary-trees, "
        "bulk or all)", s);
}

static void parse_args(int argc, char **argv, args *a)
{
    enum { O_WORKLOAD = 256, O_K, O_THREADS, O_COLLECTOR, O_MAXHEAP, O_REPS, O_CSV,
           O_PLOT, O_QUICK, O_HELP, O_SYSTEM, O_DEPTHS };
    static const struct option longopts[] = {
        {"workload", required_argument, NULL, O_WORKLOAD},
        {"k", required_argument, NULL, O_K},
        {"depths", required_argument, NULL, O_DEPTHS},
        {"threads", required_argument, NULL, O_THREADS},
        {"collector", required_argument, NULL, O_COLLECTOR},
        {"max-heap", required_argument, NULL, O_MAXHEAP},
        {"system", required_argument, NULL, O_SYSTEM},
        {"reps", required_argument, NULL, O_REPS},
        {"csv", required_argument, NULL, O_CSV},
        {"plot", required_argument, NULL, O_PLOT},
        {"quick", no_argument, NULL, O_QUICK},
        {"help", no_argument, NULL, O_HELP},
        {NULL, 0, NULL, 0},
    };
    long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
    *a = (args){.workloads = WL_CHURN, .ks = {16, 1024, 65536}, .nk = 3,
                .threads = ncpu > 0 ? (unsigned)(ncpu < MAX_THREADS ? ncpu : MAX_THREADS) : 1,
                .max_heap = 4 * GCPB_GIB, .reps = 5};
    parse_collector(a, "all");
    opterr = 0;
    int c;
    while ((c = getopt_long(argc, argv, ":", longopts, NULL)) != -1) {
        switch (c) {
        case O_WORKLOAD: a->workloads = parse_workload(optarg); break;
        case O_K: parse_klist(a, optarg); break;
        case O_DEPTHS: parse_depths(a, optarg); break;
        case O_THREADS: a->threads = parse_count("--threads", optarg, 1, MAX_THREADS); break;
        case O_COLLECTOR: parse_collector(a, optarg); break;
        case O_MAXHEAP: {
            long page = sysconf(_SC_PAGESIZE);
            if (!parse_size(optarg, &a->max_heap) || a->max_heap == 0 ||
                a->max_heap > 4 * GCPB_GIB || a->max_heap % (uint64_t)page)
                bad("--max-heap: '%s' is not a size from %ld bytes to 4G in whole pages "
                    "(%ld bytes)", optarg, page, page);
            break;
        }
        case O_REPS:
            a->reps = parse_count("--reps", optarg, 1, 1000);
            a->reps_given = true;
            break;
        case O_SYSTEM: parse_systems(optarg); a->systems = optarg; break;
        case O_CSV: a->csv = optarg; break;
        case O_PLOT: a->plot = optarg; break;
        case O_QUICK: a->quick = true; break;
        case O_HELP: usage(stdout); exit(0);
        case ':': bad("option '%s' needs a value", argv[optind - 1]);
        default: bad("unknown option '%s'", argv[optind - 1]);
        }
    }
    if (optind < argc)
        bad("unexpected argument '%s'", argv[optind]);
    if (a->plot && !(a->workloads & WL_CHURN))
        bad("--plot draws the churn workload: use it with --workload churn or all");
}

/* ------------------------------------------------------------------ planning */

typedef struct plan {
    bcell *cells;
    size_t n, cap;
} plan;

static bcell *add(plan *p, bworkload w, const bsys *sys, int coll, uint64_t k, unsigned threads,
                  uint64_t max_heap)
{
    if (p->n == p->cap) {
        size_t nc = p->cap ? p->cap * 2 : 64;
        bcell *c = realloc(p->cells, nc * sizeof *c);
        if (!c) {
            fprintf(stderr, "%s: out of memory\n", prog);
            exit(1);
        }
        p->cells = c;
        p->cap = nc;
    }
    bcell *c = &p->cells[p->n++];
    *c = (bcell){.workload = w, .sys = sys, .collector = coll, .k = k, .threads = threads,
                 .max_heap = max_heap};
    return c;
}

static void add_gcpool(plan *p, const args *a, bworkload w, const bsys *sys, uint64_t k,
                       unsigned threads, uint64_t max_heap, bool with_null)
{
    for (size_t i = 0; i < a->ncoll; i++)
        if (with_null || a->collectors[i] != GCP_COLLECTOR_NULL)
            add(p, w, sys, a->collectors[i], k, threads, max_heap);
}

static bool wants_null(const args *a)
{
    for (size_t i = 0; i < a->ncoll; i++)
        if (a->collectors[i] == GCP_COLLECTOR_NULL)
            return true;
    return false;
}

static void plan_churn(plan *p, const args *a)
{
    unsigned ts[2] = {1, a->threads};
    size_t nt = a->threads > 1 ? 2 : 1;
    for (size_t ki = 0; ki < a->nk; ki++) {
        uint64_t k = a->ks[ki];
        for (size_t ti = 0; ti < nt; ti++) {
            unsigned t = ts[ti];
            add_gcpool(p, a, BW_CHURN, &gcpb_gcpool, k, t, a->max_heap, true);
            if (wants_null(a))
                add(p, BW_CHURN, &gcpb_gcpool_inline, GCP_COLLECTOR_NULL, k, t, a->max_heap);
            add(p, BW_CHURN, &gcpb_mimalloc, BC_NONE, k, t, 0);
            add(p, BW_CHURN, &gcpb_jemalloc, BC_NONE, k, t, 0);
            add(p, BW_CHURN, &gcpb_boehm, BC_NONE, k, t, 0);
            add(p, BW_CHURN, &gcpb_boehm_collect, BC_NONE, k, t, 0);
            add(p, BW_CHURN, &gcpb_mmap_base, BC_NONE, k, t, a->max_heap);
            add(p, BW_CHURN, &gcpb_memset_base, BC_NONE, k, t, a->max_heap);
        }
    }
}

static void plan_reset(plan *p, const args *a)
{
    const uint64_t heaps[2] = {GCPB_MIB, 4 * GCPB_GIB};
    for (size_t ki = 0; ki < a->nk; ki++) {
        uint64_t k = a->ks[ki];
        for (size_t hi = 0; hi < 2; hi++) {
            add_gcpool(p, a, BW_RESET, &gcpb_gcpool, k, 1, heaps[hi], true);
            if (wants_null(a))
                add(p, BW_RESET, &gcpb_gcpool_inline, GCP_COLLECTOR_NULL, k, 1, heaps[hi]);
        }
        add(p, BW_RESET, &gcpb_memset_base, BC_NONE, k, 1, heaps[1]);
        add(p, BW_RESET, &gcpb_madvise_base, BC_NONE, k, 1, heaps[1]);
    }
    add(p, BW_RESET, &gcpb_mimalloc, BC_NONE, 16, 1, 0);
    size_t first = p->n;
    add_gcpool(p, a, BW_RESET, &gcpb_gcpool, 16, 1, heaps[1], true);
    add(p, BW_RESET, &gcpb_memset_base, BC_NONE, 16, 1, heaps[1]);
    add(p, BW_RESET, &gcpb_madvise_base, BC_NONE, 16, 1, heaps[1]);
    for (size_t i = first; i < p->n; i++)
        p->cells[i].after_dirty = true;
    /* The store right after a 16 MiB store, and the eight after it, timed
     * alone, beside a store timed the same way in a steady churn and one
     * after the host wrote 16 MiB of its own memory (caches as cold, no
     * pool work): the cells of a collector next to each other in every
     * round. */
    for (size_t i = 0; i < a->ncoll; i++) {
        static const struct { bool after, host; unsigned stores; } kinds[4] = {
            {false, false, 1}, {false, true, 1}, {true, false, 1}, {true, false, 8}};
        for (size_t j = 0; j < 4; j++) {
            bcell *c = add(p, BW_RESET_NEXT, &gcpb_gcpool, a->collectors[i], 16, 1, heaps[1]);
            c->after_dirty = kinds[j].after;
            c->host_dirty = kinds[j].host;
            c->timed_stores = kinds[j].stores;
        }
    }
}

static void plan_threads(plan *p, const args *a)
{
    unsigned n = a->threads > 1 ? a->threads : 2;
    static const uint64_t dflt[2] = {16, 1024};
    const uint64_t *ks = a->ks_given ? a->ks : dflt;
    size_t nk = a->ks_given ? a->nk : 2;
    for (size_t ki = 0; ki < nk; ki++) {
        unsigned ts[2] = {1, n};
        for (size_t ti = 0; ti < 2; ti++) {
            add_gcpool(p, a, BW_THREADS, &gcpb_gcpool, ks[ki], ts[ti], a->max_heap, true);
            add(p, BW_THREADS, &gcpb_memset_base, BC_NONE, ks[ki], ts[ti], a->max_heap);
            add(p, BW_THREADS, &gcpb_mimalloc, BC_NONE, ks[ki], ts[ti], 0);
        }
    }
}

static void plan_gc(plan *p, const args *a)
{
    uint64_t alloc_k = a->quick ? 4096 : 65536;
    add_gcpool(p, a, BW_GC_ALLOC, &gcpb_gcpool_alloc, alloc_k, 1, 64 * GCPB_MIB, true);
    add(p, BW_GC_ALLOC, &gcpb_boehm_alloc, BC_NONE, alloc_k, 1, 0);
    add_gcpool(p, a, BW_GC_COLLECT, &gcpb_gcpool_collect, gcpb_live_objects(), 1, 4 * GCPB_GIB,
               false);
    add(p, BW_GC_COLLECT, &gcpb_boehm_live, BC_NONE, gcpb_live_objects(), 1, 0);
    static const uint64_t budgets[3] = {1000, 10000, 100000};
    for (size_t b = 0; b < 3; b++)
        add_gcpool(p, a, BW_GC_STEP, &gcpb_gcpool_collect, budgets[b], 1, 4 * GCPB_GIB, false);
}

/* One cell of each system per tree workload and depth; gcpool's heap max is
 * set later (gcpb_trees_fit). */
static void plan_trees(plan *p, const args *a, bworkload w, uint64_t k)
{
    add_gcpool(p, a, w, &gcpb_trees_gcpool, k, 1, 0, true);
    add_gcpool(p, a, w, &gcpb_trees_gcpool_init, k, 1, 0, true);
    add(p, w, &gcpb_trees_boehm, BC_NONE, k, 1, 0);
    add(p, w, &gcpb_trees_malloc, BC_NONE, k, 1, 0);
    add(p, w, &gcpb_trees_mimalloc, BC_NONE, k, 1, 0);
}

/* Element-by-element and bulk fills of the same array, for each collector
 * and K. */
static void plan_bulk(plan *p, const args *a)
{
    static const uint64_t dflt[2] = {16, 4096};
    const uint64_t *ks = a->ks_given ? a->ks : dflt;
    size_t nk = a->ks_given ? a->nk : 2;
    const bsys *systems[4] = {&gcpb_bulk_elems, &gcpb_bulk_fill, &gcpb_bulk_elems_ref,
                              &gcpb_bulk_fill_ref};
    for (size_t ki = 0; ki < nk; ki++)
        for (size_t s = 0; s < 4; s++)
            add_gcpool(p, a, BW_BULK, systems[s], ks[ki], 1, 64 * GCPB_MIB, true);
}

/* ------------------------------------------------------------------ main */

static uint64_t live_objects = 131072;
uint64_t gcpb_live_objects(void) { return live_objects; }

static size_t progress_total;
static bool progress_tty;

static void show_progress(unsigned round, size_t i, const bcell *c)
{
    fprintf(stderr, "%s[round %u/%u, %zu/%zu] %s %s%s%s k=%" PRIu64 " threads=%u%s",
            progress_tty ? "\r" : "", round + 1, gcpb_opts.reps, i + 1, progress_total,
            report_workload_name(c), c->sys->name, c->collector != BC_NONE ? "/" : "",
            report_collector_name(c->collector), c->k, c->threads, progress_tty ? "\033[K" : "\n");
    fflush(stderr);
}

static bool have_gnuplot(void)
{
    char cmd[512];
    snprintf(cmd, sizeof cmd, "%s --version >/dev/null 2>&1", report_gnuplot());
    return system(cmd) == 0;
}

int main(int argc, char **argv)
{
    args a;
    parse_args(argc, argv, &a);
    if (a.quick) {
        gcpb_opts.rep_ns = 2e6;
        gcpb_opts.reps = 3;
        live_objects = 4096;
    }
    if (a.reps_given)
        gcpb_opts.reps = a.reps;
    gcpb_opts.progress = !a.quick;

    if (a.plot && !have_gnuplot()) {
        fprintf(stderr, "%s: --plot needs gnuplot, which was not found as '%s' "
                "(Debian: gnuplot-nox)\n", prog, report_gnuplot());
        return 1;
    }
    FILE *csv = NULL;
    if (a.csv && !(csv = fopen(a.csv, "w"))) {
        fprintf(stderr, "%s: cannot write %s: %s\n", prog, a.csv, strerror(errno));
        return 1;
    }

    plan p = {0};
    if (a.workloads & WL_CHURN)
        plan_churn(&p, &a);
    if (a.workloads & WL_RESET)
        plan_reset(&p, &a);
    if (a.workloads & WL_THREADS)
        plan_threads(&p, &a);
    /* The tree workloads before gc: its step cells must come last. */
    if (a.workloads & WL_GCBENCH)
        plan_trees(&p, &a, BW_GCBENCH, a.quick ? GCPB_GCBENCH_QUICK_DEPTH : GCPB_GCBENCH_DEPTH);
    if (a.workloads & WL_BTREES) {
        if (a.ndepths == 0) {
            a.depths[0] = a.quick ? 6 : 16;
            a.depths[1] = a.quick ? 8 : 18;
            a.ndepths = 2;
        }
        for (size_t i = 0; i < a.ndepths; i++)
            plan_trees(&p, &a, BW_BTREES, a.depths[i]);
    }
    if (a.workloads & WL_BULK)
        plan_bulk(&p, &a);
    if (a.workloads & WL_GC)
        plan_gc(&p, &a);
    if (a.systems) {
        size_t kept = 0;
        for (size_t i = 0; i < p.n; i++)
            if (in_list(a.systems, p.cells[i].sys->name))
                p.cells[kept++] = p.cells[i];
        p.n = kept;
    }
    /* Boehm GC starts in the main thread, and only when it is measured. */
    for (size_t i = 0; i < p.n; i++) {
        if (!strncmp(p.cells[i].sys->name, "boehm", 5)) {
            gcpb_peers_init();
            break;
        }
    }

    report_header(stdout, a.threads, gcpb_opts.reps, gcpb_opts.rep_ns);
    progress_total = p.n;
    progress_tty = isatty(STDERR_FILENO);
    uint64_t t0 = gcpb_now();
    /* gcpool's tree cells: the heap max, from untimed runs. */
    for (size_t i = 0; i < p.n; i++) {
        bcell *c = &p.cells[i];
        if (c->sys != &gcpb_trees_gcpool && c->sys != &gcpb_trees_gcpool_init)
            continue;
        if (gcpb_opts.progress) {
            fprintf(stderr, "%s[heap max] %s %s/%s k=%" PRIu64 "%s", progress_tty ? "\r" : "",
                    report_workload_name(c), c->sys->name, report_collector_name(c->collector),
                    c->k, progress_tty ? "\033[K" : "\n");
            fflush(stderr);
        }
        c->status = gcpb_trees_fit(c);
    }
    /* The incremental-step cells (planned last) measure themselves; the
     * rest are measured in rounds. */
    size_t nrun = 0;
    for (size_t i = 0; i < p.n; i++)
        if (p.cells[i].workload != BW_GC_STEP)
            nrun++;
    gcpb_run_cells(p.cells, nrun, gcpb_opts.progress ? show_progress : NULL);
    for (size_t i = nrun; i < p.n; i++) {
        if (gcpb_opts.progress)
            show_progress(gcpb_opts.reps - 1, i, &p.cells[i]);
        gcpb_gcpool_steps(&p.cells[i]);
    }
    if (gcpb_opts.progress && progress_tty)
        fprintf(stderr, "\r\033[K");
    double secs = (double)(gcpb_now() - t0) / 1e9;

    report_tables(stdout, p.cells, p.n);
    printf("\nchecksum %#018" PRIx64 " (every object read back matched what was written)\n",
           gcpb_total_checksum());
    printf("run time %.1f s\n", secs);

    int rc = 0;
    if (csv) {
        report_csv(csv, p.cells, p.n);
        if (fclose(csv) != 0) {
            fprintf(stderr, "%s: writing %s: %s\n", prog, a.csv, strerror(errno));
            rc = 1;
        }
    }
    if (a.plot && report_plot(a.plot, p.cells, p.n) != 0) {
        fprintf(stderr, "%s: gnuplot could not draw %s\n", prog, a.plot);
        rc = 1;
    }
    free(p.cells);
    return rc;
}

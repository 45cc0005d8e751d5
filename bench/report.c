/* SPDX-License-Identifier: MIT */
/* Tables, CSV and the plot of gcpool-bench. */
#include "config.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "gcpool.h"

#include "bench/report.h"

/* Bytes of one live-list node: gcpool's (header + ref + pad + payload) and
 * Boehm's (next pointer + pad + payload). */
#define GCPOOL_NODE_BYTES 56.0
#define BOEHM_NODE_BYTES 48.0

const char *report_collector_name(int collector)
{
    switch (collector) {
    case GCP_COLLECTOR_NULL: return "null";
    case GCP_COLLECTOR_DRC: return "drc";
    case GCP_COLLECTOR_MARKSWEEP: return "marksweep";
    case GCP_COLLECTOR_COMPACT: return "compact";
    default: return "";
    }
}

const char *report_workload_name(const bcell *c)
{
    switch (c->workload) {
    case BW_CHURN: return "churn";
    case BW_RESET: return c->after_dirty ? "reset-after-dirty" : "reset";
    case BW_RESET_NEXT:
        return c->host_dirty     ? "reset-host-dirty"
               : !c->after_dirty ? "reset-alone"
               : c->timed_stores > 1 ? "reset-next8" : "reset-next";
    case BW_THREADS: return "threads";
    case BW_GC_ALLOC: return "gc-alloc";
    case BW_GC_COLLECT: return "gc-collect";
    case BW_GC_STEP: return "gc-step";
    case BW_GCBENCH: return "gcbench";
    case BW_BTREES: return "binary-trees";
    case BW_BULK: return "bulk";
    }
    return "?";
}

static const char *sysname(const bcell *c, char *buf, size_t len)
{
    if (c->collector == BC_NONE)
        snprintf(buf, len, "%s", c->sys->name);
    else
        snprintf(buf, len, "%s/%s", c->sys->name, report_collector_name(c->collector));
    return buf;
}

/* v scaled by the largest unit it reaches: units[i] is worth 1000^i. */
static const char *fmt_scaled(double v, const char *const units[4], const char *first_fmt,
                              char *buf, size_t len)
{
    int u = 0;
    while (u < 3 && v >= 1e3) {
        v /= 1e3;
        u++;
    }
    snprintf(buf, len, u ? "%.2f%s" : first_fmt, v, units[u]);
    return buf;
}

static const char *fmt_ns(double ns, char *buf, size_t len)
{
    static const char *const units[4] = {" ns", " us", " ms", " s"};
    return fmt_scaled(ns, units, "%.0f%s", buf, len);
}

static const char *fmt_rate(double r, char *buf, size_t len)
{
    static const char *const units[4] = {"", "k", "M", "G"};
    return fmt_scaled(r, units, "%.1f%s", buf, len);
}

static const char *fmt_bytes(uint64_t b, char *buf, size_t len)
{
    if (b == 0)
        snprintf(buf, len, "-");
    else if (b >= GCPB_GIB && b % GCPB_GIB == 0)
        snprintf(buf, len, "%" PRIu64 " GiB", b / GCPB_GIB);
    else if (b >= GCPB_MIB && b % GCPB_MIB == 0)
        snprintf(buf, len, "%" PRIu64 " MiB", b / GCPB_MIB);
    else
        snprintf(buf, len, "%" PRIu64 " KiB", b / GCPB_KIB);
    return buf;
}

/* Bytes in GiB or MiB with one decimal (KiB below 1 MiB); "-" for 0. */
static const char *fmt_mib(uint64_t b, char *buf, size_t len)
{
    if (b == 0)
        snprintf(buf, len, "-");
    else if (b >= GCPB_GIB)
        snprintf(buf, len, "%.1f GiB", (double)b / (double)GCPB_GIB);
    else if (b >= GCPB_MIB)
        snprintf(buf, len, "%.1f MiB", (double)b / (double)GCPB_MIB);
    else
        snprintf(buf, len, "%.0f KiB", (double)b / (double)GCPB_KIB);
    return buf;
}

static const char *fmt_range(const bcell *c, char *buf, size_t len)
{
    char a[24], b[24];
    snprintf(buf, len, "%s - %s", fmt_ns(c->ns_min, a, sizeof a), fmt_ns(c->ns_max, b, sizeof b));
    return buf;
}

void report_header(FILE *f, unsigned threads, unsigned reps, double rep_ns)
{
    long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
    fprintf(f, "gcpool-bench %s: %ld cores online, N = %u threads, %u repetitions of ~%.0f ms "
               "per cell (median quoted)\n",
            PACKAGE_VERSION, ncpu, threads, reps, rep_ns / 1e6);
    /* Other work on the machine shows in the threaded rows: say how much. */
    FILE *la = fopen("/proc/loadavg", "r");
    double l1;
    if (la && fscanf(la, "%lf", &l1) == 1)
        fprintf(f, "load average at start: %.2f\n", l1);
    if (la)
        fclose(la);
}

/* ------------------------------------------------------------------ lookups */

typedef bool (*match_fn)(const bcell *ref, const bcell *c);

static const bcell *find(const bcell *cells, size_t n, const bcell *like, match_fn m)
{
    for (size_t i = 0; i < n; i++)
        if (cells[i].status == BR_OK && m(like, &cells[i]))
            return &cells[i];
    return NULL;
}

static bool same_group(const bcell *a, const bcell *b)
{
    return a->workload == b->workload && a->after_dirty == b->after_dirty && a->k == b->k &&
           a->timed_stores == b->timed_stores && a->host_dirty == b->host_dirty;
}

/* The gcpool row a churn row is compared with: same K and threads, the
 * first collector measured (null when asked for). */
static bool is_gcpool_ref(const bcell *like, const bcell *c)
{
    return same_group(like, c) && c->threads == like->threads && c->sys == &gcpb_gcpool;
}

static bool is_one_thread(const bcell *like, const bcell *c)
{
    return same_group(like, c) && c->sys == like->sys && c->collector == like->collector &&
           c->threads == 1;
}

static bool is_memset_ref(const bcell *like, const bcell *c)
{
    return same_group(like, c) && c->sys == &gcpb_memset_base;
}

static bool is_1mib_twin(const bcell *like, const bcell *c)
{
    return same_group(like, c) && c->sys == like->sys && c->collector == like->collector &&
           c->max_heap == GCPB_MIB;
}

static bool is_boehm(const bcell *like, const bcell *c)
{
    return like->workload == c->workload && c->collector == BC_NONE;
}

static bool is_trees_boehm(const bcell *like, const bcell *c)
{
    return like->workload == c->workload && like->k == c->k && c->sys == &gcpb_trees_boehm;
}

/* ------------------------------------------------------------------ skips */

typedef struct skips {
    char lines[64][256];
    size_t n;
} skips;

static void note_skip(skips *s, const bcell *c)
{
    char name[64], line[256];
    snprintf(line, sizeof line, "%s: %s", sysname(c, name, sizeof name), c->note);
    for (size_t i = 0; i < s->n; i++)
        if (!strcmp(s->lines[i], line))
            return;
    if (s->n < 64)
        snprintf(s->lines[s->n++], sizeof s->lines[0], "%s", line);
}

static void print_skips(FILE *f, const skips *s)
{
    for (size_t i = 0; i < s->n; i++)
        fprintf(f, "  skipped %s\n", s->lines[i]);
}

/* Prints the first columns of a row, or the n/a line; false if the row is
 * not measured (a skip is noted for later). */
static bool row_start(FILE *f, const bcell *c, skips *sk, const char *extra)
{
    char name[64];
    if (c->status == BR_SKIP) {
        note_skip(sk, c);
        return false;
    }
    fprintf(f, "  %-22s %s", sysname(c, name, sizeof name), extra);
    if (c->status == BR_NA) {
        fprintf(f, "n/a (%s)\n", c->note);
        return false;
    }
    return true;
}

/* ------------------------------------------------------------------ tables */

/* Distinct K values of a workload, in plan order. */
static size_t ks_of(const bcell *cells, size_t n, bworkload w, bool after_dirty, uint64_t *ks,
                    size_t max)
{
    size_t nk = 0;
    for (size_t i = 0; i < n; i++) {
        if (cells[i].workload != w || cells[i].after_dirty != after_dirty)
            continue;
        bool seen = false;
        for (size_t j = 0; j < nk; j++)
            seen |= ks[j] == cells[i].k;
        if (!seen && nk < max)
            ks[nk++] = cells[i].k;
    }
    return nk;
}

static void table_churn(FILE *f, const bcell *cells, size_t n, bworkload w)
{
    uint64_t ks[64];
    size_t nk = ks_of(cells, n, w, false, ks, 64);
    if (!nk)
        return;
    skips sk = {.n = 0};
    if (w == BW_CHURN)
        fprintf(f, "\n== churn: acquire a store, K allocations of 32-byte objects written and "
                   "read back, release ==\n"
                   "   ns/cycle is per thread; cycles/s is the aggregate of all threads; "
                   "'vs gcpool' is time per cycle relative to gcpool\n");
    else
        fprintf(f, "\n== threads: stores churned by 1 and N threads (gcpool: one shared pool) ==\n"
                   "   ns/cycle is per thread; cycles/s is the aggregate; N/1 is the "
                   "aggregate rate of N threads over 1 thread\n");
    for (size_t ki = 0; ki < nk; ki++) {
        fprintf(f, "\nK = %" PRIu64 "\n  %-22s %7s %10s  %-22s %10s %10s %6s\n", ks[ki], "system",
                "threads", "ns/cycle", "min - max", "cycles/s", "vs gcpool", "N/1");
        for (size_t i = 0; i < n; i++) {
            const bcell *c = &cells[i];
            if (c->workload != w || c->k != ks[ki])
                continue;
            char th[16];
            snprintf(th, sizeof th, "%7u ", c->threads);
            if (!row_start(f, c, &sk, th))
                continue;
            char a[32], r[80], cps[32], vs[32] = "", n1[32] = "";
            const bcell *ref = find(cells, n, c, is_gcpool_ref);
            if (ref && ref->ns_median > 0)
                snprintf(vs, sizeof vs, "x%.2f", c->ns_median / ref->ns_median);
            const bcell *one = c->threads > 1 ? find(cells, n, c, is_one_thread) : NULL;
            if (one && one->cycles_per_sec > 0)
                snprintf(n1, sizeof n1, "%.2f", c->cycles_per_sec / one->cycles_per_sec);
            fprintf(f, "%10s  %-22s %10s %10s %6s\n", fmt_ns(c->ns_median, a, sizeof a),
                    fmt_range(c, r, sizeof r), fmt_rate(c->cycles_per_sec, cps, sizeof cps), vs,
                    n1);
        }
    }
    print_skips(f, &sk);
}

static void reset_rows(FILE *f, const bcell *cells, size_t n, bool after_dirty, uint64_t k,
                       skips *sk)
{
    fprintf(f, "  %-22s %8s %10s  %-22s %10s %10s %7s\n", "system", "max heap", "ns/cycle",
            "min - max", "cycles/s", "vs memset", "4G/1M");
    for (size_t i = 0; i < n; i++) {
        const bcell *c = &cells[i];
        if (c->workload != BW_RESET || c->after_dirty != after_dirty || c->k != k)
            continue;
        char mh[32], extra[40];
        snprintf(extra, sizeof extra, "%8s ", fmt_bytes(c->max_heap, mh, sizeof mh));
        if (!row_start(f, c, sk, extra))
            continue;
        char a[32], r[80], cps[32], vs[32] = "", ratio[32] = "";
        const bcell *ref = find(cells, n, c, is_memset_ref);
        if (ref && ref->ns_median > 0)
            snprintf(vs, sizeof vs, "x%.2f", c->ns_median / ref->ns_median);
        if (c->max_heap == 4 * GCPB_GIB && c->collector != BC_NONE) {
            const bcell *small = find(cells, n, c, is_1mib_twin);
            if (small && small->ns_median > 0)
                snprintf(ratio, sizeof ratio, "%.2f", c->ns_median / small->ns_median);
        }
        fprintf(f, "%10s  %-22s %10s %10s %7s\n", fmt_ns(c->ns_median, a, sizeof a),
                fmt_range(c, r, sizeof r), fmt_rate(c->cycles_per_sec, cps, sizeof cps), vs,
                ratio);
    }
}

static void table_reset(FILE *f, const bcell *cells, size_t n)
{
    uint64_t ks[64];
    size_t nk = ks_of(cells, n, BW_RESET, false, ks, 64);
    if (!nk)
        return;
    skips sk = {.n = 0};
    fprintf(f, "\n== reset: store churn with maximum heap 1 MiB and 4 GiB, 1 thread ==\n"
               "   memset-baseline: kept mapping, bump, memset of the dirtied bytes; "
               "madvise-baseline: kept mapping, MADV_DONTNEED\n"
               "   'vs memset' is time per cycle relative to the memset baseline; 4G/1M is "
               "gcpool's 4 GiB time over its 1 MiB time\n");
    for (size_t ki = 0; ki < nk; ki++) {
        fprintf(f, "\nK = %" PRIu64 "\n", ks[ki]);
        reset_rows(f, cells, n, false, ks[ki], &sk);
    }
    if (ks_of(cells, n, BW_RESET, true, ks, 64)) {
        fprintf(f, "\nK = %" PRIu64 " after a store that dirtied 16 MiB (a cycle: that store, "
                   "then the K store, both timed)\n", ks[0]);
        reset_rows(f, cells, n, true, ks[0], &sk);
    }
    print_skips(f, &sk);
}

/* The BW_RESET_NEXT cell of c's system and collector of the given kind. */
static const bcell *next_cell(const bcell *cells, size_t n, const bcell *c, bool after,
                              bool host, unsigned stores)
{
    for (size_t i = 0; i < n; i++) {
        const bcell *x = &cells[i];
        if (x->workload == BW_RESET_NEXT && x->sys == c->sys && x->collector == c->collector &&
            x->k == c->k && x->after_dirty == after && x->host_dirty == host &&
            x->timed_stores == stores)
            return x;
    }
    return NULL;
}

/* One column of the store-after table: the figure and its ratio to the
 * normal store, or why there is none. */
static const char *next_col(const bcell *x, const bcell *normal, skips *sk, char *buf,
                            size_t len)
{
    char a[32];
    if (!x) {
        snprintf(buf, len, "-");
    } else if (x->status == BR_NA) {
        snprintf(buf, len, "n/a");
    } else if (x->status != BR_OK) {
        note_skip(sk, x);
        snprintf(buf, len, "skipped");
    } else if (normal && normal->status == BR_OK && normal->ns_median > 0) {
        snprintf(buf, len, "%s (x%.2f)", fmt_ns(x->ns_median, a, sizeof a),
                 x->ns_median / normal->ns_median);
    } else {
        snprintf(buf, len, "%s", fmt_ns(x->ns_median, a, sizeof a));
    }
    return buf;
}

static void table_reset_next(FILE *f, const bcell *cells, size_t n)
{
    skips sk = {.n = 0};
    bool header = false;
    for (size_t i = 0; i < n; i++) {
        const bcell *c = &cells[i];
        if (c->workload != BW_RESET_NEXT || c->after_dirty || c->host_dirty)
            continue;
        if (!header) {
            fprintf(f, "\nK = %" PRIu64 " stores timed alone (median cycle of each sample, "
                       "the work before them untimed):\n"
                       "   normal: a store of a steady churn; host 16 MiB: a store after the "
                       "host wrote 16 MiB of its\n"
                       "   own memory (caches as cold, no pool work); 1st after: the store "
                       "right after a store\n"
                       "   that dirtied 16 MiB; 1st-8th: the mean of the 8 stores after it; "
                       "(xN) = time / normal\n", c->k);
            fprintf(f, "  %-18s %-20s %-20s %-21s %-21s\n", "system", "normal", "host 16 MiB",
                    "1st after", "1st-8th after");
            header = true;
        }
        char name[64], nb[64], bh[64], b1[64], b8[64];
        const bcell *normal = c->status == BR_OK ? c : NULL;
        next_col(c, NULL, &sk, nb, sizeof nb);
        next_col(next_cell(cells, n, c, false, true, 1), normal, &sk, bh, sizeof bh);
        next_col(next_cell(cells, n, c, true, false, 1), normal, &sk, b1, sizeof b1);
        next_col(next_cell(cells, n, c, true, false, 8), normal, &sk, b8, sizeof b8);
        fprintf(f, "  %-18s %-20s %-20s %-21s %-21s\n", sysname(c, name, sizeof name), nb, bh,
                b1, b8);
    }
    print_skips(f, &sk);
}

static void table_gc(FILE *f, const bcell *cells, size_t n)
{
    skips sk = {.n = 0};
    bool any = false;
    for (size_t i = 0; i < n; i++)
        any |= cells[i].workload == BW_GC_ALLOC;
    if (!any)
        return;
    char a[32], b[32], r[80], cps[32];
    fprintf(f, "\n== gc: allocation throughput (32-byte objects, garbage at once; gcpool "
               "heaps of at most 64 MiB) ==\n  %-22s %8s %12s %10s %12s\n", "system", "", "objects/s",
            "ns/object", "vs boehm");
    for (size_t i = 0; i < n; i++) {
        const bcell *c = &cells[i];
        if (c->workload != BW_GC_ALLOC || !row_start(f, c, &sk, "         "))
            continue;
        const bcell *boehm = find(cells, n, c, is_boehm);
        char vs[32] = "";
        if (boehm && c != boehm && boehm->cycles_per_sec > 0)
            snprintf(vs, sizeof vs, "x%.2f rate", c->cycles_per_sec / boehm->cycles_per_sec);
        fprintf(f, "%12s %10s %12s\n", fmt_rate(c->cycles_per_sec * (double)c->k, cps, sizeof cps),
                fmt_ns(c->ns_median / (double)c->k, a, sizeof a), vs);
    }
    fprintf(f, "\n== gc: full collection with a live list and as much garbage "
               "(the null collector never collects: not measured) ==\n"
               "  %-22s %8s %10s  %-22s %12s\n", "system", "live", "per gc", "min - max",
            "per live MiB");
    for (size_t i = 0; i < n; i++) {
        const bcell *c = &cells[i];
        if (c->workload != BW_GC_COLLECT)
            continue;
        double mib = (double)c->k * (c->collector == BC_NONE ? BOEHM_NODE_BYTES : GCPOOL_NODE_BYTES) /
                     (double)GCPB_MIB;
        char live[40];
        snprintf(live, sizeof live, "%6.2f MiB ", mib);
        if (!row_start(f, c, &sk, live))
            continue;
        fprintf(f, "%10s  %-22s %12s\n", fmt_ns(c->ns_median, a, sizeof a),
                fmt_range(c, r, sizeof r), fmt_ns(c->ns_median / mib, b, sizeof b));
    }
    fprintf(f, "\n== gc: incremental steps (pool gc_step_budget), live list of %" PRIu64
               " objects and as much garbage ==\n  %-22s %8s %10s %12s %12s\n", gcpb_live_objects(), "system",
            "budget", "steps/gc", "median step", "longest");
    for (size_t i = 0; i < n; i++) {
        const bcell *c = &cells[i];
        if (c->workload != BW_GC_STEP)
            continue;
        char budget[40];
        snprintf(budget, sizeof budget, "%8" PRIu64 " ", c->k);
        if (!row_start(f, c, &sk, budget))
            continue;
        fprintf(f, "%10.1f %12s %12s\n", c->aux, fmt_ns(c->ns_median, a, sizeof a),
                fmt_ns(c->ns_max, b, sizeof b));
    }
    print_skips(f, &sk);
}

static void table_trees(FILE *f, const bcell *cells, size_t n, bworkload w)
{
    uint64_t ks[64];
    size_t nk = ks_of(cells, n, w, false, ks, 64);
    if (!nk)
        return;
    skips sk = {.n = 0};
    if (w == BW_GCBENCH)
        fprintf(f, "\n== gcbench: Boehm's GCBench, one whole run per cycle (stretch tree, long-lived "
                   "tree and array, top-down and bottom-up trees) ==\n");
    else
        fprintf(f, "\n== binary-trees: the benchmarks-game shape, one whole run per cycle "
                   "(stretch tree, long-lived tree, checked trees of depths 4..N) ==\n");
    fprintf(f, "   vs boehm: time / Boehm's time; heap max: gcpool's maximum heap, twice 'min fit' "
               "(the smallest that fits, found by untimed runs; null: 4 GiB)\n"
               "   peak heap: gcpool the heap bound reached, boehm GC_get_heap_size (largest at the "
               "end of a collection or of the run), malloc and mimalloc the peak of live bytes "
               "counted (sizes asked for)\n"
               "   GCs: collections in a run; longest gc: a whole collection (gcpool: "
               "gcp_heap_gc_start to the last step; boehm: GC_EVENT_START to GC_EVENT_END);\n"
               "   longest step: gcpool's longest single gcp_heap_gc_start or "
               "gcp_collection_step (default gc_step_budget and gc_step_time_us; wall "
               "clock, preemptions included)\n");
    for (size_t ki = 0; ki < nk; ki++) {
        if (w == BW_GCBENCH)
            fprintf(f, "\nstretch depth %" PRIu64 "\n", ks[ki]);
        else
            fprintf(f, "\nN = %" PRIu64 "\n", ks[ki]);
        fprintf(f, "  %-22s %10s  %-22s %8s %10s %10s %10s %6s %10s %12s\n", "system", "time",
                "min - max", "vs boehm", "heap max", "min fit", "peak heap", "GCs", "longest gc",
                "longest step");
        for (size_t i = 0; i < n; i++) {
            const bcell *c = &cells[i];
            if (c->workload != w || c->k != ks[ki] || !row_start(f, c, &sk, ""))
                continue;
            char a[32], r[80], vs[32] = "", mh[32], mf[32], pk[32], gcs[32] = "-", lg[32] = "-",
                 ls[32] = "-";
            const bcell *boehm = find(cells, n, c, is_trees_boehm);
            if (boehm && boehm != c && boehm->ns_median > 0)
                snprintf(vs, sizeof vs, "x%.2f", c->ns_median / boehm->ns_median);
            if (c->has_gc_stats) {
                snprintf(gcs, sizeof gcs, "%" PRIu64, c->collections);
                if (c->collections)
                    fmt_ns((double)c->gc_ns, lg, sizeof lg);
                if (c->collections && c->collector != BC_NONE)
                    fmt_ns((double)c->step_ns, ls, sizeof ls);
            }
            fprintf(f, "%10s  %-22s %8s %10s %10s %10s %6s %10s %12s\n",
                    fmt_ns(c->ns_median, a, sizeof a), fmt_range(c, r, sizeof r), vs,
                    fmt_mib(c->max_heap, mh, sizeof mh), fmt_mib(c->min_fit, mf, sizeof mf),
                    fmt_mib(c->peak_bytes, pk, sizeof pk), gcs, lg, ls);
        }
    }
    print_skips(f, &sk);
}

/* The element-by-element twin of a bulk row: same K, collector and
 * element kind. */
static bool is_elems_twin(const bcell *like, const bcell *c)
{
    const bsys *want = like->sys == &gcpb_bulk_fill ? &gcpb_bulk_elems : &gcpb_bulk_elems_ref;
    return c->workload == BW_BULK && c->k == like->k && c->collector == like->collector &&
           c->sys == want;
}

static void table_bulk(FILE *f, const bcell *cells, size_t n)
{
    uint64_t ks[64];
    size_t nk = ks_of(cells, n, BW_BULK, false, ks, 64);
    if (!nk)
        return;
    skips sk = {.n = 0};
    fprintf(f, "\n== bulk: an array of K elements overwritten, element by element through the "
               "checked API vs one gcp_array_fill ==\n"
               "   gcpool-elems: K x gcp_array_write (u64); gcpool-elems-ref: K x "
               "gcp_array_set_ref (write barrier each); gcpool-fill(-ref): one gcp_array_fill\n"
               "   'elems/fill' is the element-by-element time over the bulk call's, same run\n");
    for (size_t ki = 0; ki < nk; ki++) {
        fprintf(f, "\nK = %" PRIu64 "\n  %-26s %10s %10s  %-22s %10s\n", ks[ki], "system",
                "ns/cycle", "ns/elem", "min - max", "elems/fill");
        for (size_t i = 0; i < n; i++) {
            const bcell *c = &cells[i];
            if (c->workload != BW_BULK || c->k != ks[ki])
                continue;
            /* row_start's work with a wider name column. */
            char name[64];
            if (c->status == BR_SKIP) {
                note_skip(&sk, c);
                continue;
            }
            fprintf(f, "  %-26s ", sysname(c, name, sizeof name));
            if (c->status == BR_NA) {
                fprintf(f, "n/a (%s)\n", c->note);
                continue;
            }
            char a[32], b[32], r[80], ratio[32] = "";
            if (c->sys == &gcpb_bulk_fill || c->sys == &gcpb_bulk_fill_ref) {
                const bcell *el = find(cells, n, c, is_elems_twin);
                if (el && c->ns_median > 0)
                    snprintf(ratio, sizeof ratio, "x%.1f", el->ns_median / c->ns_median);
            }
            fprintf(f, "%10s %10s  %-22s %10s\n", fmt_ns(c->ns_median, a, sizeof a),
                    fmt_ns(c->ns_median / (double)c->k, b, sizeof b), fmt_range(c, r, sizeof r),
                    ratio);
        }
    }
    print_skips(f, &sk);
}

void report_tables(FILE *f, const bcell *cells, size_t n)
{
    table_churn(f, cells, n, BW_CHURN);
    table_reset(f, cells, n);
    table_reset_next(f, cells, n);
    table_churn(f, cells, n, BW_THREADS);
    table_gc(f, cells, n);
    table_trees(f, cells, n, BW_GCBENCH);
    table_trees(f, cells, n, BW_BTREES);
    table_bulk(f, cells, n);
}

void report_csv(FILE *f, const bcell *cells, size_t n)
{
    fprintf(f, "%s\n", GCPB_CSV_HEADER);
    for (size_t i = 0; i < n; i++) {
        const bcell *c = &cells[i];
        if (c->status != BR_OK)
            continue;
        const char *coll = c->collector == BC_NONE ? "-" : report_collector_name(c->collector);
        fprintf(f, "%s,%s,%s,%" PRIu64 ",%u,%" PRIu64 ",%.1f,%.1f,%.1f,%.1f",
                report_workload_name(c), c->sys->name, coll, c->k, c->threads, c->max_heap,
                c->ns_median, c->ns_min, c->ns_max, c->cycles_per_sec);
        if (c->workload != BW_GCBENCH && c->workload != BW_BTREES) {
            fprintf(f, ",,,,,\n");
            continue;
        }
        /* min fit (gcpool mark-sweep and DRC), peak heap; the collection
         * figures where the system collects (a step: gcpool only). */
        if (c->min_fit)
            fprintf(f, ",%" PRIu64, c->min_fit);
        else
            fprintf(f, ",");
        fprintf(f, ",%" PRIu64, c->peak_bytes);
        if (c->has_gc_stats)
            fprintf(f, ",%" PRIu64 ",%" PRIu64, c->collections, c->gc_ns);
        else
            fprintf(f, ",,");
        if (c->has_gc_stats && c->collector != BC_NONE)
            fprintf(f, ",%" PRIu64 "\n", c->step_ns);
        else
            fprintf(f, ",\n");
    }
}

/* ------------------------------------------------------------------ plot */

const char *report_gnuplot(void)
{
    const char *g = getenv("GNUPLOT");
    return g && *g ? g : "gnuplot";
}

static bool plotted(const bcell *c)
{
    return c->workload == BW_CHURN && c->threads == 1 && c->status == BR_OK;
}

static bool is_gcpool(const bcell *c)
{
    return c->sys == &gcpb_gcpool || c->sys == &gcpb_gcpool_inline;
}

static int plot_with(const char *terminal, const char *png, const bcell *cells, size_t n)
{
    FILE *g = popen(report_gnuplot(), "w");
    if (!g)
        return -1;
    fprintf(g, "set terminal %s size 1000,600 noenhanced\nset output '", terminal);
    for (const char *p = png; *p; p++)
        fputs(*p == '\'' ? "''" : (char[2]){*p, 0}, g);
    fprintf(g, "'\nset title 'gcpool-bench: store churn, 1 thread (acquire, K x 32-byte objects, "
               "release)'\nset logscale xy\nset xlabel 'K objects per store'\n"
               "set ylabel 'time per store cycle (median)'\nset key outside right top\n"
               "set grid\nset ytics ('10 ns' 10, '100 ns' 100, '1 us' 1e3, '10 us' 1e4, "
               "'100 us' 1e5, '1 ms' 1e6, '10 ms' 1e7, '100 ms' 1e8, '1 s' 1e9)\n");
    /* One data block per system, in the order of first appearance. */
    const bcell *series[64];
    size_t ns = 0;
    for (size_t i = 0; i < n && ns < 64; i++) {
        if (!plotted(&cells[i]))
            continue;
        bool seen = false;
        for (size_t j = 0; j < ns; j++)
            seen |= series[j]->sys == cells[i].sys && series[j]->collector == cells[i].collector;
        if (!seen)
            series[ns++] = &cells[i];
    }
    for (size_t s = 0; s < ns; s++) {
        fprintf(g, "$d%zu << EOD\n", s);
        for (size_t i = 0; i < n; i++)
            if (plotted(&cells[i]) && cells[i].sys == series[s]->sys &&
                cells[i].collector == series[s]->collector)
                fprintf(g, "%" PRIu64 " %.1f\n", cells[i].k, cells[i].ns_median);
        fprintf(g, "EOD\n");
    }
    fprintf(g, "plot ");
    for (size_t s = 0; s < ns; s++) {
        char name[64];
        fprintf(g, "%s$d%zu using 1:2 with linespoints lw %d title '%s'", s ? ", " : "", s,
                is_gcpool(series[s]) ? 3 : 1, sysname(series[s], name, sizeof name));
    }
    fprintf(g, "%s\n", ns ? "" : "0 notitle");
    int st = pclose(g);
    return st == 0 ? 0 : -1;
}

int report_plot(const char *png, const bcell *cells, size_t n)
{
    if (plot_with("pngcairo", png, cells, n) == 0)
        return 0;
    return plot_with("png", png, cells, n);
}

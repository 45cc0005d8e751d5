/* SPDX-License-Identifier: MIT */
/* gcpool-bench: shared definitions of the benchmark program.
 *
 * A run is planned as a list of cells (one workload, system, collector, K,
 * thread count and maximum heap each), the runner in run.c measures them in
 * rounds (one sample of every cell per round), and the results are printed
 * as tables, CSV and a plot.  Each
 * system (gcpool and its peers) is a table of functions, see bsys below. */
#ifndef GCPB_BENCH_H
#define GCPB_BENCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define GCPB_KIB (UINT64_C(1) << 10)
#define GCPB_MIB (UINT64_C(1) << 20)
#define GCPB_GIB (UINT64_C(1) << 30)

/* Every store-churn object has a 32-byte payload; systems that lay objects
 * out themselves (the baselines) use gcpool's 16-byte header in front. */
#define GCPB_PAYLOAD 32u
#define GCPB_OBJ_BYTES 48u
/* What the first store of each cycle of the "after 16 MiB" rows writes. */
#define GCPB_DIRTY_BYTES (16 * GCPB_MIB)

typedef enum bworkload {
    BW_CHURN,
    BW_RESET,
    BW_RESET_NEXT,     /* stores timed one by one: alone, or after a 16 MiB store */
    BW_THREADS,
    BW_GC_ALLOC,
    BW_GC_COLLECT,
    BW_GC_STEP,
    BW_GCBENCH,        /* k: stretch-tree depth (18; smaller with --quick) */
    BW_BTREES,         /* k: maximum depth N (16 and 18) */
    BW_BULK,           /* k: array length */
} bworkload;

/* Outcome of a cell (and of a system function). */
enum {
    BR_OK = 0,
    BR_NA = 1,    /* not applicable: the cell cannot exist (e.g. does not fit) */
    BR_SKIP = 2,  /* the system cannot run it here (missing feature, error) */
};

/* No collector: the column reads "-" for systems other than gcpool. */
#define BC_NONE (-1)

typedef struct bcell {
    /* what to measure */
    bworkload workload;
    const struct bsys *sys;
    int collector;            /* gcp_collector, or BC_NONE */
    uint64_t k;               /* objects per cycle; the step budget for BW_GC_STEP */
    unsigned threads;
    uint64_t max_heap;        /* 0: the system has no heap limit */
    bool after_dirty;         /* each cycle: a 16 MiB store, then the K store */
    /* BW_RESET_NEXT: K stores per cycle, timed (after the 16 MiB store,
     * untimed, when after_dirty; after the host wrote 16 MiB of its own
     * memory, untimed, when host_dirty); the figure is the median cycle's
     * time per store. */
    unsigned timed_stores;
    bool host_dirty;
    /* results */
    int status;
    char note[200];
    double ns_median, ns_min, ns_max;   /* per cycle (per step for BW_GC_STEP) */
    double cycles_per_sec;              /* aggregate over threads */
    double aux;                         /* steps per collection (BW_GC_STEP) */
    /* the tree workloads (BW_GCBENCH, BW_BTREES), over the timed runs: */
    uint64_t min_fit;                   /* gcpool: smallest heap max found to fit */
    uint64_t peak_bytes;                /* largest peak heap of a run */
    uint64_t collections;               /* collections in the last timed run */
    uint64_t gc_ns;                     /* longest whole collection */
    uint64_t step_ns;                   /* gcpool: longest gc start or step */
    bool has_gc_stats;                  /* the system reports collections */
    /* runner state */
    uint64_t batch;                     /* cycles per thread in one sample */
    double *samples;                    /* ns per cycle, one per round */
    unsigned nsamples;
} bcell;

/* What a cycle hands back to the runner. */
typedef struct bctx {
    uint64_t sum;          /* checksum of what was read back */
    uint64_t timed_ns;     /* BW_GC_COLLECT: the timed part of the cycle */
    /* Tree workloads: what the run measured about itself. */
    uint64_t peak_bytes;   /* peak heap (what each system counts: bench/trees.c) */
    uint64_t collections;  /* collections during the run */
    uint64_t gc_ns;        /* longest whole collection */
    uint64_t step_ns;      /* longest single collection step (gcpool) */
    bool has_gc_stats;     /* collections, gc_ns are meaningful */
    char *why;             /* error text on BR_NA / BR_SKIP */
    size_t why_len;
} bctx;

typedef struct bsys {
    const char *name;
    /* NULL when built in; otherwise why the system is absent. */
    const char *absent;
    /* For each sample of a cell (once per round), in the main thread:
     * shared state (pool, arena...). */
    int (*setup)(const bcell *c, void **shared, char *why, size_t why_len);
    /* Per thread, in the worker thread that will run the cycles. */
    int (*thread_setup)(void *shared, const bcell *c, void **ts, char *why, size_t why_len);
    /* One cycle; in the churn workloads its checksum must equal
     * gcpb_expected_sum(k). */
    int (*cycle)(void *ts, bctx *x);
    void (*thread_teardown)(void *ts);   /* ts may be NULL */
    void (*teardown)(void *shared);
} bsys;

/* Run options that the systems and the runner read. */
typedef struct bopts {
    double rep_ns;       /* target duration of one repetition */
    unsigned reps;
    bool progress;       /* progress lines on stderr */
} bopts;

extern bopts gcpb_opts;

/* Payload word j of object i (the same pattern in every system). */
static inline uint64_t gcpb_word(uint64_t i, unsigned j)
{
    return (i + 1) * UINT64_C(0x9e3779b97f4a7c15) + j;
}
/* Sum of every payload word of objects 0..k-1. */
uint64_t gcpb_expected_sum(uint64_t k);
/* Fills a 32-byte payload for object i. */
static inline void gcpb_fill(uint64_t w[4], uint64_t i)
{
    for (unsigned j = 0; j < 4; j++)
        w[j] = gcpb_word(i, j);
}

/* printf into why[why_len]; returns code. */
int gcpb_fail(char *why, size_t why_len, int code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Called before each cell's sample of each round. */
typedef void (*gcpb_progress_fn)(unsigned round, size_t index, const bcell *c);
/* Measures cells[0..n) in gcpb_opts.reps rounds, one sample of every cell
 * per round (set-up, threads, warm-up, one timed batch, tear-down); fills
 * each cell's status and figures. */
void gcpb_run_cells(bcell *cells, size_t n, gcpb_progress_fn progress);
/* Checksum of everything read back by every cell (printed at the end). */
uint64_t gcpb_total_checksum(void);
void gcpb_add_checksum(uint64_t v);
/* Monotonic nanoseconds. */
uint64_t gcpb_now(void);
/* Median / min / max of v[0..n) (sorts v). */
void gcpb_summarise(double *v, size_t n, double *med, double *min, double *max);

/* Systems. */
extern const bsys gcpb_gcpool;           /* store churn through the public API */
extern const bsys gcpb_gcpool_inline;    /* churn with inline bump allocation (null) */
extern const bsys gcpb_gcpool_alloc;     /* allocation throughput (BW_GC_ALLOC) */
extern const bsys gcpb_gcpool_collect;   /* full collection over a live list */
extern const bsys gcpb_memset_base;
extern const bsys gcpb_madvise_base;
extern const bsys gcpb_mmap_base;
extern const bsys gcpb_mimalloc;
extern const bsys gcpb_jemalloc;
extern const bsys gcpb_boehm;
extern const bsys gcpb_boehm_collect;    /* GC_gcollect after every cycle */
extern const bsys gcpb_boehm_alloc;      /* allocation throughput */
extern const bsys gcpb_boehm_live;       /* full collection over a live list */

/* The bulk workload (bench/bulk.c): an array of K elements overwritten per
 * cycle, element by element through the checked API or with one
 * gcp_array_fill; u64 elements, or refs through the write barrier. */
extern const bsys gcpb_bulk_elems;
extern const bsys gcpb_bulk_fill;
extern const bsys gcpb_bulk_elems_ref;
extern const bsys gcpb_bulk_fill_ref;

/* The tree workloads (bench/trees.c): one cycle is one whole run of the
 * benchmark.  gcpool builds its nodes through the checked API; the peers
 * with Boehm's GC_MALLOC, glibc malloc/free and mimalloc's mi_malloc/mi_free
 * (each tree freed explicitly). */
extern const bsys gcpb_trees_gcpool;
extern const bsys gcpb_trees_gcpool_init;
extern const bsys gcpb_trees_boehm;
extern const bsys gcpb_trees_malloc;
extern const bsys gcpb_trees_mimalloc;
/* The stretch depth of the full GCBench and of the --quick one. */
#define GCPB_GCBENCH_DEPTH 18u
#define GCPB_GCBENCH_QUICK_DEPTH 10u
/* The heap max of a gcpool tree cell: for mark-sweep and DRC, twice the
 * smallest heap max in which the run completes (found by bisection, runs
 * not timed; c->min_fit), for null 4 GiB.  BR_OK, or the cell's status and
 * note when the run does not fit or fails. */
int gcpb_trees_fit(bcell *c);

/* The longest incremental step: fills c (BW_GC_STEP, k = budget). */
void gcpb_gcpool_steps(bcell *c);

/* Once, in the main thread, before any Boehm GC cell runs. */
void gcpb_peers_init(void);

/* Live-set size for the collection workloads. */
uint64_t gcpb_live_objects(void);

#endif

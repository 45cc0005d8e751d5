/* SPDX-License-Identifier: MIT */
/* The runner: measures one cell with its threads, a warm-up that also
 * calibrates the batch size, and repetitions whose median is quoted. */
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench/bench.h"

bopts gcpb_opts = {.rep_ns = 150e6, .reps = 5, .progress = false};

static atomic_uint_fast64_t checksum;

uint64_t gcpb_total_checksum(void) { return atomic_load(&checksum); }
void gcpb_add_checksum(uint64_t v) { atomic_fetch_xor(&checksum, v); }

uint64_t gcpb_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * UINT64_C(1000000000) + (uint64_t)ts.tv_nsec;
}

uint64_t gcpb_expected_sum(uint64_t k)
{
    uint64_t s = 0;
    for (uint64_t i = 0; i < k; i++)
        for (unsigned j = 0; j < 4; j++)
            s += gcpb_word(i, j);
    return s;
}

int gcpb_fail(char *why, size_t why_len, int code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, why_len, fmt, ap);
    va_end(ap);
    return code;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

void gcpb_summarise(double *v, size_t n, double *med, double *min, double *max)
{
    qsort(v, n, sizeof *v, cmp_double);
    *min = v[0];
    *max = v[n - 1];
    *med = n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* ------------------------------------------------------------------ runner */

typedef struct worker {
    struct runner *r;
    pthread_t tid;
    void *ts;
    int status;              /* first failure of this worker */
    char why[200];
    uint64_t timed_ns;       /* of the current batch */
    double *times;           /* timed ns of each cycle of the batch (stores timed alone) */
    uint64_t times_cap;
    bctx stats;              /* tree workloads: the current batch's figures */
} worker;

typedef struct runner {
    bcell *cell;
    void *shared;
    pthread_barrier_t start, done;
    uint64_t batch;          /* cycles per thread in the next batch */
    bool stop;
    bool check;              /* compare each cycle's checksum with expect */
    uint64_t expect;         /* checksum of one cycle */
    worker *w;
} runner;

static uint64_t max_u64(uint64_t a, uint64_t b) { return a > b ? a : b; }

/* The largest peak and pauses of the runs so far, the last run's count of
 * collections. */
static void merge_stats(bctx *into, const bctx *x)
{
    into->peak_bytes = max_u64(into->peak_bytes, x->peak_bytes);
    into->gc_ns = max_u64(into->gc_ns, x->gc_ns);
    into->step_ns = max_u64(into->step_ns, x->step_ns);
    into->collections = x->collections;
    into->has_gc_stats = x->has_gc_stats;
}

static void *worker_main(void *arg)
{
    worker *w = arg;
    runner *r = w->r;
    const bsys *sys = r->cell->sys;
    w->status = sys->thread_setup(r->shared, r->cell, &w->ts, w->why, sizeof w->why);
    uint64_t acc = 0;
    for (;;) {
        pthread_barrier_wait(&r->start);
        if (r->stop)
            break;
        w->timed_ns = 0;
        w->stats = (bctx){.sum = 0};
        bool per_cycle = r->cell->timed_stores > 0;
        if (per_cycle && w->status == BR_OK && w->times_cap < r->batch) {
            double *t = realloc(w->times, r->batch * sizeof *t);
            if (t) {
                w->times = t;
                w->times_cap = r->batch;
            } else {
                w->status = gcpb_fail(w->why, sizeof w->why, BR_SKIP, "out of memory");
            }
        }
        for (uint64_t i = 0; i < r->batch && w->status == BR_OK; i++) {
            bctx x = {.sum = 0, .timed_ns = 0, .why = w->why, .why_len = sizeof w->why};
            int st = sys->cycle(w->ts, &x);
            if (st != BR_OK) {
                w->status = st;
                break;
            }
            if (r->check && x.sum != r->expect) {
                w->status = gcpb_fail(w->why, sizeof w->why, BR_SKIP,
                                      "checksum mismatch: read back %#llx, wrote %#llx",
                                      (unsigned long long)x.sum, (unsigned long long)r->expect);
                break;
            }
            /* Multiplied in, so that equal sums (the tree workloads' runs)
             * do not cancel out. */
            acc = acc * UINT64_C(0x100000001b3) + (x.sum ^ i);
            w->timed_ns += x.timed_ns;
            if (per_cycle)
                w->times[i] = (double)x.timed_ns;
            merge_stats(&w->stats, &x);
        }
        pthread_barrier_wait(&r->done);
    }
    sys->thread_teardown(w->ts);
    free(w->times);
    gcpb_add_checksum(acc);
    return NULL;
}

/* One batch on every thread; wall time in ns, or -1 after a failure. */
static double run_batch(runner *r, uint64_t n, double *timed)
{
    r->batch = n;
    uint64_t t0 = gcpb_now();
    pthread_barrier_wait(&r->start);
    pthread_barrier_wait(&r->done);
    uint64_t t1 = gcpb_now();
    uint64_t tmax = 0;
    for (unsigned i = 0; i < r->cell->threads; i++) {
        if (r->w[i].status != BR_OK) {
            r->cell->status = r->w[i].status;
            snprintf(r->cell->note, sizeof r->cell->note, "%s", r->w[i].why);
            return -1;
        }
        if (r->w[i].timed_ns > tmax)
            tmax = r->w[i].timed_ns;
    }
    if (timed)
        *timed = (double)tmax;
    return (double)(t1 - t0);
}

/* One sample of the cell: the first time, a warm-up that doubles the batch
 * until one batch lasts a quarter of a repetition, which also sets the
 * batch size; later, a warm-up of a quarter batch.  Then one batch. */
static void measure(runner *r)
{
    bcell *c = r->cell;
    const bopts *o = &gcpb_opts;
    double t;
    if (c->batch == 0) {
        uint64_t n = 1;
        for (;;) {
            t = run_batch(r, n, NULL);
            if (t < 0)
                return;
            if (t >= o->rep_ns / 4 || n >= (UINT64_C(1) << 40))
                break;
            n *= 2;
        }
        double per = t / (double)n;
        c->batch = (uint64_t)(o->rep_ns / (per > 1 ? per : 1));
        if (c->batch < 1)
            c->batch = 1;
    } else if (run_batch(r, c->batch / 4 ? c->batch / 4 : 1, NULL) < 0) {
        return;
    }
    /* A collection cell times the collection, not the set-up before it. */
    bool self_timed = c->workload == BW_GC_COLLECT;
    double timed;
    t = run_batch(r, c->batch, &timed);
    if (t < 0)
        return;
    for (unsigned i = 0; i < c->threads; i++) {
        const bctx *x = &r->w[i].stats;
        c->peak_bytes = max_u64(c->peak_bytes, x->peak_bytes);
        c->gc_ns = max_u64(c->gc_ns, x->gc_ns);
        c->step_ns = max_u64(c->step_ns, x->step_ns);
        c->collections = x->collections;
        c->has_gc_stats = x->has_gc_stats;
    }
    if (c->timed_stores > 0) {
        /* The median cycle: a store the scheduler preempted (the machine
         * is shared) is an outlier, wherever in the cycle it falls. */
        double *all = malloc(c->threads * c->batch * sizeof *all);
        if (!all) {
            c->status = gcpb_fail(c->note, sizeof c->note, BR_SKIP, "out of memory");
            return;
        }
        for (unsigned i = 0; i < c->threads; i++)
            memcpy(all + i * c->batch, r->w[i].times, c->batch * sizeof *all);
        double med, lo, hi;
        gcpb_summarise(all, c->threads * c->batch, &med, &lo, &hi);
        free(all);
        c->samples[c->nsamples++] = med / (double)c->timed_stores;
        return;
    }
    c->samples[c->nsamples++] = (self_timed ? timed : t) / (double)c->batch;
}

/* Sets the cell up (shared state, threads), takes one sample, tears it
 * down.  A failure leaves c->status set. */
static void sample_cell(bcell *c)
{
    runner r = {.cell = c};
    /* Churn cycles read every object back; the collection workloads check
     * their own results. */
    r.check = c->workload == BW_CHURN || c->workload == BW_RESET ||
              c->workload == BW_RESET_NEXT || c->workload == BW_THREADS;
    r.expect = r.check ? gcpb_expected_sum(c->k) : 0;
    c->status = c->sys->setup(c, &r.shared, c->note, sizeof c->note);
    if (c->status != BR_OK)
        return;
    r.w = calloc(c->threads, sizeof *r.w);
    if (!r.w) {
        c->sys->teardown(r.shared);
        c->status = gcpb_fail(c->note, sizeof c->note, BR_SKIP, "out of memory");
        return;
    }
    pthread_barrier_init(&r.start, NULL, c->threads + 1);
    pthread_barrier_init(&r.done, NULL, c->threads + 1);
    unsigned started = 0;
    for (; started < c->threads; started++) {
        r.w[started].r = &r;
        if (pthread_create(&r.w[started].tid, NULL, worker_main, &r.w[started]) != 0)
            break;
    }
    if (started < c->threads) {
        /* Without every thread the barriers can never open: give up. */
        fprintf(stderr, "gcpool-bench: cannot start %u threads\n", c->threads);
        exit(1);
    }
    measure(&r);
    r.stop = true;
    pthread_barrier_wait(&r.start);
    for (unsigned i = 0; i < c->threads; i++)
        pthread_join(r.w[i].tid, NULL);
    pthread_barrier_destroy(&r.start);
    pthread_barrier_destroy(&r.done);
    free(r.w);
    c->sys->teardown(r.shared);
}

void gcpb_run_cells(bcell *cells, size_t n, gcpb_progress_fn progress)
{
    const unsigned reps = gcpb_opts.reps;
    for (size_t i = 0; i < n; i++) {
        bcell *c = &cells[i];
        /* A cell found not to fit before the run (trees) keeps its status. */
        if (c->status != BR_OK)
            continue;
        c->note[0] = 0;
        c->batch = 0;
        c->nsamples = 0;
        c->peak_bytes = c->collections = c->gc_ns = c->step_ns = 0;
        c->has_gc_stats = false;
        if (c->sys->absent)
            c->status = gcpb_fail(c->note, sizeof c->note, BR_SKIP, "%s", c->sys->absent);
        else if (!(c->samples = calloc(reps, sizeof *c->samples)))
            c->status = gcpb_fail(c->note, sizeof c->note, BR_SKIP, "out of memory");
    }
    /* Round r takes the r-th sample of every cell, so that a change in the
     * machine's speed during the run touches every system alike. */
    for (unsigned round = 0; round < reps; round++) {
        for (size_t i = 0; i < n; i++) {
            bcell *c = &cells[i];
            if (progress)
                progress(round, i, &cells[i]);
            if (c->status == BR_OK)
                sample_cell(c);
        }
    }
    for (size_t i = 0; i < n; i++) {
        bcell *c = &cells[i];
        if (c->status == BR_OK && c->nsamples == reps) {
            gcpb_summarise(c->samples, reps, &c->ns_median, &c->ns_min, &c->ns_max);
            c->cycles_per_sec = c->ns_median > 0 ? 1e9 * c->threads / c->ns_median : 0;
        } else if (c->status == BR_OK) {
            c->status = gcpb_fail(c->note, sizeof c->note, BR_SKIP, "incomplete samples");
        }
        free(c->samples);
        c->samples = NULL;
    }
}

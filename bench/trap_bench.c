/* SPDX-License-Identifier: MIT */
/* gcpool-trap-bench: what traps cost.
 *
 *   raw baseline   a SIGSEGV on a PROT_NONE page caught by a bare handler
 *                  that siglongjmps to a sigsetjmp(env, 1) (mask saved)
 *   trap           a guarded call whose function faults past the heap bound
 *   enter/leave    a guarded call whose function returns at once, beside a
 *                  plain indirect call of the same function
 *
 * Each figure is the median of REPS repetitions, in nanoseconds per
 * operation.  Usage: gcpool-trap-bench [traps-per-rep] */
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "gcpool.h"

#define REPS 9

static double now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median(double *v, int n)
{
    qsort(v, (size_t)n, sizeof *v, cmp_double);
    return v[n / 2];
}

static volatile uint64_t sink;

/* ------------------------------------------------------------ baseline */

static sigjmp_buf raw_jump;
static void raw_handler(int sig, siginfo_t *si, void *uc)
{
    (void)sig;
    (void)si;
    (void)uc;
    siglongjmp(raw_jump, 1);
}

static double raw_round_trip(volatile uint8_t *bad, long n)
{
    double t0 = now_ns();
    for (volatile long i = 0; i < n; i++) {
        if (sigsetjmp(raw_jump, 1) == 0)
            sink = *bad;
    }
    return (now_ns() - t0) / (double)n;
}

/* --------------------------------------------------------------- gcpool */

typedef struct plan {
    uint8_t *base;
    gcp_ref ref;
} plan;

static gcp_status fault(void *arg)
{
    plan *p = arg;
    sink = gcp_load8(p->base, p->ref, 0);
    return GCP_OK;
}

static gcp_status nothing(void *arg)
{
    (void)arg;
    return GCP_OK;
}

static double trap_round_trip(gcp_heap *h, plan *p, long n)
{
    double t0 = now_ns();
    for (long i = 0; i < n; i++)
        if (gcp_guarded_call(h, fault, p, NULL) != GCP_ETRAP)
            abort();
    return (now_ns() - t0) / (double)n;
}

static double guarded_empty(gcp_heap *h, long n)
{
    double t0 = now_ns();
    for (long i = 0; i < n; i++)
        if (gcp_guarded_call(h, nothing, NULL, NULL) != GCP_OK)
            abort();
    return (now_ns() - t0) / (double)n;
}

/* What the entry costs are made of: sigsetjmp without and with the mask
 * (the latter is one sigprocmask system call more). */
static double setjmp_only(long n, int savemask)
{
    sigjmp_buf env;
    double t0 = now_ns();
    for (volatile long i = 0; i < n; i++)
        if (sigsetjmp(env, savemask) != 0)
            abort();
    return (now_ns() - t0) / (double)n;
}

static gcp_status (*volatile indirect)(void *) = nothing;
static double plain_empty(long n)
{
    double t0 = now_ns();
    for (long i = 0; i < n; i++)
        if (indirect(NULL) != GCP_OK)
            abort();
    return (now_ns() - t0) / (double)n;
}

int main(int argc, char **argv)
{
    long traps = argc > 1 ? atol(argv[1]) : 20000;
    long calls = traps * 500;
    if (traps <= 0) {
        fprintf(stderr, "usage: %s [traps-per-rep]\n", argv[0]);
        return 2;
    }
    double v[REPS];

    /* Baseline first, with its own bare handler, then the default back. */
    long pg = sysconf(_SC_PAGESIZE);
    uint8_t *bad = mmap(NULL, (size_t)pg, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (bad == MAP_FAILED) {
        perror("mmap");
        return 1;
    }
    struct sigaction sa, old;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = raw_handler;
    sa.sa_flags = SA_SIGINFO;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGSEGV, &sa, &old);
    raw_round_trip(bad, traps / 10 + 1);
    for (int r = 0; r < REPS; r++)
        v[r] = raw_round_trip(bad, traps);
    double raw = median(v, REPS);
    sigaction(SIGSEGV, &old, NULL);

    gcp_pool_config cfg = gcp_pool_config_default();
    cfg.num_slots = 1;
    gcp_pool *pool;
    gcp_heap *h;
    gcp_status st;
    if ((st = gcp_trap_install()) != GCP_OK || (st = gcp_pool_new(&cfg, &pool)) != GCP_OK ||
        (st = gcp_pool_acquire(pool, &h)) != GCP_OK) {
        fprintf(stderr, "setup: %s%s%s\n", gcp_strerror(st), *gcp_last_error() ? ": " : "", gcp_last_error());
        return 1;
    }
    plan p = {.base = gcp_heap_base(h), .ref = (gcp_ref)gcp_heap_bound(h)};
    trap_round_trip(h, &p, traps / 10 + 1);
    for (int r = 0; r < REPS; r++)
        v[r] = trap_round_trip(h, &p, traps);
    double trap = median(v, REPS);

    guarded_empty(h, calls / 10 + 1);
    for (int r = 0; r < REPS; r++)
        v[r] = guarded_empty(h, calls);
    double enter = median(v, REPS);
    for (int r = 0; r < REPS; r++)
        v[r] = plain_empty(calls);
    double plain = median(v, REPS);
    for (int r = 0; r < REPS; r++)
        v[r] = setjmp_only(calls, 0);
    double sj0 = median(v, REPS);
    for (int r = 0; r < REPS; r++)
        v[r] = setjmp_only(calls / 20, 1);
    double sj1 = median(v, REPS);

    printf("gcpool trap costs (median of %d reps, ns per operation)\n", REPS);
    printf("  raw SIGSEGV + siglongjmp (mask saved) : %9.1f  (%ld per rep)\n", raw, traps);
    printf("  gcp_guarded_call that traps           : %9.1f  (%ld per rep)\n", trap, traps);
    printf("  gcp_guarded_call, no trap             : %9.2f  (%ld per rep)\n", enter, calls);
    printf("  plain indirect call, same function    : %9.2f\n", plain);
    printf("  enter + leave overhead                : %9.2f\n", enter - plain);
    printf("  for scale: sigsetjmp(env, 0)          : %9.2f\n", sj0);
    printf("             sigsetjmp(env, 1)          : %9.2f  (saves the mask: a system call)\n", sj1);

    gcp_pool_release(pool, h);
    gcp_pool_free(pool);
    munmap(bad, (size_t)pg);
    return 0;
}

/* SPDX-License-Identifier: MIT */
/* The slot pool (pool/pool.c): configuration, layout, guard pages,
 * exhaustion, misuse, reuse and threads. */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lib/heap.h"
#include "testutil.h"

static size_t page(void) { return (size_t)sysconf(_SC_PAGESIZE); }

START_TEST(defaults_are_documented_values)
{
    gcp_pool_config c = gcp_pool_config_default();
    ck_assert_uint_eq(c.num_slots, 128);
    ck_assert_uint_eq(c.max_heap_bytes, 4 * GIB);
    ck_assert_uint_eq(c.initial_heap_bytes, 4 * KIB);
    ck_assert_uint_eq(c.reservation_bytes, 4 * GIB);
    ck_assert_uint_eq(c.guard_bytes, 2 * GIB);
    ck_assert_uint_eq(c.keep_resident_bytes, 16 * MIB);
    ck_assert_uint_eq(c.max_unused_warm_slots, 16);
    ck_assert_int_eq(c.collector, GCP_COLLECTOR_NULL);
    ck_assert_uint_eq(c.gc_step_budget, 10000);
    ck_assert_ptr_null(c.types);
}
END_TEST

START_TEST(default_pool_layout)
{
    gcp_pool_config c = gcp_pool_config_default();
    c.num_slots = 4;
    gcp_pool *p;
    ck_assert_ok(gcp_pool_new(&c, &p));
    gcp_pool_stats st;
    ck_assert_ok(gcp_pool_stats_get(p, &st));
    ck_assert_uint_eq(st.num_slots, 4);
    ck_assert_uint_eq(st.slot_stride, 6 * GIB);
    ck_assert_uint_eq(st.reserved_bytes, 2 * GIB + 4 * 6 * GIB);
    ck_assert(st.implicit_bounds);
    gcp_heap *h[4];
    for (int i = 0; i < 4; i++) {
        ck_assert_ok(gcp_pool_acquire(p, &h[i]));
        ck_assert_uint_eq(gcp_heap_bound(h[i]), 4 * KIB);
        ck_assert_uint_eq(gcp_heap_max(h[i]), 4 * GIB);
    }
    /* Slots are a stride apart, after the leading guard, and never overlap. */
    for (int i = 0; i < 4; i++)
        for (int j = 0; j < 4; j++)
            if (i != j) {
                uintptr_t a = (uintptr_t)gcp_heap_base(h[i]), b = (uintptr_t)gcp_heap_base(h[j]);
                uintptr_t d = a > b ? a - b : b - a;
                ck_assert_uint_ge(d, 6 * GIB);
                ck_assert_uint_eq(d % (6 * GIB), 0);
            }
    for (int i = 0; i < 4; i++)
        ck_assert_ok(gcp_pool_release(p, h[i]));
    ck_assert_ok(gcp_pool_free(p));
}
END_TEST

START_TEST(small_layout_has_no_implicit_bounds)
{
    gcp_pool_config c = small_config(2);
    gcp_pool *p;
    ck_assert_ok(gcp_pool_new(&c, &p));
    gcp_pool_stats st;
    ck_assert_ok(gcp_pool_stats_get(p, &st));
    ck_assert(!st.implicit_bounds);
    ck_assert_uint_eq(st.slot_stride, 1 * MIB + 64 * KIB);
    ck_assert_ok(gcp_pool_free(p));
}
END_TEST

START_TEST(accessible_region_reads_and_writes)
{
    gcp_pool_config c = small_config(2);
    gcp_pool *p;
    gcp_heap *h;
    ck_assert_ok(gcp_pool_new(&c, &p));
    ck_assert_ok(gcp_pool_acquire(p, &h));
    uint8_t *b = gcp_heap_base(h);
    size_t n = gcp_heap_bound(h);
    for (size_t i = 0; i < n; i++)
        ck_assert_uint_eq(b[i], 0);
    memset(b, 0xA5, n);
    for (size_t i = 0; i < n; i += 97)
        ck_assert_uint_eq(b[i], 0xA5);
    ck_assert_ok(gcp_pool_release(p, h));
    ck_assert_ok(gcp_pool_free(p));
}
END_TEST

/* A child touching guard memory must die with SIGSEGV. */
static volatile uint8_t sink;

static gcp_heap *guard_heap(gcp_pool **pp, gcp_pool_config *c)
{
    gcp_heap *h;
    ck_assert_ok(gcp_pool_new(c, pp));
    ck_assert_ok(gcp_pool_acquire(*pp, &h));
    return h;
}

START_TEST(guard_before_heap_faults)
{
    gcp_pool_config c = small_config(2);
    gcp_pool *p;
    gcp_heap *h = guard_heap(&p, &c);
    sink = gcp_heap_base(h)[-1];
}
END_TEST

START_TEST(byte_after_max_faults)
{
    gcp_pool_config c = small_config(2);
    gcp_pool *p;
    gcp_heap *h = guard_heap(&p, &c);
    sink = gcp_heap_base(h)[gcp_heap_max(h)];
}
END_TEST

START_TEST(byte_after_bound_faults)
{
    gcp_pool_config c = small_config(2);
    gcp_pool *p;
    gcp_heap *h = guard_heap(&p, &c);
    gcp_heap_base(h)[gcp_heap_bound(h)] = 1;
}
END_TEST

START_TEST(last_slot_trailing_guard_faults)
{
    gcp_pool_config c = small_config(2);
    gcp_pool *p;
    gcp_heap *h1, *h2;
    ck_assert_ok(gcp_pool_new(&c, &p));
    ck_assert_ok(gcp_pool_acquire(p, &h1));
    ck_assert_ok(gcp_pool_acquire(p, &h2));
    gcp_heap *last = gcp_heap_base(h1) > gcp_heap_base(h2) ? h1 : h2;
    sink = gcp_heap_base(last)[c.reservation_bytes + c.guard_bytes - 1];
}
END_TEST

START_TEST(full_reservation_end_faults)
{
    gcp_pool_config c = gcp_pool_config_default();
    c.num_slots = 1;
    gcp_pool *p;
    gcp_heap *h = guard_heap(&p, &c);
    /* The last byte a 32-bit ref can name. */
    sink = gcp_heap_base(h)[UINT32_MAX];
}
END_TEST

/* ---------------------------------------------------------------- config */

static void expect_einval(gcp_pool_config c)
{
    gcp_pool *p = (gcp_pool *)0x1;
    gcp_heap *h = (gcp_heap *)0x1;
    ck_assert_status(gcp_pool_new(&c, &p), GCP_EINVAL);
    ck_assert_ptr_eq(p, (gcp_pool *)0x1);
    ck_assert_status(gcp_heap_new_ondemand(&c, &h), c.num_slots == 0 ? GCP_OK : GCP_EINVAL);
    if (c.num_slots == 0)
        ck_assert_ok(gcp_heap_free_ondemand(h));
}

START_TEST(config_errors)
{
    gcp_pool_config base = small_config(2), c;
    c = base; c.num_slots = 0; expect_einval(c);
    c = base; c.max_heap_bytes = 0; expect_einval(c);
    c = base; c.max_heap_bytes = 4 * GIB + page(); c.reservation_bytes = 8 * GIB; expect_einval(c);
    c = base; c.max_heap_bytes = 1 * MIB + 1; expect_einval(c);
    c = base; c.initial_heap_bytes = 0; expect_einval(c);
    c = base; c.initial_heap_bytes = 100; expect_einval(c);
    c = base; c.initial_heap_bytes = 2 * MIB; expect_einval(c);
    c = base; c.reservation_bytes = 512 * KIB; expect_einval(c);
    c = base; c.reservation_bytes = 1 * MIB + 12; expect_einval(c);
    c = base; c.guard_bytes = 3; expect_einval(c);
    c = base; c.keep_resident_bytes = 5; expect_einval(c);
    c = base; c.collector = (gcp_collector)42; expect_einval(c);
    c = base; c.gc_step_budget = 0; expect_einval(c);
    /* Sizes whose product overflows the address space. */
    c = base; c.num_slots = UINT32_MAX; c.reservation_bytes = UINT64_C(1) << 40;
    c.max_heap_bytes = 4 * GIB; c.guard_bytes = UINT64_C(1) << 40;
    gcp_pool *p;
    ck_assert_status(gcp_pool_new(&c, &p), GCP_EINVAL);
    ck_assert_status(gcp_pool_new(NULL, &p), GCP_EINVAL);
    ck_assert_status(gcp_pool_new(&base, NULL), GCP_EINVAL);
    gcp_heap *h;
    ck_assert_status(gcp_heap_new_ondemand(NULL, &h), GCP_EINVAL);
}
END_TEST

START_TEST(reservation_refused_by_kernel)
{
    /* 40000 slots of 6 GiB: about 234 TiB, more than x86-64 user space. */
    gcp_pool_config c = gcp_pool_config_default();
    c.num_slots = 40000;
    gcp_pool *p = NULL;
    errno = 0;
    ck_assert_status(gcp_pool_new(&c, &p), GCP_ESYS);
    /* The kernel says ENOMEM; valgrind's address-space manager EINVAL. */
    ck_assert_msg(errno == ENOMEM || errno == EINVAL, "errno %d", errno);
    ck_assert_ptr_null(p);
    /* Nothing was left behind: a normal pool still works. */
    c.num_slots = 2;
    ck_assert_ok(gcp_pool_new(&c, &p));
    ck_assert_ok(gcp_pool_free(p));
}
END_TEST


/* ------------------------------------------------------ acquire/release */

START_TEST(exhaustion_and_recovery)
{
    gcp_pool_config c = small_config(3);
    gcp_pool *p;
    gcp_heap *h[3], *x = NULL;
    ck_assert_ok(gcp_pool_new(&c, &p));
    for (int i = 0; i < 3; i++)
        ck_assert_ok(gcp_pool_acquire(p, &h[i]));
    ck_assert_status(gcp_pool_acquire(p, &x), GCP_EEXHAUSTED);
    ck_assert_ptr_null(x);
    ck_assert_status(gcp_pool_acquire(p, &x), GCP_EEXHAUSTED);
    gcp_pool_stats st;
    ck_assert_ok(gcp_pool_stats_get(p, &st));
    ck_assert_uint_eq(st.exhaustions, 2);
    ck_assert_uint_eq(st.slots_in_use, 3);
    ck_assert_status(gcp_pool_free(p), GCP_EBUSY);
    ck_assert_ok(gcp_pool_release(p, h[1]));
    ck_assert_ok(gcp_pool_acquire(p, &x));
    ck_assert_ptr_eq(x, h[1]);
    ck_assert_ok(gcp_pool_release(p, x));
    ck_assert_ok(gcp_pool_release(p, h[0]));
    ck_assert_ok(gcp_pool_release(p, h[2]));
    ck_assert_ok(gcp_pool_stats_get(p, &st));
    ck_assert_uint_eq(st.acquires, 4);
    ck_assert_uint_eq(st.releases, 4);
    ck_assert_uint_eq(st.slots_in_use, 0);
    ck_assert_ok(gcp_pool_free(p));
}
END_TEST

START_TEST(double_and_foreign_release)
{
    gcp_pool_config c = small_config(2);
    gcp_pool *p, *q;
    gcp_heap *h, *g, *od;
    ck_assert_ok(gcp_pool_new(&c, &p));
    ck_assert_ok(gcp_pool_new(&c, &q));
    ck_assert_ok(gcp_pool_acquire(p, &h));
    ck_assert_ok(gcp_pool_acquire(q, &g));
    ck_assert_ok(gcp_heap_new_ondemand(&c, &od));
    ck_assert_status(gcp_pool_release(p, g), GCP_EFOREIGN);
    ck_assert_status(gcp_pool_release(q, h), GCP_EFOREIGN);
    ck_assert_status(gcp_pool_release(p, od), GCP_EFOREIGN);
    ck_assert_status(gcp_heap_free_ondemand(h), GCP_EFOREIGN);
    ck_assert_status(gcp_pool_release(p, NULL), GCP_EINVAL);
    ck_assert_status(gcp_pool_release(NULL, h), GCP_EINVAL);
    ck_assert_status(gcp_pool_acquire(NULL, &h), GCP_EINVAL);
    ck_assert_ok(gcp_pool_release(p, h));
    ck_assert_status(gcp_pool_release(p, h), GCP_EDOUBLE);
    /* The pool is intact: the slot is handed out once, not twice. */
    gcp_heap *a, *b;
    ck_assert_ok(gcp_pool_acquire(p, &a));
    ck_assert_ok(gcp_pool_acquire(p, &b));
    ck_assert_ptr_ne(a, b);
    ck_assert_status(gcp_pool_acquire(p, &h), GCP_EEXHAUSTED);
    ck_assert_ok(gcp_pool_release(p, a));
    ck_assert_ok(gcp_pool_release(p, b));
    ck_assert_ok(gcp_pool_release(q, g));
    ck_assert_ok(gcp_heap_free_ondemand(od));
    ck_assert_ok(gcp_heap_free_ondemand(NULL));
    ck_assert_ok(gcp_pool_free(p));
    ck_assert_ok(gcp_pool_free(q));
    ck_assert_ok(gcp_pool_free(NULL));
    gcp_pool_stats st;
    ck_assert_status(gcp_pool_stats_get(NULL, &st), GCP_EINVAL);
}
END_TEST

START_TEST(reuse_reads_zero)
{
    gcp_pool_config c = small_config(1);
    gcp_pool *p;
    gcp_heap *h, *h2;
    ck_assert_ok(gcp_pool_new(&c, &p));
    ck_assert_ok(gcp_pool_acquire(p, &h));
    fill_heap(h, 0xCD);
    ck_assert_ok(gcp_pool_release(p, h));
    ck_assert_ok(gcp_pool_acquire(p, &h2));
    ck_assert_ptr_eq(h, h2);
    assert_heap_zero(h2);
    ck_assert_ok(gcp_pool_release(p, h2));
    ck_assert_ok(gcp_pool_free(p));
}
END_TEST

START_TEST(reuse_after_growth_reads_zero)
{
    gcp_pool_config c = small_config(1);
    gcp_pool *p;
    gcp_heap *h;
    gcp_pool_stats st;
    ck_assert_ok(gcp_pool_new(&c, &p));
    for (int round = 0; round < 3; round++) {
        ck_assert_ok(gcp_pool_acquire(p, &h));
        /* The previous round's excess was given back when this acquire
         * found no free slot but a queued one. */
        ck_assert_ok(gcp_pool_stats_get(p, &st));
        ck_assert_uint_eq(st.bytes_decommitted, (uint64_t)round * (1 * MIB - 256 * KIB));
        ck_assert_uint_eq(st.decommit_queued, 0);
        assert_heap_zero(h);
        /* Grow to the maximum, past keep_resident, and dirty everything. */
        ck_assert_ok(h->mem->grow(h->mem, gcp_heap_max(h)));
        ck_assert_uint_eq(gcp_heap_bound(h), gcp_heap_max(h));
        ck_assert_status(h->mem->grow(h->mem, gcp_heap_max(h) + 1), GCP_ELIMIT);
        fill_heap(h, (uint8_t)(0x11 * (round + 1)));
        ck_assert_ok(gcp_pool_release(p, h));
        ck_assert_ok(gcp_pool_stats_get(p, &st));
        ck_assert_uint_eq(st.decommit_queued, 1);
        ck_assert_uint_eq(st.slots_in_use, 0);
    }
    ck_assert_ok(gcp_pool_trim(p));
    ck_assert_ok(gcp_pool_stats_get(p, &st));
    ck_assert_uint_eq(st.decommit_queued, 0);
    /* Trim gives back everything of the last holder, not just the excess. */
    ck_assert_uint_eq(st.bytes_decommitted, 2 * (1 * MIB - 256 * KIB) + 1 * MIB);
    ck_assert_uint_eq(st.resident_bytes, 0);
    ck_assert_ok(gcp_pool_acquire(p, &h));
    ck_assert_uint_eq(gcp_heap_bound(h), 4 * KIB);
    assert_heap_zero(h);
    /* Memory past the kept bound comes back zero when the heap grows again. */
    ck_assert_ok(h->mem->grow(h->mem, gcp_heap_max(h)));
    assert_heap_zero(h);
    ck_assert_ok(gcp_pool_release(p, h));
    ck_assert_ok(gcp_pool_trim(p));
    ck_assert_status(gcp_pool_trim(NULL), GCP_EINVAL);
    ck_assert_ok(gcp_pool_free(p));
}
END_TEST

/* ----------------------------------------------------------------- threads */

#define THREADS 4
#define CYCLES 2000

typedef struct {
    gcp_pool *pool;
    atomic_int *owner;   /* one flag per slot base, indexed by slot number */
    uint8_t *first;
    size_t stride;
    int errors;
    unsigned long got, exhausted;
} churn_arg;

static void *churn(void *v)
{
    churn_arg *a = v;
    for (int i = 0; i < CYCLES; i++) {
        gcp_heap *h;
        gcp_status st = gcp_pool_acquire(a->pool, &h);
        if (st == GCP_EEXHAUSTED) {
            a->exhausted++;
            continue;
        }
        if (st != GCP_OK) {
            a->errors++;
            continue;
        }
        size_t idx = (size_t)(gcp_heap_base(h) - a->first) / a->stride;
        if (atomic_exchange(&a->owner[idx], 1) != 0)
            a->errors++; /* handed out twice */
        uint8_t *b = gcp_heap_base(h);
        if (b[0] != 0 || b[gcp_heap_bound(h) - 1] != 0)
            a->errors++; /* previous holder's bytes leaked */
        b[0] = 0xEE;
        b[gcp_heap_bound(h) - 1] = 0xEE;
        atomic_store(&a->owner[idx], 0);
        if (gcp_pool_release(a->pool, h) != GCP_OK)
            a->errors++;
        a->got++;
    }
    return NULL;
}

START_TEST(threads_never_share_or_lose_slots)
{
    gcp_pool_config c = small_config(3);
    gcp_pool *p;
    ck_assert_ok(gcp_pool_new(&c, &p));
    gcp_heap *h;
    ck_assert_ok(gcp_pool_acquire(p, &h));
    uint8_t *lowest = gcp_heap_base(h);
    ck_assert_ok(gcp_pool_release(p, h));
    gcp_pool_stats st;
    ck_assert_ok(gcp_pool_stats_get(p, &st));
    atomic_int owner[3] = {0};
    pthread_t t[THREADS];
    churn_arg a[THREADS];
    for (int i = 0; i < THREADS; i++) {
        a[i] = (churn_arg){.pool = p, .owner = owner, .first = lowest, .stride = st.slot_stride};
        ck_assert_int_eq(pthread_create(&t[i], NULL, churn, &a[i]), 0);
    }
    unsigned long got = 0, exhausted = 0;
    for (int i = 0; i < THREADS; i++) {
        pthread_join(t[i], NULL);
        ck_assert_int_eq(a[i].errors, 0);
        got += a[i].got;
        exhausted += a[i].exhausted;
    }
    ck_assert_uint_eq(got + exhausted, THREADS * CYCLES);
    ck_assert_ok(gcp_pool_stats_get(p, &st));
    ck_assert_uint_eq(st.slots_in_use, 0);
    ck_assert_uint_eq(st.acquires, got + 1);
    ck_assert_uint_eq(st.releases, got + 1);
    ck_assert_uint_eq(st.exhaustions, exhausted);
    /* Every slot is still there: all three can be held at once. */
    gcp_heap *all[3];
    for (int i = 0; i < 3; i++)
        ck_assert_ok(gcp_pool_acquire(p, &all[i]));
    ck_assert_status(gcp_pool_acquire(p, &h), GCP_EEXHAUSTED);
    for (int i = 0; i < 3; i++)
        ck_assert_ok(gcp_pool_release(p, all[i]));
    ck_assert_ok(gcp_pool_free(p));
}
END_TEST

/* Regression (issue 11, finding 3): a second gcp_store_free of the same
 * store freed it and left the freed store as the heap's spare, which the
 * next gcp_store_new handed out and gcp_pool_free freed again. */
static int finalized;
static void count_fin(void *p) { (void)p; finalized++; }

START_TEST(double_store_free_is_detected)
{
    gcp_pool_config c = small_config(1);
    gcp_pool *p;
    ck_assert_ok(gcp_pool_new(&c, &p));
    gcp_store *s;
    ck_assert_ok(gcp_store_new(p, &s));
    gcp_ref r;
    int obj;
    ck_assert_ok(gcp_store_alloc_externref(s, &obj, count_fin, &r));
    finalized = 0;
    ck_assert_ok(gcp_store_free(s));
    ck_assert_int_eq(finalized, 1);
    ck_assert_status(gcp_store_free(s), GCP_EDOUBLE);
    ck_assert_int_eq(finalized, 1);
    gcp_pool_stats st;
    ck_assert_ok(gcp_pool_stats_get(p, &st));
    ck_assert_uint_eq(st.releases, 1);
    ck_assert_uint_eq(st.slots_in_use, 0);
    /* The next holders get a working store, and the pool frees each
     * store once (ASan and valgrind check the "once"). */
    for (int i = 0; i < 3; i++) {
        gcp_store *s2;
        ck_assert_ok(gcp_store_new(p, &s2));
        ck_assert_ok(gcp_store_alloc_externref(s2, &obj, count_fin, &r));
        void *back;
        ck_assert_ok(gcp_store_externref_data(s2, r, &back));
        ck_assert_ptr_eq(back, &obj);
        ck_assert_ok(gcp_store_free(s2));
        ck_assert_status(gcp_store_free(s2), GCP_EDOUBLE);
    }
    ck_assert_int_eq(finalized, 4);
    ck_assert_ok(gcp_pool_free(p));
}
END_TEST

/* A host that called mlockall: MADV_DONTNEED answers EINVAL on its locked
 * pages.  Regression (finding 1): the first decommit batch retired every
 * slot of the pool.  100 000 stores through an 8-slot pool, every slot
 * acquirable at the end.  In a child: the lock is for the whole process. */
static long vm_locked_kib(void)
{
    FILE *f = fopen("/proc/self/status", "r");
    if (!f)
        return -1;
    char line[256];
    long kib = -1;
    while (fgets(line, sizeof line, f))
        if (sscanf(line, "VmLck: %ld kB", &kib) == 1)
            break;
    fclose(f);
    return kib;
}

static int mlocked_churn(void)
{
    struct rlimit rl;
    getrlimit(RLIMIT_MEMLOCK, &rl);
    if (mlockall(MCL_CURRENT | MCL_FUTURE) != 0) {
        printf("mlockall test skipped: mlockall refused (%s; RLIMIT_MEMLOCK %llu bytes, too "
               "small for this process)\n", strerror(errno), (unsigned long long)rl.rlim_cur);
        return 77;
    }
    gcp_pool_config c = small_config(8);
    c.keep_resident_bytes = 64 * KIB;
    gcp_pool *p;
    gcp_status st = gcp_pool_new(&c, &p);
    if (st == GCP_ESYS && (errno == EAGAIN || errno == ENOMEM)) {
        printf("mlockall test skipped: the pool's reservation exceeds RLIMIT_MEMLOCK "
               "(%llu bytes)\n", (unsigned long long)rl.rlim_cur);
        return 77;
    }
    if (st != GCP_OK)
        return 2;
    if (vm_locked_kib() <= 0) {
        /* The sanitizers' runtimes replace mlockall with a no-op. */
        printf("mlockall test skipped: mlockall succeeded but locked nothing (VmLck 0: a "
               "sanitizer build?)\n");
        gcp_pool_free(p);
        return 77;
    }
    int obj;
    for (int i = 0; i < 100000; i++) {
        gcp_store *s;
        if ((st = gcp_store_new(p, &s)) != GCP_OK) {
            fprintf(stderr, "store %d: %s\n", i, gcp_strerror(st));
            return 4;
        }
        gcp_heap *h = gcp_store_heap(s);
        const uint8_t *b = gcp_heap_base(h);
        for (size_t k = 0; k < gcp_heap_bound(h); k += 512)
            if (b[k] != 0)
                return 5;
        gcp_ref r;
        if (gcp_store_alloc_externref(s, &obj, NULL, &r) != GCP_OK)
            return 6;
        /* Every 16th store dirties more than keep_resident_bytes: its
         * excess goes through the decommit queue. */
        if (i % 16 == 0) {
            if (gcp__heap_grow(h, 256 * KIB) != GCP_OK)
                return 7;
            fill_heap(h, 0xC3);
        } else {
            memset(gcp_heap_base(h) + 64, 0xC3, 256);
        }
        if ((st = gcp_store_free(s)) != GCP_OK) {
            fprintf(stderr, "free %d: %s\n", i, gcp_strerror(st));
            return 8;
        }
    }
    gcp_pool_stats ps;
    gcp_pool_stats_get(p, &ps);
    if (ps.retired_slots != 0 || ps.slots_in_use + ps.free_slots + ps.retired_slots != 8 ||
        !ps.zero_in_place || ps.acquires != 100000)
        return 9;
    gcp_heap *hs[8];
    for (int i = 0; i < 8; i++) {
        if (gcp_pool_acquire(p, &hs[i]) != GCP_OK)
            return 10;
        const uint8_t *b = gcp_heap_base(hs[i]);
        for (size_t k = 0; k < gcp_heap_bound(hs[i]); k++)
            if (b[k] != 0)
                return 11;
    }
    for (int i = 0; i < 8; i++)
        if (gcp_pool_release(p, hs[i]) != GCP_OK)
            return 12;
    if (gcp_pool_free(p) != GCP_OK)
        return 13;
    printf("mlockall: 100000 stores through 8 slots, %llu bytes zeroed, all 8 slots acquirable\n",
           (unsigned long long)ps.bytes_zeroed);
    return 0;
}

START_TEST(mlockall_host_keeps_every_slot)
{
    fflush(NULL);
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        int rc = mlocked_churn();
        fflush(NULL);
        _exit(rc);
    }
    int status;
    ck_assert_int_eq(waitpid(pid, &status, 0), pid);
    ck_assert_msg(WIFEXITED(status), "child status %#x", status);
    int rc = WEXITSTATUS(status);
    ck_assert_msg(rc == 0 || rc == 77, "mlockall churn failed at step %d", rc);
}
END_TEST

static Suite *pool_suite(void)
{
    Suite *s = suite_create("pool");
    TCase *tc = tcase_create("config");
    tcase_add_test(tc, defaults_are_documented_values);
    tcase_add_test(tc, config_errors);
    tcase_add_test(tc, reservation_refused_by_kernel);
    suite_add_tcase(s, tc);

    tc = tcase_create("layout");
    tcase_add_test(tc, default_pool_layout);
    tcase_add_test(tc, small_layout_has_no_implicit_bounds);
    tcase_add_test(tc, accessible_region_reads_and_writes);
    tcase_add_test_raise_signal(tc, guard_before_heap_faults, SIGSEGV);
    tcase_add_test_raise_signal(tc, byte_after_max_faults, SIGSEGV);
    tcase_add_test_raise_signal(tc, byte_after_bound_faults, SIGSEGV);
    tcase_add_test_raise_signal(tc, last_slot_trailing_guard_faults, SIGSEGV);
    tcase_add_test_raise_signal(tc, full_reservation_end_faults, SIGSEGV);
    suite_add_tcase(s, tc);

    tc = tcase_create("lifecycle");
    tcase_add_test(tc, exhaustion_and_recovery);
    tcase_add_test(tc, double_and_foreign_release);
    tcase_add_test(tc, reuse_reads_zero);
    tcase_add_test(tc, reuse_after_growth_reads_zero);
    tcase_add_test(tc, double_store_free_is_detected);
    suite_add_tcase(s, tc);

    tc = tcase_create("locked_memory");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, mlockall_host_keeps_every_slot);
    suite_add_tcase(s, tc);

    tc = tcase_create("threads");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, threads_never_share_or_lose_slots);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return run_suite(pool_suite());
}

/* SPDX-License-Identifier: MIT */
/* Slots (pool/slot.c) and their reset between holders: zero leakage,
 * warm-slot order and limits, the decommit queue, bound shrinking, and
 * multi-threaded churn. */
#include <pthread.h>
#include <stdatomic.h>
#include <string.h>

#include "lib/heap.h"
#include "testutil.h"

START_TEST(canary_never_leaks_across_sizes)
{
    /* Holders that dirty ever larger and smaller parts of the heap,
     * below and above keep_resident; the next one always reads zero. */
    const size_t sizes[] = {4096, 64 * KIB, 256 * KIB, 1 * MIB, 8 * KIB, 512 * KIB, 4096};
    gcp_pool_config c = small_config(1);
    gcp_pool *p;
    ck_assert_ok(gcp_pool_new(&c, &p));
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        gcp_heap *h;
        ck_assert_ok(gcp_pool_acquire(p, &h));
        assert_heap_zero(h);
        ck_assert_ok(h->mem->grow(h->mem, sizes[i]));
        fill_heap(h, (uint8_t)(0xA0 + i));
        ck_assert_ok(gcp_pool_release(p, h));
    }
    gcp_heap *h;
    ck_assert_ok(gcp_pool_acquire(p, &h));
    assert_heap_zero(h);
    /* And whatever it grows into. */
    ck_assert_ok(h->mem->grow(h->mem, gcp_heap_max(h)));
    assert_heap_zero(h);
    ck_assert_ok(gcp_pool_release(p, h));
    ck_assert_ok(gcp_pool_free(p));
}
END_TEST

START_TEST(warm_slots_are_reused_most_recent_first)
{
    gcp_pool_config c = small_config(4);
    gcp_pool *p;
    gcp_heap *a, *b, *x;
    ck_assert_ok(gcp_pool_new(&c, &p));
    ck_assert_ok(gcp_pool_acquire(p, &a));
    ck_assert_ok(gcp_pool_acquire(p, &b));
    ck_assert_ok(gcp_pool_release(p, a));
    ck_assert_ok(gcp_pool_release(p, b));
    ck_assert_ok(gcp_pool_acquire(p, &x));
    ck_assert_ptr_eq(x, b);
    ck_assert_ok(gcp_pool_release(p, x));
    ck_assert_ok(gcp_pool_acquire(p, &x));
    ck_assert_ptr_eq(x, b);
    gcp_heap *y;
    ck_assert_ok(gcp_pool_acquire(p, &y));
    ck_assert_ptr_eq(y, a);
    ck_assert_ok(gcp_pool_release(p, x));
    ck_assert_ok(gcp_pool_release(p, y));
    ck_assert_ok(gcp_pool_free(p));
}
END_TEST

START_TEST(warm_slots_are_bounded)
{
    gcp_pool_config c = small_config(6);
    c.max_unused_warm_slots = 2;
    gcp_pool *p;
    gcp_heap *h[6];
    gcp_pool_stats st;
    ck_assert_ok(gcp_pool_new(&c, &p));
    for (int i = 0; i < 6; i++) {
        ck_assert_ok(gcp_pool_acquire(p, &h[i]));
        fill_heap(h[i], 0x77);
    }
    ck_assert_ok(gcp_pool_stats_get(p, &st));
    ck_assert_uint_eq(st.resident_bytes, 6 * 4 * KIB);
    for (int i = 0; i < 6; i++)
        ck_assert_ok(gcp_pool_release(p, h[i]));
    ck_assert_ok(gcp_pool_stats_get(p, &st));
    ck_assert_uint_le(st.warm_slots, 2);
    ck_assert_uint_ge(st.warm_slots, 1);
    ck_assert_uint_eq(st.decommit_queued + st.warm_slots, 6);
    ck_assert_ok(gcp_pool_trim(p));
    ck_assert_ok(gcp_pool_stats_get(p, &st));
    ck_assert_uint_eq(st.warm_slots, 0);
    ck_assert_uint_eq(st.decommit_queued, 0);
    ck_assert_uint_eq(st.resident_bytes, 0);
    ck_assert_uint_ge(st.decommit_batches, 1);
    for (int i = 0; i < 6; i++) {
        ck_assert_ok(gcp_pool_acquire(p, &h[i]));
        assert_heap_zero(h[i]);
    }
    for (int i = 0; i < 6; i++)
        ck_assert_ok(gcp_pool_release(p, h[i]));
    ck_assert_ok(gcp_pool_free(p));
}
END_TEST

START_TEST(decommit_queue_gives_back_in_batches)
{
    gcp_pool_config c = small_config(10);
    gcp_pool *p;
    gcp_heap *h[10];
    gcp_pool_stats st;
    ck_assert_ok(gcp_pool_new(&c, &p));
    for (int i = 0; i < 10; i++) {
        ck_assert_ok(gcp_pool_acquire(p, &h[i]));
        ck_assert_ok(h[i]->mem->grow(h[i]->mem, 1 * MIB));
        fill_heap(h[i], 0x5C);
    }
    ck_assert_ok(gcp_pool_stats_get(p, &st));
    ck_assert_uint_eq(st.resident_bytes, 10 * MIB);
    for (int i = 0; i < 10; i++)
        ck_assert_ok(gcp_pool_release(p, h[i]));
    ck_assert_ok(gcp_pool_stats_get(p, &st));
    /* Eight releases filled one batch; two wait for the next pass. */
    ck_assert_uint_eq(st.decommit_batches, 1);
    ck_assert_uint_eq(st.bytes_decommitted, 8 * (768 * KIB));
    ck_assert_uint_eq(st.decommit_queued, 2);
    ck_assert_uint_eq(st.resident_bytes, 8 * 256 * KIB + 2 * MIB);
    ck_assert_ok(gcp_pool_trim(p));
    ck_assert_ok(gcp_pool_stats_get(p, &st));
    ck_assert_uint_eq(st.decommit_queued, 0);
    ck_assert_uint_eq(st.resident_bytes, 0);
    for (int i = 0; i < 10; i++) {
        ck_assert_ok(gcp_pool_acquire(p, &h[i]));
        ck_assert_ok(h[i]->mem->grow(h[i]->mem, 1 * MIB));
        assert_heap_zero(h[i]);
    }
    for (int i = 0; i < 10; i++)
        ck_assert_ok(gcp_pool_release(p, h[i]));
    ck_assert_ok(gcp_pool_free(p));
}
END_TEST

/* One holder of a pool's slot: grows the heap to `bound` bytes, hands out
 * `used` of them (the null collector's bump pointer, moved as compiled code
 * allocating inline moves it), dirties every accessible byte and releases.
 * Returns the bytes the release zeroed in place; *started (if not NULL) is
 * the bound the holder was handed. */
static uint64_t hold(gcp_pool *p, size_t bound, uint32_t used, uint8_t canary, size_t *started)
{
    gcp_heap *h;
    gcp_pool_stats before, after;
    ck_assert_ok(gcp_pool_acquire(p, &h));
    assert_heap_zero(h);
    if (started)
        *started = gcp_heap_bound(h);
    ck_assert_ok(h->mem->grow(h->mem, bound));
    gcp_bump *b = gcp_heap_collector_data(h);
    ck_assert_ptr_nonnull(b);
    b->next = used;
    fill_heap(h, canary);
    ck_assert_ok(gcp_pool_stats_get(p, &before));
    ck_assert_ok(gcp_pool_release(p, h));
    ck_assert_ok(gcp_pool_stats_get(p, &after));
    return after.bytes_zeroed - before.bytes_zeroed;
}

/* A pool of one slot over the null collector with a 32-byte struct type
 * (*t), for holders that write only through the checked API. */
static gcp_pool *api_pool(gcp_types **types, uint32_t *t)
{
    ck_assert_ok(gcp_types_new(types));
    ck_assert_ok(gcp_types_add_struct(*types, 32, NULL, 0, t));
    gcp_pool_config c = small_config(1);
    c.types = *types;
    gcp_pool *p;
    ck_assert_ok(gcp_pool_new(&c, &p));
    return p;
}

/* Bytes the release of h zeroed. */
static uint64_t release_zeroed(gcp_pool *p, gcp_heap *h)
{
    gcp_pool_stats before, after;
    ck_assert_ok(gcp_pool_stats_get(p, &before));
    ck_assert_ok(gcp_pool_release(p, h));
    ck_assert_ok(gcp_pool_stats_get(p, &after));
    return after.bytes_zeroed - before.bytes_zeroed;
}

/* The next holder of api_pool's slot reads zero in every accessible byte
 * (reading them exposes its heap); then the pool and types are freed. */
static void next_holder_reads_zero(gcp_pool *p, gcp_types *types)
{
    gcp_heap *h;
    ck_assert_ok(gcp_pool_acquire(p, &h));
    ck_assert(!atomic_load(&h->exposed));
    assert_heap_zero(h);
    ck_assert(atomic_load(&h->exposed));
    ck_assert_ok(gcp_pool_release(p, h));
    ck_assert_ok(gcp_pool_free(p));
    gcp_types_release(types);
}

/* Ten 32-byte structs written through the checked API; returns the high
 * water (the null collector's bump). */
static uint32_t write_ten(gcp_heap *h, uint32_t t)
{
    gcp_ref r = 0;
    for (uint64_t i = 0; i < 10; i++) {
        const uint64_t w[4] = {~i, ~i, ~i, ~i};
        ck_assert_ok(gcp_heap_alloc_struct(h, t, &r));
        ck_assert_ok(gcp_struct_write(h, r, 0, w, sizeof w));
    }
    return r + 48;
}

/* A holder that never had the memory (no gcp_heap_base, no collector
 * data) wrote only below the high water: its release zeroes that much,
 * not the whole bound, and the next holder reads zero everywhere. */
START_TEST(unexposed_holder_zeroes_its_high_water)
{
    gcp_types *types;
    uint32_t t;
    gcp_pool *p = api_pool(&types, &t);
    gcp_heap *h;
    ck_assert_ok(gcp_pool_acquire(p, &h));
    ck_assert(!atomic_load(&h->exposed));
    uint32_t hw = write_ten(h, t);
    ck_assert_uint_eq(hw, GCP_HEAP_START + 10 * 48);
    ck_assert_uint_lt(hw, h->mem->bound);
    ck_assert_uint_eq(release_zeroed(p, h), hw);
    next_holder_reads_zero(p, types);
}
END_TEST

/* Once the host has the base, it may have written anywhere below the
 * bound: the release zeroes all of it. */
START_TEST(exposed_holder_zeroes_its_bound)
{
    gcp_types *types;
    uint32_t t;
    gcp_pool *p = api_pool(&types, &t);
    gcp_heap *h;
    ck_assert_ok(gcp_pool_acquire(p, &h));
    (void)write_ten(h, t);
    size_t bound = gcp_heap_bound(h);
    gcp_heap_base(h)[bound - 1] = 0x5a;
    ck_assert_uint_eq(release_zeroed(p, h), bound);
    next_holder_reads_zero(p, types);
}
END_TEST

/* The collector data exposes the heap too: a host that moves the bump
 * pointer up, allocates there and moves it back leaves the high water
 * below what the library wrote, and the release still zeroes it. */
START_TEST(collector_data_exposes_the_heap)
{
    gcp_types *types;
    uint32_t t;
    gcp_pool *p = api_pool(&types, &t);
    gcp_heap *h;
    ck_assert_ok(gcp_pool_acquire(p, &h));
    gcp_bump *b = gcp_heap_collector_data(h);
    ck_assert_ptr_nonnull(b);
    b->next = 2048;
    gcp_ref r;
    const uint64_t w[4] = {1, 2, 3, 4};
    ck_assert_ok(gcp_heap_alloc_struct(h, t, &r));
    ck_assert_uint_eq(r, 2048);
    ck_assert_ok(gcp_struct_write(h, r, 0, w, sizeof w));
    b->next = GCP_HEAP_START;
    size_t bound = gcp_heap_bound(h);
    ck_assert_uint_eq(release_zeroed(p, h), bound);
    next_holder_reads_zero(p, types);
}
END_TEST

/* A holder that grows its heap to the maximum and finds zeros. */
static void grow_all_reads_zero(gcp_pool *p)
{
    gcp_heap *h;
    ck_assert_ok(gcp_pool_acquire(p, &h));
    ck_assert_ok(h->mem->grow(h->mem, gcp_heap_max(h)));
    assert_heap_zero(h);
    ck_assert_ok(gcp_pool_release(p, h));
}

/* Regression (issue 13): after a store whose bound ended at keep_resident,
 * each of the next seven small stores zeroed the whole bound again and the
 * eighth paid the shrink.  Now the big store's own release zeroes it and
 * shrinks the bound back, and the next stores zero only their own bound. */
START_TEST(one_big_store_is_zeroed_once)
{
    gcp_pool_config c = small_config(1);   /* keep_resident 256 KiB */
    gcp_pool *p;
    size_t started;
    ck_assert_ok(gcp_pool_new(&c, &p));
    for (int i = 0; i < 3; i++)
        ck_assert_uint_eq(hold(p, 4 * KIB, 2 * KIB, 1, NULL), 4 * KIB);
    ck_assert_uint_eq(hold(p, 256 * KIB, 256 * KIB, 2, NULL), 256 * KIB);
    for (int i = 0; i < 9; i++) {
        ck_assert_uint_eq(hold(p, 4 * KIB, 2 * KIB, (uint8_t)(3 + i), &started), 4 * KIB);
        ck_assert_uint_eq(started, 4 * KIB);
    }
    /* What lies past the shrunk bound was zeroed: it reads zero when a
     * holder grows into it again. */
    grow_all_reads_zero(p);
    ck_assert_ok(gcp_pool_free(p));
}
END_TEST

/* A run of big stores keeps its bound (no mprotect per store); the first
 * small store after them zeroes that bound and leaves a small one. */
START_TEST(a_run_of_big_stores_keeps_its_bound)
{
    gcp_pool_config c = small_config(1);
    gcp_pool *p;
    size_t started;
    ck_assert_ok(gcp_pool_new(&c, &p));
    ck_assert_uint_eq(hold(p, 4 * KIB, 2 * KIB, 1, NULL), 4 * KIB);
    ck_assert_uint_eq(hold(p, 128 * KIB, 100 * KIB, 2, NULL), 128 * KIB);
    ck_assert_uint_eq(hold(p, 4 * KIB, 2 * KIB, 3, &started), 4 * KIB);
    ck_assert_uint_eq(started, 4 * KIB);
    ck_assert_uint_eq(hold(p, 128 * KIB, 100 * KIB, 4, NULL), 128 * KIB);
    ck_assert_uint_eq(hold(p, 128 * KIB, 100 * KIB, 5, &started), 128 * KIB);
    ck_assert_uint_eq(started, 4 * KIB);
    ck_assert_uint_eq(hold(p, 128 * KIB, 100 * KIB, 6, &started), 128 * KIB);
    ck_assert_uint_eq(started, 128 * KIB);              /* kept */
    ck_assert_uint_eq(hold(p, 4 * KIB, 2 * KIB, 7, &started), 128 * KIB);
    ck_assert_uint_eq(started, 128 * KIB);
    ck_assert_uint_eq(hold(p, 4 * KIB, 2 * KIB, 8, &started), 4 * KIB);
    ck_assert_uint_eq(started, 4 * KIB);                /* shrunk by the one before */
    /* A holder that needs more than a quarter of its bound keeps it. */
    ck_assert_uint_eq(hold(p, 64 * KIB, 40 * KIB, 9, NULL), 64 * KIB);
    ck_assert_uint_eq(hold(p, 64 * KIB, 40 * KIB, 10, NULL), 64 * KIB);
    ck_assert_uint_eq(hold(p, 64 * KIB, 20 * KIB, 11, &started), 64 * KIB);
    ck_assert_uint_eq(started, 64 * KIB);
    ck_assert_uint_eq(hold(p, 4 * KIB, 2 * KIB, 12, &started), 64 * KIB);
    ck_assert_uint_eq(started, 64 * KIB);
    grow_all_reads_zero(p);
    ck_assert_ok(gcp_pool_free(p));
}
END_TEST

/* A big store past keep_resident: the give-back leaves the bound the
 * smaller of the last two holders needed, and what stays resident below
 * keep_resident is still counted (zero, past the bound). */
START_TEST(big_store_past_keep_resident_leaves_a_small_bound)
{
    gcp_pool_config c = small_config(1);
    gcp_pool *p;
    gcp_pool_stats st;
    size_t started;
    ck_assert_ok(gcp_pool_new(&c, &p));
    ck_assert_uint_eq(hold(p, 8 * KIB, 6 * KIB, 1, NULL), 8 * KIB);
    ck_assert_uint_eq(hold(p, 1 * MIB, 1 * MIB, 2, NULL), 256 * KIB);
    ck_assert_ok(gcp_pool_stats_get(p, &st));
    ck_assert_uint_eq(st.decommit_queued, 1);
    /* The acquire drains the queue. */
    ck_assert_uint_eq(hold(p, 8 * KIB, 6 * KIB, 3, &started), 8 * KIB);
    ck_assert_uint_eq(started, 8 * KIB);
    ck_assert_ok(gcp_pool_stats_get(p, &st));
    ck_assert_uint_eq(st.decommit_queued, 0);
    ck_assert_uint_eq(st.bytes_decommitted, 768 * KIB);
    ck_assert_uint_eq(st.resident_bytes, 256 * KIB);
    grow_all_reads_zero(p);
    /* Two big ones in a row keep keep_resident bytes accessible. */
    ck_assert_uint_eq(hold(p, 1 * MIB, 1 * MIB, 4, NULL), 256 * KIB);
    ck_assert_uint_eq(hold(p, 1 * MIB, 1 * MIB, 5, &started), 256 * KIB);
    ck_assert_uint_eq(hold(p, 4 * KIB, 2 * KIB, 6, &started), 256 * KIB);
    ck_assert_uint_eq(started, 256 * KIB);
    ck_assert_ok(gcp_pool_free(p));
}
END_TEST

START_TEST(huge_pages_grow_in_2mib_steps)
{
    gcp_pool_config c = small_config(2);
    c.huge_pages = true;
    gcp_pool *p;
    ck_assert_status(gcp_pool_new(&c, &p), GCP_EINVAL); /* 1 MiB + 64 KiB stride */
    c.max_heap_bytes = 16 * MIB;
    c.reservation_bytes = 16 * MIB;
    c.guard_bytes = 2 * MIB;
    c.keep_resident_bytes = 4 * MIB;
    ck_assert_ok(gcp_pool_new(&c, &p));
    gcp_heap *h;
    ck_assert_ok(gcp_pool_acquire(p, &h));
    ck_assert_uint_eq((uintptr_t)gcp_heap_base(h) % (2 * MIB), 0);
    ck_assert_uint_eq(gcp_heap_bound(h), 4 * KIB);
    ck_assert_ok(h->mem->grow(h->mem, 64 * KIB));
    ck_assert_uint_eq(gcp_heap_bound(h), 64 * KIB);     /* small heaps unchanged */
    ck_assert_ok(h->mem->grow(h->mem, 2 * MIB + 1));
    ck_assert_uint_eq(gcp_heap_bound(h), 4 * MIB);      /* 2 MiB steps past 2 MiB */
    ck_assert_ok(h->mem->grow(h->mem, 5 * MIB));
    ck_assert_uint_eq(gcp_heap_bound(h), 8 * MIB);
    fill_heap(h, 0xEF);
    ck_assert_ok(gcp_pool_release(p, h));
    ck_assert_ok(gcp_pool_acquire(p, &h));
    assert_heap_zero(h);
    ck_assert_ok(h->mem->grow(h->mem, 16 * MIB));
    assert_heap_zero(h);
    ck_assert_ok(gcp_pool_release(p, h));
    ck_assert_ok(gcp_pool_free(p));
    gcp_heap *od;
    ck_assert_ok(gcp_heap_new_ondemand(&c, &od));
    ck_assert_uint_eq((uintptr_t)gcp_heap_base(od) % (2 * MIB), 0);
    ck_assert_ok(gcp_heap_free_ondemand(od));
}
END_TEST

/* ---------------------------------------------------------------- threads */

#define THREADS 4
#define CYCLES 3000

typedef struct {
    gcp_pool *pool;
    int id;
    int errors;
} churn_arg;

static void *churn(void *v)
{
    churn_arg *a = v;
    for (int i = 0; i < CYCLES; i++) {
        gcp_heap *h;
        gcp_status st = gcp_pool_acquire(a->pool, &h);
        if (st == GCP_EEXHAUSTED)
            continue;
        if (st != GCP_OK) {
            a->errors++;
            continue;
        }
        /* Sometimes dirty past keep_resident, so the decommit queue runs
         * concurrently with the warm stacks. */
        size_t want = (i % 50 == 0) ? 512 * KIB : (i % 7 + 1) * 4 * KIB;
        if (h->mem->grow(h->mem, want) != GCP_OK)
            a->errors++;
        const uint8_t *b = gcp_heap_base(h);
        for (size_t o = 0; o < gcp_heap_bound(h); o += 512)
            if (b[o] != 0) {
                a->errors++;
                break;
            }
        fill_heap(h, (uint8_t)(a->id + 1));
        if (gcp_pool_release(a->pool, h) != GCP_OK)
            a->errors++;
    }
    return NULL;
}

START_TEST(threaded_churn_keeps_slots_whole)
{
    gcp_pool_config c = small_config(6);
    c.max_unused_warm_slots = 3;
    gcp_pool *p;
    ck_assert_ok(gcp_pool_new(&c, &p));
    pthread_t t[THREADS];
    churn_arg a[THREADS];
    for (int i = 0; i < THREADS; i++) {
        a[i] = (churn_arg){.pool = p, .id = i};
        ck_assert_int_eq(pthread_create(&t[i], NULL, churn, &a[i]), 0);
    }
    for (int i = 0; i < THREADS; i++) {
        pthread_join(t[i], NULL);
        ck_assert_int_eq(a[i].errors, 0);
    }
    gcp_pool_stats st;
    ck_assert_ok(gcp_pool_stats_get(p, &st));
    ck_assert_uint_eq(st.slots_in_use, 0);
    ck_assert_uint_eq(st.acquires, st.releases);
    ck_assert_uint_eq(st.acquires + st.exhaustions, THREADS * CYCLES);
    /* All six slots are still there, each exactly once. */
    gcp_heap *h[6], *x;
    for (int i = 0; i < 6; i++) {
        ck_assert_ok(gcp_pool_acquire(p, &h[i]));
        for (int j = 0; j < i; j++)
            ck_assert_ptr_ne(h[i], h[j]);
    }
    ck_assert_status(gcp_pool_acquire(p, &x), GCP_EEXHAUSTED);
    for (int i = 0; i < 6; i++)
        ck_assert_ok(gcp_pool_release(p, h[i]));
    ck_assert_ok(gcp_pool_free(p));
}
END_TEST

/* As many slots as threads, every release queued for give-back: an
 * acquire must wait for a slot that another thread is giving back, never
 * report an exhaustion. */
typedef struct {
    gcp_pool *pool;
    int exhausted, errors;
} queue_arg;

static void *queue_churn(void *v)
{
    queue_arg *a = v;
    for (int i = 0; i < 300; i++) {
        gcp_heap *h;
        gcp_status st = gcp_pool_acquire(a->pool, &h);
        if (st == GCP_EEXHAUSTED) {
            a->exhausted++;
            continue;
        }
        if (st != GCP_OK || h->mem->grow(h->mem, 512 * KIB) != GCP_OK) {
            a->errors++;
            continue;
        }
        fill_heap(h, 0x3C);
        if (gcp_pool_release(a->pool, h) != GCP_OK)
            a->errors++;
    }
    return NULL;
}

START_TEST(acquire_waits_for_slots_being_given_back)
{
    gcp_pool_config c = small_config(2);
    gcp_pool *p;
    ck_assert_ok(gcp_pool_new(&c, &p));
    pthread_t t[2];
    queue_arg a[2] = {{.pool = p}, {.pool = p}};
    for (int i = 0; i < 2; i++)
        ck_assert_int_eq(pthread_create(&t[i], NULL, queue_churn, &a[i]), 0);
    for (int i = 0; i < 2; i++) {
        pthread_join(t[i], NULL);
        ck_assert_int_eq(a[i].errors, 0);
        ck_assert_int_eq(a[i].exhausted, 0);
    }
    gcp_pool_stats st;
    ck_assert_ok(gcp_pool_stats_get(p, &st));
    ck_assert_uint_eq(st.exhaustions, 0);
    ck_assert_uint_eq(st.acquires, 600);
    ck_assert_ok(gcp_pool_free(p));
}
END_TEST

/* Stores churned from several threads: each store's objects read back what
 * it wrote, and every slot is whole afterwards. */
typedef struct {
    gcp_pool *pool;
    uint32_t type;
    int id;
    int errors;
} store_arg;

static void *store_churn(void *v)
{
    store_arg *a = v;
    for (int i = 0; i < CYCLES; i++) {
        gcp_store *s;
        gcp_status st = gcp_store_new(a->pool, &s);
        if (st == GCP_EEXHAUSTED)
            continue;
        if (st != GCP_OK) {
            a->errors++;
            continue;
        }
        gcp_heap *h = gcp_store_heap(s);
        gcp_ref r[16];
        for (uint64_t k = 0; k < 16; k++) {
            uint64_t val = (uint64_t)a->id << 32 | k;
            if (gcp_heap_alloc_struct(h, a->type, &r[k]) != GCP_OK ||
                gcp_struct_write(h, r[k], 0, &val, sizeof val) != GCP_OK)
                a->errors++;
        }
        for (uint64_t k = 0; k < 16; k++) {
            uint64_t val = 0;
            if (gcp_struct_read(h, r[k], 0, &val, sizeof val) != GCP_OK ||
                val != ((uint64_t)a->id << 32 | k))
                a->errors++;
        }
        if (gcp_roots_count(gcp_store_roots(s)) != 0 || gcp_hostdata_count(gcp_store_hostdata(s)) != 0)
            a->errors++;
        if (gcp_store_free(s) != GCP_OK)
            a->errors++;
    }
    return NULL;
}

START_TEST(threaded_store_churn)
{
    gcp_types *types;
    uint32_t ty;
    ck_assert_ok(gcp_types_new(&types));
    ck_assert_ok(gcp_types_add_struct(types, 32, NULL, 0, &ty));
    gcp_pool_config c = small_config(3);
    c.types = types;
    gcp_pool *p;
    ck_assert_ok(gcp_pool_new(&c, &p));
    gcp_types_release(types);
    pthread_t t[THREADS];
    store_arg a[THREADS];
    for (int i = 0; i < THREADS; i++) {
        a[i] = (store_arg){.pool = p, .type = ty, .id = i};
        ck_assert_int_eq(pthread_create(&t[i], NULL, store_churn, &a[i]), 0);
    }
    for (int i = 0; i < THREADS; i++) {
        pthread_join(t[i], NULL);
        ck_assert_int_eq(a[i].errors, 0);
    }
    gcp_pool_stats st;
    ck_assert_ok(gcp_pool_stats_get(p, &st));
    ck_assert_uint_eq(st.slots_in_use, 0);
    ck_assert_uint_eq(st.acquires, st.releases);
    ck_assert_ok(gcp_pool_free(p));
}
END_TEST

int main(void)
{
    Suite *s = suite_create("slot");
    TCase *tc = tcase_create("zeroing");
    tcase_add_test(tc, canary_never_leaks_across_sizes);
    tcase_add_test(tc, one_big_store_is_zeroed_once);
    tcase_add_test(tc, unexposed_holder_zeroes_its_high_water);
    tcase_add_test(tc, exposed_holder_zeroes_its_bound);
    tcase_add_test(tc, collector_data_exposes_the_heap);
    tcase_add_test(tc, a_run_of_big_stores_keeps_its_bound);
    tcase_add_test(tc, big_store_past_keep_resident_leaves_a_small_bound);
    tcase_add_test(tc, huge_pages_grow_in_2mib_steps);
    suite_add_tcase(s, tc);
    tc = tcase_create("warm");
    tcase_add_test(tc, warm_slots_are_reused_most_recent_first);
    tcase_add_test(tc, warm_slots_are_bounded);
    tcase_add_test(tc, decommit_queue_gives_back_in_batches);
    suite_add_tcase(s, tc);
    tc = tcase_create("threads");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, threaded_churn_keeps_slots_whole);
    tcase_add_test(tc, threaded_store_churn);
    tcase_add_test(tc, acquire_waits_for_slots_being_given_back);
    suite_add_tcase(s, tc);
    return run_suite(s);
}

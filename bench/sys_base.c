/* SPDX-License-Identifier: MIT */
/* The physical baselines: what a store cycle costs with no allocator at all.
 * Objects are laid out as gcpool lays them out (16-byte header, 32-byte
 * payload, bump allocation from the start of the heap).
 *
 *   memset-baseline   one mapping kept per thread; reset = memset of the
 *                     bytes the store dirtied
 *   madvise-baseline  one mapping kept per thread; reset =
 *                     madvise(MADV_DONTNEED) of the dirtied pages (the next
 *                     store faults them back in)
 *   mmap-munmap       a fresh mapping of the maximum heap size per store */
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "bench/bench.h"

typedef struct base_ts {
    uint8_t *map;          /* kept mapping, or NULL for mmap-munmap */
    size_t map_bytes;
    size_t page;
    uint64_t k;
    bool after_dirty;
} base_ts;

/* Lays out k objects from base, writes them, reads them back into *sum;
 * returns the bytes dirtied. */
static size_t bump_store(uint8_t *base, uint64_t k, uint64_t *sum)
{
    size_t used = 0;
    for (uint64_t i = 0; i < k; i++) {
        uint32_t *hdr = (uint32_t *)(base + used);
        hdr[0] = 2;                  /* struct */
        hdr[1] = 1;                  /* type index */
        hdr[2] = GCPB_OBJ_BYTES;
        hdr[3] = 0;
        uint64_t w[4];
        gcpb_fill(w, i);
        memcpy(base + used + 16, w, sizeof w);
        used += GCPB_OBJ_BYTES;
    }
    /* Keep the compiler from forwarding the stores to the loads below and
     * from dropping them before the reset. */
    __asm__ volatile("" ::: "memory");
    uint64_t s = 0;
    for (uint64_t i = 0; i < k; i++) {
        uint64_t w[4];
        memcpy(w, base + i * GCPB_OBJ_BYTES + 16, sizeof w);
        s += w[0] + w[1] + w[2] + w[3];
    }
    *sum = s;
    __asm__ volatile("" ::: "memory");
    return used;
}

static size_t map_size(const bcell *c)
{
    return (size_t)(c->max_heap ? c->max_heap : 4 * GCPB_GIB);
}

static int base_setup(const bcell *c, void **shared, char *why, size_t why_len)
{
    *shared = NULL;
    size_t need = (size_t)c->k * GCPB_OBJ_BYTES;
    if (need > map_size(c))
        return gcpb_fail(why, why_len, BR_NA, "%llu objects (%zu KiB) do not fit in %llu KiB",
                         (unsigned long long)c->k, need >> 10,
                         (unsigned long long)(map_size(c) >> 10));
    if (c->after_dirty && map_size(c) < GCPB_DIRTY_BYTES)
        return gcpb_fail(why, why_len, BR_NA, "a 16 MiB store does not fit the maximum heap");
    return BR_OK;
}

static void base_teardown(void *shared) { (void)shared; }

static int base_thread_setup_common(const bcell *c, bool keep, void **out, char *why,
                                    size_t why_len)
{
    base_ts *t = calloc(1, sizeof *t);
    if (!t)
        return gcpb_fail(why, why_len, BR_SKIP, "out of memory");
    t->k = c->k;
    t->after_dirty = c->after_dirty;
    t->page = (size_t)sysconf(_SC_PAGESIZE);
    t->map_bytes = map_size(c);
    if (keep) {
        void *p = mmap(NULL, t->map_bytes, PROT_READ | PROT_WRITE,
                       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
        if (p == MAP_FAILED) {
            size_t bytes = t->map_bytes;
            free(t);
            return gcpb_fail(why, why_len, BR_SKIP, "mmap of %zu bytes failed", bytes);
        }
        t->map = p;
    }
    *out = t;
    return BR_OK;
}

static int keep_thread_setup(void *shared, const bcell *c, void **ts, char *why, size_t why_len)
{
    (void)shared;
    return base_thread_setup_common(c, true, ts, why, why_len);
}

static int fresh_thread_setup(void *shared, const bcell *c, void **ts, char *why, size_t why_len)
{
    (void)shared;
    return base_thread_setup_common(c, false, ts, why, why_len);
}

static void base_thread_teardown(void *ts)
{
    base_ts *t = ts;
    if (!t)
        return;
    if (t->map)
        munmap(t->map, t->map_bytes);
    free(t);
}

static size_t page_round(const base_ts *t, size_t n) { return (n + t->page - 1) / t->page * t->page; }

/* Both kept-mapping baselines: reset(t, bytes) gives the store's bytes back. */
typedef void (*reset_fn)(base_ts *t, size_t bytes);

static void reset_memset(base_ts *t, size_t bytes) { memset(t->map, 0, bytes); }

static void reset_madvise(base_ts *t, size_t bytes)
{
    if (bytes)
        madvise(t->map, page_round(t, bytes), MADV_DONTNEED);
}

static int kept_cycle(base_ts *t, bctx *x, reset_fn reset)
{
    if (t->after_dirty) {
        /* The previous holder of the mapping writes 16 MiB and is reset. */
        memset(t->map, 0x5a, GCPB_DIRTY_BYTES);
        __asm__ volatile("" ::: "memory");
        reset(t, GCPB_DIRTY_BYTES);
    }
    size_t used = bump_store(t->map, t->k, &x->sum);
    reset(t, used);
    return BR_OK;
}

static int memset_cycle(void *ts, bctx *x) { return kept_cycle(ts, x, reset_memset); }
static int madvise_cycle(void *ts, bctx *x) { return kept_cycle(ts, x, reset_madvise); }

static int mmap_cycle(void *ts, bctx *x)
{
    base_ts *t = ts;
    void *p = mmap(NULL, t->map_bytes, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (p == MAP_FAILED)
        return gcpb_fail(x->why, x->why_len, BR_SKIP, "mmap failed");
    bump_store(p, t->k, &x->sum);
    munmap(p, t->map_bytes);
    return BR_OK;
}

const bsys gcpb_memset_base = {
    .name = "memset-baseline",
    .setup = base_setup, .thread_setup = keep_thread_setup, .cycle = memset_cycle,
    .thread_teardown = base_thread_teardown, .teardown = base_teardown,
};

const bsys gcpb_madvise_base = {
    .name = "madvise-baseline",
    .setup = base_setup, .thread_setup = keep_thread_setup, .cycle = madvise_cycle,
    .thread_teardown = base_thread_teardown, .teardown = base_teardown,
};

const bsys gcpb_mmap_base = {
    .name = "mmap-munmap",
    .setup = base_setup, .thread_setup = fresh_thread_setup, .cycle = mmap_cycle,
    .thread_teardown = base_thread_teardown, .teardown = base_teardown,
};

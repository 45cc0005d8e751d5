/* SPDX-License-Identifier: MIT */
/* The slot pool.
 *
 * One reservation holds every slot.  Free slots sit on lock-free stacks
 * (Treiber stacks with a generation tag against ABA):
 *  - warm stacks, one per shard: slots whose memory is resident and zero.
 *    A thread sticks to one shard, so threads churning stores touch
 *    different cache lines.  Each shard keeps at most its share of
 *    max_unused_warm_slots; the most recently released slot is reused first.
 *  - the cold stack: slots whose memory went back to the kernel.
 *  - the decommit queue: released slots with memory still to give back.
 *    It is drained in batches (one process_madvise for many slots where
 *    the kernel allows), off the common release path.
 * Counters are kept per shard and summed by gcp_pool_stats_get.
 *
 * No refused system call loses a slot: memory the kernel will not take
 * back is zeroed in place (locked memory, mlockall, always refuses with
 * EINVAL; the pool then stops asking until the next trim), a refused
 * shrink keeps the larger, zeroed bound.  Only when a refusal cannot be
 * undone either is a slot retired: counted in the statistics, reported by
 * the call, and tried again by gcp_pool_trim.
 */
#include <errno.h>
#include <sched.h>
#include <stdalign.h>
#include <stdatomic.h>
#include <string.h>
#include <unistd.h>

#include "gcpool.h"
#include "lib/metadata.h"
#include "lib/error.h"
#include "lib/heapops.h"
#include "lib/poolcfg.h"
#include "pool/slot.h"
#include "pool/trap.h"
#include "pool/vm.h"

#define MAX_SHARDS 16
#define DECOMMIT_BATCH 8

/* A Treiber stack head: low 32 bits slot index + 1 (0 = empty), high 32
 * bits a tag bumped on every successful pop. */
typedef _Atomic uint64_t stack_head;

typedef struct shard {
    alignas(64) stack_head warm;
    _Atomic uint32_t warm_count;
    uint32_t warm_quota;
    _Atomic uint64_t acquires, releases, bytes_zeroed;
} shard;

struct gcp_pool {
    gcp_pool_config cfg;
    gcp_layout layout;
    uint8_t *region;
    size_t region_size;
    gcp_slot *slots;
    uint32_t nshards;
    shard *shards;
    alignas(64) stack_head cold;
    alignas(64) stack_head decommit;
    _Atomic uint32_t decommit_len;
    _Atomic uint64_t exhaustions, bytes_decommitted, decommit_batches;
    _Atomic uint64_t bytes_zeroed_fallback;  /* refused give-backs zeroed in place */
    /* The kernel refused to give back memory with EINVAL (locked pages):
     * give-backs are zeroed in place until gcp_pool_trim tries again. */
    atomic_bool zero_in_place;
    uint32_t trap_id;         /* entry in the trap region registry */
    gcp_vm_map map;           /* the region's mapping, alignment slack included */
};

/* ------------------------------------------------------------ free stacks */

static void stack_push(gcp_pool *p, stack_head *head, uint32_t idx)
{
    gcp_slot *s = &p->slots[idx];
    uint64_t old = atomic_load_explicit(head, memory_order_relaxed);
    for (;;) {
        atomic_store_explicit(&s->next, (uint32_t)old, memory_order_relaxed);
        uint64_t new = (old & ~UINT64_C(0xffffffff)) | (uint64_t)(idx + 1);
        if (atomic_compare_exchange_weak_explicit(head, &old, new, memory_order_release,
                                                  memory_order_relaxed))
            return;
    }
}

/* Pops a slot index, or returns UINT32_MAX when the stack is empty. */
static uint32_t stack_pop(gcp_pool *p, stack_head *head)
{
    uint64_t old = atomic_load_explicit(head, memory_order_acquire);
    for (;;) {
        uint32_t top = (uint32_t)old;
        if (top == 0)
            return UINT32_MAX;
        /* The slot may be popped and relinked concurrently; its `next` is
         * then stale, and the tag makes the exchange below fail. */
        uint32_t next = atomic_load_explicit(&p->slots[top - 1].next, memory_order_relaxed);
        uint64_t new = ((old >> 32) + 1) << 32 | next;
        if (atomic_compare_exchange_weak_explicit(head, &old, new, memory_order_acquire,
                                                  memory_order_acquire))
            return top - 1;
    }
}

/* Takes the whole stack; returns the first index + 1 (0 if empty). */
static uint32_t stack_take_all(stack_head *head)
{
    uint64_t old = atomic_load_explicit(head, memory_order_acquire);
    for (;;) {
        if ((uint32_t)old == 0)
            return 0;
        uint64_t new = ((old >> 32) + 1) << 32;
        if (atomic_compare_exchange_weak_explicit(head, &old, new, memory_order_acquire,
                                                  memory_order_acquire))
            return (uint32_t)old;
    }
}

/* ------------------------------------------------------------- sharding */

static atomic_uint next_thread_shard;
static _Thread_local uint32_t thread_shard_plus1;

static shard *my_shard(gcp_pool *p)
{
    uint32_t t = thread_shard_plus1;
    if (t == 0) {
        t = atomic_fetch_add_explicit(&next_thread_shard, 1, memory_order_relaxed) + 1;
        thread_shard_plus1 = t;
    }
    return &p->shards[(t - 1) % p->nshards];
}

/* Pops a warm slot of shard sh, keeping its count. */
static uint32_t warm_pop(gcp_pool *pool, shard *sh)
{
    uint32_t idx = stack_pop(pool, &sh->warm);
    if (idx != UINT32_MAX)
        atomic_fetch_sub_explicit(&sh->warm_count, 1, memory_order_relaxed);
    return idx;
}

/* A warm slot from the calling thread's shard, else from any other: warm
 * slots are cheaper than cold ones wherever they are. */
static uint32_t pop_any_warm(gcp_pool *pool, shard *sh)
{
    uint32_t idx = warm_pop(pool, sh);
    for (uint32_t i = 0; i < pool->nshards && idx == UINT32_MAX; i++)
        if (&pool->shards[i] != sh)
            idx = warm_pop(pool, &pool->shards[i]);
    return idx;
}

/* ------------------------------------------------------------ lifecycle */

static void destroy_slots(gcp_pool *p, uint32_t n)
{
    for (uint32_t i = 0; i < n; i++)
        gcp__heap_ops.destroy(p->slots[i].heap);
}

static uint32_t online_cpus(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    if (n < 1)
        n = 1;
    return n > MAX_SHARDS ? MAX_SHARDS : (uint32_t)n;
}

gcp_status gcp_pool_new(const gcp_pool_config *user_cfg, gcp_pool **out)
{
    if (!user_cfg || !out)
        return GCP_EINVAL;
    gcp_pool_config cfg_copy;
    gcp_layout layout;
    gcp_status st = gcp__layout_setup(user_cfg, &cfg_copy, &layout);
    if (st != GCP_OK)
        return st;
    const gcp_pool_config *cfg = &cfg_copy;
    if (cfg->num_slots == 0 || cfg->num_slots >= UINT32_MAX)
        return gcp__fail(GCP_EINVAL, "num_slots = %u: must be 1..%u", cfg->num_slots,
                         UINT32_MAX - 1);
    /* guard + n * stride must not overflow. */
    if (layout.stride > (SIZE_MAX - layout.guard) / cfg->num_slots)
        return gcp__fail(GCP_EINVAL, "num_slots = %u: the pool would not fit in the address "
                         "space", cfg->num_slots);
    gcp_pool *p = gcp__calloc_lines(1, sizeof *p);
    if (!p)
        return gcp__fail(GCP_ENOMEM, "no host memory for the pool's bookkeeping");
    p->cfg = *cfg;
    p->layout = layout;
    p->region_size = layout.guard + (size_t)cfg->num_slots * layout.stride;
    p->nshards = online_cpus();
    p->slots = gcp__calloc_lines(cfg->num_slots, sizeof *p->slots);
    p->shards = gcp__calloc_lines(p->nshards, sizeof *p->shards);
    if (!p->slots || !p->shards) {
        st = GCP_ENOMEM;
        goto fail_meta;
    }
    st = gcp__slot_reserve(p->region_size, cfg->huge_pages, &p->map, &p->region);
    if (st != GCP_OK)
        goto fail_meta;
    for (uint32_t i = 0; i < p->nshards; i++)
        p->shards[i].warm_quota = cfg->max_unused_warm_slots / p->nshards +
                                  (i < cfg->max_unused_warm_slots % p->nshards);
    uint32_t built = 0;
    for (; built < cfg->num_slots; built++) {
        gcp_slot *s = &p->slots[built];
        s->base = p->region + layout.guard + (size_t)built * layout.stride;
        s->layout = &p->layout;
        s->pool = p;
        s->index = built;
        atomic_init(&s->state, GCP_SLOT_FREE);
        s->mem = (gcp_mem){.base = s->base, .bound = 0, .max = layout.max,
                           .grow = gcp__slot_grow, .owner = s, .kind = GCP_MEM_POOLED};
        st = gcp__heap_ops.create(cfg, &s->mem, &s->heap);
        if (st != GCP_OK)
            goto fail_heaps;
    }
    /* Cold stack in index order: slot 0 on top. */
    for (uint32_t i = cfg->num_slots; i-- > 0;)
        stack_push(p, &p->cold, i);
    /* Trap handling: make the region known to the fault handler. */
    st = gcp__trap_register(p->region, p->region_size, layout.guard, layout.stride,
                            p->slots, cfg->num_slots, &p->trap_id);
    if (st != GCP_OK)
        goto fail_heaps;
    *out = p;
    return GCP_OK;

fail_heaps:
    destroy_slots(p, built);
    {
        int saved = errno;
        gcp__vm_unmap(&p->map);
        errno = saved;
    }
fail_meta:
    {
        int saved = errno;
        gcp__free(p->slots);
        gcp__free(p->shards);
        gcp__free(p);
        errno = saved;
    }
    return st;
}

static uint64_t slots_in_use(const gcp_pool *p)
{
    uint64_t n = 0;
    for (uint32_t i = 0; i < p->cfg.num_slots; i++)
        n += atomic_load_explicit(&p->slots[i].state, memory_order_relaxed) == GCP_SLOT_IN_USE;
    return n;
}

gcp_status gcp_pool_free(gcp_pool *pool)
{
    if (!pool)
        return GCP_OK;
    if (slots_in_use(pool) != 0)
        return GCP_EBUSY;
    /* Nothing else may use the pool now; queued slots need no give-back
     * since the whole reservation is about to be unmapped.  Any collection
     * still recorded on a heap ends before its memory goes. */
    for (uint32_t i = 0; i < pool->cfg.num_slots; i++)
        (void)gcp__heap_ops.release(pool->slots[i].heap, NULL);
    /* Unmapped first: if the kernel refuses, the pool is left whole. */
    if (gcp__vm_unmap(&pool->map) != GCP_OK)
        return GCP_ESYS;
    gcp__trap_unregister(pool->trap_id);
    destroy_slots(pool, pool->cfg.num_slots);
    gcp__free(pool->slots);
    gcp__free(pool->shards);
    gcp__free(pool);
    return GCP_OK;
}

/* --------------------------------------------------------- decommit queue */

/* Retires slot s: its memory state is unknown.  Counted by the stats
 * from the slot states; gcp_pool_trim tries to repair it. */
static void retire(gcp_slot *s)
{
    atomic_store_explicit(&s->state, GCP_SLOT_RETIRED, memory_order_release);
}

/* Gives back the memory of every queued slot in one pass.  Slots that only
 * shed what lay past keep_resident go to the warm stack of the calling
 * thread's shard; the others (and all of them when force_all) give back
 * everything and go to the cold stack.  Memory the kernel refuses to take
 * is zeroed in place instead.  Returns the number of slots made available;
 * *retired counts the slots that had to be retired (errno then holds the
 * cause). */
static uint32_t drain_decommit_queue(gcp_pool *p, bool force_all, uint32_t *retired)
{
    shard *sh = my_shard(p);
    *retired = 0;
    uint32_t first = stack_take_all(&p->decommit);
    if (!first)
        return 0;
    gcp_vm_range ranges[64];
    uint32_t idx[64];
    bool done[64];
    uint32_t made = 0;
    uint32_t cur = first;
    int retire_errno = 0;
    while (cur) {
        size_t n = 0;
        for (; cur && n < 64; cur = atomic_load_explicit(&p->slots[cur - 1].next, memory_order_relaxed)) {
            gcp_slot *s = &p->slots[cur - 1];
            idx[n] = cur - 1;
            if (force_all)
                s->decommit_all = true;
            ranges[n].len = gcp__slot_decommit_range(s, s->decommit_all, &ranges[n].start);
            n++;
        }
        size_t nr = 0;
        gcp_vm_range live[64];
        size_t live_of[64];
        for (size_t i = 0; i < n; i++) {
            done[i] = ranges[i].len == 0;
            if (ranges[i].len) {
                live_of[nr] = i;
                live[nr++] = ranges[i];
            }
        }
        if (nr && !atomic_load_explicit(&p->zero_in_place, memory_order_relaxed)) {
            bool live_done[64];
            int err;
            (void)gcp__vm_decommit_many(live, nr, live_done, &err);
            /* Locked memory (mlockall, mlock) is never given back: say so
             * once instead of asking for every slot. */
            if (err == EINVAL)
                atomic_store_explicit(&p->zero_in_place, true, memory_order_relaxed);
            for (size_t j = 0; j < nr; j++)
                done[live_of[j]] = live_done[j];
        }
        for (size_t i = 0; i < n; i++) {
            gcp_slot *s = &p->slots[idx[i]];
            if (ranges[i].len && done[i]) {
                atomic_fetch_add_explicit(&p->bytes_decommitted, ranges[i].len,
                                          memory_order_relaxed);
            } else if (ranges[i].len) {
                /* Refused (or not asked): zero it where it is.  The range
                 * lies below the bound, so it is accessible. */
                memset(ranges[i].start, 0, ranges[i].len);
                atomic_fetch_add_explicit(&p->bytes_zeroed_fallback, ranges[i].len,
                                          memory_order_relaxed);
            }
            if (gcp__slot_after_decommit(s, s->decommit_all, done[i]) == GCP_OK) {
                atomic_store_explicit(&s->state, GCP_SLOT_FREE, memory_order_release);
                if (s->decommit_all) {
                    stack_push(p, &p->cold, idx[i]);
                } else {
                    atomic_fetch_add_explicit(&sh->warm_count, 1, memory_order_relaxed);
                    stack_push(p, &sh->warm, idx[i]);
                }
                made++;
            } else {
                retire_errno = errno;
                retire(s);
                (*retired)++;
            }
            /* Counted down only now, so that an acquire that sees the
             * count at zero knows no slot is still on its way. */
            atomic_fetch_sub_explicit(&p->decommit_len, 1, memory_order_release);
        }
    }
    atomic_fetch_add_explicit(&p->decommit_batches, 1, memory_order_relaxed);
    if (*retired)
        errno = retire_errno;
    return made;
}

gcp_status gcp_pool_trim(gcp_pool *pool)
{
    if (!pool)
        return GCP_EINVAL;
    /* Ask the kernel again, even if it refused before. */
    atomic_store_explicit(&pool->zero_in_place, false, memory_order_relaxed);
    /* Every warm slot joins the queue, to give back all of its memory. */
    for (uint32_t i = 0; i < pool->nshards; i++) {
        shard *sh = &pool->shards[i];
        uint32_t idx;
        while ((idx = warm_pop(pool, sh)) != UINT32_MAX) {
            gcp_slot *s = &pool->slots[idx];
            atomic_store_explicit(&s->state, GCP_SLOT_RESETTING, memory_order_relaxed);
            s->decommit_all = true;
            atomic_fetch_add_explicit(&pool->decommit_len, 1, memory_order_relaxed);
            stack_push(pool, &pool->decommit, idx);
        }
    }
    uint32_t retired;
    drain_decommit_queue(pool, true, &retired);
    int err = errno;
    gcp_status st = retired ? GCP_ESYS : GCP_OK;
    /* Retired slots: one more try at a known state. */
    for (uint32_t i = 0; i < pool->cfg.num_slots; i++) {
        gcp_slot *s = &pool->slots[i];
        int expect = GCP_SLOT_RETIRED;
        if (!atomic_compare_exchange_strong_explicit(&s->state, &expect, GCP_SLOT_RESETTING,
                                                     memory_order_acq_rel, memory_order_relaxed))
            continue;
        if (gcp__slot_repair(s) == GCP_OK) {
            atomic_store_explicit(&s->state, GCP_SLOT_FREE, memory_order_release);
            stack_push(pool, &pool->cold, i);
        } else {
            err = errno;
            retire(s);
            st = GCP_ESYS;
        }
    }
    errno = err;
    return st;
}

/* -------------------------------------------------------- acquire/release */

/* No warm slot anywhere: a cold one, else the decommit queue's.  While
 * another thread is giving back queued slots (the count is not yet zero),
 * waits for them rather than report an exhaustion that is not one. */
static uint32_t acquire_slow(gcp_pool *pool, shard *sh)
{
    for (;;) {
        uint32_t idx = stack_pop(pool, &pool->cold);
        if (idx != UINT32_MAX)
            return idx;
        uint32_t retired;
        if (drain_decommit_queue(pool, false, &retired)) {
            if ((idx = pop_any_warm(pool, sh)) != UINT32_MAX)
                return idx;
            continue;
        }
        if (atomic_load_explicit(&pool->decommit_len, memory_order_acquire) != 0) {
            sched_yield();
            continue;
        }
        /* Nothing was on its way; a last look at the warm stacks, which
         * another thread's pass may have filled. */
        if ((idx = pop_any_warm(pool, sh)) != UINT32_MAX)
            return idx;
        if (atomic_load_explicit(&pool->decommit_len, memory_order_acquire) == 0)
            return UINT32_MAX;
    }
}

gcp_status gcp_pool_acquire(gcp_pool *pool, gcp_heap **out)
{
    if (!pool || !out)
        return GCP_EINVAL;
    shard *sh = my_shard(pool);
    uint32_t idx = pop_any_warm(pool, sh);
    if (idx == UINT32_MAX)
        idx = acquire_slow(pool, sh);
    if (idx == UINT32_MAX) {
        atomic_fetch_add_explicit(&pool->exhaustions, 1, memory_order_relaxed);
        return GCP_EEXHAUSTED;
    }
    gcp_slot *s = &pool->slots[idx];
    gcp_status st = gcp__slot_prepare(s);
    if (st != GCP_OK) {
        int saved = errno;
        stack_push(pool, &pool->cold, idx);
        errno = saved;
        return st;
    }
    gcp__heap_ops.reset(s->heap);
    atomic_store_explicit(&s->state, GCP_SLOT_IN_USE, memory_order_relaxed);
    atomic_fetch_add_explicit(&sh->acquires, 1, memory_order_relaxed);
    *out = s->heap;
    return GCP_OK;
}

/* The slot behind heap if it is one of this pool's, else NULL. */
static gcp_slot *slot_of(gcp_pool *pool, gcp_heap *heap)
{
    const gcp_mem *mem = gcp__heap_ops.mem(heap);
    if (mem->kind != GCP_MEM_POOLED)
        return NULL;
    gcp_slot *s = mem->owner;
    uintptr_t lo = (uintptr_t)pool->slots;
    uintptr_t hi = (uintptr_t)(pool->slots + pool->cfg.num_slots);
    uintptr_t at = (uintptr_t)s;
    if (at < lo || at >= hi || (at - lo) % sizeof *s != 0 || s->heap != heap)
        return NULL;
    return s;
}

gcp_status gcp_pool_release(gcp_pool *pool, gcp_heap *heap)
{
    if (!pool || !heap)
        return GCP_EINVAL;
    gcp_slot *s = slot_of(pool, heap);
    if (!s)
        return GCP_EFOREIGN;
    int expect = GCP_SLOT_IN_USE;
    if (!atomic_compare_exchange_strong_explicit(&s->state, &expect, GCP_SLOT_RESETTING,
                                                 memory_order_acq_rel, memory_order_relaxed))
        return GCP_EDOUBLE;
    /* A collection in progress ends while the heap is still intact: its
     * abort may write (a sweep hands back what it swept), and nothing may
     * write into the heap once it is zeroed below. */
    size_t dirty;
    size_t high_water = gcp__heap_ops.release(heap, &dirty);
    shard *sh = my_shard(pool);
    gcp_scrub_result res;
    size_t excess;
    gcp_status st = gcp__slot_scrub(s, high_water, dirty, &res, &excess);
    atomic_fetch_add_explicit(&sh->bytes_zeroed, res.zeroed, memory_order_relaxed);
    atomic_fetch_add_explicit(&sh->releases, 1, memory_order_relaxed);
    if (st != GCP_OK) {
        /* A refused shrink that could not be undone: the slot's
         * protection is unknown, so it is retired (visibly) rather than
         * handed to another store. */
        retire(s);
        return st;
    }
    bool warm_room = atomic_load_explicit(&sh->warm_count, memory_order_relaxed) < sh->warm_quota;
    if (excess == 0 && warm_room) {
        atomic_store_explicit(&s->state, GCP_SLOT_FREE, memory_order_relaxed);
        atomic_fetch_add_explicit(&sh->warm_count, 1, memory_order_relaxed);
        stack_push(pool, &sh->warm, s->index);
        return GCP_OK;
    }
    /* Memory to give back: past keep_resident, or all of it when this
     * shard already keeps its share of warm slots. */
    s->decommit_all = !warm_room;
    uint32_t queued = atomic_fetch_add_explicit(&pool->decommit_len, 1, memory_order_relaxed) + 1;
    stack_push(pool, &pool->decommit, s->index);
    if (queued >= DECOMMIT_BATCH) {
        uint32_t retired;
        drain_decommit_queue(pool, false, &retired);
        if (retired)
            return GCP_ESYS;
    }
    return GCP_OK;
}

gcp_status gcp_pool_stats_read(const gcp_pool *pool, gcp_pool_stats *user_out, size_t size)
{
    if (!pool || !user_out)
        return GCP_EINVAL;
    gcp_pool_stats full, *out = &full;   /* copied out at the caller's size */
    gcp_pool *p = (gcp_pool *)pool;
    memset(out, 0, sizeof *out);
    out->num_slots = p->cfg.num_slots;
    out->reserved_bytes = p->region_size;
    for (uint32_t i = 0; i < p->nshards; i++) {
        shard *sh = &p->shards[i];
        out->acquires += atomic_load_explicit(&sh->acquires, memory_order_relaxed);
        out->releases += atomic_load_explicit(&sh->releases, memory_order_relaxed);
        out->bytes_zeroed += atomic_load_explicit(&sh->bytes_zeroed, memory_order_relaxed);
        out->warm_slots += atomic_load_explicit(&sh->warm_count, memory_order_relaxed);
    }
    /* One pass over the states, so that in_use + free + retired adds up. */
    for (uint32_t i = 0; i < p->cfg.num_slots; i++) {
        int state = atomic_load_explicit(&p->slots[i].state, memory_order_relaxed);
        if (state == GCP_SLOT_IN_USE)
            out->slots_in_use++;
        else if (state == GCP_SLOT_RETIRED)
            out->retired_slots++;
        else
            out->free_slots++;
    }
    out->bytes_zeroed += atomic_load(&p->bytes_zeroed_fallback);
    out->zero_in_place = atomic_load(&p->zero_in_place);
    out->exhaustions = atomic_load(&p->exhaustions);
    out->bytes_decommitted = atomic_load(&p->bytes_decommitted);
    out->decommit_batches = atomic_load(&p->decommit_batches);
    out->decommit_queued = atomic_load(&p->decommit_len);
    out->slot_stride = p->layout.stride;
    out->implicit_bounds = gcp__layout_implicit_bounds(&p->layout);
    for (uint32_t i = 0; i < p->cfg.num_slots; i++)
        out->resident_bytes += atomic_load_explicit(&p->slots[i].resident, memory_order_relaxed);
    return gcp__stats_copy_out(out, user_out, size);
}

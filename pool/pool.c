/* The slot pool: one reservation, a LIFO stack of free slots (the most
 * recently released, warmest slot is handed out first) and statistics. */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <string.h>

#include "gcpool.h"
#include "lib/alloc.h"
#include "lib/heap.h"
#include "lib/types.h"
#include "pool/slot.h"
#include "pool/trap.h"
#include "pool/vm.h"

struct gcp_pool {
    gcp_pool_config cfg;
    gcp_layout layout;
    uint8_t *region;
    size_t region_size;
    gcp_slot *slots;
    uint32_t *free_stack;     /* slot indices; top is the warmest */
    uint32_t free_top;
    pthread_mutex_t lock;
    atomic_uint_fast64_t in_use, acquires, releases, exhaustions;
    atomic_uint_fast64_t bytes_zeroed, bytes_decommitted, decommit_batches;
    uint32_t trap_id;         /* entry in the trap region registry */
};

gcp_pool_config gcp_pool_config_default(void)
{
    gcp_pool_config c = {
        .num_slots = 128,
        .max_heap_bytes = UINT64_C(1) << 32,
        .initial_heap_bytes = 4096,
        .reservation_bytes = UINT64_C(1) << 32,
        .guard_bytes = UINT64_C(1) << 31,
        .keep_resident_bytes = UINT64_C(1) << 20,
        .max_unused_warm_slots = 16,
        .collector = GCP_COLLECTOR_NULL,
        .gc_step_budget = 10000,
        .types = NULL,
    };
    return c;
}

static void destroy_slots(gcp_pool *p, uint32_t n)
{
    for (uint32_t i = 0; i < n; i++)
        gcp__heap_destroy(p->slots[i].heap);
}

gcp_status gcp_pool_new(const gcp_pool_config *cfg, gcp_pool **out)
{
    if (!cfg || !out)
        return GCP_EINVAL;
    gcp_layout layout;
    gcp_status st = gcp__layout_from_config(cfg, &layout);
    if (st != GCP_OK)
        return st;
    if (cfg->num_slots == 0)
        return GCP_EINVAL;
    /* guard + n * stride must not overflow. */
    if (layout.stride > (SIZE_MAX - layout.guard) / cfg->num_slots)
        return GCP_EINVAL;
    gcp_pool *p = gcp__calloc(1, sizeof *p);
    if (!p)
        return GCP_ENOMEM;
    p->cfg = *cfg;
    p->layout = layout;
    p->region_size = layout.guard + (size_t)cfg->num_slots * layout.stride;
    p->slots = gcp__calloc(cfg->num_slots, sizeof *p->slots);
    p->free_stack = gcp__calloc(cfg->num_slots, sizeof *p->free_stack);
    if (!p->slots || !p->free_stack) {
        st = GCP_ENOMEM;
        goto fail_meta;
    }
    st = gcp__vm_reserve(p->region_size, &p->region);
    if (st != GCP_OK)
        goto fail_meta;
    uint32_t built = 0;
    for (; built < cfg->num_slots; built++) {
        gcp_slot *s = &p->slots[built];
        s->base = p->region + layout.guard + (size_t)built * layout.stride;
        s->layout = &p->layout;
        s->pool = p;
        s->index = built;
        atomic_init(&s->state, GCP_SLOT_FREE);
        gcp_mem mem = {.base = s->base, .bound = 0, .max = layout.max,
                       .grow = gcp__slot_grow, .owner = s};
        st = gcp__heap_create(cfg, &mem, true, &s->heap);
        if (st != GCP_OK)
            goto fail_heaps;
        /* Pop order: slot 0 first. */
        p->free_stack[cfg->num_slots - 1 - built] = built;
    }
    /* Trap handling: make the region known to the fault handler. */
    st = gcp__trap_register(p->region, p->region_size, layout.guard, layout.stride,
                            p->slots, cfg->num_slots, &p->trap_id);
    if (st != GCP_OK)
        goto fail_heaps;
    p->free_top = cfg->num_slots;
    pthread_mutex_init(&p->lock, NULL);
    gcp__types_retain(cfg->types);
    *out = p;
    return GCP_OK;

fail_heaps:
    destroy_slots(p, built);
    {
        int saved = errno;
        gcp__vm_unreserve(p->region, p->region_size);
        errno = saved;
    }
fail_meta:
    {
        int saved = errno;
        gcp__free(p->slots);
        gcp__free(p->free_stack);
        gcp__free(p);
        errno = saved;
    }
    return st;
}

gcp_status gcp_pool_free(gcp_pool *pool)
{
    if (!pool)
        return GCP_OK;
    if (atomic_load(&pool->in_use) != 0)
        return GCP_EBUSY;
    gcp__trap_unregister(pool->trap_id);
    destroy_slots(pool, pool->cfg.num_slots);
    gcp__vm_unreserve(pool->region, pool->region_size);
    gcp_types_release(pool->cfg.types);
    pthread_mutex_destroy(&pool->lock);
    gcp__free(pool->slots);
    gcp__free(pool->free_stack);
    gcp__free(pool);
    return GCP_OK;
}

gcp_status gcp_pool_acquire(gcp_pool *pool, gcp_heap **out)
{
    if (!pool || !out)
        return GCP_EINVAL;
    pthread_mutex_lock(&pool->lock);
    if (pool->free_top == 0) {
        pthread_mutex_unlock(&pool->lock);
        atomic_fetch_add_explicit(&pool->exhaustions, 1, memory_order_relaxed);
        return GCP_EEXHAUSTED;
    }
    uint32_t idx = pool->free_stack[--pool->free_top];
    pthread_mutex_unlock(&pool->lock);

    gcp_slot *s = &pool->slots[idx];
    gcp_status st = gcp__slot_prepare(s);
    if (st != GCP_OK) {
        int saved = errno;
        pthread_mutex_lock(&pool->lock);
        pool->free_stack[pool->free_top++] = idx;
        pthread_mutex_unlock(&pool->lock);
        errno = saved;
        return st;
    }
    gcp__heap_reset(s->heap);
    atomic_store_explicit(&s->state, GCP_SLOT_IN_USE, memory_order_release);
    atomic_fetch_add_explicit(&pool->in_use, 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&pool->acquires, 1, memory_order_relaxed);
    *out = s->heap;
    return GCP_OK;
}

/* The slot behind heap if it is one of this pool's, else NULL. */
static gcp_slot *slot_of(gcp_pool *pool, gcp_heap *heap)
{
    if (!heap->pooled)
        return NULL;
    gcp_slot *s = heap->mem.owner;
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
    if (!atomic_compare_exchange_strong(&s->state, &expect, GCP_SLOT_RESETTING))
        return GCP_EDOUBLE;
    gcp_scrub_result res;
    gcp_status st = gcp__slot_scrub(s, &res);
    atomic_fetch_add_explicit(&pool->bytes_zeroed, res.zeroed, memory_order_relaxed);
    if (res.decommitted) {
        atomic_fetch_add_explicit(&pool->bytes_decommitted, res.decommitted, memory_order_relaxed);
        atomic_fetch_add_explicit(&pool->decommit_batches, 1, memory_order_relaxed);
    }
    atomic_fetch_sub_explicit(&pool->in_use, 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&pool->releases, 1, memory_order_relaxed);
    if (st != GCP_OK) {
        /* The memory could not be scrubbed: the slot is retired rather
         * than handed to another store with stale contents. */
        return st;
    }
    gcp__heap_reset(s->heap);
    atomic_store_explicit(&s->state, GCP_SLOT_FREE, memory_order_release);
    pthread_mutex_lock(&pool->lock);
    pool->free_stack[pool->free_top++] = s->index;
    pthread_mutex_unlock(&pool->lock);
    return GCP_OK;
}

gcp_status gcp_pool_stats_get(const gcp_pool *pool, gcp_pool_stats *out)
{
    if (!pool || !out)
        return GCP_EINVAL;
    gcp_pool *p = (gcp_pool *)pool;
    memset(out, 0, sizeof *out);
    out->num_slots = p->cfg.num_slots;
    out->slots_in_use = (uint32_t)atomic_load(&p->in_use);
    out->reserved_bytes = p->region_size;
    out->acquires = atomic_load(&p->acquires);
    out->releases = atomic_load(&p->releases);
    out->exhaustions = atomic_load(&p->exhaustions);
    out->bytes_zeroed = atomic_load(&p->bytes_zeroed);
    out->bytes_decommitted = atomic_load(&p->bytes_decommitted);
    out->decommit_batches = atomic_load(&p->decommit_batches);
    out->slot_stride = p->layout.stride;
    out->implicit_bounds = gcp__layout_implicit_bounds(&p->layout);
    pthread_mutex_lock(&p->lock);
    uint64_t resident = 0;
    uint32_t warm = 0;
    for (uint32_t i = 0; i < p->cfg.num_slots; i++) {
        size_t b = p->slots[i].heap->mem.bound;
        resident += b;
        if (b && atomic_load(&p->slots[i].state) == GCP_SLOT_FREE)
            warm++;
    }
    pthread_mutex_unlock(&p->lock);
    out->resident_bytes = resident;
    out->warm_slots = warm;
    return GCP_OK;
}

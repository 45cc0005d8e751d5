/* SPDX-License-Identifier: MIT */
#include "pool/slot.h"

#include <inttypes.h>
#include <string.h>

#include "lib/error.h"
#include "lib/poolcfg.h"
#include "pool/vm.h"

#define FOUR_GIB (UINT64_C(1) << 32)

static bool page_multiple(uint64_t v, size_t page) { return (v % page) == 0; }

gcp_status gcp__layout_from_config(const gcp_pool_config *cfg, gcp_layout *out)
{
    if (!cfg || !out)
        return gcp__fail(GCP_EINVAL, "configuration is NULL");
    size_t page = gcp__vm_page_size();
    if (cfg->max_heap_bytes == 0 || cfg->max_heap_bytes > FOUR_GIB)
        return gcp__fail(GCP_EINVAL, "max_heap_bytes = %" PRIu64 ": must be 1 page..4 GiB",
                         cfg->max_heap_bytes);
    if (cfg->initial_heap_bytes == 0 || cfg->initial_heap_bytes > cfg->max_heap_bytes)
        return gcp__fail(GCP_EINVAL, "initial_heap_bytes = %" PRIu64 ": must be 1 page..max_heap_bytes "
                         "(%" PRIu64 ")", cfg->initial_heap_bytes, cfg->max_heap_bytes);
    if (cfg->reservation_bytes < cfg->max_heap_bytes || cfg->reservation_bytes > (UINT64_C(1) << 40))
        return gcp__fail(GCP_EINVAL, "reservation_bytes = %" PRIu64 ": must be max_heap_bytes "
                         "(%" PRIu64 ")..1 TiB", cfg->reservation_bytes, cfg->max_heap_bytes);
    if (cfg->guard_bytes > (UINT64_C(1) << 40))
        return gcp__fail(GCP_EINVAL, "guard_bytes = %" PRIu64 ": must be at most 1 TiB",
                         cfg->guard_bytes);
    if (!page_multiple(cfg->max_heap_bytes, page) || !page_multiple(cfg->initial_heap_bytes, page) ||
        !page_multiple(cfg->reservation_bytes, page) || !page_multiple(cfg->guard_bytes, page) ||
        !page_multiple(cfg->keep_resident_bytes, page))
        return gcp__fail(GCP_EINVAL, "%s is not a multiple of the page size (%zu)",
                         !page_multiple(cfg->max_heap_bytes, page) ? "max_heap_bytes"
                         : !page_multiple(cfg->initial_heap_bytes, page) ? "initial_heap_bytes"
                         : !page_multiple(cfg->reservation_bytes, page) ? "reservation_bytes"
                         : !page_multiple(cfg->guard_bytes, page) ? "guard_bytes"
                         : "keep_resident_bytes", page);
    if (cfg->collector != GCP_COLLECTOR_NULL && cfg->collector != GCP_COLLECTOR_DRC &&
        cfg->collector != GCP_COLLECTOR_MARKSWEEP && cfg->collector != GCP_COLLECTOR_COMPACT)
        return gcp__fail(GCP_EINVAL, "collector = %d: not a gcp_collector", (int)cfg->collector);
    if (cfg->gc_step_budget == 0)
        return gcp__fail(GCP_EINVAL, "gc_step_budget = 0: must be at least 1");
    if (cfg->gc_step_time_us > GCP__STEP_TIME_US_MAX)
        return gcp__fail(GCP_EINVAL, "gc_step_time_us = %" PRIu64 ": must be 0..%" PRIu64
                         " (10 s)", cfg->gc_step_time_us, (uint64_t)GCP__STEP_TIME_US_MAX);
    if (cfg->gc_heap_growth_percent > 10000)
        return gcp__fail(GCP_EINVAL, "gc_heap_growth_percent = %u: must be 0..10000",
                         cfg->gc_heap_growth_percent);
    /* Huge pages need every heap base on a 2 MiB boundary. */
    if (cfg->huge_pages && (cfg->reservation_bytes % GCP_HUGE_PAGE || cfg->guard_bytes % GCP_HUGE_PAGE))
        return gcp__fail(GCP_EINVAL, "huge_pages: %s = %" PRIu64 " is not a multiple of 2 MiB",
                         cfg->reservation_bytes % GCP_HUGE_PAGE ? "reservation_bytes" : "guard_bytes",
                         cfg->reservation_bytes % GCP_HUGE_PAGE ? cfg->reservation_bytes
                                                                : cfg->guard_bytes);
    out->page = page;
    out->max = (size_t)cfg->max_heap_bytes;
    out->initial = (size_t)cfg->initial_heap_bytes;
    out->reservation = (size_t)cfg->reservation_bytes;
    out->guard = (size_t)cfg->guard_bytes;
    /* Keeping more than the heap can ever have is the same as keeping all. */
    out->keep_resident = cfg->keep_resident_bytes < cfg->max_heap_bytes
                             ? (size_t)cfg->keep_resident_bytes : (size_t)cfg->max_heap_bytes;
    out->stride = out->reservation + out->guard;
    out->huge = cfg->huge_pages;
    return GCP_OK;
}

gcp_status gcp__layout_setup(const gcp_pool_config *user_cfg, gcp_pool_config *cfg,
                             gcp_layout *layout)
{
    gcp_status st = gcp__config_copy(user_cfg, cfg);
    return st == GCP_OK ? gcp__layout_from_config(cfg, layout) : st;
}

gcp_status gcp__slot_reserve(size_t size, bool huge, gcp_vm_map *map, uint8_t **region)
{
    gcp_status st = gcp__vm_reserve_aligned(size, huge ? GCP_HUGE_PAGE : 0, map, region);
    if (st == GCP_OK && huge)
        gcp__vm_advise_huge(*region, size);
    return st;
}

bool gcp__layout_implicit_bounds(const gcp_layout *l)
{
    /* The largest address compiled code can form is base + (2^32 - 1) +
     * (guard - 1); it must land in this slot's reservation or guard. */
    return (uint64_t)l->reservation >= FOUR_GIB;
}

static size_t round_up(size_t v, size_t unit) { return (v + unit - 1) / unit * unit; }

/* Where one growth step from `bound` lands when at least min_bound bytes
 * are asked for: twice the bound or min_bound, whichever is more, in whole
 * pages (whole 2 MiB pages past 2 MiB with huge pages), at most max. */
static size_t grow_target(const gcp_layout *l, size_t bound, size_t min_bound)
{
    size_t want = bound * 2;
    if (want < min_bound)
        want = min_bound;
    want = round_up(want, l->page);
    if (l->huge && want > GCP_HUGE_PAGE)
        want = round_up(want, GCP_HUGE_PAGE);
    return want > l->max ? l->max : want;
}

gcp_status gcp__slot_grow(gcp_mem *mem, size_t min_bound)
{
    gcp_slot *slot = mem->owner;
    const gcp_layout *l = slot->layout;
    if (min_bound <= mem->bound)
        return GCP_OK;
    if (min_bound > l->max)
        return GCP_ELIMIT;
    size_t want = grow_target(l, mem->bound, min_bound);
    gcp_status st = gcp__vm_commit(mem->base + mem->bound, want - mem->bound);
    if (st != GCP_OK)
        return st;
    mem->bound = want;
    if (atomic_load_explicit(&slot->resident, memory_order_relaxed) < want)
        atomic_store_explicit(&slot->resident, want, memory_order_relaxed);
    return GCP_OK;
}

gcp_status gcp__slot_prepare(gcp_slot *slot)
{
    gcp_mem *mem = &slot->mem;
    if (mem->bound >= slot->layout->initial)
        return GCP_OK;
    gcp_status st = gcp__vm_commit(mem->base + mem->bound, slot->layout->initial - mem->bound);
    if (st == GCP_OK) {
        mem->bound = slot->layout->initial;
        if (atomic_load_explicit(&slot->resident, memory_order_relaxed) < mem->bound)
            atomic_store_explicit(&slot->resident, mem->bound, memory_order_relaxed);
    }
    return st;
}

/* The bound a heap that handed out high_water bytes reaches when it grows
 * as allocation asks, one step at a time from the initial size. */
static size_t need_of(const gcp_layout *l, size_t high_water)
{
    size_t b = l->initial;
    while (b < high_water && b < l->max)
        b = grow_target(l, b, b + 1);
    return b;
}

/* Makes [want, bound) inaccessible and lowers the bound.  A refusal keeps
 * the old bound: the bytes are still accessible (mprotect may have changed
 * part of the range, so the old protection is put back first) and the
 * caller has made them zero.  GCP_ESYS only when putting it back fails. */
static gcp_status shrink_bound(gcp_mem *mem, size_t want)
{
    if (gcp__vm_protect_none(mem->base + want, mem->bound - want) == GCP_OK) {
        mem->bound = want;
        return GCP_OK;
    }
    return gcp__vm_commit(mem->base + want, mem->bound - want);
}

gcp_status gcp__slot_scrub(gcp_slot *slot, size_t high_water, size_t dirty,
                           gcp_scrub_result *res, size_t *excess)
{
    gcp_mem *mem = &slot->mem;
    const gcp_layout *l = slot->layout;
    size_t bound = mem->bound;
    size_t keep = bound < l->keep_resident ? bound : l->keep_resident;
    /* Every accessible byte read zero when the holder got the heap, and it
     * wrote only below dirty. */
    size_t zero = dirty < keep ? dirty : keep;
    memset(mem->base, 0, zero);
    res->zeroed = zero;
    res->decommitted = 0;
    *excess = dirty > keep ? bound - keep : 0;
    /* The next holder starts with what the smaller of the last two needed:
     * a holder's bound is all that its compiled code can dirty, so a small
     * bound after one big store keeps the next resets small, and shrinking
     * costs one mprotect, paid here by the store that grew it. */
    size_t need = need_of(l, high_water < bound ? high_water : bound);
    size_t prev = slot->last_need ? slot->last_need : l->initial;
    slot->plan = need < prev ? need : prev;
    slot->last_need = need;
    /* Past keep_resident, the decommit queue shrinks after the give-back;
     * a bound close to the plan is kept (no mprotect for a small gain). */
    if (*excess || slot->plan > bound / 4)
        return GCP_OK;
    /* The bytes past the new bound were just zeroed; they stay resident. */
    return shrink_bound(mem, slot->plan);
}

size_t gcp__slot_decommit_range(const gcp_slot *slot, bool all, uint8_t **start)
{
    const gcp_mem *mem = &slot->mem;
    size_t from = all ? 0 : slot->layout->keep_resident;
    if (from > mem->bound)
        from = mem->bound;
    *start = mem->base + from;
    return mem->bound - from;
}

gcp_status gcp__slot_after_decommit(gcp_slot *slot, bool all, bool given_back)
{
    gcp_mem *mem = &slot->mem;
    const gcp_layout *l = slot->layout;
    size_t keep = all ? 0 : l->keep_resident;
    /* Given back, what stays resident is what lay below keep_resident,
     * whether the bound shrinks below it or not (it stays zero). */
    size_t resident = given_back ? (keep < mem->bound ? keep : mem->bound)
                                 : (size_t)atomic_load_explicit(&slot->resident,
                                                                memory_order_relaxed);
    /* Down to keep_resident, and below it only to a plan that is at most a
     * quarter of it, as in gcp__slot_scrub. */
    size_t new_bound = all ? 0 : slot->plan > keep / 4 ? keep : slot->plan;
    if (new_bound < l->initial)
        new_bound = l->initial;
    if (new_bound < mem->bound) {
        gcp_status st = shrink_bound(mem, new_bound);
        if (st != GCP_OK)
            return st;
    }
    /* Zeroed in place, the memory stays resident (and the protection
     * change keeps it so). */
    atomic_store_explicit(&slot->resident, resident, memory_order_relaxed);
    return GCP_OK;
}

gcp_status gcp__slot_repair(gcp_slot *slot)
{
    gcp_mem *mem = &slot->mem;
    const gcp_layout *l = slot->layout;
    gcp_status st = gcp__vm_commit(mem->base, mem->bound);
    if (st != GCP_OK)
        return st;
    memset(mem->base, 0, mem->bound);
    st = gcp__vm_protect_none(mem->base + mem->bound, l->reservation - mem->bound);
    if (st != GCP_OK)
        return st;
    if (atomic_load_explicit(&slot->resident, memory_order_relaxed) < mem->bound)
        atomic_store_explicit(&slot->resident, mem->bound, memory_order_relaxed);
    return GCP_OK;
}

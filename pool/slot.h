/* SPDX-License-Identifier: MIT */
/* A slot: one heap's share of reserved address space, and the memory
 * operations on it that pools and on-demand heaps have in common. */
#ifndef GCP_POOL_SLOT_H
#define GCP_POOL_SLOT_H

#include <stdalign.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "gcpool.h"
#include "lib/mem.h"
#include "pool/vm.h"

/* Sizes from a validated configuration, all in bytes and page multiples. */
typedef struct gcp_layout {
    size_t page;
    size_t max;           /* max heap bytes */
    size_t initial;       /* accessible at acquire */
    size_t reservation;   /* reserved per heap, >= max */
    size_t guard;         /* inaccessible after each reservation */
    size_t keep_resident; /* kept (zeroed) on release */
    size_t stride;        /* reservation + guard */
    bool huge;            /* huge pages asked for: grow in 2 MiB steps past 2 MiB */
} gcp_layout;

/* Validates cfg and derives the layout.  GCP_EINVAL with no side effects. */
gcp_status gcp__layout_from_config(const gcp_pool_config *cfg, gcp_layout *out);
/* The setup pools and on-demand heaps share: copies the caller's config
 * (which may be of an older or newer size) to *cfg, validates it and
 * derives *layout.  Statuses of gcp__config_copy and the above. */
gcp_status gcp__layout_setup(const gcp_pool_config *user_cfg, gcp_pool_config *cfg,
                             gcp_layout *layout);
/* Reserves a region of size bytes for slots (2 MiB-aligned and advised
 * for huge pages when huge).  Statuses of gcp__vm_reserve_aligned. */
gcp_status gcp__slot_reserve(size_t size, bool huge, gcp_vm_map *map, uint8_t **region);
/* Does the layout keep every ref + offset (< guard) inside its slot? */
bool gcp__layout_implicit_bounds(const gcp_layout *l);

/* What a slot reset did, for the owner's statistics. */
typedef struct gcp_scrub_result {
    size_t zeroed;
    size_t decommitted;
} gcp_scrub_result;

/* Each slot on its own cache line(s): slots of different threads' heaps
 * are written concurrently. */
typedef struct gcp_slot {
    alignas(64) gcp_heap *heap;            /* built once, reset between holders */
    gcp_mem mem;               /* the heap's memory descriptor, owned here */
    uint8_t *base;             /* heap base inside the reservation */
    const gcp_layout *layout;
    struct gcp_pool *pool;     /* NULL for on-demand heaps */
    uint32_t index;
    atomic_int state;          /* GCP_SLOT_* */
    _Atomic uint32_t next;     /* link in the pool's free stacks (index + 1, 0 ends) */
    size_t last_need;          /* the bound the last holder needed (0: none yet) */
    size_t plan;               /* the bound its next holder starts with, set by scrub */
    bool decommit_all;         /* queued to give back everything, not just the excess */
    /* Bytes of this slot that may be resident: written by the slot's
     * current owner only, read by statistics. */
    _Atomic uint64_t resident;
} gcp_slot;

/* FREE: on a free stack (or on its way to one); IN_USE: acquired;
 * RESETTING: being released or given back; RETIRED: its memory could be
 * neither restored nor zeroed (two system calls refused in a row), so it
 * is kept out of use until gcp__slot_repair succeeds (gcp_pool_trim). */
enum { GCP_SLOT_FREE = 0, GCP_SLOT_IN_USE = 1, GCP_SLOT_RESETTING = 2, GCP_SLOT_RETIRED = 3 };

/* The gcp_mem grow callback for slots: doubles the bound (at least to
 * min_bound, at most to max) with one mprotect. */
gcp_status gcp__slot_grow(gcp_mem *mem, size_t min_bound);
/* Makes sure the slot's first layout->initial bytes are accessible. */
gcp_status gcp__slot_prepare(gcp_slot *slot);
/* Zeroes in place what the holder could have written, up to keep_resident
 * bytes, and reports in *excess how many bytes past that are still dirty
 * (they must go through the decommit queue before the slot is reused).
 * high_water is what the heap handed out, dirty what its holder may have
 * written from the base (at most the bound): only that much is zeroed, and
 * the excess is only there when dirty reaches past keep_resident (the rest
 * of the bound is still zero from the previous scrubs).  Then sets the bound the next
 * holder starts with: what the smaller of the last two holders needed
 * (the bound growth from the initial size reaches for its high water), so
 * one big holder among small ones leaves a small bound behind, and a run
 * of big ones keeps theirs.  Without excess the bound shrinks to it here
 * when that is at most a quarter of the bound (the memory past it stays
 * resident, zero and inaccessible); with excess gcp__slot_after_decommit
 * does.  A refused shrink keeps the larger bound (it is zero too).
 * Afterwards every byte below min(bound, keep_resident) reads zero.
 * GCP_ESYS only when the refused shrink could not be undone either: the
 * protection of the slot is then unknown and it must be retired. */
gcp_status gcp__slot_scrub(gcp_slot *slot, size_t high_water, size_t dirty,
                           gcp_scrub_result *res, size_t *excess);
/* Collects the range to give back for a queued slot: everything past
 * keep_resident, or the whole bound when `all`.  Returns its length. */
size_t gcp__slot_decommit_range(const gcp_slot *slot, bool all, uint8_t **start);
/* After the queued range was given back (given_back) or, when the kernel
 * refused, zeroed in place by the caller: shrinks the bound to the one
 * gcp__slot_scrub planned, at most keep_resident (the initial size when
 * `all`), and updates the resident estimate.  A refused shrink keeps the
 * larger bound.  GCP_ESYS (errno kept) only when the refused shrink could
 * not be undone: retire the slot. */
gcp_status gcp__slot_after_decommit(gcp_slot *slot, bool all, bool given_back);
/* Brings a retired slot back to a known state: [0, bound) readable,
 * writable and zero, the rest of its reservation inaccessible.  GCP_ESYS
 * (errno kept) when the kernel refuses; the slot stays retired. */
gcp_status gcp__slot_repair(gcp_slot *slot);

#endif

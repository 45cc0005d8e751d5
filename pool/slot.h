/* A slot: one heap's share of reserved address space, and the memory
 * operations on it that pools and on-demand heaps have in common. */
#ifndef GCP_POOL_SLOT_H
#define GCP_POOL_SLOT_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "gcpool.h"
#include "lib/mem.h"

/* Sizes from a validated configuration, all in bytes and page multiples. */
typedef struct gcp_layout {
    size_t page;
    size_t max;           /* max heap bytes */
    size_t initial;       /* accessible at acquire */
    size_t reservation;   /* reserved per heap, >= max */
    size_t guard;         /* inaccessible after each reservation */
    size_t keep_resident; /* kept (zeroed) on release */
    size_t stride;        /* reservation + guard */
} gcp_layout;

/* Validates cfg and derives the layout.  GCP_EINVAL with no side effects. */
gcp_status gcp__layout_from_config(const gcp_pool_config *cfg, gcp_layout *out);
/* Does the layout keep every ref + offset (< guard) inside its slot? */
bool gcp__layout_implicit_bounds(const gcp_layout *l);

/* What a slot reset did, for the owner's statistics. */
typedef struct gcp_scrub_result {
    size_t zeroed;
    size_t decommitted;
} gcp_scrub_result;

typedef struct gcp_slot {
    gcp_heap *heap;            /* built once, reset between holders */
    uint8_t *base;             /* heap base inside the reservation */
    const gcp_layout *layout;
    struct gcp_pool *pool;     /* NULL for on-demand heaps */
    uint32_t index;
    atomic_int state;          /* GCP_SLOT_* */
} gcp_slot;

enum { GCP_SLOT_FREE = 0, GCP_SLOT_IN_USE = 1, GCP_SLOT_RESETTING = 2 };

/* The gcp_mem grow callback for slots: doubles the bound (at least to
 * min_bound, at most to max) with one mprotect. */
gcp_status gcp__slot_grow(gcp_mem *mem, size_t min_bound);
/* Makes sure the slot's first layout->initial bytes are accessible. */
gcp_status gcp__slot_prepare(gcp_slot *slot);
/* Zeroes what the holder could have written and gives memory past
 * keep_resident back to the kernel, shrinking the bound to keep_resident.
 * Afterwards every byte below the bound reads zero. */
gcp_status gcp__slot_scrub(gcp_slot *slot, gcp_scrub_result *res);

#endif

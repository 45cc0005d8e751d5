/* SPDX-License-Identifier: MIT */
/* The region registry behind trap handling: pools and on-demand heaps
 * register their mappings so that the fault handler can tell a guard-page
 * fault in a heap from any other fault. */
#ifndef GCP_POOL_TRAP_H
#define GCP_POOL_TRAP_H

#include <stddef.h>
#include <stdint.h>

#include "gcpool.h"
#include "pool/slot.h"

/* Registers the mapping [region, region + size): its slots' heap bases are
 * slots[i].base for i < num_slots, stride bytes apart, the first at region +
 * lead (the leading guard).  slots must stay valid until unregistered.
 * Writes the entry id.  GCP_ENOMEM when all GCP_TRAP_MAX_REGIONS entries are
 * in use. */
gcp_status gcp__trap_register(const uint8_t *region, size_t size, size_t lead, size_t stride,
                              const gcp_slot *slots, uint32_t num_slots, uint32_t *out_id);
/* Removes the entry; returns once no fault handler can still be reading
 * it, so the caller may then unmap the region and free the slots. */
void gcp__trap_unregister(uint32_t id);

#endif

/* SPDX-License-Identifier: MIT */
/* Internal entry points of the host-data table for the heap core and the
 * collectors. */
#ifndef GCP_LIB_HOSTDATA_H
#define GCP_LIB_HOSTDATA_H

#include <stdbool.h>
#include <stdint.h>

#include "gcpool.h"

/* Binds the live, unbound id to the externref at ref: from now on only that
 * externref may present it.  GCP_EINVAL (NULL table, id not live, or
 * already bound). */
gcp_status gcp__hostdata_bind(gcp_hostdata *table, uint32_t id, gcp_ref ref);

/* A moving collector moved the externref holding id from `from` to `to`:
 * the binding follows it.  GCP_ESTALE when id is not live or not bound to
 * `from` (callers report corruption), GCP_EINVAL for a zero `to`. */
gcp_status gcp__hostdata_rebind(gcp_hostdata *table, uint32_t id, gcp_ref from, gcp_ref to);

/* Whether id is live in table (not NULL) and not bound yet. */
bool gcp__hostdata_unbound(const gcp_hostdata *table, uint32_t id);

/* The pointer behind id as presented by the externref at ref.  GCP_ESTALE
 * when id is not live in table or is bound to another object (callers
 * report that as corruption: a live externref always holds its own id). */
gcp_status gcp__hostdata_lookup(const gcp_hostdata *table, uint32_t id, gcp_ref ref,
                                void **out);

/* The externref at ref, holding id, was reclaimed: removes the entry and
 * runs its finalizer once.  GCP_ESTALE as for gcp__hostdata_lookup. */
gcp_status gcp__hostdata_reclaim(gcp_hostdata *table, uint32_t id, gcp_ref ref);

/* Removes id without running its finalizer (ownership of the pointer goes
 * back to the caller).  GCP_ESTALE. */
gcp_status gcp__hostdata_forget(gcp_hostdata *table, uint32_t id);

/* Makes every entry free again, retired ones included (their generation
 * wraps to 0), keeping the storage.  Only for a table whose every id died
 * with a heap reset: the store reuses its table for the slot's next holder
 * so.  Finalizes what is left first (gcp_hostdata_clear). */
void gcp__hostdata_renew(gcp_hostdata *table);

/* Lowers the table's capacity (at most the built-in maximum), so that tests
 * can reach GCP_ELIMIT quickly. */
void gcp__hostdata_set_limit(gcp_hostdata *table, uint32_t limit);

/* Entries retired for good because their generation would wrap. */
uint32_t gcp__hostdata_retired(const gcp_hostdata *table);

/* Bits of an id that hold the entry index + 1; the rest is the generation. */
#define GCP_HOSTDATA_INDEX_BITS 22u

#endif

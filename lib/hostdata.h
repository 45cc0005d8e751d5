/* Internal entry points of the host-data table for the heap core and the
 * collectors. */
#ifndef GCP_LIB_HOSTDATA_H
#define GCP_LIB_HOSTDATA_H

#include <stdint.h>

#include "gcpool.h"

/* The externref holding id was reclaimed: removes the entry and runs its
 * finalizer once.  GCP_ESTALE when id is not live in table (collectors report
 * that as corruption: a live externref always holds a live id). */
gcp_status gcp__hostdata_reclaim(gcp_hostdata *table, uint32_t id);

/* Removes id without running its finalizer (ownership of the pointer goes
 * back to the caller).  GCP_ESTALE. */
gcp_status gcp__hostdata_forget(gcp_hostdata *table, uint32_t id);

/* Lowers the table's capacity (at most the built-in maximum), so that tests
 * can reach GCP_ELIMIT quickly. */
void gcp__hostdata_set_limit(gcp_hostdata *table, uint32_t limit);

#endif

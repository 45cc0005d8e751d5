/* SPDX-License-Identifier: MIT */
/* Size-versioned public structs: internal helpers. */
#ifndef GCP_LIB_POOLCFG_H
#define GCP_LIB_POOLCFG_H

#include <stdbool.h>
#include <stdint.h>

#include "gcpool.h"

/* Largest gc_step_time_us gcp_pool_new accepts (10 s). */
#define GCP__STEP_TIME_US_MAX UINT64_C(10000000)

/* Validates the caller's cfg->size and copies the configuration into a
 * full-size *out (fields the caller's version lacks get their defaults).
 * Clears the calling thread's last-error message first: every entry point
 * that takes a configuration calls it before anything else.  GCP_EINVAL
 * (with a message) for NULL, a size below the first versioned struct or
 * between two versions' sizes, or non-zero bytes in fields this library does not know. */
gcp_status gcp__config_copy(const gcp_pool_config *in, gcp_pool_config *out);

/* Whether the environment asks for the debug mode (GCPOOL_DEBUG set to
 * anything but "" or "0"); read at each call.  gcp__config_copy turns
 * cfg->debug on when it does. */
bool gcp__debug_env(void);

/* Copies a full snapshot into the caller's struct of `size` bytes (the
 * tail this library does not know is zeroed); out->size says how many
 * bytes were filled.  GCP_EINVAL for NULL or a too-small size. */
gcp_status gcp__stats_copy_out(const gcp_pool_stats *full, gcp_pool_stats *out, size_t size);

#endif

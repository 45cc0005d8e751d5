/* SPDX-License-Identifier: MIT */
/* Pool configuration defaults and the size-versioned copy of a caller's
 * configuration (see "ABI" in README.md). */
#include "lib/poolcfg.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/error.h"

/* The size of the first versioned gcp_pool_config (88 bytes on LP64, in
 * gcpool 0.2 and 0.3 alike: 0.3's `debug` went into 0.2's tail padding):
 * every caller's struct is at least this large.  Fields added since go
 * after it, so a later library still reads an old caller's struct correctly
 * and gives the later fields their defaults. */
#define CONFIG_MIN_SIZE offsetof(gcp_pool_config, gc_step_time_us)
_Static_assert(CONFIG_MIN_SIZE == 88 || sizeof(void *) != 8,
               "the 0.2/0.3 gcp_pool_config is 88 bytes on LP64: fields go at the end only");
_Static_assert(CONFIG_MIN_SIZE % _Alignof(gcp_pool_config) == 0,
               "an older caller's struct ends where gc_step_time_us begins");
#define STATS_MIN_SIZE sizeof(gcp_pool_stats)

static uint64_t page_size(void)
{
    long v = sysconf(_SC_PAGESIZE);
    return v > 0 ? (uint64_t)v : 4096;
}

static void defaults(gcp_pool_config *c)
{
    memset(c, 0, sizeof *c);
    c->size = sizeof *c;
    c->num_slots = 128;
    c->max_heap_bytes = UINT64_C(1) << 32;
    c->initial_heap_bytes = page_size();
    c->reservation_bytes = UINT64_C(1) << 32;
    c->guard_bytes = UINT64_C(1) << 31;
    c->keep_resident_bytes = UINT64_C(16) << 20;
    c->max_unused_warm_slots = 16;
    c->collector = GCP_COLLECTOR_NULL;
    c->gc_step_budget = 10000;
    c->gc_heap_growth_percent = 300;
    c->types = NULL;
    c->huge_pages = false;
    c->gc_step_time_us = 500;
}

/* Whether size is that of some version's gcp_pool_config: the 0.2/0.3
 * struct, this one, or a later one (larger).  A size in between would end inside
 * a field this library knows. */
static bool config_size_known(size_t size)
{
    return size == CONFIG_MIN_SIZE || size >= sizeof(gcp_pool_config);
}

/* True when bytes [from, to) of p are all zero. */
static bool zero_tail(const void *p, size_t from, size_t to)
{
    const unsigned char *b = p;
    for (size_t i = from; i < to; i++)
        if (b[i])
            return false;
    return true;
}

gcp_status gcp_pool_config_init(gcp_pool_config *cfg, size_t size)
{
    if (!cfg)
        return gcp__fail(GCP_EINVAL, "gcp_pool_config_init: cfg is NULL");
    if (size < CONFIG_MIN_SIZE)
        return gcp__fail(GCP_EINVAL, "gcp_pool_config_init: size %zu is below the smallest "
                                     "gcp_pool_config (%zu bytes)", size, CONFIG_MIN_SIZE);
    if (!config_size_known(size))
        return gcp__fail(GCP_EINVAL, "gcp_pool_config_init: size %zu is not the size of any "
                                     "gcp_pool_config (%zu or %zu bytes, or larger)",
                         size, CONFIG_MIN_SIZE, sizeof(gcp_pool_config));
    gcp_pool_config d;
    defaults(&d);
    /* A caller built against a newer header: the fields this library does
     * not know are zeroed (gcp_pool_new accepts them only while zero).  An
     * older one gets the fields its struct has. */
    memset(cfg, 0, size);
    memcpy(cfg, &d, size < sizeof d ? size : sizeof d);
    cfg->size = size;
    return GCP_OK;
}

bool gcp__debug_env(void)
{
    const char *v = getenv("GCPOOL_DEBUG");
    return v && v[0] != '\0' && strcmp(v, "0") != 0;
}

gcp_status gcp__config_copy(const gcp_pool_config *in, gcp_pool_config *out)
{
    gcp__error_clear();
    if (!in)
        return gcp__fail(GCP_EINVAL, "configuration is NULL");
    size_t size = in->size;
    if (size < CONFIG_MIN_SIZE)
        return gcp__fail(GCP_EINVAL, "config.size is %zu, not the size of a gcp_pool_config "
                                     "(%zu): start from gcp_pool_config_default()",
                         size, CONFIG_MIN_SIZE);
    if (!config_size_known(size))
        return gcp__fail(GCP_EINVAL, "config.size is %zu, not the size of any gcp_pool_config "
                                     "(%zu or %zu bytes, or larger): start from "
                                     "gcp_pool_config_default()",
                         size, CONFIG_MIN_SIZE, sizeof *out);
    if (size > sizeof *out && !zero_tail(in, sizeof *out, size))
        return gcp__fail(GCP_EINVAL, "config sets fields past byte %zu that this gcpool (%s) "
                                     "does not know", sizeof *out, gcp_version());
    defaults(out);
    memcpy(out, in, size < sizeof *out ? size : sizeof *out);
    out->size = sizeof *out;
    if (gcp__debug_env())
        out->debug = true;
    return GCP_OK;
}

gcp_status gcp__stats_copy_out(const gcp_pool_stats *full, gcp_pool_stats *out, size_t size)
{
    if (!out)
        return gcp__fail(GCP_EINVAL, "gcp_pool_stats_read: out is NULL");
    if (size < STATS_MIN_SIZE)
        return gcp__fail(GCP_EINVAL, "gcp_pool_stats_read: size %zu is below the smallest "
                                     "gcp_pool_stats (%zu bytes)", size, STATS_MIN_SIZE);
    size_t n = size < sizeof *full ? size : sizeof *full;
    memset(out, 0, size);
    memcpy(out, full, n);
    out->size = n;
    return GCP_OK;
}

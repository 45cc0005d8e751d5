/* SPDX-License-Identifier: MIT */
/* Shared helpers for the Check suites. */
#ifndef GCP_TESTUTIL_H
#define GCP_TESTUTIL_H

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "gcpool.h"

#define KIB (UINT64_C(1) << 10)
#define MIB (UINT64_C(1) << 20)
#define GIB (UINT64_C(1) << 30)

/* A small, fast pool configuration: 1 MiB heaps in 1 MiB reservations. */
static inline gcp_pool_config small_config(uint32_t slots)
{
    gcp_pool_config c = gcp_pool_config_default();
    c.num_slots = slots;
    c.max_heap_bytes = 1 * MIB;
    c.reservation_bytes = 1 * MIB;
    c.guard_bytes = 64 * KIB;
    c.initial_heap_bytes = 4 * KIB;
    c.keep_resident_bytes = 256 * KIB;
    /* Units only: what a step does must not depend on the machine's speed
     * (tests/test_step_time.c covers the time budget). */
    c.gc_step_time_us = 0;
    return c;
}

#define ck_assert_status(expr, want)                                                   \
    do {                                                                               \
        int got__ = (expr);                                                            \
        ck_assert_msg(got__ == (want), "%s: got %d (%s), want %d (%s)", #expr, got__,  \
                      gcp_strerror(got__), (int)(want), gcp_strerror(want));           \
    } while (0)

#define ck_assert_ok(expr) ck_assert_status(expr, GCP_OK)

/* Writes v into every byte reachable through the heap's base pointer. */
static inline void fill_heap(gcp_heap *h, uint8_t v)
{
    memset(gcp_heap_base(h), v, gcp_heap_bound(h));
}

/* Fails the test unless every accessible byte of the heap reads zero. */
static inline void assert_heap_zero(gcp_heap *h)
{
    const uint8_t *b = gcp_heap_base(h);
    size_t n = gcp_heap_bound(h);
    for (size_t i = 0; i < n; i++)
        if (b[i] != 0)
            ck_abort_msg("byte %zu of %zu reads %#x left by a previous holder", i, n, b[i]);
}

/* Runs a suite and returns the process exit status. */
static inline int run_suite(Suite *s)
{
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

#endif

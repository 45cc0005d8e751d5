/* SPDX-License-Identifier: MIT */
/* gcpool-demo: creates a pool, churns heaps from two threads and prints
 * what it did and the pool's statistics. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gcpool.h"

#define CYCLES 100000

static void *worker(void *arg)
{
    gcp_pool *pool = arg;
    unsigned long errors = 0;
    for (int i = 0; i < CYCLES; i++) {
        gcp_heap *h;
        if (gcp_pool_acquire(pool, &h) != GCP_OK) {
            errors++;
            continue;
        }
        memset(gcp_heap_base(h), 0x5A, 512);
        if (gcp_pool_release(pool, h) != GCP_OK)
            errors++;
    }
    return (void *)errors;
}

int main(void)
{
    gcp_pool_config cfg = gcp_pool_config_default();
    cfg.num_slots = 16;
    gcp_pool *pool;
    gcp_status st = gcp_pool_new(&cfg, &pool);
    if (st != GCP_OK) {
        fprintf(stderr, "gcpool-demo: gcp_pool_new: %s%s%s\n", gcp_strerror(st), *gcp_last_error() ? ": " : "", gcp_last_error());
        return 1;
    }
    pthread_t t[2];
    for (int i = 0; i < 2; i++)
        pthread_create(&t[i], NULL, worker, pool);
    unsigned long errors = 0;
    for (int i = 0; i < 2; i++) {
        void *r;
        pthread_join(t[i], &r);
        errors += (unsigned long)r;
    }
    gcp_pool_stats s;
    gcp_pool_stats_get(pool, &s);
    printf("gcpool-demo: 2 threads x %d acquire/write/release cycles, %lu errors\n", CYCLES, errors);
    printf("  slots %u (in use %u, warm %u), slot stride %llu MiB, reserved %llu GiB\n", s.num_slots,
           s.slots_in_use, s.warm_slots, (unsigned long long)(s.slot_stride >> 20),
           (unsigned long long)(s.reserved_bytes >> 30));
    printf("  acquires %llu, releases %llu, exhaustions %llu\n", (unsigned long long)s.acquires,
           (unsigned long long)s.releases, (unsigned long long)s.exhaustions);
    printf("  bytes zeroed %llu, decommitted %llu, resident %llu\n",
           (unsigned long long)s.bytes_zeroed, (unsigned long long)s.bytes_decommitted,
           (unsigned long long)s.resident_bytes);
    gcp_pool_free(pool);
    return errors ? 1 : 0;
}

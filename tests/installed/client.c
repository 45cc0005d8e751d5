/* SPDX-License-Identifier: MIT */
/* A host built only from the installed package (pkg-config's flags):
 * exercises the version, the last-error detail, a store with collecting
 * allocation of every object kind, and the malloc probe.  Prints
 * "client ok" and exits 0 when every check passed. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gcpool.h>

#include "probe.h"

#define FAIL(...)                                                                        \
    do {                                                                                 \
        fprintf(stderr, "client: " __VA_ARGS__);                                         \
        fprintf(stderr, " (last error: %s)\n", gcp_last_error());                        \
        return 1;                                                                        \
    } while (0)
#define CHECK(expr)                                                                      \
    do {                                                                                 \
        gcp_status st_ = (expr);                                                         \
        if (st_ != GCP_OK)                                                               \
            FAIL("%s: %s", #expr, gcp_strerror(st_));                                    \
    } while (0)

static int finalized;
static void fin(void *p) { (void)p; finalized++; }

int main(void)
{
    char want[32];
    snprintf(want, sizeof want, "%d.%d.%d", GCP_VERSION_MAJOR, GCP_VERSION_MINOR,
             GCP_VERSION_PATCH);
    if (strcmp(gcp_version(), want) != 0 || gcp_version_number() != GCP_VERSION_NUMBER)
        FAIL("library version %s, header %s", gcp_version(), want);

    /* A bad field is named. */
    gcp_pool_config cfg = gcp_pool_config_default();
    cfg.max_heap_bytes = 0;
    gcp_pool *pool;
    if (gcp_pool_new(&cfg, &pool) != GCP_EINVAL || !strstr(gcp_last_error(), "max_heap_bytes"))
        FAIL("a zero max_heap_bytes was not reported as such");

    gcp_types *types;
    uint32_t node, bytes;
    const uint32_t refs[] = {0};
    CHECK(gcp_types_new(&types));
    CHECK(gcp_types_add_struct(types, 8, refs, 1, &node));
    CHECK(gcp_types_add_array(types, 1, false, &bytes));
    cfg = gcp_pool_config_default();
    cfg.num_slots = 2;
    cfg.max_heap_bytes = cfg.reservation_bytes = 256 << 10;
    cfg.guard_bytes = 64 << 10;
    cfg.collector = GCP_COLLECTOR_MARKSWEEP;
    cfg.types = types;
    CHECK(gcp_pool_new(&cfg, &pool));
    gcp_types_release(types);

    gcp_store *store;
    CHECK(gcp_store_new(pool, &store));
    gcp_ref keep;
    CHECK(gcp_store_alloc_struct_gc(store, node, &keep));
    CHECK(gcp_roots_add(gcp_store_roots(store), &keep));
    uint32_t v = 42;
    CHECK(gcp_struct_write(gcp_store_heap(store), keep, 4, &v, sizeof v));
    /* Far more garbage than the heap holds: each kind collects and retries. */
    for (int i = 0; i < 20000; i++) {
        gcp_ref r;
        CHECK(gcp_store_alloc_struct_gc(store, node, &r));
        CHECK(gcp_store_alloc_array_gc(store, bytes, 24, &r));
        CHECK(gcp_store_alloc_externref_gc(store, &finalized, fin, &r));
    }
    v = 0;
    CHECK(gcp_struct_read(gcp_store_heap(store), keep, 4, &v, sizeof v));
    if (v != 42 || gcp_heap_collections(gcp_store_heap(store)) == 0 || finalized == 0)
        FAIL("value %u, %llu collections, %d finalized", v,
             (unsigned long long)gcp_heap_collections(gcp_store_heap(store)), finalized);
    CHECK(gcp_store_free(store));
    gcp_pool_stats stats;
    CHECK(gcp_pool_stats_get(pool, &stats));
    if (stats.size != sizeof stats || stats.acquires != 1)
        FAIL("stats: size %zu, acquires %llu", stats.size, (unsigned long long)stats.acquires);
    CHECK(gcp_pool_free(pool));

    if (!probe_malloc_is_glibc())
        return 1;
    printf("client ok: gcpool %s, %d externrefs finalized\n", gcp_version(), finalized);
    return 0;
}

/* SPDX-License-Identifier: MIT */
/* The checked API's per-object cost, for instruction counting
 * (valgrind --tool=callgrind): STORES stores of K objects each, every
 * object allocated (gcp_heap_alloc_struct), written (gcp_struct_write,
 * 32 bytes) and read back (gcp_struct_read), as in gcpool-bench's churn
 * cycle.  Usage: bench/api_cycle [K [STORES [COLLECTOR]]] (defaults 1024,
 * 64, null); prints the checksum.  Run it twice with different K or
 * STORES and take the difference to remove start-up cost. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gcpool.h>

static int fail(const char *what, gcp_status st)
{
    fprintf(stderr, "api_cycle: %s: %s\n", what, gcp_strerror(st));
    return EXIT_FAILURE;
}

int main(int argc, char **argv)
{
    unsigned long k = argc > 1 ? strtoul(argv[1], NULL, 10) : 1024;
    unsigned long stores = argc > 2 ? strtoul(argv[2], NULL, 10) : 64;
    const char *coll = argc > 3 ? argv[3] : "null";
    gcp_pool_config cfg = gcp_pool_config_default();
    if (strcmp(coll, "drc") == 0)
        cfg.collector = GCP_COLLECTOR_DRC;
    else if (strcmp(coll, "marksweep") == 0)
        cfg.collector = GCP_COLLECTOR_MARKSWEEP;
    else if (strcmp(coll, "null") != 0)
        return fprintf(stderr, "api_cycle: unknown collector %s\n", coll), 2;
    gcp_types *types;
    uint32_t t_obj;
    gcp_status st = gcp_types_new(&types);
    if (st != GCP_OK || (st = gcp_types_add_struct(types, 32, NULL, 0, &t_obj)) != GCP_OK)
        return fail("types", st);
    cfg.types = types;
    cfg.num_slots = 1;
    gcp_pool *pool;
    if ((st = gcp_pool_new(&cfg, &pool)) != GCP_OK)
        return fail("gcp_pool_new", st);
    gcp_ref *refs = calloc(k ? k : 1, sizeof *refs);
    if (!refs)
        return fail("calloc", GCP_ENOMEM);
    uint64_t sum = 0;
    for (unsigned long s = 0; s < stores; s++) {
        gcp_store *store;
        if ((st = gcp_store_new(pool, &store)) != GCP_OK)
            return fail("gcp_store_new", st);
        gcp_heap *h = gcp_store_heap(store);
        for (unsigned long i = 0; i < k; i++) {
            uint64_t w[4] = {i, i + 1, i + 2, i + 3};
            if ((st = gcp_heap_alloc_struct(h, t_obj, &refs[i])) != GCP_OK)
                return fail("gcp_heap_alloc_struct", st);
            if ((st = gcp_struct_write(h, refs[i], 0, w, sizeof w)) != GCP_OK)
                return fail("gcp_struct_write", st);
        }
        for (unsigned long i = 0; i < k; i++) {
            uint64_t w[4];
            if ((st = gcp_struct_read(h, refs[i], 0, w, sizeof w)) != GCP_OK)
                return fail("gcp_struct_read", st);
            sum += w[0] + w[1] + w[2] + w[3];
        }
        if ((st = gcp_store_free(store)) != GCP_OK)
            return fail("gcp_store_free", st);
    }
    printf("checksum %llu\n", (unsigned long long)sum);
    free(refs);
    gcp_pool_free(pool);
    gcp_types_release(types);
    return EXIT_SUCCESS;
}

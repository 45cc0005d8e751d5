/* SPDX-License-Identifier: MIT */
/* A complete gcpool program: a pool, a store, a struct type, a few
 * objects, a root, a collection, and the store freed. */
#include <stdio.h>
#include <stdlib.h>

#include <gcpool.h>

static void release_name(void *p) { printf("finalizer: %s\n", (const char *)p); }

#define CHECK(expr)                                                              \
    do {                                                                         \
        gcp_status st_ = (expr);                                                 \
        if (st_ != GCP_OK) {                                                     \
            fprintf(stderr, "%s: %s%s%s\n", #expr, gcp_strerror(st_),           \
                    *gcp_last_error() ? ": " : "", gcp_last_error());            \
            return EXIT_FAILURE;                                                 \
        }                                                                        \
    } while (0)

int main(void)
{
    /* A node: { ref next @0, u32 value @4, ref label @8 } (12 payload bytes). */
    gcp_types *types;
    uint32_t node;
    const uint32_t ref_fields[] = {0, 8};
    CHECK(gcp_types_new(&types));
    CHECK(gcp_types_add_struct(types, 12, ref_fields, 2, &node));

    gcp_pool_config cfg = gcp_pool_config_default();
    cfg.num_slots = 4;
    cfg.max_heap_bytes = 1 << 20;
    cfg.reservation_bytes = 1 << 20;
    cfg.guard_bytes = 64 << 10;
    cfg.types = types;
    gcp_pool *pool;
    CHECK(gcp_pool_new(&cfg, &pool));
    gcp_types_release(types);   /* the pool keeps its own reference */

    gcp_store *store;
    CHECK(gcp_store_new(pool, &store));
    gcp_heap *heap = gcp_store_heap(store);
    gcp_hostdata *table = gcp_store_hostdata(store);

    /* A two-node list whose head carries a host-side label. */
    gcp_ref head, tail, label;
    CHECK(gcp_heap_alloc_struct(heap, node, &head));
    CHECK(gcp_heap_alloc_struct(heap, node, &tail));
    CHECK(gcp_store_alloc_externref(store, "list head", release_name, &label));
    uint32_t v1 = 1, v2 = 2;
    CHECK(gcp_struct_write(heap, head, 4, &v1, sizeof v1));
    CHECK(gcp_struct_write(heap, tail, 4, &v2, sizeof v2));
    CHECK(gcp_struct_set_ref(heap, table, head, 0, tail));
    CHECK(gcp_struct_set_ref(heap, table, head, 8, label));
    printf("allocated head at %u, tail at %u, label at %u\n", head, tail, label);

    /* Root the head and collect. */
    CHECK(gcp_roots_add(gcp_store_roots(store), &head));
    CHECK(gcp_store_gc(store));

    gcp_ref next;
    uint32_t value;
    void *name;
    CHECK(gcp_struct_get_ref(heap, head, 0, &next));
    CHECK(gcp_struct_read(heap, next, 4, &value, sizeof value));
    CHECK(gcp_store_externref_data(store, label, &name));
    printf("after collection: head -> node with value %u, label \"%s\"\n", value,
           (const char *)name);

    /* Freeing the store runs the finalizer and gives the heap back. */
    CHECK(gcp_store_free(store));
    CHECK(gcp_pool_free(pool));
    printf("store and pool freed\n");
    return EXIT_SUCCESS;
}

/* SPDX-License-Identifier: MIT */
/* Host handles: a function builds a list inside a scope, allocating with
 * collections in between, and hands back a long-lived handle to it. */
#include <stdio.h>
#include <stdlib.h>

#include <gcpool.h>

#define TRY(expr)                                                                \
    do {                                                                         \
        st = (expr);                                                             \
        if (st != GCP_OK)                                                        \
            goto out;                                                            \
    } while (0)

/* A node: { ref next @0, u32 value @4 } (8 payload bytes). */
static uint32_t node;

/* Builds the list n, n-1, ..., 1 and writes a long-lived handle to its
 * head.  Every allocation may collect, so nothing is kept in a raw ref
 * across one: the list lives in a scoped handle and is re-read after. */
static gcp_status build_list(gcp_store *store, uint32_t n, gcp_handle *out)
{
    gcp_heap *heap = gcp_store_heap(store);
    gcp_roots *roots = gcp_store_roots(store);
    gcp_scope scope;
    gcp_status st = gcp_roots_scope_enter(roots, &scope);
    if (st != GCP_OK)
        return st;
    gcp_handle list;
    TRY(gcp_roots_scope_handle(roots, GCP_REF_NULL, &list));
    for (uint32_t v = 1; v <= n; v++) {
        gcp_ref fresh, head;
        TRY(gcp_store_alloc_struct_gc(store, node, &fresh));
        TRY(gcp_roots_handle_get(roots, list, &head));   /* after any collection */
        TRY(gcp_struct_write(heap, fresh, 4, &v, sizeof v));
        TRY(gcp_struct_set_ref(heap, gcp_store_hostdata(store), fresh, 0, head));
        TRY(gcp_roots_handle_set(roots, list, fresh));
    }
    gcp_ref head;
    TRY(gcp_roots_handle_get(roots, list, &head));
    TRY(gcp_roots_handle_new(roots, head, out));   /* outlives the scope */
out:
    /* Unroots every scoped handle made since the mark (here: list). */
    if (gcp_roots_scope_leave(roots, scope) != GCP_OK && st == GCP_OK)
        st = GCP_ESTATE;
    return st;
}

int main(void)
{
    gcp_types *types = NULL;
    const uint32_t ref_fields[] = {0};
    gcp_status st = gcp_types_new(&types);
    if (st == GCP_OK)
        st = gcp_types_add_struct(types, 8, ref_fields, 1, &node);
    gcp_pool_config cfg = gcp_pool_config_default();
    cfg.num_slots = 1;
    cfg.max_heap_bytes = 64 << 10;      /* small: the loop below collects */
    cfg.reservation_bytes = 64 << 10;
    cfg.guard_bytes = 64 << 10;
    cfg.keep_resident_bytes = 64 << 10;
    cfg.collector = GCP_COLLECTOR_MARKSWEEP;
    cfg.types = types;
    gcp_pool *pool = NULL;
    gcp_store *store = NULL;
    if (st == GCP_OK)
        st = gcp_pool_new(&cfg, &pool);
    gcp_types_release(types);
    if (st == GCP_OK)
        st = gcp_store_new(pool, &store);
    gcp_handle keep = {0};
    uint32_t total = 0;
    /* Lists of 100 nodes, each dropped again except the last: the heap
     * holds about 2700 nodes, so the allocations collect on the way. */
    for (int round = 0; st == GCP_OK && round < 200; round++) {
        if (round > 0 && (st = gcp_roots_handle_free(gcp_store_roots(store), keep)) != GCP_OK)
            break;
        st = build_list(store, 100, &keep);
    }
    gcp_ref at = GCP_REF_NULL;
    if (st == GCP_OK)
        st = gcp_roots_handle_get(gcp_store_roots(store), keep, &at);
    while (st == GCP_OK && !gcp_ref_is_null(at)) {
        uint32_t v;
        st = gcp_struct_read(gcp_store_heap(store), at, 4, &v, sizeof v);
        if (st == GCP_OK)
            st = gcp_struct_get_ref(gcp_store_heap(store), at, 0, &at);
        total += v;
    }
    if (st != GCP_OK) {
        fprintf(stderr, "handles example: %s\n", gcp_strerror(st));
        return EXIT_FAILURE;
    }
    printf("collections: %llu, live handles: %zu, sum of the kept list: %u\n",
           (unsigned long long)gcp_heap_collections(gcp_store_heap(store)),
           gcp_roots_handle_count(gcp_store_roots(store)), total);
    st = gcp_store_free(store);
    if (st == GCP_OK)
        st = gcp_pool_free(pool);
    return st == GCP_OK && total == 5050 ? EXIT_SUCCESS : EXIT_FAILURE;
}

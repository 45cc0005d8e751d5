/* SPDX-License-Identifier: MIT */
/* Stores: a heap with its host-data table and roots list. */
#include "gcpool.h"
#include "lib/metadata.h"
#include "lib/heap.h"
#include "lib/hostdata.h"
#include "lib/object.h"

/* Where a store's heap goes back to: a pool, or the on-demand allocator. */
typedef struct heap_source {
    gcp_status (*give_back)(gcp_store *s);
    /* The heap lives on after give_back (a pool slot's does): it keeps the
     * emptied store for its next holder. */
    bool heap_outlives;
} heap_source;

struct gcp_store {
    gcp_heap *heap;
    gcp_pool *pool;          /* the heap's pool (NULL: on-demand) */
    const heap_source *src;
    gcp_hostdata *table;
    gcp_roots *roots;
    /* Handed out and not yet freed.  A freed pooled store stays allocated
     * (it is its heap's spare) until the heap's next holder takes it, so a
     * second gcp_store_free finds this false without touching freed
     * memory. */
    bool live;
};

static void free_parts(gcp_store *s)
{
    gcp_hostdata_free(s->table);
    gcp_roots_free(s->roots);
    gcp__free(s);
}

static void free_spare(void *spare) { free_parts(spare); }

static gcp_status give_to_pool(gcp_store *s) { return gcp_pool_release(s->pool, s->heap); }
static gcp_status give_to_ondemand(gcp_store *s) { return gcp_heap_free_ondemand(s->heap); }
static const heap_source pooled_source = {give_to_pool, true};
static const heap_source ondemand_source = {give_to_ondemand, false};

/* Builds the store around an acquired heap; on failure gives the heap back.
 * A pooled heap's previous store is reused when there is one: its table
 * and roots list are empty (and their storage kept). */
static gcp_status make_store(gcp_pool *pool, gcp_heap *heap, const heap_source *src,
                             gcp_store **out)
{
    gcp_store *s = heap->spare;
    if (s) {
        /* Every id of the old table died with the reset of the heap. */
        gcp__hostdata_renew(s->table);
        heap->spare = NULL;
        heap->spare_free = NULL;
        s->heap = heap;
        s->pool = pool;
        s->src = src;
        s->live = true;
        *out = s;
        return GCP_OK;
    }
    s = gcp__calloc_lines(1, sizeof *s);
    gcp_status st = s ? gcp_hostdata_new(&s->table) : GCP_ENOMEM;
    if (st == GCP_OK)
        st = gcp_roots_new(&s->roots);
    if (st != GCP_OK) {
        if (s) {
            gcp_hostdata_free(s->table);
            gcp__free(s);
        }
        gcp_store tmp = {.heap = heap, .pool = pool};
        (void)src->give_back(&tmp);
        return st;
    }
    s->heap = heap;
    s->pool = pool;
    s->src = src;
    s->live = true;
    *out = s;
    return GCP_OK;
}

gcp_status gcp_store_new(gcp_pool *pool, gcp_store **out)
{
    if (!pool || !out)
        return GCP_EINVAL;
    gcp_heap *heap;
    gcp_status st = gcp_pool_acquire(pool, &heap);
    if (st != GCP_OK)
        return st;
    return make_store(pool, heap, &pooled_source, out);
}

gcp_status gcp_store_new_ondemand(const gcp_pool_config *cfg, gcp_store **out)
{
    if (!cfg || !out)
        return GCP_EINVAL;
    gcp_heap *heap;
    gcp_status st = gcp_heap_new_ondemand(cfg, &heap);
    if (st != GCP_OK)
        return st;
    return make_store(NULL, heap, &ondemand_source, out);
}

gcp_status gcp_store_free(gcp_store *store)
{
    if (!store)
        return GCP_OK;
    /* Freed before (and kept as its heap's spare): nothing is touched. */
    if (!store->live)
        return GCP_EDOUBLE;
    /* Host data first, whatever state the heap is in (poisoned or not):
     * every finalizer runs exactly once, here. */
    gcp_hostdata_clear(store->table);
    gcp_roots_reset(store->roots);
    gcp_heap *heap = store->heap;
    if (!store->src->heap_outlives) {
        /* The heap first: if the kernel refuses to unmap it, the store
         * stays whole (and empty) and may be freed again. */
        gcp_status st = store->src->give_back(store);
        if (st == GCP_OK)
            free_parts(store);
        return st;
    }
    /* The emptied store stays with the heap for its next holder.  It is
     * handed over before the release: once released, the heap belongs to
     * whoever acquires it next. */
    store->live = false;
    if (heap->spare != store && heap->spare_free)
        heap->spare_free(heap->spare);
    heap->spare = store;
    heap->spare_free = free_spare;
    return store->src->give_back(store);
}

gcp_heap *gcp_store_heap(gcp_store *store) { return store ? store->heap : NULL; }
gcp_hostdata *gcp_store_hostdata(gcp_store *store) { return store ? store->table : NULL; }
gcp_roots *gcp_store_roots(gcp_store *store) { return store ? store->roots : NULL; }

gcp_status gcp_store_gc(gcp_store *store)
{
    if (!store)
        return GCP_EINVAL;
    return gcp_heap_gc(store->heap, store->roots, store->table);
}

gcp_status gcp_store_alloc_externref(gcp_store *store, void *ptr, gcp_finalizer fin,
                                     gcp_ref *out)
{
    if (!store || !out)
        return GCP_EINVAL;
    gcp_status st = gcp__heap_usable(store->heap);
    if (st != GCP_OK)
        return st;
    uint32_t id;
    st = gcp_hostdata_insert(store->table, ptr, fin, &id);
    if (st != GCP_OK)
        return st;
    st = gcp_heap_alloc_externref(store->heap, store->table, id, out);
    if (st != GCP_OK)
        gcp__hostdata_forget(store->table, id);   /* ptr stays the caller's */
    return st;
}

gcp_status gcp_store_externref_data(gcp_store *store, gcp_ref ref, void **out)
{
    if (!store || !out)
        return GCP_EINVAL;
    return gcp_heap_externref_data(store->heap, store->table, ref, out);
}

/* ------------------------------------------------- allocation with retry */

/* The one collection a store-level allocation runs after GCP_NEED_GC.
 * Inside a no-GC scope a collection is a contract violation, so the
 * allocation's GCP_NEED_GC goes back to the caller instead. */
static gcp_status collect_for_retry(gcp_store *store)
{
    if (gcp_heap_no_gc_depth(store->heap) > 0)
        return GCP_NEED_GC;
    return gcp_store_gc(store);
}

gcp_status gcp_store_alloc_struct_gc(gcp_store *store, uint32_t type_index, gcp_ref *out)
{
    if (!store || !out)
        return GCP_EINVAL;
    gcp_status st = gcp_heap_alloc_struct(store->heap, type_index, out);
    if (st != GCP_NEED_GC)
        return st;
    st = collect_for_retry(store);
    if (st != GCP_OK)
        return st;
    return gcp_heap_alloc_struct(store->heap, type_index, out);
}

gcp_status gcp_store_alloc_array_gc(gcp_store *store, uint32_t type_index, uint32_t length,
                                    gcp_ref *out)
{
    if (!store || !out)
        return GCP_EINVAL;
    gcp_status st = gcp_heap_alloc_array(store->heap, type_index, length, out);
    if (st != GCP_NEED_GC)
        return st;
    st = collect_for_retry(store);
    if (st != GCP_OK)
        return st;
    return gcp_heap_alloc_array(store->heap, type_index, length, out);
}

gcp_status gcp_store_alloc_externref_gc(gcp_store *store, void *ptr, gcp_finalizer fin,
                                        gcp_ref *out)
{
    if (!store || !out)
        return GCP_EINVAL;
    /* A failed attempt removes its table entry again (ptr stays the
     * caller's), so the retry starts from the same state. */
    gcp_status st = gcp_store_alloc_externref(store, ptr, fin, out);
    if (st != GCP_NEED_GC)
        return st;
    st = collect_for_retry(store);
    if (st != GCP_OK)
        return st;
    return gcp_store_alloc_externref(store, ptr, fin, out);
}

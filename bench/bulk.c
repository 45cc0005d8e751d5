/* SPDX-License-Identifier: MIT */
/* The bulk workload: one array of K elements overwritten per cycle, element
 * by element through the checked single-element API (gcp_array_write,
 * gcp_array_set_ref) or with one gcp_array_fill call -- the same work, the
 * same checks, the same barriers, measured in the same run.
 *
 * Scalar rows fill a u64 array; ref rows fill a ref array with one of two
 * rooted structs, alternating between cycles, so that under DRC every
 * element's barrier takes a count from one and gives one to the other.  No
 * cycle allocates, so no collection runs.  Each cycle reads the last
 * element back (checked against what it wrote) into the checksum. */
#include <stdlib.h>
#include <string.h>

#include "gcpool.h"

#include "bench/bench.h"

typedef struct bk_ts {
    const bcell *cell;
    bool refs;           /* a ref array */
    bool bulk;           /* one gcp_array_fill per cycle */
    gcp_pool *pool;
    gcp_store *store;
    gcp_heap *heap;
    gcp_hostdata *table;
    gcp_ref arr;
    gcp_ref node[2];     /* the two values of a ref array */
    uint64_t round;
} bk_ts;

static int bk_setup(const bcell *c, void **shared, char *why, size_t why_len)
{
    (void)c;
    (void)why;
    (void)why_len;
    *shared = NULL;
    return BR_OK;
}

static void bk_teardown(void *shared) { (void)shared; }

static void bk_thread_teardown(void *ts)
{
    bk_ts *t = ts;
    if (!t)
        return;
    gcp_store_free(t->store);
    gcp_pool_free(t->pool);
    free(t);
}

static int bk_fail(bk_ts *t, char *why, size_t why_len, const char *what, gcp_status st)
{
    bk_thread_teardown(t);
    int code = st == GCP_ELIMIT || st == GCP_ETOOLARGE || st == GCP_NEED_GC ? BR_NA : BR_SKIP;
    return gcpb_fail(why, why_len, code, "%s: %s", what, gcp_strerror(st));
}

static int bk_thread_setup(void *shared, const bcell *c, void **ts, char *why, size_t why_len)
{
    (void)shared;
    bk_ts *t = calloc(1, sizeof *t);
    if (!t)
        return gcpb_fail(why, why_len, BR_SKIP, "out of memory");
    t->cell = c;
    t->refs = c->sys == &gcpb_bulk_elems_ref || c->sys == &gcpb_bulk_fill_ref;
    t->bulk = c->sys == &gcpb_bulk_fill || c->sys == &gcpb_bulk_fill_ref;
    gcp_types *types;
    gcp_status st = gcp_types_new(&types);
    if (st != GCP_OK)
        return bk_fail(t, why, why_len, "gcp_types_new", st);
    uint32_t t_arr, t_node;
    const uint32_t node_refs[1] = {0};
    if ((st = gcp_types_add_array(types, t->refs ? 4 : 8, t->refs, &t_arr)) != GCP_OK ||
        (st = gcp_types_add_struct(types, 8, node_refs, 1, &t_node)) != GCP_OK) {
        gcp_types_release(types);
        return bk_fail(t, why, why_len, "registering types", st);
    }
    gcp_pool_config cfg = gcp_pool_config_default();
    cfg.num_slots = 1;
    cfg.max_heap_bytes = 64 * GCPB_MIB;
    cfg.reservation_bytes = 64 * GCPB_MIB;
    cfg.collector = (gcp_collector)c->collector;
    cfg.types = types;
    st = gcp_pool_new(&cfg, &t->pool);
    gcp_types_release(types);
    if (st != GCP_OK)
        return bk_fail(t, why, why_len, "gcp_pool_new", st);
    if ((st = gcp_store_new(t->pool, &t->store)) != GCP_OK)
        return bk_fail(t, why, why_len, "gcp_store_new", st);
    t->heap = gcp_store_heap(t->store);
    t->table = gcp_store_hostdata(t->store);
    if ((st = gcp_heap_alloc_array(t->heap, t_arr, (uint32_t)c->k, &t->arr)) != GCP_OK)
        return bk_fail(t, why, why_len, "gcp_heap_alloc_array", st);
    for (int i = 0; i < 2; i++)
        if ((st = gcp_heap_alloc_struct(t->heap, t_node, &t->node[i])) != GCP_OK)
            return bk_fail(t, why, why_len, "gcp_heap_alloc_struct", st);
    gcp_roots *roots = gcp_store_roots(t->store);
    if ((st = gcp_roots_add(roots, &t->arr)) != GCP_OK ||
        (st = gcp_roots_add(roots, &t->node[0])) != GCP_OK ||
        (st = gcp_roots_add(roots, &t->node[1])) != GCP_OK)
        return bk_fail(t, why, why_len, "gcp_roots_add", st);
    *ts = t;
    return BR_OK;
}

static int bk_cycle(void *ts, bctx *x)
{
    bk_ts *t = ts;
    uint32_t k = (uint32_t)t->cell->k;
    uint64_t v = ++t->round * UINT64_C(0x9e3779b97f4a7c15);
    gcp_ref ref = t->node[t->round & 1];
    gcp_status st = GCP_OK;
    const char *what = t->bulk ? "gcp_array_fill" : t->refs ? "gcp_array_set_ref" : "gcp_array_write";
    if (t->bulk)
        st = gcp_array_fill(t->heap, t->table, t->arr, 0, k, t->refs ? (const void *)&ref : &v);
    else if (t->refs)
        for (uint32_t i = 0; i < k && st == GCP_OK; i++)
            st = gcp_array_set_ref(t->heap, t->table, t->arr, i, ref);
    else
        for (uint32_t i = 0; i < k && st == GCP_OK; i++)
            st = gcp_array_write(t->heap, t->arr, i, &v);
    if (st != GCP_OK)
        return gcpb_fail(x->why, x->why_len, BR_SKIP, "%s: %s", what, gcp_strerror(st));
    uint64_t back = 0;
    if (t->refs) {
        gcp_ref r = 0;
        st = gcp_array_get_ref(t->heap, t->arr, k - 1, &r);
        back = r == ref ? v : 0;
    } else {
        st = gcp_array_read(t->heap, t->arr, k - 1, &back);
    }
    if (st != GCP_OK || back != v)
        return gcpb_fail(x->why, x->why_len, BR_SKIP, "the last element did not read back (%s)",
                         gcp_strerror(st));
    x->sum = back;
    return BR_OK;
}

#define BULK_SYS(var, nm)                                                                 \
    const bsys var = {.name = nm, .setup = bk_setup, .thread_setup = bk_thread_setup,     \
                      .cycle = bk_cycle, .thread_teardown = bk_thread_teardown,           \
                      .teardown = bk_teardown}

BULK_SYS(gcpb_bulk_elems, "gcpool-elems");
BULK_SYS(gcpb_bulk_fill, "gcpool-fill");
BULK_SYS(gcpb_bulk_elems_ref, "gcpool-elems-ref");
BULK_SYS(gcpb_bulk_fill_ref, "gcpool-fill-ref");

/* SPDX-License-Identifier: MIT */
/* NULL for every pointer parameter of the public API, one row each: the
 * call answers GCP_EINVAL, or the answer its header documents (NULL
 * ignored, a NULL/0/false result, NULL allowed where it means "none").
 * No row may crash.  Each row runs with every other argument valid. */
#include <stdio.h>

#include "testutil.h"

static void no_fin(void *p) { (void)p; }
static gcp_status ok_fn(void *arg) { (void)arg; return GCP_OK; }
static void quiet_panic(const char *m, void *u) { (void)m; (void)u; }

static int rows;

#define ST(call, want)                                                                     \
    do {                                                                                   \
        rows++;                                                                            \
        int got_ = (call);                                                                 \
        ck_assert_msg(got_ == (want), "%s: got %d (%s), want %d (%s)", #call, got_,       \
                      gcp_strerror(got_), (int)(want), gcp_strerror(want));                \
    } while (0)
#define VAL(call, want)                                                                    \
    do {                                                                                   \
        rows++;                                                                            \
        ck_assert_msg((call) == (want), "%s: not the documented answer", #call);          \
    } while (0)
#define VOID(call)                                                                         \
    do {                                                                                   \
        rows++;                                                                            \
        call;                                                                              \
    } while (0)

START_TEST(null_for_every_pointer_parameter)
{
    gcp_types *types;
    ck_assert_ok(gcp_types_new(&types));
    uint32_t st_idx, arr_idx, off0 = 0;
    ck_assert_ok(gcp_types_add_struct(types, 16, &off0, 1, &st_idx));
    ck_assert_ok(gcp_types_add_array(types, 4, true, &arr_idx));
    uint32_t bytes_idx;
    ck_assert_ok(gcp_types_add_array(types, 4, false, &bytes_idx));
    gcp_pool_config cfg = small_config(2);
    cfg.collector = GCP_COLLECTOR_MARKSWEEP;
    cfg.types = types;
    gcp_pool *pool;
    ck_assert_ok(gcp_pool_new(&cfg, &pool));
    gcp_store *store;
    ck_assert_ok(gcp_store_new(pool, &store));
    gcp_heap *h = gcp_store_heap(store);
    gcp_hostdata *t = gcp_store_hostdata(store);
    gcp_roots *r = gcp_store_roots(store);
    int host_obj;
    gcp_ref ext, obj, arr, tmp = GCP_REF_NULL, out;
    ck_assert_ok(gcp_store_alloc_externref(store, &host_obj, NULL, &ext));
    ck_assert_ok(gcp_heap_alloc_struct(h, st_idx, &obj));
    ck_assert_ok(gcp_heap_alloc_array(h, arr_idx, 4, &arr));
    gcp_ref bytes;
    ck_assert_ok(gcp_heap_alloc_array(h, bytes_idx, 4, &bytes));
    ck_assert_ok(gcp_roots_add(r, &bytes));
    ck_assert_ok(gcp_roots_add(r, &obj));
    ck_assert_ok(gcp_roots_add(r, &arr));
    ck_assert_ok(gcp_roots_add(r, &ext));
    uint32_t id, u32;
    uint8_t buf[8] = {0};
    void *vp;
    gcp_header hdr;
    gcp_root root;
    gcp_heap *hp;
    gcp_pool *pp;
    gcp_store *sp;
    gcp_hostdata *tp;
    gcp_roots *rp;
    gcp_types *typ;
    gcp_pool_stats stats;
    gcp_collection *gc;
    gcp_progress prog;
    uint64_t r64 = 0;

    /* Type registry. */
    ST(gcp_types_new(NULL), GCP_EINVAL);
    VOID(gcp_types_release(NULL));
    ST(gcp_types_add_struct(NULL, 16, &off0, 1, &u32), GCP_EINVAL);
    ST(gcp_types_add_struct(types, 16, NULL, 1, &u32), GCP_EINVAL);
    ST(gcp_types_add_struct(types, 16, &off0, 1, NULL), GCP_EINVAL);
    ST(gcp_types_add_array(NULL, 4, false, &u32), GCP_EINVAL);
    ST(gcp_types_add_array(types, 4, false, NULL), GCP_EINVAL);
    VAL(gcp_types_count(NULL), 0u);

    /* Pools and on-demand heaps. */
    ST(gcp_pool_new(NULL, &pp), GCP_EINVAL);
    ST(gcp_pool_new(&cfg, NULL), GCP_EINVAL);
    ST(gcp_pool_free(NULL), GCP_OK);
    ST(gcp_pool_acquire(NULL, &hp), GCP_EINVAL);
    ST(gcp_pool_acquire(pool, NULL), GCP_EINVAL);
    ST(gcp_pool_release(NULL, h), GCP_EINVAL);
    ST(gcp_pool_release(pool, NULL), GCP_EINVAL);
    ST(gcp_pool_trim(NULL), GCP_EINVAL);
    ST(gcp_pool_stats_get(NULL, &stats), GCP_EINVAL);
    ST(gcp_pool_stats_get(pool, NULL), GCP_EINVAL);
    ST(gcp_heap_new_ondemand(NULL, &hp), GCP_EINVAL);
    ST(gcp_heap_new_ondemand(&cfg, NULL), GCP_EINVAL);
    ST(gcp_heap_free_ondemand(NULL), GCP_OK);

    /* Accessors for compiled code. */
    VAL(gcp_heap_base(NULL), (uint8_t *)NULL);
    VAL(gcp_heap_bound(NULL), (size_t)0);
    VAL(gcp_heap_max(NULL), (size_t)0);
    VAL(gcp_heap_collector_data(NULL), (void *)NULL);

    /* Traps: heap and trap_out may be NULL (documented); fn may not. */
    ck_assert_ok(gcp_trap_install());
    ST(gcp_guarded_call(NULL, ok_fn, NULL, NULL), GCP_OK);
    ST(gcp_guarded_call(h, NULL, NULL, NULL), GCP_EINVAL);

    /* Host-data table. */
    ST(gcp_hostdata_new(NULL), GCP_EINVAL);
    VOID(gcp_hostdata_free(NULL));
    ST(gcp_hostdata_insert(NULL, &host_obj, no_fin, &id), GCP_EINVAL);
    ST(gcp_hostdata_insert(t, &host_obj, no_fin, NULL), GCP_EINVAL);
    ST(gcp_hostdata_get(NULL, 1, &vp), GCP_EINVAL);
    ST(gcp_hostdata_get(t, 1, NULL), GCP_EINVAL);
    ST(gcp_hostdata_remove(NULL, 1), GCP_EINVAL);
    VOID(gcp_hostdata_clear(NULL));
    VAL(gcp_hostdata_count(NULL), (size_t)0);

    /* Roots list. */
    ST(gcp_roots_new(NULL), GCP_EINVAL);
    VOID(gcp_roots_free(NULL));
    ST(gcp_roots_add_stack(NULL, &r64), GCP_EINVAL);
    ST(gcp_roots_add_stack(r, NULL), GCP_EINVAL);
    ST(gcp_roots_add(NULL, &tmp), GCP_EINVAL);
    ST(gcp_roots_add(r, NULL), GCP_EINVAL);
    VAL(gcp_roots_count(NULL), (size_t)0);
    ST(gcp_roots_at(NULL, 0, &root), GCP_EINVAL);
    ST(gcp_roots_at(r, 0, NULL), GCP_EINVAL);
    ST(gcp_roots_get(NULL, 0, &out), GCP_EINVAL);
    ST(gcp_roots_get(r, 0, NULL), GCP_EINVAL);
    ST(gcp_roots_set(NULL, 0, obj), GCP_EINVAL);
    VOID(gcp_roots_clear(NULL));
    VAL(gcp_roots_capacity(NULL), (size_t)0);

    /* Panic handler: NULL restores the default (documented). */
    VOID(gcp_set_panic_handler(quiet_panic, NULL));
    VOID(gcp_set_panic_handler(NULL, NULL));

    /* Heap operations. */
    VOID(gcp_heap_enter_no_gc(NULL));
    VOID(gcp_heap_exit_no_gc(NULL));
    VAL(gcp_heap_no_gc_depth(NULL), 0u);
    VAL(gcp_heap_is_poisoned(NULL), false);
    ST(gcp_heap_header(NULL, obj, &hdr), GCP_EINVAL);
    ST(gcp_heap_header(h, obj, NULL), GCP_EINVAL);
    ST(gcp_heap_clone_ref(NULL, obj, &out), GCP_EINVAL);
    ST(gcp_heap_clone_ref(h, obj, NULL), GCP_EINVAL);
    tmp = GCP_REF_NULL;
    ST(gcp_heap_write_ref(NULL, t, &tmp, &obj), GCP_EINVAL);
    ST(gcp_heap_write_ref(h, t, NULL, &obj), GCP_EINVAL);
    ST(gcp_heap_write_ref(h, t, &tmp, NULL), GCP_OK);   /* NULL src: a null ref */
    ST(gcp_heap_drop_ref(NULL, t, obj), GCP_EINVAL);
    ST(gcp_heap_expose_ref(NULL, obj), GCP_EINVAL);
    VAL(gcp_heap_need_gc_before_entering_wasm(NULL, 1), false);
    uint32_t fresh;
    ck_assert_ok(gcp_hostdata_insert(t, &host_obj, no_fin, &fresh));
    ST(gcp_heap_alloc_externref(NULL, t, fresh, &out), GCP_EINVAL);
    ST(gcp_heap_alloc_externref(h, NULL, fresh, &out), GCP_EINVAL);
    ST(gcp_heap_alloc_externref(h, t, fresh, NULL), GCP_EINVAL);
    ST(gcp_heap_externref_data(NULL, t, ext, &vp), GCP_EINVAL);
    ST(gcp_heap_externref_data(h, NULL, ext, &vp), GCP_EINVAL);
    ST(gcp_heap_externref_data(h, t, ext, NULL), GCP_EINVAL);
    ST(gcp_heap_alloc_struct(NULL, st_idx, &out), GCP_EINVAL);
    ST(gcp_heap_alloc_struct(h, st_idx, NULL), GCP_EINVAL);
    ST(gcp_heap_alloc_array(NULL, arr_idx, 1, &out), GCP_EINVAL);
    ST(gcp_heap_alloc_array(h, arr_idx, 1, NULL), GCP_EINVAL);
    ST(gcp_heap_externref_host_data(NULL, ext, &id), GCP_EINVAL);
    ST(gcp_heap_externref_host_data(h, ext, NULL), GCP_EINVAL);
    ST(gcp_struct_get_ref(NULL, obj, 0, &out), GCP_EINVAL);
    ST(gcp_struct_get_ref(h, obj, 0, NULL), GCP_EINVAL);
    ST(gcp_struct_set_ref(NULL, t, obj, 0, GCP_REF_NULL), GCP_EINVAL);
    ST(gcp_struct_read(NULL, obj, 8, buf, 4), GCP_EINVAL);
    ST(gcp_struct_read(h, obj, 8, NULL, 4), GCP_EINVAL);
    ST(gcp_struct_write(NULL, obj, 8, buf, 4), GCP_EINVAL);
    ST(gcp_struct_write(h, obj, 8, NULL, 4), GCP_EINVAL);
    ST(gcp_array_length(NULL, arr, &u32), GCP_EINVAL);
    ST(gcp_array_length(h, arr, NULL), GCP_EINVAL);
    ST(gcp_array_get_ref(NULL, arr, 0, &out), GCP_EINVAL);
    ST(gcp_array_get_ref(h, arr, 0, NULL), GCP_EINVAL);
    ST(gcp_array_set_ref(NULL, t, arr, 0, GCP_REF_NULL), GCP_EINVAL);
    ST(gcp_array_read(NULL, bytes, 0, buf), GCP_EINVAL);
    ST(gcp_array_read(h, bytes, 0, NULL), GCP_EINVAL);
    ST(gcp_array_write(NULL, bytes, 0, buf), GCP_EINVAL);
    ST(gcp_array_write(h, bytes, 0, NULL), GCP_EINVAL);

    /* Collections.  roots may be NULL (none); table may not. */
    ST(gcp_heap_gc_start(NULL, r, t, &gc), GCP_EINVAL);
    ST(gcp_heap_gc_start(h, r, NULL, &gc), GCP_EINVAL);
    ST(gcp_heap_gc_start(h, r, t, NULL), GCP_EINVAL);
    ST(gcp_collection_step(NULL, &prog), GCP_EINVAL);
    ST(gcp_collection_run(NULL), GCP_EINVAL);
    ck_assert_ok(gcp_heap_gc_start(h, r, t, &gc));
    ST(gcp_collection_step(gc, NULL), GCP_EINVAL);
    ck_assert_ok(gcp_collection_run(gc));
    ST(gcp_heap_gc(NULL, r, t), GCP_EINVAL);
    ST(gcp_heap_gc(h, r, NULL), GCP_EINVAL);
    ST(gcp_heap_gc(h, NULL, t), GCP_OK);   /* no roots: everything is garbage */
    VAL(gcp_heap_collections(NULL), (uint64_t)0);

    /* Stores. */
    ST(gcp_store_new(NULL, &sp), GCP_EINVAL);
    ST(gcp_store_new(pool, NULL), GCP_EINVAL);
    ST(gcp_store_new_ondemand(NULL, &sp), GCP_EINVAL);
    ST(gcp_store_new_ondemand(&cfg, NULL), GCP_EINVAL);
    ST(gcp_store_free(NULL), GCP_OK);
    VAL(gcp_store_heap(NULL), (gcp_heap *)NULL);
    VAL(gcp_store_hostdata(NULL), (gcp_hostdata *)NULL);
    VAL(gcp_store_roots(NULL), (gcp_roots *)NULL);
    ST(gcp_store_gc(NULL), GCP_EINVAL);
    ST(gcp_store_alloc_externref(NULL, &host_obj, NULL, &out), GCP_EINVAL);
    ST(gcp_store_alloc_externref(store, &host_obj, NULL, NULL), GCP_EINVAL);
    ST(gcp_store_externref_data(NULL, ext, &vp), GCP_EINVAL);
    ST(gcp_store_externref_data(store, ext, NULL), GCP_EINVAL);

    (void)tp;
    (void)rp;
    (void)typ;
    ck_assert_ok(gcp_store_free(store));
    ck_assert_ok(gcp_pool_free(pool));
    gcp_types_release(types);
    printf("api-null: %d rows passed\n", rows);
    fflush(stdout);
    ck_assert_int_ge(rows, 100);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("api_null");
    TCase *tc = tcase_create("null");
    tcase_add_test(tc, null_for_every_pointer_parameter);
    suite_add_tcase(s, tc);
    return run_suite(s);
}

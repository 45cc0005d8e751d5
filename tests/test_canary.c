/* SPDX-License-Identifier: MIT */
/* Zero leakage between stores, for every collector: a store fills every
 * byte it can reach through the heap base pointer with a canary, after
 * growing the heap and corrupting it; the next store of the same slot
 * reads zero everywhere it can reach, up to the heap's maximum. */
#include <string.h>

#include "testutil.h"

static const gcp_collector collectors[] = {GCP_COLLECTOR_NULL, GCP_COLLECTOR_DRC,
                                           GCP_COLLECTOR_MARKSWEEP, GCP_COLLECTOR_COMPACT};

static void assert_reachable_zero(gcp_heap *h, size_t upto)
{
    const uint8_t *b = gcp_heap_base(h);
    size_t n = gcp_heap_bound(h) < upto ? gcp_heap_bound(h) : upto;
    for (size_t i = 0; i < n; i++)
        if (b[i] != 0)
            ck_abort_msg("byte %zu of %zu reads %#x from the previous store", i, n, b[i]);
}

static int finalized;
static void count_fin(void *p)
{
    (void)p;
    finalized++;
}

/* One store's life: objects until the heap has grown to about `fill`
 * bytes, a corrupted header, a canary over the whole bound. */
static void dirty_store(gcp_pool *pool, uint32_t ty, size_t fill, uint8_t canary, bool corrupt)
{
    gcp_store *s;
    ck_assert_ok(gcp_store_new(pool, &s));
    gcp_heap *h = gcp_store_heap(s);
    assert_reachable_zero(h, SIZE_MAX);
    gcp_ref first = 0, r;
    for (int n = 0; n < 8 || gcp_heap_bound(h) < fill; n++) {
        gcp_status st = gcp_heap_alloc_struct(h, ty, &r);
        ck_assert_msg(st == GCP_OK, "alloc: %s", gcp_strerror(st));
        uint64_t v = 0x0123456789abcdefULL;
        ck_assert_ok(gcp_struct_write(h, r, 8, &v, sizeof v));
        if (!first)
            first = r;
    }
    ck_assert_ok(gcp_store_alloc_externref(s, &finalized, count_fin, &r));
    if (corrupt) {
        /* Forge the first object's kind and size. */
        uint8_t *obj = gcp_heap_base(h) + first;
        memset(obj, 0xFF, 16);
        gcp_header hd;
        ck_assert_status(gcp_heap_header(h, first, &hd), GCP_ECORRUPT);
        ck_assert(gcp_heap_is_poisoned(h));
    }
    memset(gcp_heap_base(h), canary, gcp_heap_bound(h));
    int before = finalized;
    ck_assert_ok(gcp_store_free(s));
    ck_assert_int_eq(finalized, before + 1);
}

START_TEST(canary_never_reaches_the_next_store)
{
    gcp_collector kind = collectors[_i];
    gcp_types *types;
    uint32_t ty;
    const uint32_t refs[] = {0};
    ck_assert_ok(gcp_types_new(&types));
    ck_assert_ok(gcp_types_add_struct(types, 32, refs, 1, &ty));
    gcp_pool_config c = small_config(1);
    c.collector = kind;
    c.types = types;
    gcp_pool *pool;
    ck_assert_ok(gcp_pool_new(&c, &pool));
    gcp_types_release(types);
    /* Small, then grown past keep_resident, then small again; corrupted
     * every other time. */
    const size_t fills[] = {4 * KIB, 64 * KIB, 512 * KIB, 1 * MIB, 8 * KIB, 4 * KIB};
    for (size_t i = 0; i < sizeof fills / sizeof fills[0]; i++)
        dirty_store(pool, ty, fills[i], (uint8_t)(0xC0 + i), i % 2 == 1);
    gcp_store *s;
    ck_assert_ok(gcp_store_new(pool, &s));
    gcp_heap *h = gcp_store_heap(s);
    ck_assert(!gcp_heap_is_poisoned(h));
    assert_reachable_zero(h, SIZE_MAX);
    /* Growing into the rest of the slot finds zeros too. */
    gcp_ref r;
    while (gcp_heap_bound(h) < gcp_heap_max(h)) {
        gcp_status st = gcp_heap_alloc_struct(h, ty, &r);
        if (st != GCP_OK)
            break;
    }
    const uint8_t *b = gcp_heap_base(h);
    size_t hw = 0;
    for (size_t i = gcp_heap_bound(h); i-- > 0;)
        if (b[i] != 0) {
            hw = i;
            break;
        }
    /* Everything past the last object written reads zero. */
    for (size_t i = hw + 1; i < gcp_heap_bound(h); i++)
        ck_assert_uint_eq(b[i], 0);
    ck_assert_ok(gcp_store_free(s));
    ck_assert_ok(gcp_pool_free(pool));
}
END_TEST

int main(void)
{
    Suite *s = suite_create("canary");
    TCase *tc = tcase_create("collectors");
    tcase_set_timeout(tc, 60);
    tcase_add_loop_test(tc, canary_never_reaches_the_next_store, 0,
                        (int)(sizeof collectors / sizeof collectors[0]));
    suite_add_tcase(s, tc);
    return run_suite(s);
}

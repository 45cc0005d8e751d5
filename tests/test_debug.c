/* SPDX-License-Identifier: MIT */
/* The debug mode: stale raw refs reported as GCP_ESTALEREF after every
 * collector's collections, poison in freed memory, every object moved by
 * the compacting collector, and the whole-heap verification. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gcutil.h"
#include "lib/debug.h"
#include "lib/poolcfg.h"

static gc_fixture F;
static gcp_roots *roots;

static void open_debug(gcp_collector kind)
{
    ck_assert_ok(gcp_types_new(&F.types));
    const uint32_t offs[] = {0, 8};
    ck_assert_ok(gcp_types_add_struct(F.types, 16, offs, 2, &F.S));
    ck_assert_ok(gcp_types_add_array(F.types, 4, true, &F.RA));
    ck_assert_ok(gcp_types_add_array(F.types, 1, false, &F.BA));
    ck_assert_ok(gcp_types_add_struct(F.types, 1000, NULL, 0, &F.L));
    gcp_pool_config c = small_config(1);
    c.types = F.types;
    c.collector = kind;
    c.max_heap_bytes = c.reservation_bytes = 4 * MIB;
    c.keep_resident_bytes = 1 * MIB;
    c.debug = true;
    ck_assert_ok(gcp_pool_new(&c, &F.pool));
    ck_assert_ok(gcp_pool_acquire(F.pool, &F.heap));
    ck_assert_ok(gcp_hostdata_new(&F.table));
    ck_assert_ok(gcp_roots_new(&roots));
}

static void close_debug(void)
{
    gcp_roots_free(roots);
    gcf_close(&F);
}

static gcp_ref new_s(uint32_t tag)
{
    gcp_ref r;
    ck_assert_ok(gcp_heap_alloc_struct(F.heap, F.S, &r));
    ck_assert_ok(gcp_struct_write(F.heap, r, 4, &tag, 4));
    return r;
}

static const gcp_collector kinds[] = {GCP_COLLECTOR_MARKSWEEP, GCP_COLLECTOR_DRC,
                                      GCP_COLLECTOR_COMPACT};

/* A forgotten root: the host keeps a raw ref to an object nothing roots,
 * collects, and uses the ref. */
START_TEST(forgotten_root_is_a_stale_ref)
{
    open_debug(kinds[_i]);
    gcp_ref kept = new_s(1), forgotten = new_s(2);
    ck_assert_ok(gcp_roots_add(roots, &kept));
    if (kinds[_i] == GCP_COLLECTOR_DRC) {
        ck_assert_ok(gcp_heap_drop_ref(F.heap, F.table, forgotten));
    }
    ck_assert_ok(gcp_heap_gc(F.heap, roots, F.table));
    uint32_t v = 9;
    ck_assert_int_eq(gcp_struct_write(F.heap, forgotten, 4, &v, 4), GCP_ESTALEREF);
    char want[64];
    snprintf(want, sizeof want, "stale ref 0x%x", (unsigned)forgotten);
    ck_assert_ptr_nonnull(strstr(gcp_last_error(), want));
    /* Not corruption: the heap goes on. */
    ck_assert(!gcp_heap_is_poisoned(F.heap));
    uint32_t t;
    ck_assert_ok(gcp_struct_read(F.heap, kept, 4, &t, 4));
    ck_assert_uint_eq(t, 1);
    close_debug();
}
END_TEST

/* With the compacting collector every object moves at every collection,
 * so even a ref to a live object goes stale unless it is rooted. */
START_TEST(compact_moves_every_object)
{
    open_debug(GCP_COLLECTOR_COMPACT);
    gcp_ref a = new_s(1), b = new_s(2);
    ck_assert_ok(gcp_struct_set_ref(F.heap, F.table, a, 0, b));
    gcp_ref raw_b = b;
    ck_assert_ok(gcp_roots_add(roots, &a));
    for (int round = 0; round < 6; round++) {
        gcp_ref old_a = a;
        ck_assert_ok(gcp_heap_gc(F.heap, roots, F.table));
        ck_assert_uint_ne(a, old_a);
        uint32_t t;
        ck_assert_int_eq(gcp_struct_read(F.heap, old_a, 4, &t, 4), GCP_ESTALEREF);
        ck_assert_int_eq(gcp_struct_read(F.heap, raw_b, 4, &t, 4), GCP_ESTALEREF);
        gcp_ref nb;
        ck_assert_ok(gcp_struct_get_ref(F.heap, a, 0, &nb));
        ck_assert_ok(gcp_struct_read(F.heap, nb, 4, &t, 4));
        ck_assert_uint_eq(t, 2);
        raw_b = nb;
        (void)new_s(100);   /* garbage between collections */
    }
    close_debug();
}
END_TEST

START_TEST(freed_memory_is_poisoned)
{
    open_debug(kinds[_i]);
    gcp_ref keep = new_s(1), dead = new_s(2);
    if (kinds[_i] == GCP_COLLECTOR_DRC)
        ck_assert_ok(gcp_heap_drop_ref(F.heap, F.table, dead));
    ck_assert_ok(gcp_roots_add(roots, &keep));
    ck_assert_ok(gcp_heap_gc(F.heap, roots, F.table));
    const uint8_t *p = gcf_at(&F, dead);
    for (uint32_t i = GCP_OBJ_HEADER_BYTES; i < 32; i++)
        ck_assert_uint_eq(p[i], GCP_DEBUG_POISON);
    close_debug();
}
END_TEST

START_TEST(verification_finds_a_forged_slot)
{
    /* A slot pointing into the middle of an object passes the header
     * checks (the fake header is well formed) but is no object start. */
    open_debug(GCP_COLLECTOR_MARKSWEEP);
    /* With an externref in the heap mark-sweep sweeps block by block,
     * blind to slots: the verification is what finds it.  (Without one
     * the sweep by runs finds the mark inside the array itself.) */
    static int fin;
    gcf_extern(&F, &fin);
    gcp_ref keep = new_s(1), arr;
    ck_assert_ok(gcp_heap_alloc_array(F.heap, F.BA, 200, &arr));
    ck_assert_ok(gcp_roots_add(roots, &keep));
    ck_assert_ok(gcp_struct_set_ref(F.heap, F.table, keep, 8, arr));
    gcp_ref inner = arr + 64;
    gcf_poke(&F, inner, GCP_HDR_KIND, GCP_KIND_STRUCT);
    gcf_poke(&F, inner, GCP_HDR_TYPE, F.S);
    gcf_poke(&F, inner, GCP_HDR_SIZE, 32);
    gcf_poke(&F, keep, GCP_OBJ_PAYLOAD, inner);
    ck_assert_int_eq(gcp_heap_gc(F.heap, roots, F.table), GCP_ECORRUPT);
    ck_assert_ptr_nonnull(strstr(gcp_last_error(), "heap verification"));
    ck_assert(gcp_heap_is_poisoned(F.heap));
    close_debug();
}
END_TEST

START_TEST(debug_off_keeps_ecorrupt)
{
    gcf_open(&F, GCP_COLLECTOR_COMPACT, 1 * MIB, 1000);
    ck_assert_ok(gcp_roots_new(&roots));
    gcp_ref a = new_s(1);
    ck_assert_ok(gcp_heap_gc(F.heap, roots, F.table));
    /* Not debug: the ref now points at zeroed or reused memory. */
    uint32_t t;
    gcp_status st = gcp_struct_read(F.heap, a, 4, &t, 4);
    ck_assert_int_ne(st, GCP_ESTALEREF);
    close_debug();
}
END_TEST

START_TEST(environment_turns_it_on)
{
    ck_assert_int_eq(setenv("GCPOOL_DEBUG", "1", 1), 0);
    ck_assert(gcp__debug_env());
    gcf_open(&F, GCP_COLLECTOR_COMPACT, 1 * MIB, 1000);
    ck_assert(F.heap->debug);
    gcf_close(&F);
    ck_assert_int_eq(setenv("GCPOOL_DEBUG", "0", 1), 0);
    ck_assert(!gcp__debug_env());
    ck_assert_int_eq(unsetenv("GCPOOL_DEBUG"), 0);
    ck_assert(!gcp__debug_env());
}
END_TEST

int main(void)
{
    Suite *s = suite_create("debug");
    TCase *tc = tcase_create("debug");
    tcase_add_loop_test(tc, forgotten_root_is_a_stale_ref, 0, 3);
    tcase_add_test(tc, compact_moves_every_object);
    tcase_add_loop_test(tc, freed_memory_is_poisoned, 0, 3);
    tcase_add_test(tc, verification_finds_a_forged_slot);
    tcase_add_test(tc, debug_off_keeps_ecorrupt);
    tcase_add_test(tc, environment_turns_it_on);
    suite_add_tcase(s, tc);
    return run_suite(s);
}

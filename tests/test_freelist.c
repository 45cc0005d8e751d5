/* SPDX-License-Identifier: MIT */
/* The free-list allocator: bump, exact classes, bins, splitting,
 * coalescing, reset, growth and limits, and hostile free blocks. */
#include <string.h>

#include "lib/freelist.h"
#include "gcutil.h"
#include "lib/inspect.h"

static gc_fixture F;
static gcp_freelist *fl;

static void setup(void)
{
    gcf_open(&F, GCP_COLLECTOR_MARKSWEEP, 1 * MIB, 1000);
    fl = gcp__heap_freelist(F.heap);
    ck_assert_ptr_nonnull(fl);
}

static void teardown(void) { gcf_close(&F); }

static gcp_ref get(uint32_t size)
{
    gcp_ref r = 0;
    ck_assert_ok(gcp__fl_alloc(fl, size, &r));
    ck_assert(gcp_ref_is_heap(r));
    ck_assert_uint_eq(r % 8, 0);
    ck_assert_uint_le((uint64_t)r + size, fl->frontier);
    return r;
}

/* Makes [r, r + size) look like an allocated object, as the core would. */
static gcp_ref obj(uint32_t size)
{
    gcp_ref r = get(size);
    gcp__obj_init(F.heap, r, GCP_KIND_ARRAY, F.BA, size, 0);
    gcf_poke(&F, r, GCP_ARRAY_LENGTH, size - GCP_ARRAY_ELEMS);
    return r;
}

START_TEST(classes_cover_sizes)
{
    ck_assert_uint_eq(gcp__fl_class_of(16), 0);
    ck_assert_uint_eq(gcp__fl_class_of(24), 1);
    ck_assert_uint_eq(gcp__fl_class_of(512), GCP_FL_EXACT_CLASSES - 1);
    ck_assert_uint_eq(gcp__fl_class_of(520), GCP_FL_EXACT_CLASSES);
    ck_assert_uint_eq(gcp__fl_class_of(1023), GCP_FL_EXACT_CLASSES);
    ck_assert_uint_eq(gcp__fl_class_of(1024), GCP_FL_EXACT_CLASSES + 1);
    ck_assert_uint_eq(gcp__fl_class_of(UINT32_MAX - 7), GCP_FL_CLASSES - 1);
}
END_TEST

START_TEST(bump_from_start)
{
    ck_assert_uint_eq(fl->frontier, GCP_HEAP_START);
    ck_assert_uint_eq(get(32), GCP_HEAP_START);
    ck_assert_uint_eq(get(48), GCP_HEAP_START + 32);
    ck_assert_uint_eq(gcp__heap_high_water(F.heap), GCP_HEAP_START + 80);
}
END_TEST

START_TEST(exact_class_reuse_is_lifo)
{
    gcp_ref a = get(32), b = get(32), c = get(32);
    (void)c;
    gcp__fl_free(fl, a, 32);
    gcp__fl_free(fl, b, 32);
    ck_assert_uint_eq(fl->free_bytes, 64);
    ck_assert_uint_eq(gcf_peek(&F, b, GCP_HDR_KIND), GCP_KIND_FREE);
    ck_assert_uint_eq(gcf_peek(&F, b, GCP_HDR_SIZE), 32);
    ck_assert_uint_eq(gcf_peek(&F, b, GCP_HDR_CWORD), a);
    ck_assert_uint_eq(get(32), b);
    ck_assert_uint_eq(get(32), a);
    ck_assert_uint_eq(fl->free_bytes, 0);
    ck_assert_uint_eq(fl->free_blocks, 0);
}
END_TEST

START_TEST(split_larger_block)
{
    gcp_ref a = get(256);
    get(16);   /* keeps a away from the frontier */
    gcp__fl_free(fl, a, 256);
    ck_assert_uint_eq(get(64), a);
    ck_assert_uint_eq(fl->free_bytes, 192);
    ck_assert_uint_eq(gcf_peek(&F, a + 64, GCP_HDR_KIND), GCP_KIND_FREE);
    ck_assert_uint_eq(gcf_peek(&F, a + 64, GCP_HDR_SIZE), 192);
    ck_assert_uint_eq(get(192), a + 64);
}
END_TEST

START_TEST(never_leaves_an_eight_byte_tail)
{
    gcp_ref a = get(40);
    get(16);
    uint64_t front = fl->frontier;
    gcp__fl_free(fl, a, 40);
    /* 40 - 32 would leave 8 bytes, which cannot carry a header. */
    ck_assert_uint_eq(get(32), front);
    ck_assert_uint_eq(get(40), a);
    /* The same rule inside bins. */
    gcp_ref b = get(1032);
    get(16);
    gcp__fl_free(fl, b, 1032);
    front = fl->frontier;
    ck_assert_uint_eq(get(1024), front);
    ck_assert_uint_eq(get(1000), b);
    ck_assert_uint_eq(fl->free_bytes, 32);
}
END_TEST

START_TEST(bins_are_first_fit)
{
    gcp_ref a = get(1024), s1 = get(16), b = get(1536), s2 = get(16), c = get(4096);
    (void)s1;
    (void)s2;
    get(16);
    gcp__fl_free(fl, a, 1024);
    gcp__fl_free(fl, b, 1536);
    gcp__fl_free(fl, c, 4096);
    /* 1496: bin [1024, 2048) holds b (1536) ahead of a (1024); b fits. */
    ck_assert_uint_eq(get(1496), b);
    /* 1104: a is too small, so the next non-empty bin (c) is split. */
    ck_assert_uint_eq(get(1104), c);
    ck_assert_uint_eq(get(1024), a);
    ck_assert_uint_eq(fl->free_bytes, 4096 - 1104 + 1536 - 1496);
}
END_TEST

START_TEST(coalesce_merges_neighbours)
{
    gcp_ref a = obj(32), b = obj(48), c = obj(64), d = obj(32);
    (void)d;
    gcp__fl_free(fl, a, 32);
    gcp__fl_free(fl, b, 48);
    gcp__fl_free(fl, c, 64);
    ck_assert_uint_eq(fl->free_blocks, 3);
    ck_assert(fl->dirty);
    ck_assert_ok(gcp__fl_coalesce(fl));
    ck_assert(!fl->dirty);
    ck_assert_uint_eq(fl->free_blocks, 1);
    ck_assert_uint_eq(fl->free_bytes, 144);
    ck_assert_uint_eq(gcf_peek(&F, a, GCP_HDR_SIZE), 144);
    ck_assert_uint_eq(get(144), a);
}
END_TEST

START_TEST(coalesce_gives_tail_back_to_frontier)
{
    gcp_ref a = obj(32), b = obj(64), c = obj(128);
    gcp__fl_free(fl, b, 64);
    gcp__fl_free(fl, c, 128);
    ck_assert_ok(gcp__fl_coalesce(fl));
    ck_assert_uint_eq(fl->frontier, b);
    ck_assert_uint_eq(fl->free_blocks, 0);
    ck_assert_uint_eq(gcp__heap_high_water(F.heap), c + 128);
    (void)a;
}
END_TEST

START_TEST(alloc_coalesces_before_giving_up)
{
    /* Fill the 1 MiB heap with 1024-byte blocks, free two neighbours, and
     * ask for 2048: only merging them can satisfy it. */
    gcp_ref pair = 0;
    gcp_status st;
    for (int i = 0;; i++) {
        gcp_ref r;
        st = gcp__fl_alloc(fl, 1024, &r);
        if (st != GCP_OK)
            break;
        gcp__obj_init(F.heap, r, GCP_KIND_ARRAY, F.BA, 1024, 0);
        gcf_poke(&F, r, GCP_ARRAY_LENGTH, 1000);
        if (i == 10)
            pair = r;
    }
    ck_assert_status(st, GCP_NEED_GC);
    ck_assert_uint_ne(pair, 0);
    gcp__fl_free(fl, pair, 1024);
    gcp__fl_free(fl, pair + 1024, 1024);
    gcp_ref r;
    ck_assert_ok(gcp__fl_alloc(fl, 2048, &r));
    ck_assert_uint_eq(r, pair);
}
END_TEST

START_TEST(reset_writes_nothing)
{
    gcp_ref a = obj(64);
    obj(32);
    gcp__fl_free(fl, a, 64);
    size_t n = (size_t)fl->frontier;
    uint8_t *copy = malloc(n);
    memcpy(copy, gcp_heap_base(F.heap), n);
    gcp__fl_reset(fl);
    ck_assert_int_eq(memcmp(copy, gcp_heap_base(F.heap), n), 0);
    free(copy);
    ck_assert_uint_eq(fl->frontier, GCP_HEAP_START);
    ck_assert_uint_eq(fl->free_blocks, 0);
    ck_assert_uint_eq(fl->free_bytes, 0);
    ck_assert_uint_eq(get(64), GCP_HEAP_START);
}
END_TEST

START_TEST(pool_reset_refills)
{
    for (int i = 0; i < 100; i++)
        obj(1024);
    ck_assert_uint_gt(gcp_heap_bound(F.heap), 4 * KIB);
    gcf_recycle(&F);
    ck_assert_uint_eq(fl->frontier, GCP_HEAP_START);
    ck_assert_uint_eq(gcp__heap_high_water(F.heap), GCP_HEAP_START);
    ck_assert_uint_eq(get(16), GCP_HEAP_START);
}
END_TEST

START_TEST(growth_extends_free_space)
{
    size_t bound = gcp_heap_bound(F.heap);
    ck_assert_uint_eq(bound, 4 * KIB);
    gcp_ref a = get((uint32_t)bound - 64), b = get(256);
    ck_assert_uint_eq(b, a + bound - 64);
    ck_assert_uint_gt(gcp_heap_bound(F.heap), bound);
}
END_TEST

START_TEST(limits)
{
    gcp_ref r;
    ck_assert_status(gcp__fl_alloc(fl, 2 * MIB, &r), GCP_ETOOLARGE);
    ck_assert_status(gcp__fl_alloc(fl, 1 * MIB, &r), GCP_ETOOLARGE);
    ck_assert_ok(gcp__fl_alloc(fl, 1 * MIB - 1024, &r));
    ck_assert_status(gcp__fl_alloc(fl, 2048, &r), GCP_NEED_GC);
    /* After a collection the free lists still say NEED_GC; the core alone
     * turns it into ELIMIT for the host. */
    F.heap->collected_since_alloc = true;
    ck_assert_status(gcp__fl_alloc(fl, 2048, &r), GCP_NEED_GC);
    ck_assert_status(gcp_heap_alloc_array(F.heap, F.BA, 2000, &r), GCP_ELIMIT);
    ck_assert(!gcp_heap_is_poisoned(F.heap));
}
END_TEST

/* The rest of a split block is the region: small requests are bumped from
 * it, its rest stays one valid free block in the heap, in no list. */
START_TEST(split_rest_is_the_region)
{
    gcp_ref a = get(1024);
    get(16);
    gcp__fl_free(fl, a, 1024);
    ck_assert_uint_eq(get(32), a);
    ck_assert_uint_eq(fl->region, a + 32);
    ck_assert_uint_eq(fl->region_end, a + 1024);
    for (int i = 1; i < 8; i++)
        ck_assert_uint_eq(get(32), a + 32u * (uint32_t)i);
    ck_assert_uint_eq(get(48), a + 256);
    uint64_t rest = 1024 - 304;
    ck_assert_uint_eq(fl->free_bytes, rest);
    ck_assert_uint_eq(fl->free_blocks, 1);
    ck_assert_uint_eq(gcf_peek(&F, a + 304, GCP_HDR_KIND), GCP_KIND_FREE);
    ck_assert_uint_eq(gcf_peek(&F, a + 304, GCP_HDR_SIZE), rest);
    /* No list holds it. */
    for (uint32_t c = 0; c < GCP_FL_CLASSES; c++)
        ck_assert_uint_eq(fl->count[c], 0);
    /* Exactly the rest: the region ends empty, nothing left behind. */
    ck_assert_uint_eq(get((uint32_t)rest), a + 304);
    ck_assert_uint_eq(fl->region, fl->region_end);
    ck_assert_uint_eq(fl->free_bytes, 0);
    ck_assert_uint_eq(fl->free_blocks, 0);
}
END_TEST

START_TEST(region_never_leaves_an_eight_byte_tail)
{
    gcp_ref a = get(1024);
    get(16);
    gcp__fl_free(fl, a, 1024);
    ck_assert_uint_eq(get(512), a);
    ck_assert_uint_eq(get(480), a + 512);   /* 32 left */
    uint64_t front = fl->frontier;
    /* 24 would leave 8 bytes: not from the region. */
    ck_assert_uint_eq(get(24), front);
    ck_assert_uint_eq(fl->region, a + 992);
    ck_assert_uint_eq(get(16), a + 992);
    ck_assert_uint_eq(get(16), a + 1008);
    ck_assert_uint_eq(fl->region, fl->region_end);
}
END_TEST

/* A split elsewhere makes a new region; the old one's rest goes back on
 * its list, where its class finds it. */
START_TEST(old_region_goes_back_on_its_list)
{
    gcp_ref a = get(1024), b;
    get(16);
    b = get(2048);
    get(16);
    gcp__fl_free(fl, a, 1024);
    gcp__fl_free(fl, b, 2048);
    /* 1024 bin first fit: a, whole; then 1000 splits b. */
    ck_assert_uint_eq(get(1024), a);
    ck_assert_uint_eq(get(1000), b);
    ck_assert_uint_eq(fl->region, b + 1000);
    ck_assert_uint_eq(get(1000), b + 1000);   /* 48 left */
    ck_assert_uint_eq(fl->region_end - fl->region, 48);
    gcp_ref c = get(1024);   /* not from a 48-byte region: the frontier */
    ck_assert_uint_eq(get(16), b + 2000);   /* but this is */
    gcp__fl_free(fl, c, 1024);
    ck_assert_uint_eq(get(520), c);   /* a bin request: splits c */
    ck_assert_uint_eq(fl->region, c + 520);
    uint32_t k = gcp__fl_class_of(32);
    ck_assert_uint_eq(fl->count[k], 1);
    ck_assert_uint_eq(fl->head[k], b + 2016);
    ck_assert_uint_eq(fl->free_bytes, 32 + 1024 - 520);
    ck_assert_uint_eq(fl->free_blocks, 2);
    ck_assert_uint_eq(get(32), b + 2016);
}
END_TEST

/* The heap stays parseable with a region: a rebuild finds its block,
 * merges it with its neighbours and forgets the region. */
START_TEST(coalesce_takes_the_region_back)
{
    gcp_ref a = obj(1024);
    gcp_ref live = obj(32);
    (void)live;
    gcp__fl_free(fl, a, 1024);
    ck_assert_uint_eq(get(64), a);
    gcp__fl_free(fl, a, 64);
    ck_assert_ok(gcp__fl_coalesce(fl));
    ck_assert_uint_eq(fl->region, fl->region_end);
    ck_assert_uint_eq(fl->free_blocks, 1);
    ck_assert_uint_eq(fl->free_bytes, 1024);
    ck_assert_uint_eq(get(1024), a);
}
END_TEST

/* The region's bounds live in host memory: a guest rewriting its header
 * changes nothing the next allocation takes, and a heap walk that meets
 * the scribbled header reports the corruption. */
START_TEST(scribbled_region_header)
{
    gcp_ref a = obj(1024);
    obj(32);
    gcp__fl_free(fl, a, 1024);
    ck_assert_uint_eq(obj(32), a);
    gcf_poke(&F, a + 32, GCP_HDR_SIZE, 0xfffffff0u);
    gcf_poke(&F, a + 32, GCP_HDR_KIND, GCP_KIND_STRUCT);
    ck_assert_uint_eq(obj(32), a + 32);
    ck_assert_ok(gcp__fl_coalesce(fl));
    ck_assert_uint_eq(obj(32), a + 64);
    ck_assert_uint_eq(fl->region, a + 96);
    ck_assert_uint_eq(gcf_peek(&F, a + 96, GCP_HDR_SIZE), 1024 - 96);
    gcf_poke(&F, a + 96, GCP_HDR_SIZE, 0xfffffff0u);
    ck_assert_status(gcp__fl_coalesce(fl), GCP_ECORRUPT);
    ck_assert(gcp_heap_is_poisoned(F.heap));
}
END_TEST

/* Frees two 32-byte blocks, so that the list is b -> a -> end. */
static void two_free(gcp_ref *a, gcp_ref *b)
{
    *a = get(32);
    get(32);
    *b = get(32);
    get(32);
    gcp__fl_free(fl, *a, 32);
    gcp__fl_free(fl, *b, 32);
}

static void expect_corrupt(uint32_t size)
{
    gcp_ref r;
    ck_assert_status(gcp__fl_alloc(fl, size, &r), GCP_ECORRUPT);
    ck_assert(gcp_heap_is_poisoned(F.heap));
    gcf_recycle(&F);
    ck_assert(!gcp_heap_is_poisoned(F.heap));
}

START_TEST(corrupt_links)
{
    const uint32_t bad_links[] = {4, 8, 12, 0x1000000u, 0xfffffff8u, 33};
    for (size_t i = 0; i < sizeof bad_links / sizeof bad_links[0]; i++) {
        gcp_ref a, b, r;
        two_free(&a, &b);
        gcf_poke(&F, b, GCP_HDR_CWORD, bad_links[i]);
        ck_assert_status(gcp__fl_alloc(fl, 32, &r), GCP_ECORRUPT);
        gcf_recycle(&F);
    }
    /* A link to an in-bounds block that is not free. */
    gcp_ref a, b, r;
    two_free(&a, &b);
    gcf_poke(&F, b, GCP_HDR_CWORD, a + 32);
    ck_assert_ok(gcp__fl_alloc(fl, 32, &r));
    ck_assert_uint_eq(r, b);
    expect_corrupt(32);
}
END_TEST

START_TEST(corrupt_headers)
{
    gcp_ref a, b;
    two_free(&a, &b);
    gcf_poke(&F, b, GCP_HDR_KIND, GCP_KIND_STRUCT);
    expect_corrupt(32);
    two_free(&a, &b);
    gcf_poke(&F, b, GCP_HDR_KIND, 0x100);   /* flags in a free block */
    expect_corrupt(32);
    two_free(&a, &b);
    gcf_poke(&F, b, GCP_HDR_SIZE, 40);      /* not its class */
    expect_corrupt(32);
    two_free(&a, &b);
    gcf_poke(&F, b, GCP_HDR_SIZE, 0xfffffff0u);
    expect_corrupt(32);
    /* A bin block whose size says it runs past the frontier. */
    gcp_ref c = get(2048);
    get(16);
    gcp__fl_free(fl, c, 2048);
    gcf_poke(&F, c, GCP_HDR_SIZE, 4088);
    expect_corrupt(1496);
}
END_TEST

START_TEST(cyclic_lists_end)
{
    gcp_ref a, b, r;
    two_free(&a, &b);
    gcf_poke(&F, a, GCP_HDR_CWORD, b);   /* b -> a -> b -> ... */
    ck_assert_ok(gcp__fl_alloc(fl, 32, &r));
    expect_corrupt(32);
    /* In a bin, a search that finds nothing must still stop. */
    gcp_ref c = get(1024), d;
    get(16);
    d = get(1032);
    get(16);
    gcp__fl_free(fl, c, 1024);
    gcp__fl_free(fl, d, 1032);
    gcf_poke(&F, c, GCP_HDR_CWORD, d);
    expect_corrupt(1040);
}
END_TEST

START_TEST(coalesce_rejects_bad_blocks)
{
    gcp_ref a = obj(64);
    obj(32);
    gcf_poke(&F, a, GCP_HDR_SIZE, 24);   /* object size no longer its type's */
    ck_assert_status(gcp__fl_coalesce(fl), GCP_ECORRUPT);
    ck_assert(gcp_heap_is_poisoned(F.heap));
    ck_assert_uint_eq(fl->free_blocks, 0);
    gcf_recycle(&F);
    a = obj(64);
    gcp__fl_free(fl, a, 64);
    gcf_poke(&F, a, GCP_HDR_SIZE, 4096);   /* free block past the frontier */
    ck_assert_status(gcp__fl_coalesce(fl), GCP_ECORRUPT);
    gcf_recycle(&F);
    a = obj(64);
    gcp__fl_free(fl, a, 64);
    gcf_poke(&F, a, GCP_HDR_SIZE, 0);   /* a walk that would not advance */
    ck_assert_status(gcp__fl_coalesce(fl), GCP_ECORRUPT);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("freelist");
    TCase *tc = tcase_create("freelist");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, classes_cover_sizes);
    tcase_add_test(tc, bump_from_start);
    tcase_add_test(tc, exact_class_reuse_is_lifo);
    tcase_add_test(tc, split_larger_block);
    tcase_add_test(tc, never_leaves_an_eight_byte_tail);
    tcase_add_test(tc, bins_are_first_fit);
    tcase_add_test(tc, split_rest_is_the_region);
    tcase_add_test(tc, region_never_leaves_an_eight_byte_tail);
    tcase_add_test(tc, old_region_goes_back_on_its_list);
    tcase_add_test(tc, coalesce_takes_the_region_back);
    tcase_add_test(tc, scribbled_region_header);
    tcase_add_test(tc, coalesce_merges_neighbours);
    tcase_add_test(tc, coalesce_gives_tail_back_to_frontier);
    tcase_add_test(tc, alloc_coalesces_before_giving_up);
    tcase_add_test(tc, reset_writes_nothing);
    tcase_add_test(tc, pool_reset_refills);
    tcase_add_test(tc, growth_extends_free_space);
    tcase_add_test(tc, limits);
    tcase_add_test(tc, corrupt_links);
    tcase_add_test(tc, corrupt_headers);
    tcase_add_test(tc, cyclic_lists_end);
    tcase_add_test(tc, coalesce_rejects_bad_blocks);
    suite_add_tcase(s, tc);
    return run_suite(s);
}

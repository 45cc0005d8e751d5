/* SPDX-License-Identifier: MIT */
/* Allocation and field access (lib/access.c) over the null collector:
 * layouts, errors, growth, struct and array fields, and corrupted heaps. */
#include "gcutil.h"
#include "heaputil.h"

START_TEST(alloc_struct_layout)
{
    gcp_ref a, b;
    ck_assert_ok(gcp_heap_alloc_struct(heap, S, &a));
    ck_assert_ok(gcp_heap_alloc_struct(heap, S, &b));
    ck_assert(gcp_ref_is_heap(a));
    ck_assert_uint_ge(a, GCP_HEAP_START);
    ck_assert_uint_eq(a % GCP_OBJ_ALIGN, 0);
    ck_assert_uint_eq(b, a + 32);
    ck_assert_uint_eq(gcp__load32(at(a)), GCP_KIND_STRUCT);
    ck_assert_uint_eq(gcp__load32(at(a) + 4), S);
    ck_assert_uint_eq(gcp__load32(at(a) + 8), 32);
    ck_assert_uint_eq(gcp__load32(at(a) + 12), 0);
    gcp_header h;
    ck_assert_ok(gcp_heap_header(heap, a, &h));
    ck_assert_int_eq(h.kind, GCP_KIND_STRUCT);
    ck_assert_uint_eq(h.type_index, S);
    ck_assert_uint_eq(h.flags, 0);
    /* 1-byte payload rounds up to 8. */
    gcp_ref e;
    ck_assert_ok(gcp_heap_alloc_struct(heap, E, &e));
    ck_assert_uint_eq(gcp__load32(at(e) + 8), 24);
    ck_assert_uint_eq(gcp__heap_high_water(heap), e + 24);
}
END_TEST

START_TEST(alloc_arrays_and_externrefs)
{
    gcp_ref a, x;
    ck_assert_ok(gcp_heap_alloc_array(heap, QA, 3, &a));
    uint32_t len = 0;
    ck_assert_ok(gcp_array_length(heap, a, &len));
    ck_assert_uint_eq(len, 3);
    ck_assert_uint_eq(gcp__load32(at(a) + 8), 24 + 24);
    gcp_ref z;
    ck_assert_ok(gcp_heap_alloc_array(heap, BA, 0, &z));
    ck_assert_ok(gcp_array_length(heap, z, &len));
    ck_assert_uint_eq(len, 0);
    uint32_t want = new_id();
    ck_assert_ok(gcp_heap_alloc_externref(heap, table, want, &x));
    uint32_t id = 0;
    ck_assert_ok(gcp_heap_externref_host_data(heap, x, &id));
    ck_assert_uint_eq(id, want);
    gcp_header h;
    ck_assert_ok(gcp_heap_header(heap, x, &h));
    ck_assert_int_eq(h.kind, GCP_KIND_EXTERNREF);
    ck_assert_uint_eq(h.type_index, 0);
    ck_assert_status(gcp_heap_alloc_externref(heap, table, 0, &x), GCP_EINVAL);
}
END_TEST

START_TEST(alloc_errors)
{
    gcp_ref r = 5;
    ck_assert_status(gcp_heap_alloc_struct(heap, 999, &r), GCP_ETYPE);
    ck_assert_status(gcp_heap_alloc_struct(heap, RA, &r), GCP_ETYPE);
    ck_assert_status(gcp_heap_alloc_array(heap, S, 1, &r), GCP_ETYPE);
    ck_assert_status(gcp_heap_alloc_array(heap, 999, 1, &r), GCP_ETYPE);
    ck_assert_status(gcp_heap_alloc_array(heap, QA, UINT32_MAX, &r), GCP_ETOOLARGE);
    ck_assert_status(gcp_heap_alloc_array(heap, BA, (uint32_t)MIB, &r), GCP_ETOOLARGE);
    ck_assert_status(gcp_heap_alloc_struct(heap, S, NULL), GCP_EINVAL);
    ck_assert_status(gcp_heap_alloc_struct(NULL, S, &r), GCP_EINVAL);
    ck_assert_uint_eq(r, 5);
    ck_assert(!gcp_heap_is_poisoned(heap));
}
END_TEST

START_TEST(struct_larger_than_heap)
{
    uint32_t big;
    ck_assert_ok(gcp_types_add_struct(types, GCP_MAX_STRUCT_BYTES, NULL, 0, &big));
    gcp_ref r;
    ck_assert_status(gcp_heap_alloc_struct(heap, big, &r), GCP_ETOOLARGE);
    /* The largest struct that fits a fresh 1 MiB heap. */
    uint32_t fits;
    ck_assert_ok(gcp_types_add_struct(types, (uint32_t)MIB - 32, NULL, 0, &fits));
    ck_assert_ok(gcp_heap_alloc_struct(heap, fits, &r));
    ck_assert_uint_eq(gcp_heap_bound(heap), MIB);
    ck_assert_status(gcp_heap_alloc_struct(heap, E, &r), GCP_NEED_GC);
}
END_TEST

START_TEST(alloc_without_types)
{
    gcp_pool_config c = small_config(1);
    gcp_pool *p;
    gcp_heap *h;
    ck_assert_ok(gcp_pool_new(&c, &p));
    ck_assert_ok(gcp_pool_acquire(p, &h));
    gcp_ref r;
    ck_assert_status(gcp_heap_alloc_struct(h, 0, &r), GCP_ETYPE);
    ck_assert_status(gcp_heap_alloc_array(h, 0, 1, &r), GCP_ETYPE);
    gcp_hostdata *t;
    uint32_t id;
    ck_assert_ok(gcp_hostdata_new(&t));
    ck_assert_ok(gcp_hostdata_insert(t, NULL, NULL, &id));
    ck_assert_ok(gcp_heap_alloc_externref(h, t, id, &r));
    gcp_hostdata_free(t);
    ck_assert_ok(gcp_pool_release(p, h));
    ck_assert_ok(gcp_pool_free(p));
}
END_TEST

START_TEST(new_objects_are_zeroed)
{
    /* Compiled code may scribble past the bump pointer: allocation zeroes. */
    gcp_bump *b = gcp_heap_collector_data(heap);
    ck_assert_ptr_nonnull(b);
    memset(at(b->next), 0xab, 64);
    gcp_ref a;
    ck_assert_ok(gcp_heap_alloc_array(heap, BA, 40, &a));
    for (uint32_t i = 0; i < 40; i++) {
        uint8_t v = 1;
        ck_assert_ok(gcp_array_read(heap, a, i, &v));
        ck_assert_uint_eq(v, 0);
    }
}
END_TEST

START_TEST(growth_to_max_then_limit)
{
    size_t bound0 = gcp_heap_bound(heap);
    ck_assert_uint_eq(bound0, 4 * KIB);
    gcp_ref r;
    int n = 0;
    gcp_status st;
    while ((st = gcp_heap_alloc_array(heap, BA, 60 * 1024, &r)) == GCP_OK) {
        n++;
        ck_assert_uint_le(r + 60 * 1024 + 24, gcp_heap_bound(heap));
        ck_assert_uint_eq(((gcp_bump *)gcp_heap_collector_data(heap))->limit, gcp_heap_bound(heap));
        ck_assert_int_lt(n, 100);
    }
    ck_assert_status(st, GCP_NEED_GC);
    ck_assert_int_eq(n, 17);   /* 17 * (60 KiB + 24) fit in 1 MiB, 18 do not */
    ck_assert_uint_eq(gcp_heap_bound(heap), gcp_heap_max(heap));
    /* Asking again without collecting still says NEED_GC. */
    ck_assert_status(gcp_heap_alloc_array(heap, BA, 60 * 1024, &r), GCP_NEED_GC);
    ck_assert_ok(gcp_heap_gc(heap, NULL, table));
    ck_assert_uint_eq(gcp_heap_collections(heap), 1);
    /* The collection reclaimed nothing: the retry gets the limit. */
    ck_assert_status(gcp_heap_alloc_array(heap, BA, 60 * 1024, &r), GCP_ELIMIT);
    ck_assert_status(gcp_heap_alloc_array(heap, BA, 60 * 1024, &r), GCP_ELIMIT);
    /* What still fits in the tail is handed out; then NEED_GC again. */
    ck_assert_ok(gcp_heap_alloc_struct(heap, S, &r));
    ck_assert_status(gcp_heap_alloc_array(heap, BA, 60 * 1024, &r), GCP_NEED_GC);
    ck_assert(!gcp_heap_is_poisoned(heap));
    /* Reset gives a fresh heap: allocation starts over. */
    recycle();
    ck_assert_uint_eq(gcp_heap_collections(heap), 0);
    ck_assert_ok(gcp_heap_alloc_struct(heap, S, &r));
    ck_assert_uint_eq(r, GCP_HEAP_START);
}
END_TEST

START_TEST(host_loop_terminates)
{
    /* "alloc; on NEED_GC collect and retry" ends with ELIMIT. */
    int collections = 0;
    for (int i = 0; i < 100000; i++) {
        gcp_ref r;
        gcp_status st = gcp_heap_alloc_array(heap, QA, 1000, &r);
        if (st == GCP_NEED_GC) {
            ck_assert_ok(gcp_heap_gc(heap, NULL, table));
            collections++;
            continue;
        }
        if (st == GCP_ELIMIT)
            break;
        ck_assert_ok(st);
    }
    ck_assert_int_eq(collections, 1);
    ck_assert_uint_eq(gcp_heap_bound(heap), 1 * MIB);
}
END_TEST

START_TEST(struct_fields)
{
    gcp_ref a, b;
    ck_assert_ok(gcp_heap_alloc_struct(heap, S, &a));
    ck_assert_ok(gcp_heap_alloc_struct(heap, S, &b));
    gcp_ref v = 7;
    ck_assert_ok(gcp_struct_get_ref(heap, a, 0, &v));
    ck_assert_uint_eq(v, GCP_REF_NULL);
    ck_assert_ok(gcp_struct_set_ref(heap, table, a, 0, b));
    ck_assert_ok(gcp_struct_set_ref(heap, table, a, 8, gcp_ref_i31_wrap(-5)));
    ck_assert_ok(gcp_struct_get_ref(heap, a, 0, &v));
    ck_assert_uint_eq(v, b);
    ck_assert_uint_eq(gcp__load32(at(a) + GCP_OBJ_PAYLOAD), b);
    ck_assert_ok(gcp_struct_get_ref(heap, a, 8, &v));
    ck_assert_int_eq(gcp_ref_i31_value(v), -5);
    uint32_t x = 0xdeadbeef, y = 0;
    ck_assert_ok(gcp_struct_write(heap, a, 4, &x, 4));
    ck_assert_ok(gcp_struct_read(heap, a, 4, &y, 4));
    ck_assert_uint_eq(y, 0xdeadbeef);
    uint16_t h = 0x1234, h2 = 0;
    ck_assert_ok(gcp_struct_write(heap, a, 14, &h, 2));
    ck_assert_ok(gcp_struct_read(heap, a, 14, &h2, 2));
    ck_assert_uint_eq(h2, 0x1234);
    /* Scalar access over a ref field, ref access off a ref field. */
    ck_assert_status(gcp_struct_read(heap, a, 0, &y, 4), GCP_ETYPE);
    ck_assert_status(gcp_struct_write(heap, a, 6, &x, 4), GCP_ETYPE);
    ck_assert_status(gcp_struct_read(heap, a, 11, &y, 1), GCP_ETYPE);
    uint64_t y8 = 0;
    ck_assert_status(gcp_struct_read(heap, a, 4, &y8, 8), GCP_ETYPE);
    ck_assert_status(gcp_struct_get_ref(heap, a, 4, &v), GCP_ETYPE);
    ck_assert_status(gcp_struct_set_ref(heap, table, a, 12, b), GCP_ETYPE);
    /* Outside the payload. */
    ck_assert_status(gcp_struct_read(heap, a, 16, &y, 1), GCP_EBOUNDS);
    ck_assert_status(gcp_struct_read(heap, a, 14, &y, 4), GCP_EBOUNDS);
    ck_assert_status(gcp_struct_read(heap, a, UINT32_MAX, &y, 4), GCP_EBOUNDS);
    ck_assert_status(gcp_struct_read(heap, a, 4, &y, 0), GCP_EBOUNDS);
    ck_assert_status(gcp_struct_write(heap, a, 4, &x, SIZE_MAX), GCP_EBOUNDS);
    ck_assert_status(gcp_struct_get_ref(heap, a, 16, &v), GCP_EBOUNDS);
    ck_assert_status(gcp_struct_get_ref(heap, a, UINT32_MAX - 1, &v), GCP_EBOUNDS);
    /* Wrong kinds and non-objects. */
    gcp_ref arr;
    ck_assert_ok(gcp_heap_alloc_array(heap, RA, 2, &arr));
    ck_assert_status(gcp_struct_get_ref(heap, arr, 0, &v), GCP_ETYPE);
    ck_assert_status(gcp_struct_read(heap, GCP_REF_NULL, 4, &y, 4), GCP_EINVAL);
    ck_assert_status(gcp_struct_read(heap, gcp_ref_i31_wrap(3), 4, &y, 4), GCP_EINVAL);
    ck_assert_status(gcp_struct_read(heap, a, 4, NULL, 4), GCP_EINVAL);
    ck_assert(!gcp_heap_is_poisoned(heap));
}
END_TEST

START_TEST(array_elements)
{
    gcp_ref q, r, s;
    ck_assert_ok(gcp_heap_alloc_array(heap, QA, 4, &q));
    ck_assert_ok(gcp_heap_alloc_array(heap, RA, 3, &r));
    ck_assert_ok(gcp_heap_alloc_struct(heap, S, &s));
    uint64_t v = 0x0102030405060708u, w = 0;
    ck_assert_ok(gcp_array_write(heap, q, 3, &v));
    ck_assert_ok(gcp_array_read(heap, q, 3, &w));
    ck_assert_uint_eq(w, v);
    ck_assert_ok(gcp_array_read(heap, q, 0, &w));
    ck_assert_uint_eq(w, 0);
    ck_assert_status(gcp_array_read(heap, q, 4, &w), GCP_EBOUNDS);
    ck_assert_status(gcp_array_write(heap, q, UINT32_MAX, &v), GCP_EBOUNDS);
    ck_assert_status(gcp_array_get_ref(heap, q, 0, &s), GCP_ETYPE);
    ck_assert_status(gcp_array_set_ref(heap, table, q, 0, s), GCP_ETYPE);
    gcp_ref e = 9;
    ck_assert_ok(gcp_array_set_ref(heap, table, r, 2, s));
    ck_assert_ok(gcp_array_get_ref(heap, r, 2, &e));
    ck_assert_uint_eq(e, s);
    ck_assert_ok(gcp_array_get_ref(heap, r, 0, &e));
    ck_assert_uint_eq(e, GCP_REF_NULL);
    ck_assert_status(gcp_array_get_ref(heap, r, 3, &e), GCP_EBOUNDS);
    ck_assert_status(gcp_array_set_ref(heap, table, r, 3, s), GCP_EBOUNDS);
    ck_assert_status(gcp_array_read(heap, r, 0, &w), GCP_ETYPE);
    ck_assert_status(gcp_array_write(heap, r, 0, &v), GCP_ETYPE);
    uint32_t len;
    ck_assert_status(gcp_array_length(heap, s, &len), GCP_ETYPE);
    ck_assert_status(gcp_array_length(heap, GCP_REF_NULL, &len), GCP_EINVAL);
    ck_assert_status(gcp_array_write(heap, q, 0, NULL), GCP_EINVAL);
    ck_assert(!gcp_heap_is_poisoned(heap));
}
END_TEST

START_TEST(corrupt_kind)
{
    gcp_ref a;
    gcp_header h;
    ck_assert_ok(gcp_heap_alloc_struct(heap, S, &a));
    poke32(a, 0, 9);
    ck_assert_status(gcp_heap_header(heap, a, &h), GCP_ECORRUPT);
    expect_poisoned_then_clean();
    ck_assert_ok(gcp_heap_alloc_struct(heap, S, &a));
    poke32(a, 0, GCP_KIND_FREE);
    ck_assert_status(gcp_struct_read(heap, a, 4, &h, 4), GCP_ECORRUPT);
    expect_poisoned_then_clean();
    ck_assert_ok(gcp_heap_alloc_struct(heap, S, &a));
    poke32(a, 0, GCP_KIND_STRUCT | (1u << 16));   /* reserved bits */
    ck_assert_status(gcp_heap_header(heap, a, &h), GCP_ECORRUPT);
    expect_poisoned_then_clean();
    /* Flags belong to the collector: any value is accepted. */
    ck_assert_ok(gcp_heap_alloc_struct(heap, S, &a));
    poke32(a, 0, GCP_KIND_STRUCT | (0x81u << 8));
    ck_assert_ok(gcp_heap_header(heap, a, &h));
    ck_assert_uint_eq(h.flags, 0x81);
}
END_TEST

START_TEST(corrupt_type_index)
{
    gcp_ref a;
    gcp_header h;
    ck_assert_ok(gcp_heap_alloc_struct(heap, S, &a));
    poke32(a, 4, 999);
    ck_assert_status(gcp_heap_header(heap, a, &h), GCP_ECORRUPT);
    expect_poisoned_then_clean();
    ck_assert_ok(gcp_heap_alloc_struct(heap, S, &a));
    poke32(a, 4, RA);   /* registered, but an array type */
    ck_assert_status(gcp_struct_set_ref(heap, table, a, 0, GCP_REF_NULL), GCP_ECORRUPT);
    expect_poisoned_then_clean();
    ck_assert_ok(gcp_heap_alloc_externref(heap, table, new_id(), &a));
    poke32(a, 4, RA);   /* externrefs have type 0 */
    uint32_t id;
    ck_assert_status(gcp_heap_externref_host_data(heap, a, &id), GCP_ECORRUPT);
    expect_poisoned_then_clean();
}
END_TEST

START_TEST(corrupt_size)
{
    gcp_ref a;
    gcp_header h;
    ck_assert_ok(gcp_heap_alloc_struct(heap, S, &a));
    poke32(a, 8, 40);
    ck_assert_status(gcp_heap_header(heap, a, &h), GCP_ECORRUPT);
    expect_poisoned_then_clean();
    ck_assert_ok(gcp_heap_alloc_struct(heap, S, &a));
    poke32(a, 8, UINT32_MAX);   /* runs past the bound */
    ck_assert_status(gcp_heap_header(heap, a, &h), GCP_ECORRUPT);
    expect_poisoned_then_clean();
    ck_assert_ok(gcp_heap_alloc_struct(heap, S, &a));
    poke32(a, 8, 0);
    ck_assert_status(gcp_heap_header(heap, a, &h), GCP_ECORRUPT);
    expect_poisoned_then_clean();
}
END_TEST

START_TEST(corrupt_array_length)
{
    gcp_ref a;
    uint32_t len;
    ck_assert_ok(gcp_heap_alloc_array(heap, QA, 2, &a));
    poke32(a, GCP_ARRAY_LENGTH, 3);
    ck_assert_status(gcp_array_length(heap, a, &len), GCP_ECORRUPT);
    expect_poisoned_then_clean();
    ck_assert_ok(gcp_heap_alloc_array(heap, QA, 2, &a));
    poke32(a, GCP_ARRAY_LENGTH, UINT32_MAX);
    uint64_t v;
    ck_assert_status(gcp_array_read(heap, a, 1000, &v), GCP_ECORRUPT);
    expect_poisoned_then_clean();
    /* Length and size faked consistently, but past the bound. */
    ck_assert_ok(gcp_heap_alloc_array(heap, BA, 8, &a));
    poke32(a, 8, 24 + 100000);
    poke32(a, GCP_ARRAY_LENGTH, 100000);
    ck_assert_status(gcp_array_write(heap, a, 99999, &v), GCP_ECORRUPT);
    expect_poisoned_then_clean();
    /* An array header too small to hold a length. */
    ck_assert_ok(gcp_heap_alloc_array(heap, BA, 8, &a));
    poke32(a, 8, 16);
    ck_assert_status(gcp_array_length(heap, a, &len), GCP_ECORRUPT);
    expect_poisoned_then_clean();
}
END_TEST

START_TEST(corrupt_field_refs)
{
    gcp_ref a, b, v;
    ck_assert_ok(gcp_heap_alloc_struct(heap, S, &a));
    ck_assert_ok(gcp_heap_alloc_struct(heap, S, &b));
    const gcp_ref bad[] = {b + 4, b + 8, b + 16, 2, 6, 0xfffffff8u,
                           (gcp_ref)gcp_heap_bound(heap), (gcp_ref)gcp_heap_bound(heap) - 8};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        ck_assert_ok(gcp_heap_alloc_struct(heap, S, &a));
        ck_assert_ok(gcp_heap_alloc_struct(heap, S, &b));
        poke32(a, GCP_OBJ_PAYLOAD + 8, bad[i]);
        ck_assert_status(gcp_struct_get_ref(heap, a, 8, &v), GCP_ECORRUPT);
        expect_poisoned_then_clean();
    }
    /* Overwriting a corrupt field is refused too (the old value is checked). */
    ck_assert_ok(gcp_heap_alloc_array(heap, RA, 2, &a));
    poke32(a, GCP_ARRAY_ELEMS + 4, 12);
    ck_assert_status(gcp_array_set_ref(heap, table, a, 1, GCP_REF_NULL), GCP_ECORRUPT);
    expect_poisoned_then_clean();
    ck_assert_ok(gcp_heap_alloc_array(heap, RA, 2, &a));
    poke32(a, GCP_ARRAY_ELEMS, 0x80000000u);
    ck_assert_status(gcp_array_get_ref(heap, a, 0, &v), GCP_ECORRUPT);
    expect_poisoned_then_clean();
    /* A bad ref from the host is refused the same way. */
    ck_assert_ok(gcp_heap_alloc_struct(heap, S, &a));
    ck_assert_status(gcp_struct_set_ref(heap, table, a, 0, a + 8), GCP_ECORRUPT);
    ck_assert_uint_eq(gcp__load32(at(a) + GCP_OBJ_PAYLOAD), 0);
    expect_poisoned_then_clean();
}
END_TEST

START_TEST(corrupt_refs_to_header)
{
    gcp_header h;
    const gcp_ref bad[] = {2, 8 + 2, GCP_HEAP_START + 4, 4096 - 8, 0xfffffff0u};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        ck_assert_status(gcp_heap_header(heap, bad[i], &h), GCP_ECORRUPT);
        expect_poisoned_then_clean();
    }
    /* null and i31 are not objects, but not corruption either. */
    ck_assert_status(gcp_heap_header(heap, GCP_REF_NULL, &h), GCP_EINVAL);
    ck_assert_status(gcp_heap_header(heap, 3, &h), GCP_EINVAL);
    ck_assert(!gcp_heap_is_poisoned(heap));
}
END_TEST

/* Random bytes written over a populated heap: every operation answers with
 * a status (never a crash or an access outside the slot), and whenever one
 * says GCP_ECORRUPT the heap is poisoned.  Fixed seeds; printed on failure. */
static uint32_t rng_next(uint32_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 17;
    *s ^= *s << 5;
    return *s;
}

static void check_status(gcp_status st, uint32_t seed)
{
    ck_assert_msg(st == GCP_OK || st == GCP_ECORRUPT || st == GCP_EPOISONED || st == GCP_ETYPE ||
                      st == GCP_EBOUNDS || st == GCP_EINVAL || st == GCP_NEED_GC,
                  "seed %u: unexpected status %d", seed, st);
    if (st == GCP_ECORRUPT || st == GCP_EPOISONED)
        ck_assert_msg(gcp_heap_is_poisoned(heap), "seed %u: corruption without poison", seed);
}

START_TEST(random_corruption_never_crashes)
{
    int poisoned_rounds = 0;
    for (uint32_t seed = 1; seed <= 300; seed++) {
        uint32_t rng = seed * 2654435761u;
        gcp_ref objs[24];
        int n = 0;
        for (int i = 0; i < 8; i++) {
            ck_assert_ok(gcp_heap_alloc_struct(heap, S, &objs[n++]));
            ck_assert_ok(gcp_heap_alloc_array(heap, RA, 1 + (uint32_t)i, &objs[n++]));
            ck_assert_ok(gcp_heap_alloc_array(heap, QA, (uint32_t)i, &objs[n++]));
        }
        for (int i = 0; i < n; i += 3) {
            ck_assert_ok(gcp_struct_set_ref(heap, table, objs[i], 0, objs[(i + 1) % n]));
            ck_assert_ok(gcp_array_set_ref(heap, table, objs[i + 1], 0, objs[(i + 3) % n]));
        }
        size_t used = gcp__heap_high_water(heap);
        int flips = 1 + (int)(rng_next(&rng) % 6);
        for (int f = 0; f < flips; f++) {
            size_t off = rng_next(&rng) % used;
            uint32_t kind = rng_next(&rng) % 3;
            if (kind == 0)
                at(0)[off] = (uint8_t)rng_next(&rng);
            else if (kind == 1)
                at(0)[off] ^= (uint8_t)(1u << (rng_next(&rng) % 8));
            else if (off + 4 <= used)
                gcp__store32(at(0) + off, rng_next(&rng));
        }
        for (int i = 0; i < n; i++) {
            gcp_header h;
            gcp_ref v;
            uint32_t len;
            uint64_t q;
            uint32_t x;
            check_status(gcp_heap_header(heap, objs[i], &h), seed);
            check_status(gcp_struct_get_ref(heap, objs[i], 8, &v), seed);
            check_status(gcp_struct_read(heap, objs[i], 4, &x, 4), seed);
            check_status(gcp_struct_set_ref(heap, table, objs[i], 0, objs[0]), seed);
            check_status(gcp_array_length(heap, objs[i], &len), seed);
            check_status(gcp_array_get_ref(heap, objs[i], 0, &v), seed);
            check_status(gcp_array_read(heap, objs[i], 1, &q), seed);
            check_status(gcp_array_set_ref(heap, table, objs[i], 0, GCP_REF_NULL), seed);
            check_status(gcp_heap_clone_ref(heap, objs[i], &v), seed);
        }
        gcp_ref r;
        check_status(gcp_heap_alloc_struct(heap, S, &r), seed);
        poisoned_rounds += gcp_heap_is_poisoned(heap);
        recycle();
    }
    /* Most flips hit headers or refs: the checks really fire. */
    ck_assert_int_gt(poisoned_rounds, 100);
    ck_assert_int_lt(poisoned_rounds, 300);
}
END_TEST

/* ---------------------------------------------------------------- fast path */

/* New objects of every small size (the fixed-width zeroing goes up to 128
 * payload bytes) read back as zero over memory compiled code dirtied, and
 * nothing past an object's end is written. */
START_TEST(fast_zeroing_every_size)
{
    /* Grow the heap, then hand the space back to the bump pointer, as
     * compiled code may, and dirty all of it. */
    gcp_ref big;
    ck_assert_ok(gcp_heap_alloc_array(heap, BA, 192 * 1024, &big));
    gcp_bump *b = gcp_heap_collector_data(heap);
    size_t bound = gcp_heap_bound(heap);
    b->next = GCP_HEAP_START;
    memset(at(GCP_HEAP_START), 0xa5, bound - GCP_HEAP_START);
    uint8_t buf[200];
    for (uint32_t payload = 1; payload <= 200; payload++) {
        uint32_t t;
        ck_assert_ok(gcp_types_add_struct(types, payload, NULL, 0, &t));   /* after the heap's snapshot */
        gcp_ref r;
        ck_assert_ok(gcp_heap_alloc_struct(heap, t, &r));
        uint32_t size = gcp__load32(at(r) + 8);
        ck_assert_uint_eq(size, (16 + payload + 7) & ~7u);
        memset(buf, 0x5a, sizeof buf);
        ck_assert_ok(gcp_struct_read(heap, r, 0, buf, payload));
        for (uint32_t i = 0; i < size - 16; i++)
            ck_assert_msg(at(r)[16 + i] == 0, "payload %u: byte %u not zeroed", payload, i);
        for (uint32_t i = 0; i < payload; i++)
            ck_assert_uint_eq(buf[i], 0);
        for (uint32_t i = 0; i < 8; i++)
            ck_assert_msg(at(r + size)[i] == 0xa5, "payload %u: wrote past the object", payload);
    }
    for (uint32_t len = 0; len <= 140; len++) {
        gcp_ref r;
        ck_assert_ok(gcp_heap_alloc_array(heap, len % 2 ? BA : QA, len, &r));
        uint32_t size = gcp__load32(at(r) + 8), got = 0;
        ck_assert_ok(gcp_array_length(heap, r, &got));
        ck_assert_uint_eq(got, len);
        for (uint32_t i = 20; i < size; i++)
            ck_assert_msg(at(r)[i] == 0, "array of %u: byte %u not zeroed", len, i);
        for (uint32_t i = 0; i < 8; i++)
            ck_assert_msg(at(r + size)[i] == 0xa5, "array of %u: wrote past the object", len);
    }
    ck_assert(!gcp_heap_is_poisoned(heap));
}
END_TEST

/* Scalar reads and writes of every length up to past the fixed-width
 * copies (64 bytes), at odd offsets: exactly the bytes asked for move. */
START_TEST(fast_copies_every_length)
{
    uint32_t t;
    ck_assert_ok(gcp_types_add_struct(types, 160, NULL, 0, &t));
    gcp_ref r;
    ck_assert_ok(gcp_heap_alloc_struct(heap, t, &r));
    uint8_t *payload = at(r) + GCP_OBJ_PAYLOAD;
    uint8_t in[100], out[110];
    for (uint32_t i = 0; i < sizeof in; i++)
        in[i] = (uint8_t)(i * 7 + 1);
    const uint32_t offsets[] = {0, 1, 3, 8, 13};
    for (size_t k = 0; k < sizeof offsets / sizeof offsets[0]; k++) {
        uint32_t off = offsets[k];
        for (size_t len = 1; len <= 100; len++) {
            memset(payload, 0xee, 160);
            ck_assert_ok(gcp_struct_write(heap, r, off, in, len));
            for (uint32_t i = 0; i < 160; i++) {
                uint8_t want = (i >= off && i < off + len) ? in[i - off] : 0xee;
                ck_assert_msg(payload[i] == want, "write off %u len %zu: byte %u", off, len, i);
            }
            memset(out, 0x11, sizeof out);
            ck_assert_ok(gcp_struct_read(heap, r, off, out, len));
            for (size_t i = 0; i < sizeof out; i++)
                ck_assert_msg(out[i] == (i < len ? in[i] : 0x11), "read off %u len %zu: byte %zu",
                              off, len, i);
        }
    }
}
END_TEST

/* Ref-free ranges before the first ref field, between two and after the
 * last (the fast path takes the outer ones, the slow path the one in
 * between), and ranges that touch a ref field. */
START_TEST(scalar_ranges_around_refs)
{
    uint32_t t;
    const uint32_t offs[] = {8, 24};
    ck_assert_ok(gcp_types_add_struct(types, 40, offs, 2, &t));
    gcp_ref r;
    ck_assert_ok(gcp_heap_alloc_struct(heap, t, &r));
    uint8_t v[16] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16}, w[16];
    ck_assert_ok(gcp_struct_write(heap, r, 0, v, 8));
    ck_assert_ok(gcp_struct_write(heap, r, 12, v, 12));
    ck_assert_ok(gcp_struct_write(heap, r, 28, v, 12));
    ck_assert_ok(gcp_struct_read(heap, r, 12, w, 12));
    ck_assert_mem_eq(w, v, 12);
    ck_assert_ok(gcp_struct_read(heap, r, 28, w, 12));
    ck_assert_mem_eq(w, v, 12);
    ck_assert_status(gcp_struct_write(heap, r, 4, v, 5), GCP_ETYPE);
    ck_assert_status(gcp_struct_read(heap, r, 11, w, 1), GCP_ETYPE);
    ck_assert_status(gcp_struct_read(heap, r, 20, w, 8), GCP_ETYPE);
    ck_assert_status(gcp_struct_write(heap, r, 27, v, 1), GCP_ETYPE);
    ck_assert_status(gcp_struct_read(heap, r, 0, w, 16), GCP_ETYPE);
    ck_assert_status(gcp_struct_read(heap, r, 36, w, 5), GCP_EBOUNDS);
    ck_assert_status(gcp_struct_write(heap, r, 40, v, 1), GCP_EBOUNDS);
    ck_assert(!gcp_heap_is_poisoned(heap));
}
END_TEST

/* A type registered after the heap last looked at the registry becomes
 * valid in objects the heap already holds (the snapshot is refreshed),
 * and an index nobody registered stays corruption. */
START_TEST(types_registered_later)
{
    gcp_ref a;
    uint8_t w[4];
    ck_assert_ok(gcp_heap_alloc_struct(heap, E, &a));   /* E: 1 byte, size 24 */
    ck_assert_ok(gcp_struct_read(heap, a, 0, w, 1));
    uint32_t later;
    ck_assert_ok(gcp_types_add_struct(types, 8, NULL, 0, &later));   /* also size 24 */
    poke32(a, 4, later);
    ck_assert_ok(gcp_struct_read(heap, a, 0, w, 4));
    ck_assert_ok(gcp_struct_write(heap, a, 4, w, 4));
    ck_assert(!gcp_heap_is_poisoned(heap));
    poke32(a, 4, later + 1);   /* not registered (yet) */
    ck_assert_status(gcp_struct_read(heap, a, 0, w, 1), GCP_ECORRUPT);
    expect_poisoned_then_clean();
}
END_TEST

/* Types past the registry's first chunk, which the heap's snapshot does
 * not cover, take the slow path and work the same. */
START_TEST(types_past_the_first_chunk)
{
    uint32_t t = 0;
    while (gcp_types_count(types) <= GCP_TYPES_CHUNK)
        ck_assert_ok(gcp_types_add_struct(types, 24, NULL, 0, &t));
    ck_assert_uint_ge(t, GCP_TYPES_CHUNK);
    uint32_t ta;
    ck_assert_ok(gcp_types_add_array(types, 2, false, &ta));
    gcp_ref r, a;
    ck_assert_ok(gcp_heap_alloc_struct(heap, t, &r));
    ck_assert_ok(gcp_heap_alloc_array(heap, ta, 5, &a));
    uint64_t v = 0x0102030405060708u, w = 0;
    ck_assert_ok(gcp_struct_write(heap, r, 16, &v, 8));
    ck_assert_ok(gcp_struct_read(heap, r, 16, &w, 8));
    ck_assert_uint_eq(w, v);
    uint16_t e = 0xbeef, f = 0;
    ck_assert_ok(gcp_array_write(heap, a, 4, &e));
    ck_assert_ok(gcp_array_read(heap, a, 4, &f));
    ck_assert_uint_eq(f, 0xbeef);
    gcp_header h;
    ck_assert_ok(gcp_heap_header(heap, r, &h));
    ck_assert_uint_eq(h.type_index, t);
    ck_assert_status(gcp_struct_read(heap, a, 0, &w, 1), GCP_ETYPE);
    ck_assert(!gcp_heap_is_poisoned(heap));
    poke32(r, 4, ta + 1);   /* past the registry */
    ck_assert_status(gcp_struct_read(heap, r, 16, &w, 8), GCP_ECORRUPT);
    expect_poisoned_then_clean();
}
END_TEST

/* Every way a struct's header or ref can be wrong, seen through the fast
 * entry points (gcp_struct_read and gcp_struct_write): the same statuses
 * as the full check, a poison exactly for corruption. */
START_TEST(fast_path_hostile_headers)
{
    for (int c = 0; c < 17; c++) {
        for (int op = 0; op < 2; op++) {
            gcp_ref a;
            ck_assert_ok(gcp_heap_alloc_struct(heap, S, &a));   /* size 32 */
            gcp_ref use = a;
            gcp_status want = GCP_ECORRUPT;
            size_t bound = gcp_heap_bound(heap);
            switch (c) {
            case 0: poke32(a, 0, GCP_KIND_FREE); break;
            case 1: poke32(a, 0, 4); break;
            case 2: poke32(a, 0, GCP_KIND_STRUCT | (1u << 16)); break;
            case 3: poke32(a, 0, GCP_KIND_STRUCT | (0xffu << 8)); want = GCP_OK; break;
            case 4: poke32(a, 4, gcp_types_count(types)); break;
            case 5: poke32(a, 4, RA); break;
            case 6: poke32(a, 4, E); break;                  /* a struct of size 24 */
            case 7: poke32(a, 8, 40); break;
            case 8: poke32(a, 8, UINT32_MAX - 7); break;
            case 9:                                          /* a valid ref array of 2 */
                poke32(a, 0, GCP_KIND_ARRAY);
                poke32(a, 4, RA);
                poke32(a, GCP_ARRAY_LENGTH, 2);
                want = GCP_ETYPE;
                break;
            case 10:                                         /* a valid externref */
                poke32(a, 0, GCP_KIND_EXTERNREF);
                poke32(a, 4, 0);
                poke32(a, 8, 24);
                want = GCP_ETYPE;
                break;
            case 11: use = a + 4; break;
            case 12: use = (gcp_ref)bound; break;
            case 13: use = (gcp_ref)bound - 16; break;
            case 14:                                         /* header in, object past the bound */
                use = (gcp_ref)bound - 16;
                memcpy(at(use), at(a), 16);
                break;
            case 15:                                         /* a perfect header at offset 0 */
                use = 0;
                memcpy(at(0), at(a), 16);
                want = GCP_EINVAL;
                break;
            default: use = gcp_ref_i31_wrap(a); want = GCP_EINVAL; break;
            }
            uint32_t x = 0x12345678;
            gcp_status st = op ? gcp_struct_write(heap, use, 4, &x, 4)
                               : gcp_struct_read(heap, use, 4, &x, 4);
            ck_assert_msg(st == want, "case %d op %d: %s, want %s", c, op, gcp_strerror(st),
                          gcp_strerror(want));
            if (want == GCP_ECORRUPT) {
                expect_poisoned_then_clean();
            } else {
                ck_assert(!gcp_heap_is_poisoned(heap));
                if (c == 15)
                    memset(at(0), 0, 16);
            }
        }
    }
}
END_TEST

/* DRC and mark-sweep: the core takes room at the free lists' frontier
 * inline while the lists are empty; new objects are zeroed over dirty
 * memory and get the collector's word (DRC: a count of 1). */
START_TEST(inline_alloc_freelist_collectors)
{
    const gcp_collector kinds[] = {GCP_COLLECTOR_DRC, GCP_COLLECTOR_MARKSWEEP};
    for (size_t k = 0; k < 2; k++) {
        gc_fixture f;
        gcf_open(&f, kinds[k], 1 * MIB, 1000);
        uint8_t *base = gcp_heap_base(f.heap);
        gcp_ref a, b, c;
        ck_assert_ok(gcp_heap_alloc_struct(f.heap, f.S, &a));
        memset(base + a + 32, 0xa5, 256);   /* past the frontier */
        ck_assert_ok(gcp_heap_alloc_struct(f.heap, f.S, &b));
        ck_assert_uint_eq(b, a + 32);
        ck_assert_ok(gcp_heap_alloc_array(f.heap, f.BA, 10, &c));
        ck_assert_uint_eq(c, b + 32);
        uint32_t word = kinds[k] == GCP_COLLECTOR_DRC ? 1 : 0, len = 0;
        ck_assert_uint_eq(gcp__load32(base + b + 12), word);
        ck_assert_uint_eq(gcp__load32(base + c + 12), word);
        for (uint32_t i = 16; i < 32; i++)
            ck_assert_uint_eq(base[b + i], 0);
        ck_assert_ok(gcp_array_length(f.heap, c, &len));
        ck_assert_uint_eq(len, 10);
        for (uint32_t i = 20; i < 40; i++)
            ck_assert_uint_eq(base[c + i], 0);
        ck_assert_uint_eq(base[c + 40], 0xa5);   /* nothing past the object */
        ck_assert(!gcp_heap_is_poisoned(f.heap));
        gcf_close(&f);
    }
}
END_TEST

int main(void)
{
    Suite *s = suite_create("access");
    TCase *tc = tcase_create("access");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, alloc_struct_layout);
    tcase_add_test(tc, alloc_arrays_and_externrefs);
    tcase_add_test(tc, alloc_errors);
    tcase_add_test(tc, struct_larger_than_heap);
    tcase_add_test(tc, alloc_without_types);
    tcase_add_test(tc, new_objects_are_zeroed);
    tcase_add_test(tc, growth_to_max_then_limit);
    tcase_add_test(tc, host_loop_terminates);
    tcase_add_test(tc, struct_fields);
    tcase_add_test(tc, array_elements);
    tcase_add_test(tc, corrupt_kind);
    tcase_add_test(tc, corrupt_type_index);
    tcase_add_test(tc, corrupt_size);
    tcase_add_test(tc, corrupt_array_length);
    tcase_add_test(tc, corrupt_field_refs);
    tcase_add_test(tc, corrupt_refs_to_header);
    tcase_add_test(tc, random_corruption_never_crashes);
    tcase_add_test(tc, fast_zeroing_every_size);
    tcase_add_test(tc, fast_copies_every_length);
    tcase_add_test(tc, scalar_ranges_around_refs);
    tcase_add_test(tc, types_registered_later);
    tcase_add_test(tc, types_past_the_first_chunk);
    tcase_add_test(tc, fast_path_hostile_headers);
    tcase_add_test(tc, inline_alloc_freelist_collectors);
    suite_add_tcase(s, tc);
    return run_suite(s);
}

/* SPDX-License-Identifier: MIT */
/* Initial contents and bulk array operations (lib/bulk.c), over the null,
 * DRC and mark-sweep collectors: values, counts kept by the barriers,
 * survival and release through collections, bounds and overflow errors
 * that change nothing, hostile heaps, busy and poisoned heaps, and the
 * store-level variants that collect and retry. */
#include "gcutil.h"
#include "lib/inspect.h"

static const gcp_collector collectors[] = {GCP_COLLECTOR_NULL, GCP_COLLECTOR_DRC,
                                           GCP_COLLECTOR_MARKSWEEP, GCP_COLLECTOR_COMPACT};
static gc_fixture F;
static uint32_t U16, U32, U64;

/* Opens the fixture over collector `i` of `collectors` (budget 1000), plus
 * 2-, 4- and 8-byte scalar array types. */
static void open_i(int i)
{
    gcf_open(&F, collectors[i], 1 * MIB, 1000);
    ck_assert_ok(gcp_types_add_array(F.types, 2, false, &U16));
    ck_assert_ok(gcp_types_add_array(F.types, 4, false, &U32));
    ck_assert_ok(gcp_types_add_array(F.types, 8, false, &U64));
}

static bool is_drc(void) { return F.heap->ops == &gcp__drc_collector; }
static bool reclaims(void) { return F.heap->ops != &gcp__null_collector; }
static uint32_t count(gcp_ref r) { return gcf_peek(&F, r, GCP_HDR_CWORD); }
/* True unless r starts a live object in a walk of the heap's blocks (free
 * blocks may have been merged, so r's own header says nothing).  The null
 * collector frees nothing. */
static bool is_free(gcp_ref r)
{
    gcp_freelist *fl = gcp__heap_freelist(F.heap);
    if (!fl)
        return false;
    uint64_t at = GCP_HEAP_START;
    while (at < fl->frontier && at <= r) {
        gcp_obj o;
        ck_assert_ok(gcp__obj_check_block(F.heap, (gcp_ref)at, &o));
        if (at == r)
            return o.kind == GCP_KIND_FREE;
        at += o.size;
    }
    return true;
}

static gcp_ref new_s(void)
{
    gcp_ref r;
    ck_assert_ok(gcp_heap_alloc_struct(F.heap, F.S, &r));
    return r;
}

static gcp_ref new_arr(uint32_t type, uint32_t len)
{
    gcp_ref r;
    ck_assert_ok(gcp_heap_alloc_array(F.heap, type, len, &r));
    return r;
}

static void drop(gcp_ref r) { ck_assert_ok(gcp_heap_drop_ref(F.heap, F.table, r)); }

static gcp_ref get_ref(gcp_ref arr, uint32_t i)
{
    gcp_ref v;
    ck_assert_ok(gcp_array_get_ref(F.heap, arr, i, &v));
    return v;
}

/* The object's bytes, header included, to compare before and after. */
typedef struct snap {
    gcp_ref r;
    uint32_t size;
    uint8_t bytes[512];
} snap;

static void take(snap *s, gcp_ref r)
{
    s->r = r;
    s->size = gcf_peek(&F, r, GCP_HDR_SIZE);
    ck_assert_uint_le(s->size, sizeof s->bytes);
    memcpy(s->bytes, gcf_at(&F, r), s->size);
}

static void same(const snap *s)
{
    ck_assert_msg(memcmp(s->bytes, gcf_at(&F, s->r), s->size) == 0,
                  "object at %#x changed", s->r);
}

/* A roots list holding the given refs (locations in `slots`). */
static gcp_roots *roots_of(gcp_ref *slots, size_t n)
{
    gcp_roots *roots;
    ck_assert_ok(gcp_roots_new(&roots));
    for (size_t i = 0; i < n; i++)
        ck_assert_ok(gcp_roots_add(roots, &slots[i]));
    return roots;
}

/* ------------------------------------------------------------ allocation */

START_TEST(struct_init_values_and_counts)
{
    open_i(_i);
    gcp_ref a = new_s(), b;
    uint8_t img[16];
    uint32_t w[4] = {a, 0x11223344u, gcp_ref_i31_wrap(-5), 0x55667788u};
    memcpy(img, w, sizeof img);
    ck_assert_ok(gcp_heap_alloc_struct_init(F.heap, F.S, img, sizeof img, &b));
    gcp_ref v;
    ck_assert_ok(gcp_struct_get_ref(F.heap, b, 0, &v));
    ck_assert_uint_eq(v, a);
    ck_assert_ok(gcp_struct_get_ref(F.heap, b, 8, &v));
    ck_assert_int_eq(gcp_ref_i31_value(v), -5);
    uint32_t x = 0;
    ck_assert_ok(gcp_struct_read(F.heap, b, 4, &x, 4));
    ck_assert_uint_eq(x, 0x11223344u);
    ck_assert_ok(gcp_struct_read(F.heap, b, 12, &x, 4));
    ck_assert_uint_eq(x, 0x55667788u);
    if (is_drc()) {
        ck_assert_uint_eq(count(a), 2);   /* the host's and b's field */
        ck_assert_uint_eq(count(b), 1);
    }
    /* a is kept by b's field alone. */
    drop(a);
    gcp_ref keep = b;
    gcp_roots *roots = roots_of(&keep, 1);
    gcf_collect(&F, roots);
    ck_assert(!is_free(a));
    ck_assert_ok(gcp_struct_get_ref(F.heap, b, 0, &v));
    ck_assert_uint_eq(v, a);
    /* Overwriting the field releases a. */
    ck_assert_ok(gcp_struct_set_ref(F.heap, F.table, b, 0, GCP_REF_NULL));
    gcf_collect(&F, roots);
    if (reclaims())
        ck_assert(is_free(a));
    gcp_roots_free(roots);
    gcf_close(&F);
}
END_TEST

START_TEST(struct_init_errors)
{
    open_i(_i);
    gcp_ref a = new_s(), r = 7;
    uint32_t w[4] = {a, 1, a, 2};
    size_t hw = gcp__heap_high_water(F.heap);
    ck_assert_status(gcp_heap_alloc_struct_init(F.heap, F.S, w, 15, &r), GCP_EBOUNDS);
    ck_assert_status(gcp_heap_alloc_struct_init(F.heap, F.S, w, 17, &r), GCP_EBOUNDS);
    ck_assert_status(gcp_heap_alloc_struct_init(F.heap, F.S, NULL, 16, &r), GCP_EINVAL);
    ck_assert_status(gcp_heap_alloc_struct_init(F.heap, F.S, w, 16, NULL), GCP_EINVAL);
    ck_assert_status(gcp_heap_alloc_struct_init(NULL, F.S, w, 16, &r), GCP_EINVAL);
    ck_assert_status(gcp_heap_alloc_struct_init(F.heap, F.RA, w, 16, &r), GCP_ETYPE);
    ck_assert_status(gcp_heap_alloc_struct_init(F.heap, 999, w, 16, &r), GCP_ETYPE);
    ck_assert_uint_eq(r, 7);
    ck_assert_uint_eq(gcp__heap_high_water(F.heap), hw);
    if (is_drc())
        ck_assert_uint_eq(count(a), 1);
    /* A ref into the middle of an object: corruption, nothing allocated,
     * no count taken on the valid ref before it. */
    w[2] = a + 8;
    snap sa;
    take(&sa, a);
    ck_assert_status(gcp_heap_alloc_struct_init(F.heap, F.S, w, 16, &r), GCP_ECORRUPT);
    ck_assert(gcp_heap_is_poisoned(F.heap));
    ck_assert_uint_eq(gcp__heap_high_water(F.heap), hw);
    same(&sa);
    ck_assert_uint_eq(r, 7);
    ck_assert_status(gcp_heap_alloc_struct_init(F.heap, F.S, w, 16, &r), GCP_EPOISONED);
    gcf_recycle(&F);
    /* A struct that can never fit the 1 MiB heap. */
    uint32_t big;
    ck_assert_ok(gcp_types_add_struct(F.types, GCP_MAX_STRUCT_BYTES, NULL, 0, &big));
    void *img = calloc(1, GCP_MAX_STRUCT_BYTES);
    ck_assert_ptr_nonnull(img);
    ck_assert_status(gcp_heap_alloc_struct_init(F.heap, big, img, GCP_MAX_STRUCT_BYTES, &r),
                     GCP_ETOOLARGE);
    free(img);
    ck_assert_uint_eq(r, 7);
    gcf_close(&F);
}
END_TEST

START_TEST(array_fill_alloc)
{
    open_i(_i);
    gcp_ref r;
    uint8_t b = 0xa5;
    ck_assert_ok(gcp_heap_alloc_array_fill(F.heap, F.BA, 37, &b, &r));
    uint8_t bytes[37];
    ck_assert_ok(gcp_array_read_range(F.heap, r, 0, 37, bytes, sizeof bytes));
    for (int i = 0; i < 37; i++)
        ck_assert_uint_eq(bytes[i], 0xa5);
    uint16_t h = 0x1234, hs[5];
    ck_assert_ok(gcp_heap_alloc_array_fill(F.heap, U16, 5, &h, &r));
    ck_assert_ok(gcp_array_read_range(F.heap, r, 0, 5, hs, sizeof hs));
    for (int i = 0; i < 5; i++)
        ck_assert_uint_eq(hs[i], 0x1234);
    uint32_t s = 0xdeadbeef, ss[3];
    ck_assert_ok(gcp_heap_alloc_array_fill(F.heap, U32, 3, &s, &r));
    ck_assert_ok(gcp_array_read_range(F.heap, r, 0, 3, ss, sizeof ss));
    for (int i = 0; i < 3; i++)
        ck_assert_uint_eq(ss[i], 0xdeadbeef);
    uint64_t q = UINT64_C(0x0102030405060708), qs[4];
    ck_assert_ok(gcp_heap_alloc_array_fill(F.heap, U64, 4, &q, &r));
    ck_assert_ok(gcp_array_read_range(F.heap, r, 0, 4, qs, sizeof qs));
    for (int i = 0; i < 4; i++)
        ck_assert_uint_eq(qs[i], q);
    /* Same bytes throughout (the memset path) for a wide element. */
    q = UINT64_C(0x7f7f7f7f7f7f7f7f);
    ck_assert_ok(gcp_heap_alloc_array_fill(F.heap, U64, 4, &q, &r));
    ck_assert_ok(gcp_array_read_range(F.heap, r, 0, 4, qs, sizeof qs));
    ck_assert_uint_eq(qs[3], q);
    /* Empty. */
    ck_assert_ok(gcp_heap_alloc_array_fill(F.heap, U64, 0, &q, &r));
    uint32_t len = 9;
    ck_assert_ok(gcp_array_length(F.heap, r, &len));
    ck_assert_uint_eq(len, 0);
    /* Refs: each element counts. */
    gcp_ref a = new_s(), ra;
    ck_assert_ok(gcp_heap_alloc_array_fill(F.heap, F.RA, 6, &a, &ra));
    for (uint32_t i = 0; i < 6; i++)
        ck_assert_uint_eq(get_ref(ra, i), a);
    if (is_drc())
        ck_assert_uint_eq(count(a), 7);
    gcp_ref nul = GCP_REF_NULL;
    ck_assert_ok(gcp_heap_alloc_array_fill(F.heap, F.RA, 3, &nul, &r));
    ck_assert_uint_eq(get_ref(r, 2), GCP_REF_NULL);
    /* Errors: nothing allocated. */
    size_t hw = gcp__heap_high_water(F.heap);
    r = 3;
    ck_assert_status(gcp_heap_alloc_array_fill(F.heap, U64, UINT32_MAX, &q, &r), GCP_ETOOLARGE);
    ck_assert_status(gcp_heap_alloc_array_fill(F.heap, F.BA, 2 * (uint32_t)MIB, &b, &r),
                     GCP_ETOOLARGE);
    ck_assert_status(gcp_heap_alloc_array_fill(F.heap, F.S, 1, &q, &r), GCP_ETYPE);
    ck_assert_status(gcp_heap_alloc_array_fill(F.heap, F.BA, 1, NULL, &r), GCP_EINVAL);
    ck_assert_status(gcp_heap_alloc_array_fill(F.heap, F.BA, 1, &b, NULL), GCP_EINVAL);
    ck_assert_uint_eq(gcp__heap_high_water(F.heap), hw);
    ck_assert_uint_eq(r, 3);
    gcp_ref bad = a + 16;
    ck_assert_status(gcp_heap_alloc_array_fill(F.heap, F.RA, 2, &bad, &r), GCP_ECORRUPT);
    ck_assert(gcp_heap_is_poisoned(F.heap));
    ck_assert_uint_eq(gcp__heap_high_water(F.heap), hw);
    gcf_close(&F);
}
END_TEST

START_TEST(array_copy_alloc)
{
    open_i(_i);
    gcp_ref r;
    const uint16_t hs[6] = {1, 0xffff, 3, 0x8000, 5, 6};
    ck_assert_ok(gcp_heap_alloc_array_copy(F.heap, U16, 6, hs, sizeof hs, &r));
    uint16_t back[6] = {0};
    ck_assert_ok(gcp_array_read_range(F.heap, r, 0, 6, back, sizeof back));
    ck_assert_mem_eq(back, hs, sizeof hs);
    /* A longer buffer is fine (a data segment read from its start). */
    ck_assert_ok(gcp_heap_alloc_array_copy(F.heap, U16, 2, hs, sizeof hs, &r));
    uint32_t len = 0;
    ck_assert_ok(gcp_array_length(F.heap, r, &len));
    ck_assert_uint_eq(len, 2);
    /* Unaligned source bytes. */
    uint8_t raw[1 + 3 * 8];
    for (size_t i = 0; i < sizeof raw; i++)
        raw[i] = (uint8_t)(i * 7 + 1);
    ck_assert_ok(gcp_heap_alloc_array_copy(F.heap, U64, 3, raw + 1, 24, &r));
    uint64_t q;
    ck_assert_ok(gcp_array_read(F.heap, r, 2, &q));
    ck_assert_mem_eq(&q, raw + 17, 8);
    ck_assert_ok(gcp_heap_alloc_array_copy(F.heap, F.BA, 0, NULL, 0, &r));
    /* Refs, through the barrier, unaligned in the buffer too. */
    gcp_ref a = new_s(), c = new_s(), ra;
    gcp_ref rs[4] = {a, GCP_REF_NULL, gcp_ref_i31_wrap(9), c};
    uint8_t rb[1 + sizeof rs];
    memcpy(rb + 1, rs, sizeof rs);
    ck_assert_ok(gcp_heap_alloc_array_copy(F.heap, F.RA, 4, rb + 1, sizeof rs, &ra));
    for (uint32_t i = 0; i < 4; i++)
        ck_assert_uint_eq(get_ref(ra, i), rs[i]);
    if (is_drc()) {
        ck_assert_uint_eq(count(a), 2);
        ck_assert_uint_eq(count(c), 2);
    }
    /* Errors: nothing allocated, no count taken. */
    size_t hw = gcp__heap_high_water(F.heap);
    r = 3;
    ck_assert_status(gcp_heap_alloc_array_copy(F.heap, U16, 6, hs, sizeof hs - 1, &r), GCP_EBOUNDS);
    ck_assert_status(gcp_heap_alloc_array_copy(F.heap, F.RA, 4, rs, 15, &r), GCP_EBOUNDS);
    ck_assert_status(gcp_heap_alloc_array_copy(F.heap, U64, UINT32_MAX, hs, SIZE_MAX, &r),
                     GCP_ETOOLARGE);
    ck_assert_status(gcp_heap_alloc_array_copy(F.heap, U16, 1, NULL, 2, &r), GCP_EINVAL);
    ck_assert_status(gcp_heap_alloc_array_copy(F.heap, F.S, 1, hs, 2, &r), GCP_ETYPE);
    ck_assert_uint_eq(gcp__heap_high_water(F.heap), hw);
    ck_assert_uint_eq(r, 3);
    rs[1] = 0xfff0;   /* past the bound */
    snap sa;
    take(&sa, a);
    ck_assert_status(gcp_heap_alloc_array_copy(F.heap, F.RA, 4, rs, sizeof rs, &r), GCP_ECORRUPT);
    ck_assert(gcp_heap_is_poisoned(F.heap));
    same(&sa);
    ck_assert_uint_eq(gcp__heap_high_water(F.heap), hw);
    gcf_close(&F);
}
END_TEST

/* ------------------------------------------------------------ array.fill */

START_TEST(fill_numeric_ranges)
{
    open_i(_i);
    gcp_ref r = new_arr(U32, 10);
    uint32_t v = 0xcafe0001u, got[10];
    ck_assert_ok(gcp_array_fill(F.heap, F.table, r, 3, 4, &v));
    ck_assert_ok(gcp_array_read_range(F.heap, r, 0, 10, got, sizeof got));
    for (uint32_t i = 0; i < 10; i++)
        ck_assert_uint_eq(got[i], (i >= 3 && i < 7) ? v : 0);
    /* Zero elements at the end is in range; one past it is not. */
    ck_assert_ok(gcp_array_fill(F.heap, F.table, r, 10, 0, &v));
    snap s;
    take(&s, r);
    ck_assert_status(gcp_array_fill(F.heap, F.table, r, 11, 0, &v), GCP_EBOUNDS);
    ck_assert_status(gcp_array_fill(F.heap, F.table, r, 7, 4, &v), GCP_EBOUNDS);
    /* index + count wraps in 32 bits: still out of range. */
    ck_assert_status(gcp_array_fill(F.heap, F.table, r, 2, UINT32_MAX, &v), GCP_EBOUNDS);
    ck_assert_status(gcp_array_fill(F.heap, F.table, r, UINT32_MAX, 2, &v), GCP_EBOUNDS);
    ck_assert_status(gcp_array_fill(F.heap, F.table, r, 0, 1, NULL), GCP_EINVAL);
    ck_assert_status(gcp_array_fill(F.heap, F.table, new_s(), 0, 1, &v), GCP_ETYPE);
    ck_assert_status(gcp_array_fill(F.heap, F.table, GCP_REF_NULL, 0, 1, &v), GCP_EINVAL);
    ck_assert_status(gcp_array_fill(F.heap, F.table, gcp_ref_i31_wrap(1), 0, 1, &v), GCP_EINVAL);
    same(&s);
    ck_assert(!gcp_heap_is_poisoned(F.heap));
    /* Bytes: the whole array. */
    gcp_ref b = new_arr(F.BA, 100);
    uint8_t x = 0x5a, bytes[100];
    ck_assert_ok(gcp_array_fill(F.heap, NULL, b, 0, 100, &x));
    ck_assert_ok(gcp_array_read_range(F.heap, b, 0, 100, bytes, sizeof bytes));
    for (int i = 0; i < 100; i++)
        ck_assert_uint_eq(bytes[i], 0x5a);
    gcf_close(&F);
}
END_TEST

START_TEST(fill_refs_counts_and_release)
{
    open_i(_i);
    gcp_ref arr = new_arr(F.RA, 8), a = new_s(), c = new_s();
    ck_assert_ok(gcp_array_fill(F.heap, F.table, arr, 0, 8, &a));
    if (is_drc())
        ck_assert_uint_eq(count(a), 9);
    drop(a);   /* a is held by the array only */
    ck_assert_ok(gcp_array_fill(F.heap, F.table, arr, 2, 3, &c));
    if (is_drc()) {
        ck_assert_uint_eq(count(a), 5);
        ck_assert_uint_eq(count(c), 4);
    }
    for (uint32_t i = 0; i < 8; i++)
        ck_assert_uint_eq(get_ref(arr, i), (i >= 2 && i < 5) ? c : a);
    gcp_ref keep = arr;
    gcp_roots *roots = roots_of(&keep, 1);
    gcf_collect(&F, roots);
    ck_assert(!is_free(a));
    /* Every a overwritten: a goes at the next collection. */
    gcp_ref i31 = gcp_ref_i31_wrap(42);
    ck_assert_ok(gcp_array_fill(F.heap, F.table, arr, 0, 2, &i31));
    ck_assert_ok(gcp_array_fill(F.heap, F.table, arr, 5, 3, &c));
    if (is_drc()) {
        ck_assert_uint_eq(count(a), 0);
        ck_assert_uint_eq(count(c), 7);
    }
    gcf_collect(&F, roots);
    if (reclaims())
        ck_assert(is_free(a));
    ck_assert(!is_free(c));
    ck_assert_uint_eq(get_ref(arr, 0), i31);
    gcp_roots_free(roots);
    gcf_close(&F);
}
END_TEST

/* ------------------------------------------------------------ array.copy */

START_TEST(copy_numeric_overlap)
{
    open_i(_i);
    uint16_t init[20], want[20], got[20];
    for (int i = 0; i < 20; i++)
        init[i] = (uint16_t)(1000 + i);
    static const struct { uint32_t d, s, n; } cases[] = {
        {5, 2, 10}, {2, 5, 10}, {0, 0, 20}, {0, 19, 1}, {19, 0, 1}, {3, 4, 0}, {20, 20, 0},
        {1, 0, 19}, {0, 1, 19},
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        gcp_ref r;
        ck_assert_ok(gcp_heap_alloc_array_copy(F.heap, U16, 20, init, sizeof init, &r));
        memcpy(want, init, sizeof want);
        memmove(want + cases[k].d, want + cases[k].s, cases[k].n * sizeof *want);
        ck_assert_ok(gcp_array_copy(F.heap, F.table, r, cases[k].d, r, cases[k].s, cases[k].n));
        ck_assert_ok(gcp_array_read_range(F.heap, r, 0, 20, got, sizeof got));
        ck_assert_msg(memcmp(got, want, sizeof got) == 0, "case %zu differs from memmove", k);
    }
    /* Between arrays, and the errors, which change nothing. */
    gcp_ref a, b;
    ck_assert_ok(gcp_heap_alloc_array_copy(F.heap, U16, 20, init, sizeof init, &a));
    b = new_arr(U16, 4);
    ck_assert_ok(gcp_array_copy(F.heap, NULL, b, 1, a, 17, 3));
    uint16_t four[4];
    ck_assert_ok(gcp_array_read_range(F.heap, b, 0, 4, four, sizeof four));
    ck_assert_uint_eq(four[0], 0);
    ck_assert_uint_eq(four[1], 1017);
    ck_assert_uint_eq(four[3], 1019);
    snap sa, sb;
    take(&sa, a);
    take(&sb, b);
    ck_assert_status(gcp_array_copy(F.heap, NULL, b, 2, a, 0, 3), GCP_EBOUNDS);
    ck_assert_status(gcp_array_copy(F.heap, NULL, b, 0, a, 18, 3), GCP_EBOUNDS);
    ck_assert_status(gcp_array_copy(F.heap, NULL, b, 5, a, 0, 0), GCP_EBOUNDS);
    ck_assert_status(gcp_array_copy(F.heap, NULL, b, UINT32_MAX, a, 0, 2), GCP_EBOUNDS);
    ck_assert_status(gcp_array_copy(F.heap, NULL, b, 0, a, 1, UINT32_MAX), GCP_EBOUNDS);
    /* Element types must match: width and ref-ness. */
    gcp_ref bytes = new_arr(F.BA, 40), words = new_arr(U32, 4), refs = new_arr(F.RA, 4);
    ck_assert_status(gcp_array_copy(F.heap, NULL, bytes, 0, a, 0, 1), GCP_ETYPE);
    ck_assert_status(gcp_array_copy(F.heap, NULL, refs, 0, words, 0, 1), GCP_ETYPE);
    ck_assert_status(gcp_array_copy(F.heap, NULL, words, 0, refs, 0, 1), GCP_ETYPE);
    ck_assert_status(gcp_array_copy(F.heap, NULL, new_s(), 0, a, 0, 1), GCP_ETYPE);
    ck_assert_status(gcp_array_copy(F.heap, NULL, b, 0, GCP_REF_NULL, 0, 1), GCP_EINVAL);
    same(&sa);
    same(&sb);
    ck_assert(!gcp_heap_is_poisoned(F.heap));
    gcf_close(&F);
}
END_TEST

START_TEST(copy_refs_overlap)
{
    open_i(_i);
    gcp_ref o[6];
    for (int i = 0; i < 6; i++)
        o[i] = new_s();
    gcp_roots *roots = roots_of(o, 6);
    static const struct { uint32_t d, s, n; } cases[] = {
        {2, 0, 4}, {0, 2, 4}, {1, 0, 5}, {0, 1, 5}, {0, 0, 6}, {3, 3, 2}, {5, 0, 1},
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        gcp_ref r, want[6];
        ck_assert_ok(gcp_heap_alloc_array_copy(F.heap, F.RA, 6, o, sizeof o, &r));
        memcpy(want, o, sizeof want);
        memmove(want + cases[k].d, want + cases[k].s, cases[k].n * sizeof *want);
        ck_assert_ok(gcp_array_copy(F.heap, F.table, r, cases[k].d, r, cases[k].s, cases[k].n));
        for (uint32_t i = 0; i < 6; i++)
            ck_assert_msg(get_ref(r, i) == want[i], "case %zu element %u", k, i);
        if (is_drc()) {
            /* Each o[j]: the host's count plus one per element of every
             * array made so far that holds it. */
            for (int j = 0; j < 6; j++) {
                uint32_t n = 1;
                for (uint32_t i = 0; i < 6; i++)
                    n += want[i] == o[j];
                ck_assert_uint_eq(count(o[j]), n);
            }
        }
        drop(r);
        gcf_collect(&F, roots);   /* r goes (every collector but null), its counts with it */
        if (reclaims())
            ck_assert(is_free(r));
    }
    gcp_roots_free(roots);
    gcf_close(&F);
}
END_TEST

START_TEST(copy_refs_survive_and_release)
{
    open_i(_i);
    /* x and y are reachable only through src; copied into dst, then src
     * dropped: they survive through dst's elements alone. */
    gcp_ref x = new_s(), y = new_s(), src = new_arr(F.RA, 3), dst = new_arr(F.RA, 5);
    gcp_ref z = new_s();
    gcp_ref init[3] = {x, gcp_ref_i31_wrap(3), y};
    ck_assert_ok(gcp_array_write_range(F.heap, F.table, src, 0, 3, init, sizeof init));
    ck_assert_ok(gcp_array_fill(F.heap, F.table, dst, 0, 5, &z));
    drop(x);
    drop(y);
    drop(z);
    ck_assert_ok(gcp_array_copy(F.heap, F.table, dst, 1, src, 0, 3));
    if (is_drc()) {
        ck_assert_uint_eq(count(x), 2);
        ck_assert_uint_eq(count(y), 2);
        ck_assert_uint_eq(count(z), 2);   /* three of five elements overwritten */
    }
    drop(src);
    gcp_ref keep = dst;
    gcp_roots *roots = roots_of(&keep, 1);
    gcf_collect(&F, roots);
    if (reclaims())
        ck_assert(is_free(src));
    ck_assert(!is_free(x));
    ck_assert(!is_free(y));
    ck_assert(!is_free(z));
    ck_assert_uint_eq(get_ref(dst, 1), x);
    ck_assert_uint_eq(get_ref(dst, 3), y);
    ck_assert_uint_eq(get_ref(dst, 4), z);
    if (is_drc()) {
        ck_assert_uint_eq(count(x), 1);
        ck_assert_uint_eq(count(z), 2);
    }
    /* Copying nulls over x, y and both z: released, freed next time. */
    gcp_ref nulls = new_arr(F.RA, 5);
    ck_assert_ok(gcp_array_copy(F.heap, F.table, dst, 0, nulls, 0, 5));
    if (is_drc()) {
        ck_assert_uint_eq(count(x), 0);
        ck_assert_uint_eq(count(z), 0);
    }
    drop(nulls);
    gcf_collect(&F, roots);
    if (reclaims()) {
        ck_assert(is_free(x));
        ck_assert(is_free(y));
        ck_assert(is_free(z));
        ck_assert(!is_free(dst));
    }
    gcp_roots_free(roots);
    gcf_close(&F);
}
END_TEST

/* ------------------------------------------------------------ ranges */

START_TEST(read_write_ranges)
{
    open_i(_i);
    gcp_ref q = new_arr(U64, 6);
    uint64_t in[3] = {1, UINT64_MAX, 3}, out[6] = {9, 9, 9, 9, 9, 9};
    ck_assert_ok(gcp_array_write_range(F.heap, F.table, q, 2, 3, in, sizeof in));
    ck_assert_ok(gcp_array_read_range(F.heap, q, 0, 6, out, sizeof out));
    ck_assert_uint_eq(out[0], 0);
    ck_assert_uint_eq(out[2], 1);
    ck_assert_uint_eq(out[3], UINT64_MAX);
    ck_assert_uint_eq(out[4], 3);
    ck_assert_uint_eq(out[5], 0);
    /* Partial reads: only count elements are written. */
    uint64_t two[3] = {7, 7, 7};
    ck_assert_ok(gcp_array_read_range(F.heap, q, 3, 2, two, sizeof two));
    ck_assert_uint_eq(two[0], UINT64_MAX);
    ck_assert_uint_eq(two[2], 7);
    ck_assert_ok(gcp_array_read_range(F.heap, q, 6, 0, NULL, 0));
    ck_assert_ok(gcp_array_write_range(F.heap, F.table, q, 6, 0, NULL, 0));
    /* Errors: short buffers, ranges, NULL; nothing changes. */
    snap s;
    take(&s, q);
    memset(two, 0x77, sizeof two);
    ck_assert_status(gcp_array_read_range(F.heap, q, 0, 3, two, 23), GCP_EBOUNDS);
    ck_assert_status(gcp_array_read_range(F.heap, q, 4, 3, two, sizeof two), GCP_EBOUNDS);
    ck_assert_status(gcp_array_read_range(F.heap, q, UINT32_MAX, 1, two, sizeof two), GCP_EBOUNDS);
    ck_assert_status(gcp_array_read_range(F.heap, q, 0, 1, NULL, 8), GCP_EINVAL);
    ck_assert_uint_eq(two[0], UINT64_C(0x7777777777777777));
    ck_assert_status(gcp_array_write_range(F.heap, F.table, q, 0, 3, in, 23), GCP_EBOUNDS);
    ck_assert_status(gcp_array_write_range(F.heap, F.table, q, 5, 2, in, sizeof in), GCP_EBOUNDS);
    ck_assert_status(gcp_array_write_range(F.heap, F.table, q, 1, UINT32_MAX, in, SIZE_MAX),
                     GCP_EBOUNDS);
    ck_assert_status(gcp_array_write_range(F.heap, F.table, q, 0, 1, NULL, 8), GCP_EINVAL);
    ck_assert_status(gcp_array_write_range(F.heap, F.table, new_s(), 0, 1, in, 8), GCP_ETYPE);
    same(&s);
    /* Refs: written through the barrier, read back validated. */
    gcp_ref ra = new_arr(F.RA, 4), a = new_s(), b = new_s();
    gcp_ref rs[3] = {a, b, a}, back[4];
    ck_assert_ok(gcp_array_write_range(F.heap, F.table, ra, 1, 3, rs, sizeof rs));
    ck_assert_ok(gcp_array_read_range(F.heap, ra, 0, 4, back, sizeof back));
    ck_assert_uint_eq(back[0], GCP_REF_NULL);
    ck_assert_uint_eq(back[1], a);
    ck_assert_uint_eq(back[2], b);
    ck_assert_uint_eq(back[3], a);
    if (is_drc()) {
        ck_assert_uint_eq(count(a), 3);
        ck_assert_uint_eq(count(b), 2);
    }
    gcp_ref one[1] = {b};
    ck_assert_ok(gcp_array_write_range(F.heap, F.table, ra, 3, 1, one, sizeof one));
    if (is_drc()) {
        ck_assert_uint_eq(count(a), 2);
        ck_assert_uint_eq(count(b), 3);
    }
    gcf_close(&F);
}
END_TEST

/* ------------------------------------------------------------ hostile heaps */

/* Runs every bulk operation that reads arr's header; each must refuse it
 * as corruption.  The heap is recycled between them. */
START_TEST(hostile_array_headers)
{
    open_i(_i);
    for (int op = 0; op < 7; op++) {
        for (int how = 0; how < 3; how++) {
            gcp_ref arr = new_arr(F.RA, 4), other = new_arr(F.RA, 4), v = new_s();
            switch (how) {
            case 0: gcf_poke(&F, arr, GCP_ARRAY_LENGTH, 1u << 30); break;   /* length past the bound */
            case 1: gcf_poke(&F, arr, GCP_HDR_TYPE, 999); break;            /* unknown type */
            default: gcf_poke(&F, arr, GCP_HDR_KIND, GCP_KIND_ARRAY | 0x10000u); break;
            }
            snap so, sv;
            take(&so, other);
            take(&sv, v);
            gcp_ref buf[4] = {v, v, v, v};
            gcp_status st;
            switch (op) {
            case 0: st = gcp_array_fill(F.heap, F.table, arr, 0, 1, &v); break;
            case 1: st = gcp_array_copy(F.heap, F.table, arr, 0, other, 0, 1); break;
            case 2: st = gcp_array_copy(F.heap, F.table, other, 0, arr, 0, 1); break;
            case 3: st = gcp_array_read_range(F.heap, arr, 0, 1, buf, sizeof buf); break;
            case 4: st = gcp_array_write_range(F.heap, F.table, arr, 0, 1, buf, sizeof buf); break;
            case 5: {
                gcp_ref r;
                gcp_ref img[4] = {arr, 0, GCP_REF_NULL, 0};
                st = gcp_heap_alloc_struct_init(F.heap, F.S, img, sizeof img, &r);
                break;
            }
            default: {
                gcp_ref r;
                st = gcp_heap_alloc_array_copy(F.heap, F.RA, 1, &arr, sizeof arr, &r);
                break;
            }
            }
            ck_assert_msg(st == GCP_ECORRUPT, "op %d header %d: %s", op, how, gcp_strerror(st));
            ck_assert(gcp_heap_is_poisoned(F.heap));
            same(&so);
            same(&sv);
            ck_assert_uint_eq(buf[0], v);
            gcf_recycle(&F);
        }
    }
    gcf_close(&F);
}
END_TEST

/* A forged element in the range read or overwritten: refused before any
 * element is written or any count changes. */
START_TEST(hostile_elements)
{
    open_i(_i);
    for (int op = 0; op < 5; op++) {
        gcp_ref a = new_s(), src = new_arr(F.RA, 4), dst = new_arr(F.RA, 4);
        ck_assert_ok(gcp_array_fill(F.heap, F.table, src, 0, 4, &a));
        ck_assert_ok(gcp_array_fill(F.heap, F.table, dst, 0, 4, &a));
        /* The last element of the range: every earlier one would already
         * have been written by a check-as-you-go loop. */
        gcp_ref bad = a + 4;
        if (op == 1)
            gcf_poke(&F, src, GCP_ARRAY_ELEMS + 12, bad);
        else
            gcf_poke(&F, dst, GCP_ARRAY_ELEMS + 12, bad);
        snap ss, sd, sa;
        take(&ss, src);
        take(&sd, dst);
        take(&sa, a);
        gcp_ref nul = GCP_REF_NULL, buf[4] = {0, 0, 0, 0};
        gcp_status st;
        switch (op) {
        case 0: st = gcp_array_fill(F.heap, F.table, dst, 0, 4, &nul); break;
        case 1: st = gcp_array_copy(F.heap, F.table, dst, 0, src, 0, 4); break;
        case 2: st = gcp_array_copy(F.heap, F.table, dst, 0, src, 0, 4); break;
        case 3: st = gcp_array_write_range(F.heap, F.table, dst, 0, 4, buf, sizeof buf); break;
        default:
            buf[0] = 5;
            st = gcp_array_read_range(F.heap, dst, 0, 4, buf, sizeof buf);
            ck_assert_uint_eq(buf[0], 5);
            break;
        }
        ck_assert_msg(st == GCP_ECORRUPT, "op %d: %s", op, gcp_strerror(st));
        ck_assert(gcp_heap_is_poisoned(F.heap));
        same(&ss);
        same(&sd);
        same(&sa);
        gcf_recycle(&F);
    }
    /* A forged value handed in by the host is refused the same way. */
    gcp_ref dst = new_arr(F.RA, 2), a = new_s();
    snap sd;
    take(&sd, dst);
    gcp_ref forged[2] = {a, 8};
    ck_assert_status(gcp_array_write_range(F.heap, F.table, dst, 0, 2, forged, sizeof forged),
                     GCP_ECORRUPT);
    same(&sd);
    gcf_close(&F);
}
END_TEST

/* ------------------------------------------------------------ heap states */

START_TEST(busy_and_poisoned)
{
    open_i(_i);
    gcp_ref arr = new_arr(F.RA, 4), nums = new_arr(F.BA, 4), r = 3, a = new_s();
    /* Enough live objects that no collector finishes in its first step. */
    gcp_ref keep[3] = {arr, a, nums};
    gcp_roots *roots = roots_of(keep, 3);
    for (int i = 0; i < 3000; i++)
        (void)new_s();
    uint8_t b = 1, bytes[4];
    gcp_ref refs[4] = {0};
    uint32_t img[4] = {0};
    for (int pass = 0; pass < 2; pass++) {
        gcp_status want = pass == 0 ? GCP_EBUSY : GCP_EPOISONED;
        gcp_collection *gc = NULL;
        if (pass == 0)
            ck_assert_ok(gcp_heap_gc_start(F.heap, roots, F.table, &gc));
        else
            F.heap->poisoned = true;
        ck_assert_status(gcp_heap_alloc_struct_init(F.heap, F.S, img, 16, &r), want);
        ck_assert_status(gcp_heap_alloc_array_fill(F.heap, F.BA, 4, &b, &r), want);
        ck_assert_status(gcp_heap_alloc_array_copy(F.heap, F.BA, 4, bytes, 4, &r), want);
        ck_assert_status(gcp_array_fill(F.heap, F.table, nums, 0, 4, &b), want);
        ck_assert_status(gcp_array_copy(F.heap, F.table, arr, 0, arr, 1, 2), want);
        ck_assert_status(gcp_array_read_range(F.heap, nums, 0, 4, bytes, 4), want);
        ck_assert_status(gcp_array_write_range(F.heap, F.table, arr, 0, 4, refs, sizeof refs), want);
        ck_assert_uint_eq(r, 3);
        if (pass == 0) {
            ck_assert_ok(gcp_collection_run(gc));
            ck_assert_ok(gcp_array_fill(F.heap, F.table, nums, 0, 4, &b));
        }
    }
    gcp_roots_free(roots);
    gcf_recycle(&F);
    gcf_close(&F);
}
END_TEST

/* ------------------------------------------------------------ a failing barrier */

/* The write hook of the collector under test, failing on call number
 * fail_at (1-based) and passing every other call to the real one. */
static const gcp_collector_ops *real_ops;
static gcp_collector_ops failing_ops;
static int barrier_calls, fail_at;

static gcp_status failing_write(gcp_heap *heap, gcp_hostdata *table, gcp_ref owner,
                                gcp_ref old, gcp_ref new_ref)
{
    if (++barrier_calls == fail_at)
        return GCP_ENOMEM;
    return real_ops->write(heap, table, owner, old, new_ref);
}

/* A barrier failing half-way through an initialisation (no built-in
 * collector's does, a future one's might): the status comes back, the new
 * object holds counts only for the refs stored before, and it is dropped
 * again, so a collection frees it and gives those counts back. */
START_TEST(barrier_failure_abandons_new_object)
{
    gcf_open(&F, GCP_COLLECTOR_DRC, 1 * MIB, 1000);
    real_ops = F.heap->ops;
    failing_ops = *real_ops;
    failing_ops.write = failing_write;
    gcp_ref a = new_s(), c = new_s(), r = 3;
    for (int fn = 0; fn < 3; fn++) {
        F.heap->ops = &failing_ops;
        barrier_calls = 0;
        fail_at = 3;
        gcp_ref rs[4] = {a, c, a, c};
        gcp_ref img[4] = {a, 0, c, 0};
        gcp_status st;
        switch (fn) {
        case 0: st = gcp_heap_alloc_array_copy(F.heap, F.RA, 4, rs, sizeof rs, &r); break;
        case 1: st = gcp_heap_alloc_array_fill(F.heap, F.RA, 4, &a, &r); break;
        default:
            fail_at = 2;
            st = gcp_heap_alloc_struct_init(F.heap, F.S, img, sizeof img, &r);
            break;
        }
        F.heap->ops = real_ops;
        ck_assert_status(st, GCP_ENOMEM);
        ck_assert_uint_eq(r, 3);
        ck_assert_int_eq(barrier_calls, fail_at + 1);   /* the failing one, then the drop */
        ck_assert(!gcp_heap_is_poisoned(F.heap));
        gcf_collect(&F, NULL);
        ck_assert_uint_eq(count(a), 1);
        ck_assert_uint_eq(count(c), 1);
    }
    gcf_close(&F);
}
END_TEST

/* ------------------------------------------------------------ store level */

typedef struct sfix {
    gcp_types *types;
    uint32_t node, bytes, refs;
    gcp_pool *pool;
    gcp_store *store;
} sfix;

static void sfix_new(sfix *f, gcp_collector coll)
{
    ck_assert_ok(gcp_types_new(&f->types));
    const uint32_t roffs[] = {0};
    ck_assert_ok(gcp_types_add_struct(f->types, 8, roffs, 1, &f->node));
    ck_assert_ok(gcp_types_add_array(f->types, 1, false, &f->bytes));
    ck_assert_ok(gcp_types_add_array(f->types, 4, true, &f->refs));
    gcp_pool_config c = small_config(1);
    c.max_heap_bytes = c.reservation_bytes = 256 * KIB;
    c.collector = coll;
    c.types = f->types;
    ck_assert_ok(gcp_pool_new(&c, &f->pool));
    ck_assert_ok(gcp_store_new(f->pool, &f->store));
}

static void sfix_free(sfix *f)
{
    ck_assert_ok(gcp_store_free(f->store));
    ck_assert_ok(gcp_pool_free(f->pool));
    gcp_types_release(f->types);
}

/* Fills the heap with unreachable garbage until not even the smallest
 * object (24 bytes) fits without a collection. */
static void fill_with_garbage(sfix *f)
{
    gcp_heap *h = gcp_store_heap(f->store);
    gcp_ref g;
    gcp_status st;
    int n = 0;
    for (uint32_t len = 4000;; len = 0) {
        while ((st = gcp_heap_alloc_array(h, f->bytes, len, &g)) == GCP_OK) {
            if (h->ops == &gcp__drc_collector)
                ck_assert_ok(gcp_heap_drop_ref(h, gcp_store_hostdata(f->store), g));
            ck_assert_int_lt(++n, 20000);
        }
        ck_assert_status(st, GCP_NEED_GC);
        if (len == 0)
            break;
    }
}

START_TEST(store_variants_collect_and_retry)
{
    sfix f;
    sfix_new(&f, collectors[_i]);
    gcp_heap *h = gcp_store_heap(f.store);
    /* A rooted node whose ref goes into every initial value. */
    gcp_ref node;
    ck_assert_ok(gcp_store_alloc_struct_gc(f.store, f.node, &node));
    gcp_ref slot = node;
    ck_assert_ok(gcp_roots_add(gcp_store_roots(f.store), &slot));
    bool collects = _i != 0;
    for (int fn = 0; fn < 3; fn++) {
        fill_with_garbage(&f);
        uint64_t before = gcp_heap_collections(h);
        gcp_ref r = 3;
        gcp_status st;
        uint8_t img[8] = {0};
        memcpy(img, &node, 4);
        img[4] = 0x42;
        gcp_ref rs[3] = {node, GCP_REF_NULL, node};
        /* Inside a no-GC scope nothing is collected: GCP_NEED_GC back. */
        gcp_heap_enter_no_gc(h);
        switch (fn) {
        case 0: st = gcp_store_alloc_struct_init_gc(f.store, f.node, img, 8, &r); break;
        case 1: st = gcp_store_alloc_array_fill_gc(f.store, f.refs, 100, &node, &r); break;
        default: st = gcp_store_alloc_array_copy_gc(f.store, f.refs, 3, rs, sizeof rs, &r); break;
        }
        gcp_heap_exit_no_gc(h);
        /* The null collector grows in a no-GC scope as anywhere: NEED_GC
         * there means the heap is at its maximum. */
        ck_assert_status(st, GCP_NEED_GC);
        ck_assert_uint_eq(gcp_heap_collections(h), before);
        switch (fn) {
        case 0: st = gcp_store_alloc_struct_init_gc(f.store, f.node, img, 8, &r); break;
        case 1: st = gcp_store_alloc_array_fill_gc(f.store, f.refs, 100, &node, &r); break;
        default: st = gcp_store_alloc_array_copy_gc(f.store, f.refs, 3, rs, sizeof rs, &r); break;
        }
        ck_assert_uint_eq(gcp_heap_collections(h), before + 1);
        if (!collects) {
            ck_assert_status(st, GCP_ELIMIT);   /* nothing to reclaim */
            ck_assert_uint_eq(r, 3);
            break;
        }
        ck_assert_ok(st);
        gcp_ref v = 0;
        if (fn == 0) {
            ck_assert_ok(gcp_struct_get_ref(h, r, 0, &v));
            uint8_t x = 0;
            ck_assert_ok(gcp_struct_read(h, r, 4, &x, 1));
            ck_assert_uint_eq(x, 0x42);
        } else {
            ck_assert_ok(gcp_array_get_ref(h, r, 2, &v));
        }
        ck_assert_uint_eq(v, node);
        ck_assert_ok(gcp_heap_drop_ref(h, gcp_store_hostdata(f.store), r));
    }
    ck_assert_status(gcp_store_alloc_array_fill_gc(NULL, f.refs, 1, &node, &node), GCP_EINVAL);
    ck_assert_status(gcp_store_alloc_array_copy_gc(f.store, f.refs, 1, &node, 4, NULL), GCP_EINVAL);
    ck_assert_status(gcp_store_alloc_struct_init_gc(NULL, f.node, &node, 8, &node), GCP_EINVAL);
    sfix_free(&f);
}
END_TEST

/* The refs among the initial values need no root of their own: the retry
 * collection keeps them alive and, when it moves them, the new object gets
 * their new refs. */
START_TEST(store_variants_keep_initial_refs)
{
    sfix f;
    sfix_new(&f, collectors[_i]);
    gcp_heap *h = gcp_store_heap(f.store);
    for (int fn = 0; fn < 3; fn++) {
        gcp_ref junk, node;
        ck_assert_ok(gcp_store_alloc_array_gc(f.store, f.bytes, 64, &junk));
        if (h->ops == &gcp__drc_collector)
            ck_assert_ok(gcp_heap_drop_ref(h, gcp_store_hostdata(f.store), junk));
        ck_assert_ok(gcp_store_alloc_struct_gc(f.store, f.node, &node));   /* never rooted */
        uint32_t tag = 0x5a5a0000u + (uint32_t)fn;
        ck_assert_ok(gcp_struct_write(h, node, 4, &tag, 4));
        fill_with_garbage(&f);
        uint64_t before = gcp_heap_collections(h);
        uint8_t img[8] = {0};
        memcpy(img, &node, 4);
        gcp_ref rs[2] = {GCP_REF_NULL, node}, r, v;
        gcp_status st;
        switch (fn) {
        case 0: st = gcp_store_alloc_struct_init_gc(f.store, f.node, img, 8, &r); break;
        case 1: st = gcp_store_alloc_array_fill_gc(f.store, f.refs, 10, &node, &r); break;
        default: st = gcp_store_alloc_array_copy_gc(f.store, f.refs, 2, rs, sizeof rs, &r); break;
        }
        ck_assert_ok(st);
        ck_assert_uint_eq(gcp_heap_collections(h), before + 1);
        if (fn == 0)
            ck_assert_ok(gcp_struct_get_ref(h, r, 0, &v));
        else
            ck_assert_ok(gcp_array_get_ref(h, r, 1, &v));
        if (h->ops == &gcp__compact_collector)
            ck_assert_uint_ne(v, node);   /* the junk below it went */
        uint32_t back;
        ck_assert_ok(gcp_struct_read(h, v, 4, &back, 4));
        ck_assert_uint_eq(back, tag);
        /* The caller's buffers are not touched, and the store's roots are
         * as they were. */
        ck_assert_uint_eq(gcp_roots_count(gcp_store_roots(f.store)), 0);
        ck_assert_ok(gcp_heap_drop_ref(h, gcp_store_hostdata(f.store), r));
        if (h->ops == &gcp__drc_collector)
            ck_assert_ok(gcp_heap_drop_ref(h, gcp_store_hostdata(f.store), v));
        ck_assert_ok(gcp_store_gc(f.store));
    }
    sfix_free(&f);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("bulk");
    TCase *t = tcase_create("bulk");
    tcase_set_timeout(t, 60);
    tcase_add_loop_test(t, struct_init_values_and_counts, 0, 3);   /* non-moving: refs kept by address */
    tcase_add_loop_test(t, struct_init_errors, 0, 4);
    tcase_add_loop_test(t, array_fill_alloc, 0, 4);
    tcase_add_loop_test(t, array_copy_alloc, 0, 4);
    tcase_add_loop_test(t, fill_numeric_ranges, 0, 4);
    tcase_add_loop_test(t, fill_refs_counts_and_release, 0, 3);   /* non-moving: refs kept by address */
    tcase_add_loop_test(t, copy_numeric_overlap, 0, 4);
    tcase_add_loop_test(t, copy_refs_overlap, 0, 3);   /* non-moving: refs kept by address */
    tcase_add_loop_test(t, copy_refs_survive_and_release, 0, 3);   /* non-moving: refs kept by address */
    tcase_add_loop_test(t, read_write_ranges, 0, 4);
    tcase_add_loop_test(t, hostile_array_headers, 0, 4);
    tcase_add_loop_test(t, hostile_elements, 0, 4);
    tcase_add_loop_test(t, busy_and_poisoned, 0, 4);
    tcase_add_test(t, barrier_failure_abandons_new_object);
    tcase_add_loop_test(t, store_variants_collect_and_retry, 0, 4);
    tcase_add_loop_test(t, store_variants_keep_initial_refs, 1, 4);
    suite_add_tcase(s, t);
    return s;
}

int main(void) { return run_suite(suite()); }

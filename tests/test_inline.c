/* SPDX-License-Identifier: MIT */
/* The inline fast paths of include/gcpool.h (gcp_struct_read, _write,
 * _get_ref, _set_ref, gcp_array_length, _get_ref, _set_ref,
 * gcp_heap_clone_ref, _drop_ref as macros): they are taken on valid
 * objects, refused on another layout, a poisoned heap or a collection in
 * progress, and on every forged header, ref and range they give exactly
 * what the exported functions give (status, bytes, poisoning), each case
 * run once through each on a fresh heap of the same slot. */
#include "gcutil.h"
#include "heaputil.h"

/* W: 40 bytes, no refs; F: ref fields at 4 and 300 (past the inline
 * path's 256 bytes), 320 bytes. */
static uint32_t W, F;

static void setup_inline(void)
{
    setup();
    ck_assert_ok(gcp_types_add_struct(types, 40, NULL, 0, &W));
    const uint32_t offs[] = {4, 300};
    ck_assert_ok(gcp_types_add_struct(types, 320, offs, 2, &F));
}

START_TEST(inline_path_is_taken)
{
    gcp_ref a;
    ck_assert_ok(gcp_heap_alloc_struct(heap, W, &a));
    gcp__inl_view v;
    uint8_t *p;
    const struct gcp__type *t;
    ck_assert(gcp__inl_heap(heap, &v));
    ck_assert_ptr_eq(v.base, gcp_heap_base(heap));
    ck_assert_uint_eq(v.bound, gcp_heap_bound(heap));
    ck_assert(gcp__inl_struct(&v, a, &p, &t));
    ck_assert_ptr_eq(p, at(a));
    ck_assert_uint_eq(t->payload_bytes, 40);
    ck_assert(!gcp__inl_struct(&v, a + 8, &p, &t));
    gcp_ref arr;
    uint32_t n = 0;
    ck_assert_ok(gcp_heap_alloc_array(heap, RA, 5, &arr));
    ck_assert(gcp__inl_array(&v, arr, &p, &t, &n));
    ck_assert_ptr_eq(p, at(arr));
    ck_assert_uint_eq(n, 5);
    ck_assert(!gcp__inl_array(&v, a, &p, &t, &n));
    ck_assert(!gcp__inl_struct(&v, arr, &p, &t));
    ck_assert(gcp__inl_value(&v, arr) && gcp__inl_value(&v, a) && gcp__inl_value(&v, 0));
    /* Another library layout, a poisoned heap, a collection in progress:
     * no inline path (the exported functions answer). */
    heap->layout ^= 2;
    ck_assert(!gcp__inl_heap(heap, &v));
    uint64_t w = 7, back = 0;
    ck_assert_ok(gcp_struct_write(heap, a, 8, &w, sizeof w));
    ck_assert_ok(gcp_struct_read(heap, a, 8, &back, sizeof back));
    ck_assert_uint_eq(back, 7);
    heap->layout ^= 2;
    ck_assert(gcp__inl_heap(heap, &v));
    heap->gc_active = true;
    ck_assert(!gcp__inl_heap(heap, &v));
    heap->gc_active = false;
    heap->poisoned = true;
    ck_assert(!gcp__inl_heap(heap, &v));
    ck_assert_status(gcp_struct_read(heap, a, 8, &back, sizeof back), GCP_EPOISONED);
    ck_assert_status(gcp_struct_get_ref(heap, a, 0, &a), GCP_EPOISONED);
    heap->poisoned = false;
    ck_assert_status(gcp_struct_read(NULL, a, 8, &back, sizeof back), GCP_EINVAL);
    ck_assert_status(gcp_heap_drop_ref(NULL, table, a), GCP_EINVAL);
    /* The null collector has no barrier: stores, clones and drops of refs
     * may be inline. */
    ck_assert_uint_eq(heap->barrier, GCP__BARRIER_NONE);
    /* The ref-field bits of each registered struct. */
    ck_assert_uint_eq(gcp__heap_type(heap, S)->ref_words, 0x5);
    ck_assert_uint_eq(gcp__heap_type(heap, F)->ref_words, 0x2);
    ck_assert_uint_eq(gcp__heap_type(heap, W)->ref_words, 0);
}
END_TEST

/* ------------------------------------------------------------ differential */

/* The heap of every case: o = S {ref @0, u32 @4, ref @8, u32 @12} whose
 * ref @0 holds the case's value, s = S (a valid struct), f = F, arr = RA
 * of 2, then a forged header or value. */
enum { OBJ_O, OBJ_F, OBJ_FORGED };
typedef struct {
    const char *what;
    int target;          /* which object the access names, or OBJ_FORGED: ref */
    gcp_ref ref;         /* OBJ_FORGED: the ref itself */
    int word;            /* header word of the target to overwrite, -1 none */
    uint32_t value;      /* its new value */
    int slot;            /* value stored in o's ref @0: 0 null, 1 i31, 2 s, 3 arr,
                          * 4 misaligned, 5 past the bound, 6 zeroed memory */
} forgery;

static const forgery forgeries[] = {
    {"valid", OBJ_O, 0, -1, 0, 2},
    {"null slot", OBJ_O, 0, -1, 0, 0},
    {"i31 slot", OBJ_O, 0, -1, 0, 1},
    {"array in slot", OBJ_O, 0, -1, 0, 3},
    {"misaligned slot", OBJ_O, 0, -1, 0, 4},
    {"slot past the bound", OBJ_O, 0, -1, 0, 5},
    {"slot to zeroed memory", OBJ_O, 0, -1, 0, 6},
    {"flags set", OBJ_O, 0, 0, GCP_KIND_STRUCT | 0x300u, 2},
    {"high kind bits", OBJ_O, 0, 0, GCP_KIND_STRUCT | 0x10000u, 2},
    {"kind free", OBJ_O, 0, 0, GCP_KIND_FREE, 2},
    {"kind array", OBJ_O, 0, 0, GCP_KIND_ARRAY, 2},
    {"kind externref", OBJ_O, 0, 0, GCP_KIND_EXTERNREF, 2},
    {"type of another struct", OBJ_O, 0, 1, 0, 2},   /* value: E */
    {"type of an array", OBJ_O, 0, 1, 1, 2},         /* value: RA */
    {"type not registered", OBJ_O, 0, 1, 999, 2},
    {"size short", OBJ_O, 0, 2, 24, 2},
    {"size long", OBJ_O, 0, 2, 40, 2},
    {"size zero", OBJ_O, 0, 2, 0, 2},
    {"size past the bound", OBJ_O, 0, 2, 0xfffffff8u, 2},
    {"null ref", OBJ_FORGED, 0, -1, 0, 2},
    {"i31 ref", OBJ_FORGED, 3, -1, 0, 2},
    {"misaligned ref", OBJ_FORGED, GCP_HEAP_START + 4, -1, 0, 2},
    {"ref into zeroed memory", OBJ_FORGED, 0x800, -1, 0, 2},
    {"ref past the bound", OBJ_FORGED, 0xfffffff0u, -1, 0, 2},
    {"second struct, F", OBJ_F, 0, -1, 0, 2},
};
#define N_FORGERIES (sizeof forgeries / sizeof forgeries[0])

/* Accesses: reads and writes of (offset, len), get_ref at offset,
 * set_ref at offset of the value slots[len], drop and clone of the
 * target. */
typedef struct {
    int op;              /* 0 read, 1 write, 2 get_ref, 3 set_ref, 4 drop, 5 clone */
    uint32_t offset;
    size_t len;
} access_case;

static const access_case accesses[] = {
    {0, 4, 4}, {0, 12, 4}, {0, 4, 1}, {0, 5, 3}, {0, 0, 4}, {0, 4, 8}, {0, 12, 8},
    {0, 16, 1}, {0, 4, 0}, {0, UINT32_MAX, 4}, {0, 8, 8}, {0, 64, 8}, {0, 308, 12},
    {1, 4, 4}, {1, 12, 4}, {1, 13, 3}, {1, 0, 4}, {1, 8, 8}, {1, 4, 12}, {1, 16, 4},
    {1, 308, 12}, {1, 100, 64},
    {2, 0, 0}, {2, 8, 0}, {2, 4, 0}, {2, 2, 0}, {2, 12, 0}, {2, 16, 0}, {2, 300, 0},
    {2, 256, 0}, {2, UINT32_MAX - 3, 0},
    {3, 0, 0}, {3, 0, 1}, {3, 0, 2}, {3, 0, 3}, {3, 0, 4}, {3, 0, 5}, {3, 0, 6}, {3, 8, 2},
    {3, 4, 2}, {3, 2, 2}, {3, 300, 2}, {3, 16, 2},
    {4, 0, 0}, {5, 0, 0},
};
#define N_ACCESSES (sizeof accesses / sizeof accesses[0])

typedef struct {
    gcp_status st;
    uint8_t out[64];
    gcp_ref ref;
    bool poisoned;
    uint8_t obj[64];     /* the target's first bytes afterwards */
    uint32_t counts[2];  /* collector words of s and arr afterwards */
} outcome;

/* What an access left: poisoning, the target's first bytes, the
 * collector words of the two referents a and b. */
static void observe(outcome *res, gcp_ref target, gcp_ref a, gcp_ref b)
{
    res->poisoned = gcp_heap_is_poisoned(heap);
    if ((uint64_t)target + sizeof res->obj <= gcp_heap_bound(heap))
        memcpy(res->obj, at(target), sizeof res->obj);
    res->counts[0] = gcp__load32(at(a) + 12);
    res->counts[1] = gcp__load32(at(b) + 12);
}

/* The exported outcome a and the inline one b of case `what`, access j,
 * are the same; counts a's successes and refusals. */
static void expect_same(const outcome *a, const outcome *b, const char *what, size_t j,
                        int *oks, int *refusals)
{
    ck_assert_msg(a->st == b->st && a->poisoned == b->poisoned && a->ref == b->ref &&
                      memcmp(a->out, b->out, sizeof a->out) == 0 &&
                      memcmp(a->obj, b->obj, sizeof a->obj) == 0 &&
                      a->counts[0] == b->counts[0] && a->counts[1] == b->counts[1],
                  "%s, access %zu: exported %s (poisoned %d, ref %#x), inline %s "
                  "(poisoned %d, ref %#x)",
                  what, j, gcp_strerror(a->st), a->poisoned, a->ref, gcp_strerror(b->st),
                  b->poisoned, b->ref);
    if (a->st == GCP_OK)
        (*oks)++;
    else
        (*refusals)++;
}

static void run_case(const forgery *fg, const access_case *ac, bool inl, outcome *res)
{
    recycle();
    gcp_ref o, s, f, arr;
    ck_assert_ok(gcp_heap_alloc_struct(heap, S, &o));
    ck_assert_ok(gcp_heap_alloc_struct(heap, S, &s));
    ck_assert_ok(gcp_heap_alloc_struct(heap, F, &f));
    ck_assert_ok(gcp_heap_alloc_array(heap, RA, 2, &arr));
    ck_assert_uint_lt(f + 336, 0x800);   /* 0x800 stays zeroed memory */
    const gcp_ref slots[] = {0, gcp_ref_i31_wrap(-5), s, arr, s + 4,
                             (gcp_ref)gcp_heap_bound(heap), 0x800};
    poke32(o, GCP_OBJ_PAYLOAD, slots[fg->slot]);      /* as a guest would */
    poke32(f, GCP_OBJ_PAYLOAD + 4, s);
    poke32(o, GCP_OBJ_PAYLOAD + 4, 0x11223344);
    poke32(o, GCP_OBJ_PAYLOAD + 12, 0x55667788);
    gcp_ref target = fg->target == OBJ_O ? o : fg->target == OBJ_F ? f : fg->ref;
    if (fg->word >= 0) {
        uint32_t v = fg->value;
        if (fg->word == 1 && v == 0)
            v = E;
        else if (fg->word == 1 && v == 1)
            v = RA;
        poke32(target, 4u * (uint32_t)fg->word, v);
    }
    uint8_t in[64];
    for (size_t i = 0; i < sizeof in; i++)
        in[i] = (uint8_t)(0xa0 + i);
    memset(res, 0, sizeof *res);
    res->ref = 0xdead;
    if (ac->op == 0)
        res->st = inl ? gcp_struct_read(heap, target, ac->offset, res->out, ac->len)
                      : (gcp_struct_read)(heap, target, ac->offset, res->out, ac->len);
    else if (ac->op == 1)
        res->st = inl ? gcp_struct_write(heap, target, ac->offset, in, ac->len)
                      : (gcp_struct_write)(heap, target, ac->offset, in, ac->len);
    else if (ac->op == 2)
        res->st = inl ? gcp_struct_get_ref(heap, target, ac->offset, &res->ref)
                      : (gcp_struct_get_ref)(heap, target, ac->offset, &res->ref);
    else if (ac->op == 3)
        res->st = inl ? gcp_struct_set_ref(heap, table, target, ac->offset, slots[ac->len])
                      : (gcp_struct_set_ref)(heap, table, target, ac->offset, slots[ac->len]);
    else if (ac->op == 4)
        res->st = inl ? gcp_heap_drop_ref(heap, table, target)
                      : (gcp_heap_drop_ref)(heap, table, target);
    else
        res->st = inl ? gcp_heap_clone_ref(heap, target, &res->ref)
                      : (gcp_heap_clone_ref)(heap, target, &res->ref);
    observe(res, target, s, arr);
}

/* The whole table on the fixture's heap (the null collector, no barrier)
 * or on a DRC heap (counts). */
static void differential(int *oks, int *refusals)
{
    for (size_t i = 0; i < N_FORGERIES; i++) {
        for (size_t j = 0; j < N_ACCESSES; j++) {
            outcome a, b;
            run_case(&forgeries[i], &accesses[j], false, &a);
            run_case(&forgeries[i], &accesses[j], true, &b);
            expect_same(&a, &b, forgeries[i].what, j, oks, refusals);
        }
    }
}

/* Arrays: o = RA of 2 whose element 0 holds the case's value (slots as
 * above, 3 being the empty ref array e), q = QA of 3, then a forged header
 * of the target. */
enum { ARR_O, ARR_Q, ARR_FORGED };
typedef struct {
    const char *what;
    int target;
    gcp_ref ref;         /* ARR_FORGED */
    int word;            /* header word to overwrite (4: the length), -1 none */
    uint32_t value;      /* word 1: 0 QA, 1 S, else the value */
    int slot;
} array_forgery;

static const array_forgery array_forgeries[] = {
    {"valid", ARR_O, 0, -1, 0, 2},
    {"null element", ARR_O, 0, -1, 0, 0},
    {"i31 element", ARR_O, 0, -1, 0, 1},
    {"array element", ARR_O, 0, -1, 0, 3},
    {"misaligned element", ARR_O, 0, -1, 0, 4},
    {"element past the bound", ARR_O, 0, -1, 0, 5},
    {"element to zeroed memory", ARR_O, 0, -1, 0, 6},
    {"flags set", ARR_O, 0, 0, GCP_KIND_ARRAY | 0x500u, 2},
    {"high kind bits", ARR_O, 0, 0, GCP_KIND_ARRAY | 0x20000u, 2},
    {"kind struct", ARR_O, 0, 0, GCP_KIND_STRUCT, 2},
    {"kind free", ARR_O, 0, 0, GCP_KIND_FREE, 2},
    {"type of a scalar array", ARR_O, 0, 1, 0, 2},
    {"type of a struct", ARR_O, 0, 1, 1, 2},
    {"type not registered", ARR_O, 0, 1, 999, 2},
    {"size short", ARR_O, 0, 2, 24, 2},
    {"size long", ARR_O, 0, 2, 40, 2},
    {"size below the elements", ARR_O, 0, 2, 16, 2},
    {"size past the bound", ARR_O, 0, 2, 0xfffffff8u, 2},
    {"length past the size", ARR_O, 0, 4, 3, 2},
    {"length zero", ARR_O, 0, 4, 0, 2},
    {"length huge", ARR_O, 0, 4, UINT32_MAX, 2},
    {"scalar array", ARR_Q, 0, -1, 0, 2},
    {"null ref", ARR_FORGED, 0, -1, 0, 2},
    {"i31 ref", ARR_FORGED, 7, -1, 0, 2},
    {"misaligned ref", ARR_FORGED, GCP_HEAP_START + 4, -1, 0, 2},
    {"ref into zeroed memory", ARR_FORGED, 0x800, -1, 0, 2},
    {"ref past the bound", ARR_FORGED, 0xfffffff0u, -1, 0, 2},
};
#define N_ARRAY_FORGERIES (sizeof array_forgeries / sizeof array_forgeries[0])

/* 0 length; 1 get_ref at index; 2 set_ref at index of slots[value]. */
typedef struct {
    int op;
    uint32_t index;
    int value;
} array_access;

static const array_access array_accesses[] = {
    {0, 0, 0}, {1, 0, 0}, {1, 1, 0}, {1, 2, 0}, {1, UINT32_MAX, 0},
    {2, 0, 0}, {2, 0, 1}, {2, 0, 2}, {2, 0, 3}, {2, 0, 4}, {2, 0, 5}, {2, 0, 6},
    {2, 1, 2}, {2, 1, 3}, {2, 2, 2},
};
#define N_ARRAY_ACCESSES (sizeof array_accesses / sizeof array_accesses[0])

static void run_array_case(const array_forgery *fg, const array_access *ac, bool inl,
                           outcome *res)
{
    recycle();
    gcp_ref o, q, s, e;
    ck_assert_ok(gcp_heap_alloc_array(heap, RA, 2, &o));
    ck_assert_ok(gcp_heap_alloc_array(heap, QA, 3, &q));
    ck_assert_ok(gcp_heap_alloc_struct(heap, S, &s));
    ck_assert_ok(gcp_heap_alloc_array(heap, RA, 0, &e));
    ck_assert_uint_lt(e + 24, 0x800);
    const gcp_ref slots[] = {0, gcp_ref_i31_wrap(9), s, e, s + 4,
                             (gcp_ref)gcp_heap_bound(heap), 0x800};
    poke32(o, GCP_ARRAY_ELEMS, slots[fg->slot]);
    gcp_ref target = fg->target == ARR_O ? o : fg->target == ARR_Q ? q : fg->ref;
    if (fg->word >= 0) {
        uint32_t v = fg->value;
        if (fg->word == 1 && v == 0)
            v = QA;
        else if (fg->word == 1 && v == 1)
            v = S;
        poke32(target, 4u * (uint32_t)fg->word, v);
    }
    memset(res, 0, sizeof *res);
    res->ref = 0xdead;
    uint32_t len = 0xbeef;
    if (ac->op == 0)
        res->st = inl ? gcp_array_length(heap, target, &len)
                      : (gcp_array_length)(heap, target, &len);
    else if (ac->op == 1)
        res->st = inl ? gcp_array_get_ref(heap, target, ac->index, &res->ref)
                      : (gcp_array_get_ref)(heap, target, ac->index, &res->ref);
    else
        res->st = inl ? gcp_array_set_ref(heap, table, target, ac->index, slots[ac->value])
                      : (gcp_array_set_ref)(heap, table, target, ac->index, slots[ac->value]);
    memcpy(res->out, &len, sizeof len);
    observe(res, target, s, e);
}

static void array_differential(int *oks, int *refusals)
{
    for (size_t i = 0; i < N_ARRAY_FORGERIES; i++) {
        for (size_t j = 0; j < N_ARRAY_ACCESSES; j++) {
            outcome a, b;
            run_array_case(&array_forgeries[i], &array_accesses[j], false, &a);
            run_array_case(&array_forgeries[i], &array_accesses[j], true, &b);
            expect_same(&a, &b, array_forgeries[i].what, j, oks, refusals);
        }
    }
}

START_TEST(inline_equals_exported)
{
    int oks = 0, refusals = 0;
    differential(&oks, &refusals);
    /* The table exercises both sides. */
    ck_assert_int_gt(oks, 60);
    ck_assert_int_gt(refusals, 200);
    oks = refusals = 0;
    array_differential(&oks, &refusals);
    ck_assert_int_gt(oks, 40);
    ck_assert_int_gt(refusals, 150);
}
END_TEST

START_TEST(inline_equals_exported_drc)
{
    gcp_pool *saved_pool = pool;
    gcp_heap *saved_heap = heap;
    gcp_pool_config c = small_config(1);
    c.types = types;
    c.collector = GCP_COLLECTOR_DRC;
    ck_assert_ok(gcp_pool_new(&c, &pool));
    ck_assert_ok(gcp_pool_acquire(pool, &heap));
    ck_assert_uint_eq(heap->barrier, GCP__BARRIER_COUNTS);
    int oks = 0, refusals = 0;
    differential(&oks, &refusals);
    ck_assert_int_gt(oks, 60);
    ck_assert_int_gt(refusals, 200);
    oks = refusals = 0;
    array_differential(&oks, &refusals);
    ck_assert_int_gt(oks, 40);
    ck_assert_int_gt(refusals, 150);
    ck_assert_ok(gcp_pool_release(pool, heap));
    ck_assert_ok(gcp_pool_free(pool));
    pool = saved_pool;
    heap = saved_heap;
}
END_TEST

/* A type registered after the heap's snapshot: the inline path hands the
 * access to the library, which refreshes the snapshot. */
START_TEST(type_registered_after_the_snapshot)
{
    gcp_ref a;
    ck_assert_ok(gcp_heap_alloc_struct(heap, W, &a));
    uint32_t late;
    ck_assert_ok(gcp_types_add_struct(types, 8, NULL, 0, &late));
    gcp__inl_view v;
    ck_assert(gcp__inl_heap(heap, &v));
    ck_assert_uint_le(v.ntypes, late);
    gcp_ref b;
    ck_assert_ok(gcp_heap_alloc_struct(heap, late, &b));
    uint64_t x = 42, y = 0;
    ck_assert_ok(gcp_struct_write(heap, b, 0, &x, sizeof x));
    ck_assert_ok(gcp_struct_read(heap, b, 0, &y, sizeof y));
    ck_assert_uint_eq(y, 42);
    ck_assert(gcp__inl_heap(heap, &v));
    ck_assert_uint_gt(v.ntypes, late);
}
END_TEST

/* DRC's counts inline: a store, a clone and a drop count as the hooks
 * would; a count that reaches zero, a zero count and a saturated one take
 * the library's path or stay as the library leaves them. */
START_TEST(drc_counts_inline)
{
    gcp_pool_config c = small_config(1);
    c.types = types;
    c.collector = GCP_COLLECTOR_DRC;
    gcp_pool *p;
    gcp_heap *h;
    ck_assert_ok(gcp_pool_new(&c, &p));
    ck_assert_ok(gcp_pool_acquire(p, &h));
    ck_assert_uint_eq(gcp__inl_barrier(h), GCP__BARRIER_COUNTS);
    ck_assert_uint_eq(gcp__inl_barrier(NULL), GCP__BARRIER_CALL);
    uint8_t *base = gcp_heap_base(h);
    gcp_ref o, s, c2;
    ck_assert_ok(gcp_heap_alloc_struct(h, S, &o));
    ck_assert_ok(gcp_heap_alloc_struct(h, S, &s));
    ck_assert_uint_eq(gcp__load32(base + s + 12), 1);
    ck_assert_ok(gcp_struct_set_ref(h, table, o, 0, s));
    ck_assert_ok(gcp_heap_clone_ref(h, s, &c2));
    ck_assert_uint_eq(gcp__load32(base + s + 12), 3);
    ck_assert_ok(gcp_heap_drop_ref(h, table, c2));
    ck_assert_uint_eq(gcp__load32(base + s + 12), 2);
    /* The same value again: one more, one less. */
    ck_assert_ok(gcp_struct_set_ref(h, table, o, 0, s));
    ck_assert_uint_eq(gcp__load32(base + s + 12), 2);
    /* Saturated counts never change. */
    gcp__store32(base + s + 12, UINT32_MAX);
    ck_assert_ok(gcp_heap_drop_ref(h, table, s));
    ck_assert_ok(gcp_heap_clone_ref(h, s, &c2));
    ck_assert_ok(gcp_struct_set_ref(h, table, o, 0, GCP_REF_NULL));
    ck_assert_uint_eq(gcp__load32(base + s + 12), UINT32_MAX);
    gcp__store32(base + s + 12, UINT32_MAX - 1);
    ck_assert_ok(gcp_struct_set_ref(h, table, o, 0, s));
    ck_assert_ok(gcp_struct_set_ref(h, table, o, 0, s));
    ck_assert_uint_eq(gcp__load32(base + s + 12), UINT32_MAX);
    /* Down to zero: the library queues it (its ZCT flag). */
    gcp__store32(base + s + 12, 1);
    ck_assert_ok(gcp_struct_set_ref(h, table, o, 0, GCP_REF_NULL));
    ck_assert_uint_eq(gcp__load32(base + s + 12), 0);
    ck_assert_uint_ne(base[s + 1], 0);
    /* A zero count that would lose one is corruption. */
    ck_assert_status(gcp_heap_drop_ref(h, table, s), GCP_ECORRUPT);
    ck_assert(gcp_heap_is_poisoned(h));
    ck_assert_ok(gcp_pool_release(p, h));
    ck_assert_ok(gcp_pool_free(p));
}
END_TEST

int main(void)
{
    Suite *s = suite_create("inline");
    TCase *tc = tcase_create("inline");
    tcase_add_checked_fixture(tc, setup_inline, teardown);
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, inline_path_is_taken);
    tcase_add_test(tc, inline_equals_exported);
    tcase_add_test(tc, type_registered_after_the_snapshot);
    tcase_add_test(tc, inline_equals_exported_drc);
    tcase_add_test(tc, drc_counts_inline);
    suite_add_tcase(s, tc);
    return run_suite(s);
}

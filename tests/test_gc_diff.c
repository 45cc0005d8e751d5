/* SPDX-License-Identifier: MIT */
/* Randomized differential test of the DRC, mark-sweep and compacting collectors
 * against a reference model.
 *
 * Random operations (allocate structs, ref arrays and externrefs; link
 * fields; load fields into host slots; clone; drop; push and pop stack
 * roots; expose; write scalars; collect, stepping mark-sweep in small
 * slices) run on a real heap and on a model of it.  After every completed
 * collection:
 *  - every object the model keeps is intact: header, fields, scalar stamp,
 *    host data (and, for DRC, the reference count);
 *  - the heap holds no other object (a block walk): for mark-sweep, no
 *    unreachable object survives; for DRC, exactly the objects of count
 *    zero outside the deferred set (exposed refs and roots) were freed,
 *    with their children recursively;
 *  - each freed externref's finalizer ran exactly once, and no other did.
 *
 * The budgets sub-tests run the same model with step budgets of 1, 2 and 7
 * work units, with wide ref arrays (up to WIDE slots) that fresh leaves fill
 * (the shape that makes a scan run out of budget halfway across many
 * slices).  The midgc sub-tests run on a store and, at random points, start
 * a collection, step it a few slices, free the store in the middle of it
 * (sometimes trim the pool, sometimes step the old collection handle), check
 * that every finalizer ran exactly once, take the slot with a new store,
 * check that it reads zero in every accessible byte, and go on with the
 * model on the fresh store.  The handles sub-tests add handles of the
 * roots list to the host's ways of holding refs: long-lived ones and scoped
 * ones in nested scopes (made, set, freed, left, read back into host
 * slots), which the model counts as roots (they take no DRC count).
 *
 * Seeds are fixed; the failing collector, seed and operation are printed.
 * GCP_DIFF_SEEDS and GCP_DIFF_OPS make the run longer (make check-long). */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "gcutil.h"
#include "lib/inspect.h"

#define MAXOBJ 40000
#define NH 48          /* host slots (non-stack roots) */
#define NS 12          /* stack slots (stack roots) */
#define MAXF 8         /* most ref fields of an ordinary model object */
#define WIDE 320       /* most slots of a wide ref array (budgets sub-tests) */
#define NHD 32         /* handle slots (handles sub-tests) */
#define NSC 6          /* most open scopes (handles sub-tests) */
#define SLOTS (MAXOBJ * MAXF + 256 * WIDE)   /* field storage of one run */

enum mkind { MK_S, MK_RA, MK_E };

typedef struct mobj {
    gcp_ref ref;
    enum mkind kind;
    uint32_t nrefs;
    int32_t *to;           /* model id held by each field, or -1 */
    gcp_ref *raw;          /* the field's value when to == -1 (null or i31) */
    uint32_t stamp;        /* struct scalar at payload offset 4 */
    uint32_t host_id;      /* externref host-data id */
    int fin;               /* finalizer calls */
    uint32_t count;        /* DRC: expected reference count */
    bool alive, exposed, mark;
} mobj;

static mobj M[MAXOBJ];
static int nobj;
static gc_fixture F;
static gcp_collector kind;
static gcp_roots *roots;
static gcp_ref hs[NH];
static int hid[NH];
static uint64_t st[NS];
static int sid[NS];
static int sp;
static uint64_t rng;
static char where[160];
static int *owner;          /* heap offset / 8 -> model id + 1 */
static size_t owner_n;
static int32_t field_to[SLOTS];
static gcp_ref field_raw[SLOTS];
static size_t nfield;       /* field slots handed out this run */
static bool wide;           /* budgets sub-tests: wide arrays and fills */
static bool midgc;          /* midgc sub-tests: stores freed mid-collection */
static gcp_store *store;    /* the store of a midgc run (F.heap, F.table are its parts) */
static uint32_t most_refs;  /* most ref slots of any object so far */
static int stores_freed;    /* midgc: stores freed in the middle of a collection */
static long leaves;         /* budgets: fresh leaves put into wide arrays */
static bool handles;        /* handles sub-tests: handle operations too */
static gcp_handle hd[NHD];  /* handles sub-tests: the host's handles */
static bool hlive[NHD];     /* hd[k] is live */
static int hdid[NHD];       /* model id its ref names, -1 for null */
static int hsc[NHD];        /* depth of its scope (1 = outermost), 0: long-lived */
static gcp_scope marks[NSC];
static int nsc;             /* open scopes */
static long handle_only;    /* objects a collection kept for handles alone */

/* Check reports every passing assertion to its runner through a pipe;
 * these only call into Check on failure, which keeps the run fast. */
#define CHECK(c)                                       \
    do {                                               \
        if (!(c))                                      \
            ck_abort_msg("%s: %s", where, #c);         \
    } while (0)
#define CHECK_OK(e)                                                           \
    do {                                                                      \
        gcp_status s__ = (e);                                                 \
        if (s__ != GCP_OK)                                                    \
            ck_abort_msg("%s: %s -> %s", where, #e, gcp_strerror(s__));       \
    } while (0)

static uint64_t next_rand(void)
{
    rng ^= rng >> 12;
    rng ^= rng << 25;
    rng ^= rng >> 27;
    return rng * UINT64_C(2685821657736338717);
}
static uint32_t below(uint32_t n) { return (uint32_t)(next_rand() % n); }

static bool drc(void) { return kind == GCP_COLLECTOR_DRC; }
static bool moving(void) { return kind == GCP_COLLECTOR_COMPACT; }

/* ---------------------------------------------------------------- model collections */

static void model_mark(int id)
{
    /* Iterative DFS with an explicit stack (ids are pushed once). */
    static int stack[MAXOBJ];
    int n = 0;
    if (id < 0 || M[id].mark)
        return;
    M[id].mark = true;
    stack[n++] = id;
    while (n > 0) {
        mobj *o = &M[stack[--n]];
        for (uint32_t i = 0; i < o->nrefs; i++) {
            int t = o->to[i];
            if (t >= 0 && !M[t].mark) {
                M[t].mark = true;
                stack[n++] = t;
            }
        }
    }
}

static void model_collect_ms(void)
{
    for (int i = 0; i < nobj; i++)
        M[i].mark = false;
    for (int k = 0; k < NH; k++)
        model_mark(hid[k]);
    for (int k = 0; k < sp; k++)
        model_mark(sid[k]);
    for (int k = 0; k < NHD; k++)
        if (hlive[k])
            model_mark(hdid[k]);
    for (int i = 0; i < nobj; i++)
        if (M[i].alive && !M[i].mark)
            M[i].alive = false;
}

static bool model_protected(int id)
{
    if (M[id].exposed)
        return true;
    for (int k = 0; k < NH; k++)
        if (hid[k] == id)
            return true;
    for (int k = 0; k < sp; k++)
        if (sid[k] == id)
            return true;
    for (int k = 0; k < NHD; k++)
        if (hlive[k] && hdid[k] == id)
            return true;
    return false;
}

/* Bytes of the object behind model id i. */
static uint64_t model_size(int i)
{
    switch (M[i].kind) {
    case MK_S:
        return 32;
    case MK_RA:
        return (GCP_ARRAY_ELEMS + 4u * M[i].nrefs + 7u) & ~7u;
    default:
        return GCP_EXTERNREF_BYTES;
    }
}

static void model_collect_drc(int trace)
{
    static int work[MAXOBJ];
    int n = 0;
    uint64_t freed = 0;
    for (int i = 0; i < nobj; i++)
        if (M[i].alive && M[i].count == 0 && !model_protected(i)) {
            M[i].alive = false;
            freed += model_size(i);
            work[n++] = i;
        }
    while (n > 0) {
        mobj *o = &M[work[--n]];
        for (uint32_t i = 0; i < o->nrefs; i++) {
            int t = o->to[i];
            if (t < 0)
                continue;
            CHECK(M[t].count > 0);
            if (--M[t].count == 0 && !model_protected(t)) {
                CHECK(M[t].alive);
                M[t].alive = false;
                freed += model_size(t);
                work[n++] = t;
            }
        }
    }
    /* Requested (2), or after an allocation failure (1) when the zero
     * counts freed less than a quarter of the heap below the frontier. */
    uint64_t frontier = gcp__heap_freelist(F.heap)->frontier;
    if (trace == 2 || (trace == 1 && freed < frontier / GCP_DRC_TRACE_FRACTION)) {
        /* The backup trace: whatever no host slot, stack slot or exposed
         * ref reaches is freed (cycles included); the counts it held on
         * survivors are given up. */
        for (int i = 0; i < nobj; i++)
            M[i].mark = false;
        for (int k = 0; k < NH; k++)
            model_mark(hid[k]);
        for (int k = 0; k < sp; k++)
            model_mark(sid[k]);
        for (int k = 0; k < NHD; k++)
            if (hlive[k])
                model_mark(hdid[k]);
        for (int i = 0; i < nobj; i++)
            if (M[i].alive && M[i].exposed)
                model_mark(i);
        for (int i = 0; i < nobj; i++) {
            if (!M[i].alive || M[i].mark)
                continue;
            M[i].alive = false;
            for (uint32_t f = 0; f < M[i].nrefs; f++)
                if (M[i].to[f] >= 0 && M[M[i].to[f]].mark)
                    M[M[i].to[f]].count--;
        }
    }
    for (int i = 0; i < nobj; i++)
        M[i].exposed = false;
}

/* ---------------------------------------------------------------- relocation */

/* After a moving collection the model learns its objects' new refs from
 * the roots and then from the fields of objects already placed, following
 * the model's own graph: so the heap is compared by graph shape, not by
 * offsets.  An object reached twice must have been reached at one ref. */
static int reloc_queue[MAXOBJ];
static bool reloc_seen[MAXOBJ];
static int reloc_n;
static long moved;          /* objects the moving collector moved */

static void place(int id, gcp_ref r)
{
    if (id < 0)
        return;
    if (reloc_seen[id]) {
        CHECK(M[id].ref == r);
        return;
    }
    reloc_seen[id] = true;
    moved += M[id].ref != r;
    M[id].ref = r;
    reloc_queue[reloc_n++] = id;
}

static void relocate(void)
{
    memset(reloc_seen, 0, sizeof reloc_seen);
    reloc_n = 0;
    for (int k = 0; k < NH; k++)
        place(hid[k], hs[k]);
    for (int k = 0; k < sp; k++) {
        gcp_ref r;
        CHECK_OK(gcp_ref_from_r64(st[k], &r));
        place(sid[k], r);
    }
    for (int k = 0; k < NHD; k++) {
        gcp_ref r;
        if (!hlive[k] || hdid[k] < 0)
            continue;
        CHECK_OK(gcp_roots_handle_get(roots, hd[k], &r));
        place(hdid[k], r);
    }
    for (int q = 0; q < reloc_n; q++) {
        mobj *o = &M[reloc_queue[q]];
        for (uint32_t i = 0; i < o->nrefs; i++) {
            if (o->to[i] < 0)
                continue;
            gcp_ref v;
            if (o->kind == MK_S)
                CHECK_OK(gcp_struct_get_ref(F.heap, o->ref, 8 * i, &v));
            else
                CHECK_OK(gcp_array_get_ref(F.heap, o->ref, i, &v));
            place(o->to[i], v);
        }
    }
    /* Every live object was reached (the model kept nothing else alive). */
    for (int i = 0; i < nobj; i++)
        CHECK(!M[i].alive || reloc_seen[i]);
}

/* ---------------------------------------------------------------- verification */

static void verify_object(int id)
{
    mobj *o = &M[id];
    gcp_header h;
    CHECK_OK(gcp_heap_header(F.heap, o->ref, &h));
    gcp_ref v;
    switch (o->kind) {
    case MK_S: {
        CHECK(h.kind == GCP_KIND_STRUCT && h.type_index == F.S);
        uint32_t stamp;
        CHECK_OK(gcp_struct_read(F.heap, o->ref, 4, &stamp, 4));
        CHECK(stamp == o->stamp);
        for (uint32_t i = 0; i < 2; i++) {
            CHECK_OK(gcp_struct_get_ref(F.heap, o->ref, 8 * i, &v));
            CHECK(v == (o->to[i] >= 0 ? M[o->to[i]].ref : o->raw[i]));
        }
        break;
    }
    case MK_RA: {
        CHECK(h.kind == GCP_KIND_ARRAY && h.type_index == F.RA);
        uint32_t len;
        CHECK_OK(gcp_array_length(F.heap, o->ref, &len));
        CHECK(len == o->nrefs);
        for (uint32_t i = 0; i < len; i++) {
            CHECK_OK(gcp_array_get_ref(F.heap, o->ref, i, &v));
            CHECK(v == (o->to[i] >= 0 ? M[o->to[i]].ref : o->raw[i]));
        }
        break;
    }
    case MK_E: {
        CHECK(h.kind == GCP_KIND_EXTERNREF);
        uint32_t hid_;
        void *p;
        CHECK_OK(gcp_heap_externref_host_data(F.heap, o->ref, &hid_));
        CHECK(hid_ == o->host_id);
        CHECK_OK(gcp_hostdata_get(F.table, hid_, &p));
        CHECK(p == &o->fin);
        break;
    }
    }
    if (drc())
        CHECK(gcf_peek(&F, o->ref, GCP_HDR_CWORD) == o->count);
}

static void verify(void)
{
    size_t words = gcp_heap_bound(F.heap) / 8;
    if (words > owner_n) {
        owner = realloc(owner, words * sizeof *owner);
        owner_n = words;
    }
    memset(owner, 0, owner_n * sizeof *owner);
    int n_alive = 0;
    for (int i = 0; i < nobj; i++) {
        if (M[i].kind == MK_E)
            CHECK(M[i].fin == (M[i].alive ? 0 : 1));
        if (!M[i].alive)
            continue;
        verify_object(i);
        owner[M[i].ref / 8] = i + 1;
        n_alive++;
    }
    /* The heap holds exactly the model's live objects. */
    uint64_t frontier = F.heap->ops->frontier(F.heap);
    int n_blocks = 0;
    for (uint64_t at = GCP_HEAP_START; at < frontier;) {
        gcp_obj o;
        CHECK_OK(gcp__obj_check_block(F.heap, (gcp_ref)at, &o));
        if (o.kind != GCP_KIND_FREE) {
            CHECK(owner[at / 8] != 0);
            n_blocks++;
        }
        at += o.size;
    }
    CHECK(n_blocks == n_alive);
}

/* Every live handle reads the ref of its model object, and some object
 * is held by handles alone. */
static void verify_handles(void)
{
    size_t live = 0;
    for (int k = 0; k < NHD; k++) {
        if (!hlive[k])
            continue;
        live++;
        gcp_ref v;
        CHECK_OK(gcp_roots_handle_get(roots, hd[k], &v));
        CHECK(v == (hdid[k] < 0 ? GCP_REF_NULL : M[hdid[k]].ref));
        int id = hdid[k];
        if (id < 0 || !M[id].alive || M[id].count > 0 || M[id].exposed)
            continue;
        bool other = false;
        for (int j = 0; j < NH && !other; j++)
            other = hid[j] == id;
        for (int j = 0; j < sp && !other; j++)
            other = sid[j] == id;
        handle_only += !other;
    }
    CHECK(gcp_roots_handle_count(roots) == live);
    CHECK(gcp_roots_scope_depth(roots) == (size_t)nsc);
}

/* ---------------------------------------------------------------- operations */

static void collect(void)
{
    /* DRC ends with a backup trace after an allocation failure, or when
     * asked (some collections here ask). */
    if (drc() && below(8) == 0)
        gcp__drc_request_trace(F.heap);
    int trace = drc() ? gcp__drc_trace_pending(F.heap) : 0;
    gcp_collection *gc;
    CHECK_OK(gcp_heap_gc_start(F.heap, roots, F.table, &gc));
    gcp_progress p = GCP_CONTINUE;
    while (p == GCP_CONTINUE) {
        CHECK_OK(gcp_collection_step(gc, &p));
        CHECK(gcp__gc_last_step_units(F.heap) <= (uint64_t)F.heap->step_budget + 1 + most_refs);
    }
    if (drc())
        model_collect_drc(trace);
    else
        model_collect_ms();
    if (moving())
        relocate();
    verify();
    if (handles)
        verify_handles();
}

static int free_host_slot(void)
{
    int k = (int)below(NH);
    for (int i = 0; i < NH; i++, k = (k + 1) % NH)
        if (hid[k] < 0)
            return k;
    return -1;
}

static int used_host_slot(void)
{
    int k = (int)below(NH);
    for (int i = 0; i < NH; i++, k = (k + 1) % NH)
        if (hid[k] >= 0)
            return k;
    return -1;
}

static void op_alloc(void)
{
    int k = free_host_slot();
    if (k < 0 || nobj == MAXOBJ)
        return;
    mobj *o = &M[nobj];
    memset(o, 0, sizeof *o);
    o->kind = (enum mkind)below(3);
    if (o->kind == MK_S)
        o->nrefs = 2;
    else if (o->kind == MK_RA)
        o->nrefs = wide && below(4) == 0 ? MAXF + below(WIDE - MAXF + 1) : below(MAXF + 1);
    if (nfield + o->nrefs > SLOTS)
        return;
    o->to = field_to + nfield;
    o->raw = field_raw + nfield;
    nfield += o->nrefs;
    for (uint32_t i = 0; i < o->nrefs; i++) {
        o->to[i] = -1;
        o->raw[i] = GCP_REF_NULL;
    }
    if (o->nrefs > most_refs)
        most_refs = o->nrefs;
    gcp_status s;
    for (int attempt = 0;; attempt++) {
        switch (o->kind) {
        case MK_S:
            s = gcp_heap_alloc_struct(F.heap, F.S, &o->ref);
            break;
        case MK_RA:
            s = gcp_heap_alloc_array(F.heap, F.RA, o->nrefs, &o->ref);
            break;
        default:
            CHECK_OK(gcp_hostdata_insert(F.table, &o->fin, gcf_count_fin, &o->host_id));
            s = gcp_heap_alloc_externref(F.heap, F.table, o->host_id, &o->ref);
            if (s != GCP_OK) {
                CHECK_OK(gcp_hostdata_remove(F.table, o->host_id));
                CHECK(o->fin == 1);
                o->fin = 0;
            }
            break;
        }
        if (s != GCP_NEED_GC || attempt == 1)
            break;
        collect();
    }
    if (s == GCP_ELIMIT || s == GCP_NEED_GC) {
        nfield -= o->nrefs;
        return;   /* full of live objects: skip */
    }
    CHECK_OK(s);
    o->alive = true;
    o->count = 1;
    hs[k] = o->ref;
    hid[k] = nobj++;
}

static void op_link(void)
{
    int a = used_host_slot();
    if (a < 0)
        return;
    mobj *o = &M[hid[a]];
    if (o->nrefs == 0)
        return;
    uint32_t f = below(o->nrefs);
    int b = used_host_slot();
    uint32_t pick = below(8);
    gcp_ref val;
    int to = -1;
    if (pick == 0)
        val = GCP_REF_NULL;
    else if (pick == 1)
        val = gcp_ref_i31_wrap((int32_t)next_rand());
    else {
        val = hs[b];
        to = hid[b];
    }
    if (o->kind == MK_S)
        CHECK_OK(gcp_struct_set_ref(F.heap, F.table, o->ref, 8 * f, val));
    else
        CHECK_OK(gcp_array_set_ref(F.heap, F.table, o->ref, f, val));
    if (to >= 0)
        M[to].count++;
    if (o->to[f] >= 0)
        M[o->to[f]].count--;
    o->to[f] = to;
    o->raw[f] = to >= 0 ? 0 : val;
}

static void op_load(void)
{
    int a = used_host_slot(), k = free_host_slot();
    if (a < 0 || k < 0)
        return;
    mobj *o = &M[hid[a]];
    if (o->nrefs == 0)
        return;
    uint32_t f = below(o->nrefs);
    gcp_ref v;
    if (o->kind == MK_S)
        CHECK_OK(gcp_struct_get_ref(F.heap, o->ref, 8 * f, &v));
    else
        CHECK_OK(gcp_array_get_ref(F.heap, o->ref, f, &v));
    if (o->to[f] < 0) {
        CHECK(v == o->raw[f]);
        return;
    }
    CHECK(v == M[o->to[f]].ref);
    CHECK_OK(gcp_heap_clone_ref(F.heap, v, &hs[k]));
    hid[k] = o->to[f];
    M[o->to[f]].count++;
}

static void op_clone(void)
{
    int a = used_host_slot(), k = free_host_slot();
    if (a < 0 || k < 0)
        return;
    CHECK_OK(gcp_heap_clone_ref(F.heap, hs[a], &hs[k]));
    hid[k] = hid[a];
    M[hid[a]].count++;
}

static void op_drop(void)
{
    int a = used_host_slot();
    if (a < 0)
        return;
    CHECK_OK(gcp_heap_drop_ref(F.heap, F.table, hs[a]));
    M[hid[a]].count--;
    hs[a] = GCP_REF_NULL;
    hid[a] = -1;
}

static void op_push(void)
{
    int a = used_host_slot();
    if (a < 0 || sp == NS)
        return;
    st[sp] = gcp_ref_to_r64(hs[a]);
    sid[sp++] = hid[a];
}

static void op_pop(void)
{
    if (sp == 0)
        return;
    sp--;
    st[sp] = 0;
    sid[sp] = -1;
}

static void op_expose(void)
{
    int a = used_host_slot();
    if (a < 0)
        return;
    CHECK_OK(gcp_heap_expose_ref(F.heap, hs[a]));
    M[hid[a]].exposed = true;
}

static void op_stamp(void)
{
    int a = used_host_slot();
    if (a < 0 || M[hid[a]].kind != MK_S)
        return;
    uint32_t v = (uint32_t)next_rand();
    CHECK_OK(gcp_struct_write(F.heap, hs[a], 4, &v, 4));
    M[hid[a]].stamp = v;
}

/* Fills a ref array held in a host slot with fresh structs (each held by
 * the array only), from a random slot on: many white objects pushed by one
 * scan, which a small budget interrupts many times. */
static void op_fill(void)
{
    /* A wide array if a host slot holds one, else any ref array. */
    int a = -1, k = (int)below(NH);
    for (int i = 0; i < NH; i++, k = (k + 1) % NH)
        if (hid[k] >= 0 && M[hid[k]].kind == MK_RA && M[hid[k]].nrefs > 0 &&
            (a < 0 || M[hid[k]].nrefs > MAXF))
            a = k;
    if (a < 0)
        return;
    int arr = hid[a];
    bool collected = false;
    for (uint32_t i = below(M[arr].nrefs); i < M[arr].nrefs && nobj < MAXOBJ; i++) {
        if (nfield + 2 > SLOTS)
            return;
        mobj *o = &M[nobj];
        memset(o, 0, sizeof *o);
        o->kind = MK_S;
        o->nrefs = 2;
        gcp_status s = gcp_heap_alloc_struct(F.heap, F.S, &o->ref);
        if (s == GCP_NEED_GC && !collected) {
            collected = true;   /* once per fill: the array is rooted, its leaves live */
            collect();
            memset(o, 0, sizeof *o);
            o->kind = MK_S;
            o->nrefs = 2;
            s = gcp_heap_alloc_struct(F.heap, F.S, &o->ref);
        }
        if (s == GCP_NEED_GC || s == GCP_ELIMIT)
            return;
        CHECK_OK(s);
        o->to = field_to + nfield;
        o->raw = field_raw + nfield;
        nfield += 2;
        o->to[0] = o->to[1] = -1;
        o->raw[0] = o->raw[1] = GCP_REF_NULL;
        o->alive = true;
        o->count = 1;
        int leaf = nobj++;
        CHECK_OK(gcp_array_set_ref(F.heap, F.table, M[arr].ref, i, o->ref));
        M[leaf].count++;
        if (M[arr].to[i] >= 0)
            M[M[arr].to[i]].count--;
        M[arr].to[i] = leaf;
        M[arr].raw[i] = GCP_REF_NULL;
        CHECK_OK(gcp_heap_drop_ref(F.heap, F.table, o->ref));
        M[leaf].count--;
        if (M[arr].nrefs > MAXF)
            leaves++;
    }
}

/* ---------------------------------------------------------------- handles */

static int handle_slot(bool want_live)
{
    int k = (int)below(NHD);
    for (int i = 0; i < NHD; i++, k = (k + 1) % NHD)
        if (hlive[k] == want_live)
            return k;
    return -1;
}

/* Roots a host slot's object (or null) in a new handle, scoped when a
 * scope is open and the dice say so. */
static void op_hroot(void)
{
    int k = handle_slot(false), a = used_host_slot();
    if (k < 0)
        return;
    gcp_ref v = a < 0 ? GCP_REF_NULL : hs[a];
    if (nsc > 0 && below(2)) {
        CHECK_OK(gcp_roots_scope_handle(roots, v, &hd[k]));
        hsc[k] = nsc;
    } else {
        CHECK_OK(gcp_roots_handle_new(roots, v, &hd[k]));
        hsc[k] = 0;
    }
    hlive[k] = true;
    hdid[k] = a < 0 ? -1 : hid[a];
}

/* Frees a long-lived handle (a scoped one is refused and stays). */
static void op_hfree(void)
{
    int k = handle_slot(true);
    if (k < 0)
        return;
    if (hsc[k] > 0) {
        CHECK(gcp_roots_handle_free(roots, hd[k]) == GCP_EINVAL);
        return;
    }
    CHECK_OK(gcp_roots_handle_free(roots, hd[k]));
    gcp_ref v;
    CHECK(gcp_roots_handle_get(roots, hd[k], &v) == GCP_ESTALE);
    hlive[k] = false;
}

/* Points a handle at a host slot's object, or null. */
static void op_hset(void)
{
    int k = handle_slot(true), a = used_host_slot();
    if (k < 0)
        return;
    if (a < 0 || below(8) == 0) {
        CHECK_OK(gcp_roots_handle_set(roots, hd[k], GCP_REF_NULL));
        hdid[k] = -1;
    } else {
        CHECK_OK(gcp_roots_handle_set(roots, hd[k], hs[a]));
        hdid[k] = hid[a];
    }
}

/* Takes a new host reference to a handle's object (read through the
 * handle, then cloned) into a free host slot. */
static void op_hload(void)
{
    int k = handle_slot(true), a = free_host_slot();
    if (k < 0 || a < 0 || hdid[k] < 0)
        return;
    gcp_ref v;
    CHECK_OK(gcp_roots_handle_get(roots, hd[k], &v));
    CHECK(v == M[hdid[k]].ref);
    CHECK_OK(gcp_heap_clone_ref(F.heap, v, &hs[a]));
    hid[a] = hdid[k];
    M[hdid[k]].count++;
}

static void op_henter(void)
{
    if (nsc == NSC)
        return;
    CHECK_OK(gcp_roots_scope_enter(roots, &marks[nsc]));
    nsc++;
}

/* Leaves the innermost scope: its handles go stale, the others stay.  An
 * outer scope is refused first now and then. */
static void op_hleave(void)
{
    if (nsc == 0)
        return;
    if (nsc > 1 && below(4) == 0)
        CHECK(gcp_roots_scope_leave(roots, marks[below((uint32_t)nsc - 1)]) == GCP_ESTATE);
    CHECK_OK(gcp_roots_scope_leave(roots, marks[--nsc]));
    for (int k = 0; k < NHD; k++) {
        if (!hlive[k] || hsc[k] <= nsc)
            continue;
        gcp_ref v;
        CHECK(gcp_roots_handle_get(roots, hd[k], &v) == GCP_ESTALE);
        hlive[k] = false;
    }
}

static void op_handles(void)
{
    uint32_t r = below(100);
    if (r < 30)
        op_hroot();
    else if (r < 50)
        op_hfree();
    else if (r < 60)
        op_hset();
    else if (r < 75)
        op_hload();
    else if (r < 88)
        op_henter();
    else
        op_hleave();
}

/* ---------------------------------------------------------------- stores freed mid-collection */

/* Replaces the fixture's bare heap and table by a store of the same pool
 * (one slot: the same heap). */
static void open_store(void)
{
    CHECK_OK(gcp_store_new(F.pool, &store));
    F.heap = gcp_store_heap(store);
    F.table = gcp_store_hostdata(store);
}

/* Every accessible byte of the fresh store's heap reads zero. */
static void heap_zero(const char *when)
{
    const uint8_t *b = gcp_heap_base(F.heap);
    size_t n = gcp_heap_bound(F.heap);
    for (size_t i = 0; i < n; i++)
        if (b[i] != 0)
            ck_abort_msg("%s: %s: byte %zu of %zu of the next store reads %#x", where, when, i,
                         n, b[i]);
}

/* Starts a collection, steps it a few slices and frees the store while it
 * may still run (sometimes trimming the pool, sometimes stepping the old
 * handle); then every finalizer must have run once, the next store of the
 * slot must read zero, and the model goes on there with nothing alive. */
static void op_free_midgc(void)
{
    if (drc() && below(4) == 0)
        gcp__drc_request_trace(F.heap);
    gcp_collection *gc;
    CHECK_OK(gcp_heap_gc_start(F.heap, roots, F.table, &gc));
    gcp_progress p = GCP_CONTINUE;
    for (uint32_t n = below(4) == 0 ? below(4) : below(400); n > 0 && p == GCP_CONTINUE; n--)
        CHECK_OK(gcp_collection_step(gc, &p));
    if (p == GCP_CONTINUE)
        stores_freed++;
    uint32_t how = below(8);
    CHECK_OK(gcp_store_free(store));
    store = NULL;
    F.heap = NULL;
    F.table = NULL;
    for (int i = 0; i < nobj; i++) {
        if (M[i].kind == MK_E)
            CHECK(M[i].fin == 1);
        M[i].alive = false;
        M[i].exposed = false;
    }
    if (how & 1)
        CHECK_OK(gcp_pool_trim(F.pool));
    gcp_progress q;
    if (how & 2)
        (void)gcp_collection_step(gc, &q);   /* any status; must return */
    open_store();
    heap_zero("after the free");
    if (how & 4) {
        (void)gcp_collection_step(gc, &q);
        heap_zero("after stepping the freed store's collection");
    }
    for (int k = 0; k < NH; k++) {
        hs[k] = GCP_REF_NULL;
        hid[k] = -1;
    }
    while (sp > 0) {
        sp--;
        st[sp] = 0;
        sid[sp] = -1;
    }
}

/* ---------------------------------------------------------------- driver */

static const char *cname(void) { return drc() ? "drc" : moving() ? "compact" : "marksweep"; }

/* Opens a heap for collector k and seeds the generator. */
static void start(gcp_collector k, uint64_t seed, bool *rare, uint32_t *budget)
{
    kind = k;
    rng = seed * UINT64_C(0x9E3779B97F4A7C15) + 1;
    uint32_t pick = 1 + below(40);
    if (*budget == 0)
        *budget = pick;
    nfield = 0;
    most_refs = MAXF;
    /* Even seeds collect ten times less often, so the heap fills up and
     * allocations meet GCP_NEED_GC. */
    *rare = seed % 2 == 0;
    snprintf(where, sizeof where, "%s seed %" PRIu64 " setup", cname(), seed);
    gcf_open(&F, k, (*rare ? 8 * KIB : 16 * KIB) * (wide ? 4 : 1), *budget);
    if (midgc) {
        gcp_hostdata_free(F.table);
        ck_assert_ok(gcp_pool_release(F.pool, F.heap));
        open_store();
    }
    ck_assert_ok(gcp_roots_new(&roots));
    nobj = 0;
    sp = 0;
    nsc = 0;
    for (int k = 0; k < NHD; k++)
        hlive[k] = false;
    for (int i = 0; i < NH; i++) {
        hs[i] = GCP_REF_NULL;
        hid[i] = -1;
        ck_assert_ok(gcp_roots_add(roots, &hs[i]));
    }
    for (int i = 0; i < NS; i++) {
        st[i] = 0;
        sid[i] = -1;
        ck_assert_ok(gcp_roots_add_stack(roots, &st[i]));
    }
}

static void play(uint64_t seed, int ops, bool rare, uint32_t budget)
{
    for (int i = 0; i < ops; i++) {
        snprintf(where, sizeof where, "%s seed %" PRIu64 " op %d (budget %u)", cname(), seed,
                 i, budget);
        if (handles && below(4) == 0) {
            op_handles();
            continue;
        }
        uint32_t r = below(100);
        if (r < 25)
            op_alloc();
        else if (r < 45)
            op_link();
        else if (r < 55)
            op_load();
        else if (r < 62)
            op_clone();
        else if (r < 80)
            op_drop();
        else if (r < 85)
            op_push();
        else if (r < 89)
            op_pop();
        else if (r < 94)
            op_expose();
        else if (r < 99)
            op_stamp();
        else if (wide && below(3) == 0)
            op_fill();
        else if (midgc && below(4) == 0)
            op_free_midgc();
        else if (!rare || below(10) == 0)
            collect();
    }
}

/* Frees the store; every finalizer must then have run exactly once. */
static void finish(void)
{
    gcp_roots_free(roots);
    if (midgc) {
        ck_assert_ok(gcp_store_free(store));
        store = NULL;
        ck_assert_ok(gcp_pool_free(F.pool));
        gcp_types_release(F.types);
    } else {
        gcf_close(&F);
    }
    for (int i = 0; i < nobj; i++)
        if (M[i].kind == MK_E)
            CHECK(M[i].fin == 1);
}

static void run_one(gcp_collector k, uint64_t seed, int ops, uint32_t budget)
{
    bool rare;
    start(k, seed, &rare, &budget);
    play(seed, ops, rare, budget);
    collect();
    finish();
}

/* ---------------------------------------------------------------- hostile heaps */

/* A status from a heap that may be corrupt: an ECORRUPT must have poisoned
 * it, an EPOISONED must follow a poisoning.  Returns true if poisoned. */
static bool allowed(gcp_status s)
{
    bool p = gcp_heap_is_poisoned(F.heap);
    if (s == GCP_ECORRUPT || s == GCP_EPOISONED)
        CHECK(p);
    return p;
}

/* Collects in steps; any step may find the corruption. */
static void hostile_collect(void)
{
    gcp_collection *gc;
    if (allowed(gcp_heap_gc_start(F.heap, roots, F.table, &gc)))
        return;
    gcp_progress p = GCP_CONTINUE;
    for (long n = 0; p == GCP_CONTINUE; n++) {
        gcp_status s = gcp_collection_step(gc, &p);
        if (s != GCP_OK) {
            CHECK(allowed(s));
            return;
        }
        CHECK(n < 10000000);
    }
}

/* Builds a heap with the model's operations, then writes random bytes or
 * words into it, as compiled code could, and keeps using it: every status
 * must be a clean one, never a crash or a wild access (run it under ASan
 * or valgrind), and each finalizer must still run exactly once. */
static bool fuzz_one(gcp_collector k, uint64_t seed)
{
    bool rare;
    uint32_t budget = 0;
    start(k, seed, &rare, &budget);
    play(seed, 300 + (int)below(1500), rare, budget);
    snprintf(where, sizeof where, "%s fuzz seed %" PRIu64, cname(), seed);
    size_t used = gcp__heap_high_water(F.heap);
    uint8_t *base = gcp_heap_base(F.heap);
    for (int f = 1 + (int)below(4); f > 0; f--) {
        size_t off = below((uint32_t)used);
        switch (below(4)) {
        case 0:
            base[off] = (uint8_t)next_rand();
            break;
        case 1:
            base[off] ^= (uint8_t)(1u << below(8));
            break;
        default:
            /* A plausible word: small, a ref nearby, or anything. */
            off &= ~(size_t)3;
            if (off + 4 <= used)
                gcp__store32(base + off, below(3) == 0 ? below(64)
                                         : below(2) ? (uint32_t)(off & ~(size_t)7) + 8u * below(8)
                                                    : (uint32_t)next_rand());
            break;
        }
    }
    hostile_collect();
    for (int i = 0; i < NH; i++) {
        if (hid[i] < 0)
            continue;
        gcp_header h;
        gcp_ref v;
        allowed(gcp_heap_header(F.heap, hs[i], &h));
        allowed(gcp_struct_get_ref(F.heap, hs[i], 0, &v));
        allowed(gcp_array_get_ref(F.heap, hs[i], 0, &v));
        allowed(gcp_struct_set_ref(F.heap, F.table, hs[i], 8, hs[(i + 1) % NH]));
        allowed(gcp_array_set_ref(F.heap, F.table, hs[i], 0, GCP_REF_NULL));
        if (allowed(gcp_heap_clone_ref(F.heap, hs[i], &v)) == false)
            allowed(gcp_heap_drop_ref(F.heap, F.table, v));
        allowed(gcp_heap_expose_ref(F.heap, hs[i]));
    }
    for (int i = 0; i < 50; i++) {
        gcp_ref r;
        gcp_status s = gcp_heap_alloc_array(F.heap, F.RA, below(40), &r);
        if (s == GCP_NEED_GC)
            hostile_collect();
        else
            allowed(s);
    }
    hostile_collect();
    bool poisoned = gcp_heap_is_poisoned(F.heap);
    /* The heap goes back to the pool whatever state it is in. */
    finish();
    return poisoned;
}

static int env_int(const char *name, int dflt)
{
    const char *s = getenv(name);
    return s && *s ? atoi(s) : dflt;
}

static void run_seeds(gcp_collector k)
{
    int seeds = env_int("GCP_DIFF_SEEDS", 40), ops = env_int("GCP_DIFF_OPS", 5000);
    uint64_t first = (uint64_t)env_int("GCP_DIFF_FIRST_SEED", 1);
    moved = 0;
    for (uint64_t s = first; s < first + (uint64_t)seeds; s++)
        run_one(k, s, ops, 0);
    /* The moving collector really moved objects (thousands per seed). */
    if (k == GCP_COLLECTOR_COMPACT)
        ck_assert_int_gt(moved, 1000L * seeds);
    free(owner);
    owner = NULL;
    owner_n = 0;
}

START_TEST(diff_drc) { run_seeds(GCP_COLLECTOR_DRC); }
END_TEST

static void fuzz_seeds(gcp_collector k)
{
    int seeds = env_int("GCP_DIFF_SEEDS", 40) * 5, poisoned = 0;
    uint64_t first = (uint64_t)env_int("GCP_DIFF_FIRST_SEED", 1);
    for (uint64_t s = first; s < first + (uint64_t)seeds; s++)
        poisoned += fuzz_one(k, s);
    /* The corruption is found often, and not every time (a flipped scalar
     * is harmless): the checks really run. */
    ck_assert_int_gt(poisoned, seeds / 10);
    ck_assert_int_lt(poisoned, seeds);
}

START_TEST(hostile_drc) { fuzz_seeds(GCP_COLLECTOR_DRC); }
END_TEST

START_TEST(hostile_marksweep) { fuzz_seeds(GCP_COLLECTOR_MARKSWEEP); }
END_TEST

START_TEST(diff_marksweep) { run_seeds(GCP_COLLECTOR_MARKSWEEP); }
END_TEST

START_TEST(diff_compact) { run_seeds(GCP_COLLECTOR_COMPACT); }
END_TEST

START_TEST(hostile_compact) { fuzz_seeds(GCP_COLLECTOR_COMPACT); }
END_TEST

/* Budgets 1, 2 and 7 with wide arrays and fills; a tenth of the seeds of
 * the main sub-tests for each budget (they take longer per operation). */
static void budget_seeds(gcp_collector k)
{
    static const uint32_t budgets[] = {1, 2, 7};
    int seeds = env_int("GCP_DIFF_SEEDS", 40) / 10, ops = env_int("GCP_DIFF_OPS", 5000);
    uint64_t first = (uint64_t)env_int("GCP_DIFF_FIRST_SEED", 1);
    if (seeds < 1)
        seeds = 1;
    wide = true;
    leaves = 0;
    for (size_t b = 0; b < sizeof budgets / sizeof *budgets; b++)
        for (uint64_t s = first; s < first + (uint64_t)seeds; s++)
            run_one(k, s, ops, budgets[b]);
    wide = false;
    free(owner);
    owner = NULL;
    owner_n = 0;
    /* Wide arrays really were filled (hundreds of leaves per seed). */
    ck_assert_int_gt(leaves, 100L * seeds);
}

START_TEST(budgets_drc) { budget_seeds(GCP_COLLECTOR_DRC); }
END_TEST

START_TEST(budgets_marksweep) { budget_seeds(GCP_COLLECTOR_MARKSWEEP); }
END_TEST

START_TEST(budgets_compact) { budget_seeds(GCP_COLLECTOR_COMPACT); }
END_TEST

/* Stores freed in the middle of collections, with small budgets so that
 * most frees land inside one. */
static void midgc_seeds(gcp_collector k)
{
    int seeds = env_int("GCP_DIFF_SEEDS", 40) / 2, ops = env_int("GCP_DIFF_OPS", 5000);
    uint64_t first = (uint64_t)env_int("GCP_DIFF_FIRST_SEED", 1);
    if (seeds < 1)
        seeds = 1;
    midgc = true;
    stores_freed = 0;
    for (uint64_t s = first; s < first + (uint64_t)seeds; s++)
        run_one(k, s, ops, 1 + (uint32_t)(s % 8));
    midgc = false;
    free(owner);
    owner = NULL;
    owner_n = 0;
    /* The frees really hit running collections. */
    ck_assert_int_gt(stores_freed, seeds);
}

START_TEST(midgc_drc) { midgc_seeds(GCP_COLLECTOR_DRC); }
END_TEST

START_TEST(midgc_marksweep) { midgc_seeds(GCP_COLLECTOR_MARKSWEEP); }
END_TEST

START_TEST(midgc_compact) { midgc_seeds(GCP_COLLECTOR_COMPACT); }
END_TEST

/* Handles beside host slots and stack roots: a fifth of the main
 * sub-tests' seeds. */
static void handle_seeds(gcp_collector k)
{
    int seeds = env_int("GCP_DIFF_SEEDS", 40) / 5, ops = env_int("GCP_DIFF_OPS", 5000);
    uint64_t first = (uint64_t)env_int("GCP_DIFF_FIRST_SEED", 1);
    if (seeds < 1)
        seeds = 1;
    handles = true;
    handle_only = 0;
    for (uint64_t s = first; s < first + (uint64_t)seeds; s++)
        run_one(k, s, ops, 0);
    handles = false;
    free(owner);
    owner = NULL;
    owner_n = 0;
    /* Collections really kept objects that only handles held. */
    ck_assert_int_gt(handle_only, seeds);
}

START_TEST(handles_drc) { handle_seeds(GCP_COLLECTOR_DRC); }
END_TEST

START_TEST(handles_marksweep) { handle_seeds(GCP_COLLECTOR_MARKSWEEP); }
END_TEST

START_TEST(handles_compact) { handle_seeds(GCP_COLLECTOR_COMPACT); }
END_TEST

int main(void)
{
    Suite *s = suite_create("gc_diff");
    TCase *tc = tcase_create("gc_diff");
    tcase_set_timeout(tc, 0);
    tcase_add_test(tc, diff_drc);
    tcase_add_test(tc, diff_marksweep);
    tcase_add_test(tc, hostile_drc);
    tcase_add_test(tc, hostile_marksweep);
    tcase_add_test(tc, budgets_drc);
    tcase_add_test(tc, budgets_marksweep);
    tcase_add_test(tc, midgc_drc);
    tcase_add_test(tc, midgc_marksweep);
    tcase_add_test(tc, diff_compact);
    tcase_add_test(tc, hostile_compact);
    tcase_add_test(tc, budgets_compact);
    tcase_add_test(tc, midgc_compact);
    tcase_add_test(tc, handles_drc);
    tcase_add_test(tc, handles_marksweep);
    tcase_add_test(tc, handles_compact);
    suite_add_tcase(s, tc);
    return run_suite(s);
}

/* SPDX-License-Identifier: MIT */
/* libFuzzer target: the input is a program run against a small pool, as a
 * hostile guest and a careless host would run it.
 *
 * The first bytes configure the pool (collector, debug mode, step budget, heap sizes,
 * how much memory a release keeps, one or two slots) and one struct type
 * of the registry; the rest is a list of operations, each an opcode byte
 * and its operands (a missing byte reads 0):
 *   allocation of structs, arrays (up to a few thousand elements) and
 *   externrefs (gcp_store_alloc_externref, finalizer counting its calls);
 *   field reads and writes, the barriers (clone, write, drop, expose), stack
 *   and non-stack roots, the roots list shrunk or rebuilt (also in the
 *   middle of a collection);
 *   guest writes: any byte below gcp_heap_bound, headers included (single
 *   bytes, words near an object, copies between objects, fills);
 *   collections sliced by the pool's budget (which the input may make 1..8),
 *   stepped a few slices at a time or run to completion;
 *   the store freed at any point (in the middle of a collection too), the
 *   pool trimmed, the old collection handle stepped again, and the slot
 *   taken by a new store;
 *   host-data churn (insert and remove the same entry many times);
 *   bulk operations: structs and arrays allocated with initial contents
 *   (heap level, or the store's _gc variants that collect), array fill,
 *   copy (overlapping within one array too) and range reads and writes,
 *   with ranges mostly in bounds and sometimes anything, buffers sometimes
 *   one byte short, and ref values null, i31, handles or forged.
 *
 * The library may answer any status.  What this target treats as a bug
 * (besides crashes, sanitizer reports and hangs, which libFuzzer sees):
 *   - a fresh store's heap that does not read zero in every accessible
 *     byte (checked after each acquire and again after the old collection
 *     handle was stepped);
 *   - a finalizer that runs twice, with a pointer the host never stored, or
 *     that has not run once its store is freed; a failed
 *     gcp_store_alloc_externref whose datum gets finalized;
 *   - gcp_store_externref_data handing out a pointer that is not the one
 *     stored for that very externref, or one already finalized;
 *   - GCP_ECORRUPT or GCP_EPOISONED without the heap being poisoned; GCP_OK
 *     from a mutator operation on a poisoned heap or during a collection;
 *   - a status outside gcp_status;
 *   - a collection that still answers GCP_CONTINUE after more slices than
 *     the heap could hold work for;
 *   - before any guest write: a struct or array write not read back (bulk
 *     fills, copies and range writes of scalar arrays included: a copy
 *     must leave the destination equal to the source range read before),
 *     a header read that is not an object, a successful gcp_pool_free
 *     refused.
 * Every input does bounded work (caps on operations, allocations, slices
 * and churn), so executions stay in the millisecond range.
 *
 * Build and run with `make fuzz` (FUZZ_SECONDS); replay a file with
 * `./fuzz_heap FILE`.  tests/fuzz/gen_seeds.py writes the seed corpus. */
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gcpool.h"
#include "lib/heap.h"

#define NH 12          /* non-stack root handles per store */
#define NS 6           /* stack root slots per store */
#define MAXD 8192      /* host data per input */
#define MAX_OPS 256
#define MAX_ALLOCS 4096
#define MAX_SLICES 200000
#define MAX_CHURN 4096
#define NTYPES 7

/* ---------------------------------------------------------------- failure */

static void die(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("fuzz_heap: invariant broken: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    fflush(stderr);
    abort();
}

/* ---------------------------------------------------------------- input */

typedef struct reader {
    const uint8_t *p;
    size_t n, i;
} reader;

static uint8_t u8(reader *r) { return r->i < r->n ? r->p[r->i++] : 0; }
static uint16_t u16(reader *r) { return (uint16_t)(u8(r) | (unsigned)u8(r) << 8); }
static uint32_t u32(reader *r) { return u16(r) | (uint32_t)u16(r) << 16; }

/* ---------------------------------------------------------------- host data */

typedef struct datum {
    int fin;           /* finalizer calls */
    int epoch;         /* store that holds it */
    gcp_ref ref;       /* externref allocated for it (0: table-only entry) */
    uint32_t id;       /* its host-data id (a moving collector changes ref, not id) */
    bool inserted;     /* the library took it */
} datum;

static datum D[MAXD];
static int nd;

static void count_fin(void *p)
{
    uintptr_t a = (uintptr_t)p, lo = (uintptr_t)D;
    if (a < lo || a >= lo + sizeof D || (a - lo) % sizeof *D != 0)
        die("finalizer called with %p, a pointer the host never stored", p);
    datum *d = p;
    if (!d->inserted)
        die("finalizer of datum %d, whose insertion failed", (int)(d - D));
    if (++d->fin > 1)
        die("finalizer of datum %d ran twice", (int)(d - D));
}

/* ---------------------------------------------------------------- types */

typedef struct tinfo {
    uint32_t idx;
    bool array;
    uint32_t elem;        /* array element bytes */
    bool refs;            /* array of refs */
    uint32_t payload;     /* struct payload bytes */
    uint32_t nref;
    uint32_t roff[8];
} tinfo;

static tinfo T[NTYPES];

static void add_struct(gcp_types *types, tinfo *t, uint32_t payload, const uint32_t *offs,
                       uint32_t n)
{
    t->array = false;
    t->payload = payload;
    t->nref = n;
    memcpy(t->roff, offs, n * sizeof *offs);
    if (gcp_types_add_struct(types, payload, offs, n, &t->idx) != GCP_OK)
        die("gcp_types_add_struct refused a valid struct");
}

static void add_array(gcp_types *types, tinfo *t, uint32_t elem, bool refs)
{
    t->array = true;
    t->elem = elem;
    t->refs = refs;
    t->nref = 0;
    if (gcp_types_add_array(types, elem, refs, &t->idx) != GCP_OK)
        die("gcp_types_add_array refused a valid array");
}

static const tinfo *type_of(uint32_t idx)
{
    for (int i = 0; i < NTYPES; i++)
        if (T[i].idx == idx)
            return &T[i];
    return NULL;
}

/* ---------------------------------------------------------------- stores */

typedef struct fstore {
    gcp_store *s;          /* NULL: closed */
    gcp_heap *h;
    gcp_hostdata *t;
    gcp_roots *roots;
    gcp_ref hr[NH];        /* non-stack roots (owned references) */
    uint64_t hs[NS];       /* stack roots (uncounted copies, any r64) */
    int epoch;
    gcp_collection *gc;
    bool gc_active;        /* started, not yet complete or failed */
    bool scribbled;        /* the guest wrote raw bytes */
    size_t gc_slices;      /* slices of the collection in progress */
} fstore;

static fstore S[2];
static int epochs;
static gcp_pool *pool;
static uint32_t num_slots;
static gcp_collector collector;
static long allocs, slices, churns;
/* GCP_FUZZ_SKIP_KNOWN=1 steers around the defects of issue 10 (ids not
 * bound to their externref, stores freed or roots lists changed in the
 * middle of a collection, stale collection handles), to look further. */
static bool skip_known;
/* GCP_FUZZ_TRACE=1 prints each operation and status (to read a reproducer). */
static bool trace;
static gcp_collection *stale;      /* handle of a collection whose store was freed */
static gcp_heap *stale_heap;       /* the heap it ran on */

static void check_zero(const fstore *f, const char *when)
{
    const uint8_t *b = gcp_heap_base(f->h);
    size_t n = gcp_heap_bound(f->h), i = 0;
    /* Word by word (the bound is a multiple of the page size), then the
     * first non-zero byte. */
    for (uint64_t w; i + 8 <= n; i += 8) {
        memcpy(&w, b + i, 8);
        if (w != 0)
            break;
    }
    for (; i < n; i++)
        if (b[i] != 0)
            die("%s: byte %zu of %zu of a fresh heap reads %#x", when, i, n, b[i]);
}

static void check_status(const char *what, gcp_status s)
{
    if (s < GCP_ESTALEREF || s > GCP_NEED_GC)
        die("%s returned %d, not a gcp_status", what, (int)s);
}

/* A mutator operation's status, given the heap's state before it. */
static void mut(fstore *f, const char *what, gcp_status s, bool was_poisoned, bool was_busy)
{
    check_status(what, s);
    if (trace)
        fprintf(stderr, "  %s -> %s\n", what, gcp_strerror(s));
    bool p = gcp_heap_is_poisoned(f->h);
    if ((s == GCP_ECORRUPT || s == GCP_EPOISONED) && !p)
        die("%s returned %s and the heap is not poisoned", what, gcp_strerror(s));
    if (s == GCP_OK && was_poisoned)
        die("%s succeeded on a poisoned heap", what);
    if (s == GCP_OK && was_busy)
        die("%s succeeded during a collection", what);
    if (s == GCP_ECORRUPT && f->gc_active)
        die("%s returned GCP_ECORRUPT during a collection (GCP_EBUSY expected)", what);
}

#define MUT(f, what, expr)                                                   \
    ({                                                                       \
        bool p__ = gcp_heap_is_poisoned((f)->h), b__ = (f)->gc_active;        \
        gcp_status s__ = (expr);                                             \
        mut((f), (what), s__, p__, b__);                                     \
        s__;                                                                 \
    })

static void store_open(fstore *f)
{
    gcp_status s = gcp_store_new(pool, &f->s);
    check_status("gcp_store_new", s);
    if (s != GCP_OK) {
        f->s = NULL;
        if (s != GCP_EEXHAUSTED)
            die("gcp_store_new: %s with a free slot", gcp_strerror(s));
        return;
    }
    f->h = gcp_store_heap(f->s);
    f->t = gcp_store_hostdata(f->s);
    f->roots = gcp_store_roots(f->s);
    f->epoch = ++epochs;
    f->gc = NULL;
    f->gc_active = false;
    f->scribbled = false;
    f->gc_slices = 0;
    if (gcp_heap_is_poisoned(f->h))
        die("a fresh heap is poisoned");
    if (gcp_roots_count(f->roots) != 0)
        die("a fresh store's roots list is not empty");
    if (gcp_hostdata_count(f->t) != 0)
        die("a fresh store's host-data table is not empty");
    check_zero(f, "after acquire");
    for (int i = 0; i < NH; i++) {
        f->hr[i] = GCP_REF_NULL;
        if (gcp_roots_add(f->roots, &f->hr[i]) != GCP_OK)
            die("gcp_roots_add failed");
    }
    for (int i = 0; i < NS; i++) {
        f->hs[i] = 0;
        if (gcp_roots_add_stack(f->roots, &f->hs[i]) != GCP_OK)
            die("gcp_roots_add_stack failed");
    }
}

static void store_close(fstore *f)
{
    if (!f->s)
        return;
    if (f->gc_active) {
        stale = f->gc;
        stale_heap = f->h;
    }
    gcp_status s = gcp_store_free(f->s);
    check_status("gcp_store_free", s);
    if (s != GCP_OK)
        die("gcp_store_free: %s", gcp_strerror(s));
    f->s = NULL;
    f->gc_active = false;
    for (int i = 0; i < nd; i++)
        if (D[i].epoch == f->epoch && D[i].inserted && D[i].fin != 1)
            die("datum %d of a freed store was finalized %d times", i, D[i].fin);
}

/* ---------------------------------------------------------------- collections */

static size_t slice_cap(const fstore *f)
{
    /* A unit is about one object, ref slot, root or swept block, and a slice
     * does at least one: this is far more than any collection needs. */
    return gcp_heap_bound(f->h) + 8 * gcp_roots_count(f->roots) + 4096;
}

static void gc_started(fstore *f, gcp_collection *gc)
{
    f->gc = gc;
    f->gc_active = true;
    f->gc_slices = 0;
}

static void gc_slice(fstore *f, int n)
{
    while (f->gc_active && n-- > 0 && slices < MAX_SLICES) {
        gcp_progress p = GCP_CONTINUE;
        gcp_status s = gcp_collection_step(f->gc, &p);
        slices++;
        check_status("gcp_collection_step", s);
        if (trace && (s != GCP_OK || p == GCP_COMPLETE))
            fprintf(stderr, "  collection ends after %zu slices: %s%s\n", f->gc_slices + 1,
                    gcp_strerror(s), s == GCP_OK ? " (complete)" : "");
        if ((s == GCP_ECORRUPT || s == GCP_EPOISONED) && !gcp_heap_is_poisoned(f->h))
            die("gcp_collection_step returned %s and the heap is not poisoned",
                gcp_strerror(s));
        if (s != GCP_OK || p == GCP_COMPLETE) {
            f->gc_active = false;
            break;
        }
        if (++f->gc_slices > slice_cap(f))
            die("collection still running after %zu slices (bound %zu)", f->gc_slices,
                gcp_heap_bound(f->h));
    }
}

static void gc_start(fstore *f)
{
    if (f->gc_active)
        return;
    gcp_collection *gc = NULL;
    gcp_status s = MUT(f, "gcp_heap_gc_start", gcp_heap_gc_start(f->h, f->roots, f->t, &gc));
    if (s == GCP_OK)
        gc_started(f, gc);
}

static void gc_full(fstore *f)
{
    gc_start(f);
    gc_slice(f, 1 << 30);
}

/* Steps the handle of a collection whose store was freed: any status, but
 * no hang and no crash.  When the slot's heap is in a new collection of an
 * open store, the handle is that collection's too: left alone then. */
static void step_stale(int n)
{
    if (!stale)
        return;
    for (int k = 0; k < 2; k++)
        if (S[k].s && S[k].h == stale_heap && S[k].gc_active)
            return;
    for (int i = 0; i < n; i++) {
        gcp_progress p;
        check_status("gcp_collection_step (freed store)", gcp_collection_step(stale, &p));
    }
}

/* ---------------------------------------------------------------- operations */

static gcp_ref pick_value(fstore *f, reader *r)
{
    uint8_t b = u8(r);
    switch (b & 3) {
    case 0:
        return GCP_REF_NULL;
    case 1:
        return gcp_ref_i31_wrap((int32_t)u16(r));
    case 2:
        return f->hr[(b >> 2) % NH];
    default:
        return (b & 4) ? (gcp_ref)u32(r) : (gcp_ref)(u8(r) * 8u);
    }
}

static const tinfo *handle_type(fstore *f, gcp_ref ref)
{
    gcp_header h;
    if (!gcp_ref_is_heap(ref) || f->gc_active)
        return NULL;
    if (MUT(f, "gcp_heap_header", gcp_heap_header(f->h, ref, &h)) != GCP_OK)
        return NULL;
    if (h.kind != GCP_KIND_EXTERNREF && h.kind != GCP_KIND_STRUCT && h.kind != GCP_KIND_ARRAY)
        die("gcp_heap_header gave kind %d for a validated object", (int)h.kind);
    if (h.kind == GCP_KIND_EXTERNREF)
        return NULL;
    const tinfo *t = type_of(h.type_index);
    if (!t)
        die("gcp_heap_header gave type index %u, never registered", h.type_index);
    if (t->array != (h.kind == GCP_KIND_ARRAY))
        die("gcp_heap_header gave a kind that does not match type %u", h.type_index);
    return t;
}

static gcp_status alloc_retry(fstore *f, bool retry, const char *what,
                              gcp_status (*fn)(fstore *, void *, gcp_ref *), void *arg,
                              gcp_ref *out)
{
    gcp_status s = MUT(f, what, fn(f, arg, out));
    if (s == GCP_NEED_GC && retry && !f->gc_active) {
        gc_full(f);
        s = MUT(f, what, fn(f, arg, out));
    }
    return s;
}

typedef struct alloc_req {
    const tinfo *t;
    uint32_t len;
} alloc_req;

static gcp_status do_alloc_obj(fstore *f, void *arg, gcp_ref *out)
{
    const alloc_req *q = arg;
    return q->t->array ? gcp_heap_alloc_array(f->h, q->t->idx, q->len, out)
                       : gcp_heap_alloc_struct(f->h, q->t->idx, out);
}

static gcp_status do_alloc_extern(fstore *f, void *arg, gcp_ref *out)
{
    datum *d = arg;
    d->inserted = true;   /* the finalizer may run inside the call */
    gcp_status s = gcp_store_alloc_externref(f->s, d, count_fin, out);
    if (s != GCP_OK) {
        if (d->fin != 0)
            die("gcp_store_alloc_externref failed (%s) and ran the finalizer",
                gcp_strerror(s));
        d->inserted = false;
    }
    return s;
}

/* Puts a new owned reference into handle k, dropping the old one. */
static void set_handle(fstore *f, int k, gcp_ref r)
{
    if (gcp_ref_is_heap(f->hr[k]))
        MUT(f, "gcp_heap_drop_ref", gcp_heap_drop_ref(f->h, f->t, f->hr[k]));
    f->hr[k] = r;
}

static void op_alloc(fstore *f, reader *r, uint8_t op)
{
    uint8_t a = u8(r), b = u8(r);
    int k = (a & 0x7f) % NH;
    bool retry = (a & 0x80) != 0;
    if (allocs >= MAX_ALLOCS)
        return;
    allocs++;
    gcp_ref out = 0;
    gcp_status s;
    if (op & 1) {
        if (nd >= MAXD)
            return;
        datum *d = &D[nd++];
        d->epoch = f->epoch;
        s = alloc_retry(f, retry, "gcp_store_alloc_externref", do_alloc_extern, d, &out);
        if (s == GCP_OK) {
            d->ref = out;
            if (gcp_heap_externref_host_data(f->h, out, &d->id) != GCP_OK)
                die("gcp_heap_externref_host_data refused a fresh externref");
        }
    } else {
        alloc_req q = {.t = &T[b % NTYPES], .len = 0};
        if (q.t->array) {
            uint8_t l = u8(r);
            q.len = (l & 0x80) ? (uint32_t)(l & 0x7f) * 32u : l;
        }
        s = alloc_retry(f, retry, "gcp_heap_alloc", do_alloc_obj, &q, &out);
    }
    if (s == GCP_OK)
        set_handle(f, k, out);
}

/* The inline array paths against the exported functions, as read_both. */
static gcp_status array_get_ref_both(fstore *f, gcp_ref arr, uint32_t idx, gcp_ref *out)
{
    gcp_status s = gcp_array_get_ref(f->h, arr, idx, out);
    if (s == GCP_OK) {
        gcp_ref again;
        gcp_status s2 = (gcp_array_get_ref)(f->h, arr, idx, &again);
        if (s2 != GCP_OK || again != *out)
            die("inline gcp_array_get_ref accepted, the library says %s", gcp_strerror(s2));
    }
    return s;
}

static gcp_status array_length_both(fstore *f, gcp_ref arr, uint32_t *out)
{
    gcp_status s = gcp_array_length(f->h, arr, out);
    if (s == GCP_OK) {
        uint32_t again;
        gcp_status s2 = (gcp_array_length)(f->h, arr, &again);
        if (s2 != GCP_OK || again != *out)
            die("inline gcp_array_length accepted, the library says %s", gcp_strerror(s2));
    }
    return s;
}

/* A ref field of handle a's object gets handle b's ref, then fresh leaves
 * fill an array (the shape that overflows a grey stack without checks). */
static void op_fill(fstore *f, reader *r)
{
    int a = u8(r) % NH;
    uint32_t n = u16(r) % 1024;
    const tinfo *t = handle_type(f, f->hr[a]);
    if (!t || !t->array || !t->refs)
        return;
    uint32_t len;
    if (MUT(f, "gcp_array_length", array_length_both(f, f->hr[a], &len)) != GCP_OK)
        return;
    if (n > len)
        n = len;
    for (uint32_t i = 0; i < n && allocs < MAX_ALLOCS; i++) {
        gcp_ref leaf;
        allocs++;
        if (MUT(f, "gcp_heap_alloc_struct", gcp_heap_alloc_struct(f->h, T[0].idx, &leaf)) != GCP_OK)
            return;
        gcp_status s = MUT(f, "gcp_array_set_ref", gcp_array_set_ref(f->h, f->t, f->hr[a], i, leaf));
        MUT(f, "gcp_heap_drop_ref", gcp_heap_drop_ref(f->h, f->t, leaf));
        if (s != GCP_OK)
            return;
    }
}

/* The header's inline fast paths against the exported functions: what
 * the inline code accepts, the library must accept with the same result
 * (a read changes nothing; a refusal already came from the library). */
static gcp_status read_both(fstore *f, gcp_ref obj, uint32_t off, uint8_t *out, size_t len)
{
    gcp_status s = gcp_struct_read(f->h, obj, off, out, len);
    if (s == GCP_OK) {
        uint8_t again[16];
        gcp_status s2 = (gcp_struct_read)(f->h, obj, off, again, len);
        if (s2 != GCP_OK || memcmp(again, out, len) != 0)
            die("inline gcp_struct_read accepted, the library says %s", gcp_strerror(s2));
    }
    return s;
}

static gcp_status get_ref_both(fstore *f, gcp_ref obj, uint32_t off, gcp_ref *out)
{
    gcp_status s = gcp_struct_get_ref(f->h, obj, off, out);
    if (s == GCP_OK) {
        gcp_ref again;
        gcp_status s2 = (gcp_struct_get_ref)(f->h, obj, off, &again);
        if (s2 != GCP_OK || again != *out)
            die("inline gcp_struct_get_ref accepted, the library says %s", gcp_strerror(s2));
    }
    return s;
}

/* A ref store accepted inline is accepted again by the library (without
 * a barrier, storing the same value twice changes nothing; DRC heaps
 * never take the inline store). */
static gcp_status set_ref_both(fstore *f, gcp_ref obj, uint32_t off, gcp_ref v)
{
    gcp_status s = gcp_struct_set_ref(f->h, f->t, obj, off, v);
    if (s == GCP_OK && collector != GCP_COLLECTOR_DRC) {
        gcp_status s2 = (gcp_struct_set_ref)(f->h, f->t, obj, off, v);
        if (s2 != GCP_OK)
            die("inline gcp_struct_set_ref accepted, the library says %s", gcp_strerror(s2));
    }
    return s;
}

static void op_struct(fstore *f, reader *r)
{
    uint8_t a = u8(r), sel = u8(r);
    gcp_ref obj = f->hr[a % NH];
    const tinfo *t = handle_type(f, obj);
    uint32_t off = u8(r);
    if (t && !t->array && t->nref > 0 && (sel & 0x80) == 0)
        off = t->roff[off % t->nref];
    switch (sel & 3) {
    case 0: {
        gcp_ref v = pick_value(f, r);
        gcp_status s = MUT(f, "gcp_struct_set_ref", set_ref_both(f, obj, off, v));
        if (s == GCP_OK) {
            gcp_ref back;
            gcp_status g = MUT(f, "gcp_struct_get_ref", get_ref_both(f, obj, off, &back));
            if (g == GCP_OK && back != v)
                die("struct ref field reads %#x after set_ref of %#x", back, v);
            if (g != GCP_OK && !f->scribbled && collector != GCP_COLLECTOR_DRC)
                die("struct get_ref after a successful set_ref: %s", gcp_strerror(g));
        }
        break;
    }
    case 1: {
        gcp_ref v;
        int k = (sel >> 2) % NH;
        if (MUT(f, "gcp_struct_get_ref", get_ref_both(f, obj, off, &v)) == GCP_OK &&
            MUT(f, "gcp_heap_clone_ref", gcp_heap_clone_ref(f->h, v, &v)) == GCP_OK)
            set_handle(f, k, v);
        break;
    }
    default: {
        uint8_t buf[16], back[16];
        size_t len = 1 + u8(r) % 16;
        for (size_t i = 0; i < len; i++)
            buf[i] = u8(r);
        if ((sel & 3) == 2) {
            MUT(f, "gcp_struct_read", read_both(f, obj, off, back, len));
            break;
        }
        if (MUT(f, "gcp_struct_write", gcp_struct_write(f->h, obj, off, buf, len)) == GCP_OK) {
            if (MUT(f, "gcp_struct_read", read_both(f, obj, off, back, len)) != GCP_OK)
                die("struct_read refused what struct_write accepted");
            if (memcmp(buf, back, len) != 0)
                die("struct_write not read back");
        }
        break;
    }
    }
}

static void op_array(fstore *f, reader *r)
{
    uint8_t a = u8(r), sel = u8(r);
    gcp_ref arr = f->hr[a % NH];
    uint32_t idx = u16(r);
    uint32_t len = 0;
    const tinfo *t = handle_type(f, arr);
    if (MUT(f, "gcp_array_length", array_length_both(f, arr, &len)) == GCP_OK) {
        if (t && t->array && (uint64_t)arr + 24 + (uint64_t)len * t->elem > gcp_heap_bound(f->h))
            die("array length %u at %#x runs past the bound", len, arr);
        if (len && (sel & 0x80) == 0)
            idx %= len;
    }
    switch (sel & 3) {
    case 0: {
        gcp_ref v = pick_value(f, r);
        gcp_status s = MUT(f, "gcp_array_set_ref", gcp_array_set_ref(f->h, f->t, arr, idx, v));
        if (s == GCP_OK) {
            gcp_ref back;
            gcp_status g = MUT(f, "gcp_array_get_ref", array_get_ref_both(f, arr, idx, &back));
            if (g == GCP_OK && back != v)
                die("array ref element reads %#x after set_ref of %#x", back, v);
            if (g != GCP_OK && !f->scribbled && collector != GCP_COLLECTOR_DRC)
                die("array get_ref after a successful set_ref: %s", gcp_strerror(g));
        }
        break;
    }
    case 1: {
        gcp_ref v;
        int k = (sel >> 2) % NH;
        if (MUT(f, "gcp_array_get_ref", array_get_ref_both(f, arr, idx, &v)) == GCP_OK &&
            MUT(f, "gcp_heap_clone_ref", gcp_heap_clone_ref(f->h, v, &v)) == GCP_OK)
            set_handle(f, k, v);
        break;
    }
    default: {
        uint8_t buf[8], back[8];
        for (int i = 0; i < 8; i++)
            buf[i] = u8(r);
        if ((sel & 3) == 2) {
            MUT(f, "gcp_array_read", gcp_array_read(f->h, arr, idx, back));
            break;
        }
        if (MUT(f, "gcp_array_write", gcp_array_write(f->h, arr, idx, buf)) == GCP_OK) {
            if (MUT(f, "gcp_array_read", gcp_array_read(f->h, arr, idx, back)) != GCP_OK)
                die("array_read refused what array_write accepted");
            if (t && memcmp(buf, back, t->elem) != 0)
                die("array_write not read back");
        }
        break;
    }
    }
}

static void op_barrier(fstore *f, reader *r)
{
    uint8_t a = u8(r), b = u8(r);
    int i = (a & 15) % NH, k = b % NH;
    gcp_ref v;
    switch ((a >> 4) % 5) {
    case 0:   /* clone */
        if (MUT(f, "gcp_heap_clone_ref", gcp_heap_clone_ref(f->h, f->hr[i], &v)) == GCP_OK)
            set_handle(f, k, v);
        break;
    case 1:   /* drop */
        if (MUT(f, "gcp_heap_drop_ref", gcp_heap_drop_ref(f->h, f->t, f->hr[i])) == GCP_OK)
            f->hr[i] = GCP_REF_NULL;
        break;
    case 2:   /* write: hr[k] = hr[i] */
        MUT(f, "gcp_heap_write_ref", gcp_heap_write_ref(f->h, f->t, &f->hr[k], &f->hr[i]));
        break;
    case 3:
        MUT(f, "gcp_heap_expose_ref", gcp_heap_expose_ref(f->h, f->hr[i]));
        break;
    default:
        (void)gcp_heap_need_gc_before_entering_wasm(f->h, 1 + b);
        break;
    }
}

static void op_stack(fstore *f, reader *r)
{
    uint8_t a = u8(r);
    int k = (a & 7) % NS;
    switch ((a >> 3) & 3) {
    case 0:
        f->hs[k] = gcp_ref_to_r64(f->hr[(a >> 5) % NH]);
        break;
    case 1:
        f->hs[k] = 0;
        break;
    case 2:
        f->hs[k] = u32(r);
        break;
    default:
        f->hs[k] = (uint64_t)u32(r) << 32 | u32(r);
        break;
    }
}

/* The roots list shrinks to its first n entries, or is rebuilt. */
static void op_roots(fstore *f, reader *r)
{
    uint8_t a = u8(r);
    size_t n = a % (NH + NS + 1);
    if (skip_known && f->gc_active)
        return;
    gcp_roots_clear(f->roots);
    for (size_t i = 0; i < n && i < NH + NS; i++) {
        gcp_status s = i < NH ? gcp_roots_add(f->roots, &f->hr[i])
                              : gcp_roots_add_stack(f->roots, &f->hs[i - NH]);
        if (s != GCP_OK)
            die("gcp_roots_add failed");
    }
}

/* Guest writes, anywhere below the bound. */
static void op_scribble(fstore *f, reader *r)
{
    uint8_t *base = gcp_heap_base(f->h);
    size_t bound = gcp_heap_bound(f->h);
    uint8_t a = u8(r);
    if (bound < 64)
        return;
    f->scribbled = true;
    switch (a & 3) {
    case 0: {   /* a byte anywhere */
        size_t off = (size_t)u32(r) % bound;
        base[off] = u8(r);
        break;
    }
    case 1: {   /* a word in or near an object */
        gcp_ref obj = f->hr[(a >> 2) % NH];
        size_t off = (size_t)obj + (u8(r) & ~3u);
        uint32_t v;
        switch (u8(r) & 3) {
        case 0:
            v = u8(r);
            break;
        case 1:
            v = f->hr[u8(r) % NH];
            break;
        case 2:
            v = u16(r);
            break;
        default:
            v = u32(r);
            break;
        }
        if (off + 4 <= bound)
            memcpy(base + off, &v, 4);
        break;
    }
    case 2: {   /* copy between objects (headers, ids, counts) */
        size_t from = (size_t)f->hr[(a >> 2) % NH] + (u8(r) & ~3u);
        size_t to = (size_t)f->hr[u8(r) % NH] + (u8(r) & ~3u);
        size_t len = 4u << (u8(r) % 3);
        if (from + len <= bound && to + len <= bound)
            memmove(base + to, base + from, len);
        break;
    }
    default: {  /* a fill */
        size_t off = (size_t)u32(r) % bound;
        size_t len = 1 + u8(r) % 64;
        if (off + len > bound)
            len = bound - off;
        memset(base + off, u8(r), len);
        break;
    }
    }
}

static void op_externref_data(fstore *f, reader *r)
{
    gcp_ref ref = f->hr[u8(r) % NH];
    void *p = NULL;
    uint32_t id;
    bool have_id = MUT(f, "gcp_heap_externref_host_data",
                       gcp_heap_externref_host_data(f->h, ref, &id)) == GCP_OK;
    if (MUT(f, "gcp_store_externref_data", gcp_store_externref_data(f->s, ref, &p)) != GCP_OK)
        return;
    uintptr_t at = (uintptr_t)p, lo = (uintptr_t)D;
    if (at < lo || at >= lo + sizeof D || (at - lo) % sizeof *D != 0)
        die("gcp_store_externref_data gave %p, a pointer the host never stored", p);
    datum *d = p;
    if (d->epoch != f->epoch)
        die("gcp_store_externref_data gave datum %d of another store", (int)(d - D));
    if (d->fin != 0)
        die("gcp_store_externref_data gave datum %d, already finalized", (int)(d - D));
    if (collector == GCP_COLLECTOR_COMPACT) {
        /* Externrefs move: the datum must be the one of the id the
         * externref holds (which the lookup checked is bound to it). */
        if (have_id && d->id != id)
            die("gcp_store_externref_data for the externref at %#x (id %#x) gave datum %d, "
                "stored for id %#x", ref, id, (int)(d - D), d->id);
    } else if (d->ref != ref && !skip_known)
        die("gcp_store_externref_data for the externref at %#x gave datum %d, stored for %#x",
            ref, (int)(d - D), d->ref);
}

/* Inserts and removes an entry of the store's table, n times (1..2048: the
 * same entry comes back each time, with its generation bumped). */
static void op_churn(fstore *f, reader *r)
{
    int n = 1 + u16(r) % 2048;
    for (int i = 0; i < n && churns < MAX_CHURN && nd < MAXD; i++, churns++) {
        datum *d = &D[nd++];
        uint32_t id;
        d->epoch = f->epoch;
        d->inserted = true;
        gcp_status s = gcp_hostdata_insert(f->t, d, count_fin, &id);
        check_status("gcp_hostdata_insert", s);
        if (s != GCP_OK) {
            d->inserted = false;
            return;
        }
        if (gcp_hostdata_remove(f->t, id) != GCP_OK)
            die("gcp_hostdata_remove refused the id just inserted");
        if (d->fin != 1)
            die("gcp_hostdata_remove did not finalize");
    }
}

/* ---------------------------------------------------------------- bulk operations */

#define BULK_MAX 256   /* elements of a host buffer */
#define BULK_REFS 16   /* ref values read from the input per buffer */

/* A host buffer of n elements of t's width: refs picked like any value
 * (null, i31, a handle or a forged ref; the first BULK_REFS from the
 * input, then repeated), scalars a pattern from one input byte. */
static void bulk_buf(fstore *f, reader *r, const tinfo *t, uint32_t n, uint8_t *buf)
{
    if (t->refs) {
        gcp_ref v[BULK_REFS];
        uint32_t m = n < BULK_REFS ? n : BULK_REFS;
        for (uint32_t i = 0; i < m; i++)
            v[i] = pick_value(f, r);
        for (uint32_t i = 0; i < n; i++)
            memcpy(buf + 4 * i, &v[i % (m ? m : 1)], 4);
        return;
    }
    uint8_t seed = u8(r);
    for (uint32_t i = 0; i < n * t->elem; i++)
        buf[i] = (uint8_t)(seed + i * 37u);
}

/* An array type of the registry, chosen by b. */
static const tinfo *array_type(uint8_t b)
{
    static const int arrays[] = {1, 2, 3, 5};
    return &T[arrays[b % 4]];
}

/* A struct type of the registry, chosen by b. */
static const tinfo *struct_type(uint8_t b)
{
    static const int structs[] = {0, 4, 6};
    return &T[structs[b % 3]];
}

typedef struct bulk_req {
    int fn;              /* 0 struct_init, 1 array_fill, 2 array_copy */
    const tinfo *t;
    uint32_t len;
    const uint8_t *buf;
    size_t bytes;
} bulk_req;

static gcp_status do_alloc_bulk(fstore *f, void *arg, gcp_ref *out)
{
    const bulk_req *q = arg;
    switch (q->fn) {
    case 0: return gcp_heap_alloc_struct_init(f->h, q->t->idx, q->buf, q->bytes, out);
    case 1: return gcp_heap_alloc_array_fill(f->h, q->t->idx, q->len, q->buf, out);
    default: return gcp_heap_alloc_array_copy(f->h, q->t->idx, q->len, q->buf, q->bytes, out);
    }
}

static gcp_status do_alloc_bulk_gc(fstore *f, void *arg, gcp_ref *out)
{
    const bulk_req *q = arg;
    switch (q->fn) {
    case 0: return gcp_store_alloc_struct_init_gc(f->s, q->t->idx, q->buf, q->bytes, out);
    case 1: return gcp_store_alloc_array_fill_gc(f->s, q->t->idx, q->len, q->buf, out);
    default:
        return gcp_store_alloc_array_copy_gc(f->s, q->t->idx, q->len, q->buf, q->bytes, out);
    }
}

/* Allocation with initial contents, at the heap level (retried after a
 * collection when the input says so) or through the store's _gc variant
 * (never during a collection of the driver's own: that one collects). */
static void bulk_alloc(fstore *f, reader *r, uint8_t a)
{
    uint8_t b = u8(r), c = u8(r);
    int k = (b & 0x7f) % NH;
    if (allocs >= MAX_ALLOCS)
        return;
    allocs++;
    static uint8_t buf[BULK_MAX * 8];
    bulk_req q = {.fn = ((a >> 3) & 3) % 3, .buf = buf};
    if (q.fn == 0) {
        q.t = struct_type(c);
        q.bytes = q.t->payload;
        tinfo bytes = {.elem = 1};
        bulk_buf(f, r, &bytes, q.bytes, buf);
        for (uint32_t i = 0; i < q.t->nref; i++) {
            gcp_ref v = pick_value(f, r);
            memcpy(buf + q.t->roff[i], &v, 4);
        }
        /* A short or long image now and then. */
        if (c & 0x80)
            q.bytes += (c & 0x40) ? 1 : (size_t)-1;
    } else {
        q.t = array_type(c);
        q.len = (uint32_t)u8(r) % BULK_MAX;
        bulk_buf(f, r, q.t, q.fn == 1 ? 1 : q.len, buf);
        q.bytes = (size_t)q.len * q.t->elem - ((c & 0x80) ? 1 : 0);
        if (q.len == 0 && (c & 0x80))
            q.bytes = 0;
    }
    gcp_ref out = 0;
    gcp_status s;
    if ((a & 0x40) && !f->gc_active)
        s = MUT(f, "gcp_store_alloc_*_gc (bulk)", do_alloc_bulk_gc(f, &q, &out));
    else
        s = alloc_retry(f, (b & 0x80) != 0, "gcp_heap_alloc_* (bulk)", do_alloc_bulk, &q, &out);
    if (s == GCP_OK)
        set_handle(f, k, out);
}

/* Fill, copy and range reads and writes on handles; before any guest write
 * a scalar result must read back as the operation left it. */
static void bulk_access(fstore *f, reader *r, uint8_t a)
{
    uint8_t b = u8(r), c = u8(r);
    gcp_ref arr = f->hr[b % NH], src = f->hr[c % NH];
    uint32_t idx = u8(r), n = u8(r), sidx = u8(r);
    uint32_t len = 0;
    const tinfo *t = handle_type(f, arr);
    if ((a & 0x40) == 0 && t && t->array &&
        MUT(f, "gcp_array_length", array_length_both(f, arr, &len)) == GCP_OK) {
        /* Mostly in range; the input may ask for anything. */
        idx = len ? idx % (len + 1) : 0;
        n = n % (len - idx + 1);
    }
    if (a & 0x20) {
        idx = u32(r);
        n = u32(r);
    }
    static uint8_t buf[BULK_MAX * 8], back[BULK_MAX * 8];
    uint32_t bn = n < BULK_MAX ? n : BULK_MAX;
    size_t bytes = (size_t)bn * 8;
    const tinfo *bt = t && t->array ? t : &T[3];
    bool check = t && t->array && !t->refs && !f->scribbled && !f->gc_active;
    switch ((a >> 3) & 3) {
    case 0: {   /* fill */
        bulk_buf(f, r, bt, 1, buf);
        gcp_status s = MUT(f, "gcp_array_fill", gcp_array_fill(f->h, f->t, arr, idx, n, buf));
        if (s == GCP_OK && check && n > 0) {
            if (MUT(f, "gcp_array_read", gcp_array_read(f->h, arr, idx + n - 1, back)) != GCP_OK)
                die("array_read refused an element array_fill wrote");
            if (memcmp(back, buf, t->elem) != 0)
                die("array_fill not read back");
        }
        break;
    }
    case 1: {   /* copy from src */
        const tinfo *st = handle_type(f, src);
        bool model = check && st && st->array && st->elem == t->elem && !st->refs && bn == n &&
                     MUT(f, "gcp_array_read_range",
                         gcp_array_read_range(f->h, src, sidx, n, back, bytes)) == GCP_OK;
        gcp_status s = MUT(f, "gcp_array_copy",
                           gcp_array_copy(f->h, f->t, arr, idx, src, sidx, n));
        if (s == GCP_OK && model) {
            if (MUT(f, "gcp_array_read_range",
                    gcp_array_read_range(f->h, arr, idx, n, buf, bytes)) != GCP_OK)
                die("array_read_range refused what array_copy wrote");
            if (memcmp(buf, back, (size_t)n * t->elem) != 0)
                die("array_copy: destination differs from the source read before");
        }
        break;
    }
    case 2:     /* read */
        MUT(f, "gcp_array_read_range",
            gcp_array_read_range(f->h, arr, idx, n, buf, (c & 0x80) ? bytes / 2 : bytes));
        break;
    default: {  /* write */
        bulk_buf(f, r, bt, bn, buf);
        gcp_status s = MUT(f, "gcp_array_write_range",
                           gcp_array_write_range(f->h, f->t, arr, idx, n, buf, bytes));
        if (s == GCP_OK && check) {
            if (MUT(f, "gcp_array_read_range",
                    gcp_array_read_range(f->h, arr, idx, n, back, bytes)) != GCP_OK)
                die("array_read_range refused what array_write_range wrote");
            if (memcmp(buf, back, (size_t)n * t->elem) != 0)
                die("array_write_range not read back");
        }
        break;
    }
    }
}

static void op_bulk(fstore *f, reader *r, uint8_t a)
{
    if (a & 1)
        bulk_alloc(f, r, a);
    else
        bulk_access(f, r, a);
}

static void op_nogc(fstore *f, uint8_t a)
{
    if (a & 1) {
        gcp_heap_enter_no_gc(f->h);
    } else {
        gcp_heap_exit_no_gc(f->h);
    }
}

/* Frees the store (whatever it is doing), maybe trims the pool and steps
 * the old collection handle, then takes a slot again. */
static void op_free(int k, reader *r)
{
    fstore *f = &S[k];
    uint8_t a = u8(r);
    stale = NULL;
    if (skip_known)
        gc_slice(f, 1 << 30);
    store_close(f);
    if (skip_known)
        stale = NULL;
    if (a & 1)
        check_status("gcp_pool_trim", gcp_pool_trim(pool));
    if (a & 2)
        step_stale(1 + (a >> 4));
    if (a & 4)
        return;   /* stays closed until an op needs it */
    store_open(f);
    if (f->s && (a & 8)) {
        step_stale(1 + (a >> 4));
        check_zero(f, "after stepping the freed store's collection");
    }
}

static void panic_ignore(const char *message, void *user)
{
    (void)message;
    (void)user;
}

/* ---------------------------------------------------------------- driver */

static void setup(reader *r, gcp_types **types)
{
    uint8_t b0 = u8(r), b1 = u8(r), b2 = u8(r), b3 = u8(r), b4 = u8(r);
    gcp_pool_config c = gcp_pool_config_default();
    collector = (b0 & 16) ? GCP_COLLECTOR_COMPACT : (gcp_collector)(b0 % 3);
    num_slots = 1 + ((b0 >> 2) & 1);
    uint64_t max = (16 * 1024) << (b2 % 5);
    c.collector = collector;
    c.debug = (b0 & 32) != 0;
    c.num_slots = num_slots;
    c.max_heap_bytes = max;
    c.reservation_bytes = max;
    c.guard_bytes = 64 * 1024;
    c.initial_heap_bytes = (b2 & 8) ? max : 4096;
    c.keep_resident_bytes = (b0 & 8) ? 4096 : max;
    c.max_unused_warm_slots = (b2 & 16) ? 0 : 16;
    switch (b1 & 3) {
    case 0:
        c.gc_step_budget = 10000;
        break;
    case 1:
    case 2:
        c.gc_step_budget = 1 + ((b1 >> 2) & 7);
        break;
    default:
        c.gc_step_budget = 1 + (b1 >> 2) * 4u;
        break;
    }
    if (gcp_types_new(types) != GCP_OK)
        die("gcp_types_new failed");
    const uint32_t s0[] = {0, 8}, s4[] = {0};
    add_struct(*types, &T[0], 16, s0, 2);
    add_array(*types, &T[1], 4, true);
    add_array(*types, &T[2], 1, false);
    add_array(*types, &T[3], 8, false);
    add_struct(*types, &T[4], 4, s4, 1);
    add_array(*types, &T[5], 2, false);
    /* One struct from the input: up to 16 words, refs where b4 says. */
    uint32_t words = 1 + b3 % 16, offs[8], n = 0;
    for (uint32_t i = 0; i < 8 && i < words; i++)
        if (b4 & (1u << i))
            offs[n++] = 4 * i;
    add_struct(*types, &T[6], 4 * words, offs, n);
    c.types = *types;
    gcp_status s = gcp_pool_new(&c, &pool);
    if (s != GCP_OK)
        die("gcp_pool_new refused a valid configuration: %s", gcp_strerror(s));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The step clock (lib/gc.c reads it between slices of a step with a time
 * budget): 300 us more at every read, so a step of the default 500 us and
 * 10000 units does two slices whatever the machine, and an input replays
 * the same. */
static uint64_t fuzz_now;
static uint64_t fuzz_clock(void) { return fuzz_now += 300000; }

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    reader in = {.p = data, .n = size, .i = 0};
    reader *r = &in;
    gcp_types *types = NULL;
    const char *sk = getenv("GCP_FUZZ_SKIP_KNOWN");
    skip_known = sk && *sk == '1';
    const char *tr = getenv("GCP_FUZZ_TRACE");
    trace = tr && *tr == '1';
    gcp_set_panic_handler(panic_ignore, NULL);
    fuzz_now = 0;
    gcp__step_clock = fuzz_clock;
    memset(D, 0, (size_t)nd * sizeof *D);
    memset(S, 0, sizeof S);
    nd = 0;
    epochs = 0;
    allocs = slices = churns = 0;
    stale = NULL;
    stale_heap = NULL;
    setup(r, &types);
    store_open(&S[0]);
    for (int ops = 0; ops < MAX_OPS && r->i < r->n; ops++) {
        uint8_t op = u8(r);
        int k = (num_slots > 1 && (op & 0x80)) ? 1 : 0;
        fstore *f = &S[k];
        op &= 0x7f;
        if (trace)
            fprintf(stderr, "op %d: store %d opcode %d (%d) at byte %zu\n", ops, k, op, op % 20,
                    r->i - 1);
        if (!f->s) {
            store_open(f);
            if (!f->s)
                continue;
        }
        switch (op % 20) {
        case 0:
        case 1:
        case 2:
        case 3:
            op_alloc(f, r, op);
            break;
        case 4:
            op_fill(f, r);
            break;
        case 5:
        case 6:
            op_struct(f, r);
            break;
        case 7:
        case 8:
            op_array(f, r);
            break;
        case 9:
            op_barrier(f, r);
            break;
        case 10:
            op_stack(f, r);
            break;
        case 11:
            op_roots(f, r);
            break;
        case 12:
        case 13:
            op_scribble(f, r);
            break;
        case 14:
            gc_start(f);
            break;
        case 15:
            gc_slice(f, 1 + u8(r) % 32);
            break;
        case 16:
            gc_full(f);
            break;
        case 17:
            op_free(k, r);
            break;
        case 18:
            if (u8(r) & 1)
                op_churn(f, r);
            else
                op_externref_data(f, r);
            break;
        default: {
            uint8_t a = u8(r);
            if (a & 0x80)
                op_bulk(f, r, a);
            else
                op_nogc(f, a);
            break;
        }
        }
    }
    if (skip_known) {
        gc_slice(&S[0], 1 << 30);
        gc_slice(&S[1], 1 << 30);
    }
    store_close(&S[0]);
    store_close(&S[1]);
    if (!skip_known)
        step_stale(2);
    gcp_status s = gcp_pool_free(pool);
    if (s != GCP_OK)
        die("gcp_pool_free with every store freed: %s", gcp_strerror(s));
    pool = NULL;
    gcp_types_release(types);
    for (int i = 0; i < nd; i++)
        if (D[i].fin != (D[i].inserted ? 1 : 0))
            die("datum %d (inserted %d) finalized %d times", i, D[i].inserted, D[i].fin);
    gcp_set_panic_handler(NULL, NULL);
    return 0;
}

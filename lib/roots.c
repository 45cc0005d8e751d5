/* SPDX-License-Identifier: MIT */
/* The roots list: a bounded vector of borrowed root locations whose storage
 * survives gcp_roots_clear, plus the host's handles, which live in two
 * tables of cells owned by the list.
 *
 * Scoped cells form a stack: cells [0, top) belong to open scopes, a scope
 * remembers the top it was entered at and leaving it moves top back (O(1),
 * nothing else is touched).  Cells past top keep their generation; the
 * next handle given the cell bumps it, so handles of a left scope are
 * refused by index (>= top) until the cell is reused and by generation
 * afterwards.
 *
 * Long-lived cells are handed out from a free list; freeing one bumps its
 * generation at once.  A cell whose generation would wrap is retired
 * instead (reads as GCP_REF_NULL, never handed out again), so no handle
 * ever becomes valid again.
 *
 * Every list has an id of its own, unique in the process (never 0), and a
 * reset gives it a new one: a handle or scope mark names the list it
 * belongs to, so one of another list (or of the list before its reset) is
 * refused whatever its index and generation say. */
#include "lib/roots.h"

#include <stdatomic.h>

#include "gcpool.h"
#include "lib/metadata.h"
#include "lib/vec.h"

/* Bit 31 of a handle's index: a long-lived cell; clear: a scoped one. */
#define LONG_BIT 0x80000000u
#define GEN_LAST (UINT32_MAX - 1)   /* last generation a cell is given */
#define GEN_RETIRED UINT32_MAX      /* the cell is never handed out again */
#define NEXT_LIVE UINT32_MAX        /* long cell in use */
#define NEXT_NONE (UINT32_MAX - 1)  /* end of the free list (or retired) */

typedef struct scoped_cell {
    gcp_ref ref;
    uint32_t gen;           /* of the handle last given this cell */
} scoped_cell;

typedef struct long_cell {
    gcp_ref ref;
    uint32_t gen;           /* of the live handle, or of the next one */
    uint32_t next;          /* NEXT_LIVE, or the next free cell */
} long_cell;

typedef struct open_scope {
    uint64_t serial;        /* increasing with depth */
    size_t top;             /* scoped cells in use when it was entered */
    size_t live;            /* scoped handles live then */
} open_scope;

struct gcp_roots {
    gcp_vec v;              /* of gcp_root */
    uint64_t version;       /* see gcp__roots_version */
    uint64_t id;            /* names this list (and this reset) in handles */
    gcp_vec scoped;         /* of scoped_cell: every cell ever initialised */
    size_t top;             /* scoped cells [0, top) belong to open scopes */
    size_t scoped_live;     /* of those, not retired */
    gcp_vec longs;          /* of long_cell */
    uint32_t free_head;     /* first free long cell, NEXT_NONE for none */
    size_t long_live;
    gcp_vec scopes;         /* of open_scope, innermost last */
    uint64_t next_serial;
};

static atomic_uint_fast64_t last_id;

static uint64_t new_id(void) { return (uint64_t)atomic_fetch_add(&last_id, 1) + 1; }

static void set_limits(gcp_roots *r, size_t limit)
{
    gcp__vec_set_limit(&r->scoped, limit);
    gcp__vec_set_limit(&r->longs, limit);
    gcp__vec_set_limit(&r->scopes, limit);
}

gcp_status gcp_roots_new(gcp_roots **out)
{
    if (!out)
        return GCP_EINVAL;
    gcp_roots *r = gcp__calloc_lines(1, sizeof *r);
    if (!r)
        return GCP_ENOMEM;
    gcp__vec_init(&r->v, sizeof(gcp_root), 0);
    gcp__vec_init(&r->scoped, sizeof(scoped_cell), GCP_ROOTS_MAX_HANDLES);
    gcp__vec_init(&r->longs, sizeof(long_cell), GCP_ROOTS_MAX_HANDLES);
    gcp__vec_init(&r->scopes, sizeof(open_scope), GCP_ROOTS_MAX_HANDLES);
    r->free_head = NEXT_NONE;
    r->id = new_id();
    *out = r;
    return GCP_OK;
}

void gcp_roots_free(gcp_roots *roots)
{
    if (!roots)
        return;
    gcp__vec_free(&roots->v);
    gcp__vec_free(&roots->scoped);
    gcp__vec_free(&roots->longs);
    gcp__vec_free(&roots->scopes);
    gcp__free(roots);
}

gcp_status gcp_roots_set_handle_limit(gcp_roots *roots, size_t limit)
{
    if (!roots || limit == 0 || limit > GCP_ROOTS_MAX_HANDLES)
        return GCP_EINVAL;
    set_limits(roots, limit);
    return GCP_OK;
}

/* ---------------------------------------------------------------- list */

static gcp_status push(gcp_roots *roots, bool on_stack, void *where)
{
    if (!roots || !where)
        return GCP_EINVAL;
    void *slot;
    gcp_status st = gcp__vec_push(&roots->v, &slot);
    if (st != GCP_OK)
        return st;
    *(gcp_root *)slot = (gcp_root){.on_stack = on_stack, .where = where};
    roots->version++;
    return GCP_OK;
}

static gcp_root *root_at(const gcp_roots *roots, size_t i)
{
    return gcp__vec_at(&roots->v, i);
}

gcp_status gcp_roots_add_stack(gcp_roots *roots, uint64_t *r64) { return push(roots, true, r64); }
gcp_status gcp_roots_add(gcp_roots *roots, gcp_ref *ref) { return push(roots, false, ref); }
size_t gcp_roots_count(const gcp_roots *roots) { return roots ? roots->v.n : 0; }
size_t gcp_roots_capacity(const gcp_roots *roots) { return roots ? roots->v.cap : 0; }
uint64_t gcp__roots_version(const gcp_roots *roots) { return roots ? roots->version : 0; }

gcp_status gcp_roots_at(const gcp_roots *roots, size_t i, gcp_root *out)
{
    if (!roots || !out)
        return GCP_EINVAL;
    if (i >= roots->v.n)
        return GCP_EBOUNDS;
    *out = *root_at(roots, i);
    return GCP_OK;
}

gcp_status gcp_roots_get(const gcp_roots *roots, size_t i, gcp_ref *out)
{
    if (!roots || !out)
        return GCP_EINVAL;
    if (i >= roots->v.n)
        return GCP_EBOUNDS;
    const gcp_root *r = root_at(roots, i);
    if (r->on_stack)
        return gcp_ref_from_r64(*(const uint64_t *)r->where, out);
    *out = *(const gcp_ref *)r->where;
    return GCP_OK;
}

static void entry_write(gcp_roots *roots, size_t i, gcp_ref value)
{
    gcp_root *r = root_at(roots, i);
    if (r->on_stack)
        *(uint64_t *)r->where = gcp_ref_to_r64(value);
    else
        *(gcp_ref *)r->where = value;
}

gcp_status gcp_roots_set(gcp_roots *roots, size_t i, gcp_ref value)
{
    if (!roots)
        return GCP_EINVAL;
    if (i >= roots->v.n)
        return GCP_EBOUNDS;
    entry_write(roots, i, value);
    roots->version++;
    return GCP_OK;
}

gcp_status gcp_roots_remove(gcp_roots *roots, size_t i)
{
    if (!roots)
        return GCP_EINVAL;
    if (i >= roots->v.n)
        return GCP_EBOUNDS;
    const gcp_root *last = gcp__vec_pop(&roots->v);
    if (i < roots->v.n)
        *root_at(roots, i) = *last;
    roots->version++;
    return GCP_OK;
}

gcp_status gcp_roots_truncate(gcp_roots *roots, size_t n)
{
    if (!roots)
        return GCP_EINVAL;
    if (n > roots->v.n)
        return GCP_EBOUNDS;
    gcp__vec_truncate(&roots->v, n);
    roots->version++;
    return GCP_OK;
}

void gcp_roots_clear(gcp_roots *roots)
{
    if (!roots)
        return;
    gcp__vec_truncate(&roots->v, 0);
    roots->version++;
}

void gcp_roots_reset(gcp_roots *roots)
{
    if (!roots)
        return;
    gcp__vec_truncate(&roots->v, 0);
    /* The new id makes every handle and mark given out so far foreign, so
     * the cells can start again from scratch. */
    roots->id = new_id();
    gcp__vec_truncate(&roots->scoped, 0);
    roots->top = roots->scoped_live = 0;
    gcp__vec_truncate(&roots->longs, 0);
    roots->free_head = NEXT_NONE;
    roots->long_live = 0;
    gcp__vec_truncate(&roots->scopes, 0);
    set_limits(roots, GCP_ROOTS_MAX_HANDLES);
    roots->version++;
}

/* ---------------------------------------------------------------- scopes */

static open_scope *innermost(const gcp_roots *roots)
{
    return roots->scopes.n ? gcp__vec_at(&roots->scopes, roots->scopes.n - 1) : NULL;
}

gcp_status gcp_roots_scope_enter(gcp_roots *roots, gcp_scope *out)
{
    if (!roots || !out)
        return GCP_EINVAL;
    void *slot;
    gcp_status st = gcp__vec_push(&roots->scopes, &slot);
    if (st != GCP_OK)
        return st;
    open_scope *s = slot;
    *s = (open_scope){.serial = ++roots->next_serial, .top = roots->top,
                      .live = roots->scoped_live};
    *out = (gcp_scope){.list = roots->id, .serial = s->serial};
    return GCP_OK;
}

/* Is serial the serial of a scope still open below the innermost one?
 * Serials increase with depth, so a binary search finds it. */
static bool open_outer(const gcp_roots *roots, uint64_t serial)
{
    size_t lo = 0, hi = roots->scopes.n - 1;   /* the innermost excluded */
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        uint64_t s = ((const open_scope *)gcp__vec_at(&roots->scopes, mid))->serial;
        if (s == serial)
            return true;
        if (s < serial)
            lo = mid + 1;
        else
            hi = mid;
    }
    return false;
}

gcp_status gcp_roots_scope_leave(gcp_roots *roots, gcp_scope scope)
{
    if (!roots)
        return GCP_EINVAL;
    const open_scope *in = innermost(roots);
    if (scope.list != roots->id || !in || scope.serial > in->serial)
        return GCP_ESTALE;
    if (scope.serial != in->serial)
        return open_outer(roots, scope.serial) ? GCP_ESTATE : GCP_ESTALE;
    roots->top = in->top;
    roots->scoped_live = in->live;
    (void)gcp__vec_pop(&roots->scopes);
    roots->version++;
    return GCP_OK;
}

size_t gcp_roots_scope_depth(const gcp_roots *roots) { return roots ? roots->scopes.n : 0; }

static scoped_cell *scoped_at(const gcp_roots *roots, size_t i)
{
    return gcp__vec_at(&roots->scoped, i);
}

static long_cell *long_at(const gcp_roots *roots, size_t i)
{
    return gcp__vec_at(&roots->longs, i);
}

gcp_status gcp_roots_scope_handle(gcp_roots *roots, gcp_ref ref, gcp_handle *out)
{
    if (!roots || !out)
        return GCP_EINVAL;
    if (roots->scopes.n == 0)
        return GCP_ESTATE;
    /* The cell at top, skipping (and retiring) cells at their last
     * generation; top moves only once a cell is found. */
    size_t t = roots->top;
    scoped_cell *c;
    for (;;) {
        if (t == roots->scoped.n) {
            void *slot;
            gcp_status st = gcp__vec_push(&roots->scoped, &slot);
            if (st != GCP_OK)
                return st;
            c = slot;
            c->gen = 1;
            break;
        }
        c = scoped_at(roots, t);
        if (c->gen < GEN_LAST) {
            c->gen++;
            break;
        }
        c->gen = GEN_RETIRED;
        c->ref = GCP_REF_NULL;
        t++;
    }
    c->ref = ref;
    roots->top = t + 1;
    roots->scoped_live++;
    roots->version++;
    *out = (gcp_handle){.list = roots->id, .index = (uint32_t)t, .gen = c->gen};
    return GCP_OK;
}

/* ---------------------------------------------------------------- handles */

gcp_status gcp_roots_handle_new(gcp_roots *roots, gcp_ref ref, gcp_handle *out)
{
    if (!roots || !out)
        return GCP_EINVAL;
    uint32_t i;
    long_cell *c;
    if (roots->free_head != NEXT_NONE) {
        i = roots->free_head;
        c = long_at(roots, i);
        roots->free_head = c->next;
    } else {
        void *slot;
        gcp_status st = gcp__vec_push(&roots->longs, &slot);
        if (st != GCP_OK)
            return st;
        i = (uint32_t)(roots->longs.n - 1);
        c = slot;
        c->gen = 1;
    }
    c->ref = ref;
    c->next = NEXT_LIVE;
    roots->long_live++;
    roots->version++;
    *out = (gcp_handle){.list = roots->id, .index = i | LONG_BIT, .gen = c->gen};
    return GCP_OK;
}

/* The ref cell of a live handle of this list, or NULL. */
static gcp_ref *cell_of(const gcp_roots *roots, gcp_handle h)
{
    if (h.list != roots->id)
        return NULL;
    if (h.index & LONG_BIT) {
        size_t i = h.index & ~LONG_BIT;
        if (i >= roots->longs.n)
            return NULL;
        long_cell *c = long_at(roots, i);
        return c->next == NEXT_LIVE && c->gen == h.gen ? &c->ref : NULL;
    }
    if (h.index >= roots->top)
        return NULL;
    scoped_cell *c = scoped_at(roots, h.index);
    return c->gen == h.gen && c->gen != GEN_RETIRED ? &c->ref : NULL;
}

gcp_status gcp_roots_handle_free(gcp_roots *roots, gcp_handle h)
{
    if (!roots)
        return GCP_EINVAL;
    if (!cell_of(roots, h))
        return GCP_ESTALE;
    if (!(h.index & LONG_BIT))
        return GCP_EINVAL;   /* a scoped handle ends with its scope */
    uint32_t i = h.index & ~LONG_BIT;
    long_cell *c = long_at(roots, i);
    c->ref = GCP_REF_NULL;
    if (c->gen < GEN_LAST) {
        c->gen++;
        c->next = roots->free_head;
        roots->free_head = i;
    } else {
        c->gen = GEN_RETIRED;
        c->next = NEXT_NONE;
    }
    roots->long_live--;
    roots->version++;
    return GCP_OK;
}

gcp_status gcp_roots_handle_get(const gcp_roots *roots, gcp_handle h, gcp_ref *out)
{
    if (!roots || !out)
        return GCP_EINVAL;
    const gcp_ref *cell = cell_of(roots, h);
    if (!cell)
        return GCP_ESTALE;
    *out = *cell;
    return GCP_OK;
}

gcp_status gcp_roots_handle_set(gcp_roots *roots, gcp_handle h, gcp_ref ref)
{
    if (!roots)
        return GCP_EINVAL;
    gcp_ref *cell = cell_of(roots, h);
    if (!cell)
        return GCP_ESTALE;
    *cell = ref;
    roots->version++;
    return GCP_OK;
}

size_t gcp_roots_handle_count(const gcp_roots *roots)
{
    return roots ? roots->scoped_live + roots->long_live : 0;
}

gcp_status gcp__roots_handle_age(gcp_roots *roots, gcp_handle h, uint32_t gen, gcp_handle *out)
{
    if (!roots || !out || gen == 0 || gen > GEN_LAST)
        return GCP_EINVAL;
    if (!cell_of(roots, h))
        return GCP_ESTALE;
    if (h.index & LONG_BIT)
        long_at(roots, h.index & ~LONG_BIT)->gen = gen;
    else
        scoped_at(roots, h.index)->gen = gen;
    *out = h;
    out->gen = gen;
    return GCP_OK;
}

/* ---------------------------------------------------------------- collectors */

size_t gcp__roots_n(const gcp_roots *roots)
{
    return roots ? roots->v.n + roots->top + roots->longs.n : 0;
}

/* Root slot i as a handle cell: its ref and whether it is in use.  i must
 * be past the list entries and below gcp__roots_n. */
static gcp_ref *slot_cell(const gcp_roots *roots, size_t i, bool *used)
{
    i -= roots->v.n;
    if (i < roots->top) {
        scoped_cell *c = scoped_at(roots, i);
        *used = c->gen != GEN_RETIRED;
        return &c->ref;
    }
    long_cell *c = long_at(roots, i - roots->top);
    *used = c->next == NEXT_LIVE;
    return &c->ref;
}

gcp_status gcp__roots_value(const gcp_roots *roots, size_t i, gcp_ref *out)
{
    if (!roots || !out)
        return GCP_EINVAL;
    if (i < roots->v.n)
        return gcp_roots_get(roots, i, out);
    if (i >= gcp__roots_n(roots))
        return GCP_EBOUNDS;
    bool used;
    const gcp_ref *cell = slot_cell(roots, i, &used);
    *out = used ? *cell : GCP_REF_NULL;
    return GCP_OK;
}

gcp_status gcp__roots_update(gcp_roots *roots, size_t i, gcp_ref value)
{
    if (!roots)
        return GCP_EINVAL;
    if (i < roots->v.n) {
        entry_write(roots, i, value);
        return GCP_OK;
    }
    if (i >= gcp__roots_n(roots))
        return GCP_EBOUNDS;
    bool used;
    gcp_ref *cell = slot_cell(roots, i, &used);
    if (!used)
        return value == GCP_REF_NULL ? GCP_OK : GCP_EINVAL;
    *cell = value;
    return GCP_OK;
}

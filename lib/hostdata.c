/* SPDX-License-Identifier: MIT */
/* The host-data table: a bounded vector of entries outside the heap, with a
 * free list threaded through the unused ones.  An id is
 *   (generation << INDEX_BITS) | (index + 1)
 * so 0 is never an id.  The generation changes each time an entry is freed,
 * which makes the ids of removed entries stale; an entry whose generation
 * would wrap is retired instead of reused, so a stale id never becomes
 * valid again.  Each live entry also records the externref it is bound to
 * (its heap offset), so an id copied into another object is refused. */
#include <stdbool.h>
#include <stdint.h>

#include "gcpool.h"
#include "lib/metadata.h"
#include "lib/hostdata.h"
#include "lib/vec.h"

#define INDEX_BITS GCP_HOSTDATA_INDEX_BITS
#define INDEX_MASK ((UINT32_C(1) << INDEX_BITS) - 1u)
#define GEN_MASK (UINT32_MAX >> INDEX_BITS)
#define MAX_ENTRIES INDEX_MASK          /* index + 1 must fit INDEX_BITS */
#define NO_FREE UINT32_MAX

typedef struct entry {
    void *ptr;
    gcp_finalizer fin;
    uint32_t gen;
    uint32_t next_free;     /* free entries only */
    gcp_ref owner;          /* live entries: the externref holding the id; 0 unbound */
    bool live;
} entry;

struct gcp_hostdata {
    gcp_vec e;              /* of entry: every entry ever touched */
    uint32_t free_head;     /* NO_FREE when empty */
    uint32_t retired;       /* entries whose generations ran out */
    size_t count;
};

gcp_status gcp_hostdata_new(gcp_hostdata **out)
{
    if (!out)
        return GCP_EINVAL;
    gcp_hostdata *t = gcp__calloc_lines(1, sizeof *t);
    if (!t)
        return GCP_ENOMEM;
    gcp__vec_init(&t->e, sizeof(entry), MAX_ENTRIES);
    t->free_head = NO_FREE;
    *out = t;
    return GCP_OK;
}

static entry *entry_at(const gcp_hostdata *t, uint32_t idx) { return gcp__vec_at(&t->e, idx); }

/* The live entry behind id, or NULL. */
static entry *lookup(const gcp_hostdata *t, uint32_t id)
{
    uint32_t idx = id & INDEX_MASK;
    if (!t || idx == 0 || idx > t->e.n)
        return NULL;
    entry *e = entry_at(t, idx - 1);
    if (!e->live || e->gen != (id >> INDEX_BITS))
        return NULL;
    return e;
}

/* The live entry behind id if the externref at ref owns it, or NULL. */
static entry *lookup_owned(const gcp_hostdata *t, uint32_t id, gcp_ref ref)
{
    entry *e = lookup(t, id);
    return e && e->owner == ref && ref != 0 ? e : NULL;
}

/* Frees e (making its id stale) and returns what its finalizer needs. */
static void release(gcp_hostdata *t, entry *e, void **ptr, gcp_finalizer *fin)
{
    *ptr = e->ptr;
    *fin = e->fin;
    e->live = false;
    e->ptr = NULL;
    e->fin = NULL;
    e->owner = 0;
    t->count--;
    if (e->gen == GEN_MASK) {
        t->retired++;           /* never reused: its ids stay stale */
        return;
    }
    e->gen++;
    e->next_free = t->free_head;
    t->free_head = (uint32_t)((const unsigned char *)e - t->e.data) / (uint32_t)sizeof *e;
}

gcp_status gcp_hostdata_insert(gcp_hostdata *table, void *ptr, gcp_finalizer fin,
                               uint32_t *out_id)
{
    if (!table || !out_id)
        return GCP_EINVAL;
    uint32_t idx;
    entry *e;
    if (table->free_head != NO_FREE) {
        idx = table->free_head;
        e = entry_at(table, idx);
        table->free_head = e->next_free;
    } else {
        void *slot;
        gcp_status st = gcp__vec_push(&table->e, &slot);
        if (st != GCP_OK)
            return st;
        idx = (uint32_t)(table->e.n - 1);
        e = slot;
        e->gen = 0;
    }
    e->ptr = ptr;
    e->fin = fin;
    e->owner = 0;
    e->live = true;
    table->count++;
    *out_id = (e->gen << INDEX_BITS) | (idx + 1);
    return GCP_OK;
}

void gcp__hostdata_set_limit(gcp_hostdata *table, uint32_t limit)
{
    gcp__vec_set_limit(&table->e, limit < MAX_ENTRIES ? limit : MAX_ENTRIES);
}

uint32_t gcp__hostdata_retired(const gcp_hostdata *table) { return table ? table->retired : 0; }

bool gcp__hostdata_unbound(const gcp_hostdata *table, uint32_t id)
{
    const entry *e = lookup(table, id);
    return e && e->owner == 0;
}

gcp_status gcp__hostdata_bind(gcp_hostdata *table, uint32_t id, gcp_ref ref)
{
    entry *e = lookup(table, id);
    if (!e || e->owner != 0 || ref == 0)
        return GCP_EINVAL;
    e->owner = ref;
    return GCP_OK;
}

gcp_status gcp__hostdata_rebind(gcp_hostdata *table, uint32_t id, gcp_ref from, gcp_ref to)
{
    entry *e = lookup_owned(table, id, from);
    if (!e)
        return GCP_ESTALE;
    if (to == 0)
        return GCP_EINVAL;
    e->owner = to;
    return GCP_OK;
}

gcp_status gcp_hostdata_get(const gcp_hostdata *table, uint32_t id, void **out)
{
    if (!table || !out)
        return GCP_EINVAL;
    entry *e = lookup(table, id);
    if (!e)
        return GCP_ESTALE;
    *out = e->ptr;
    return GCP_OK;
}

gcp_status gcp__hostdata_lookup(const gcp_hostdata *table, uint32_t id, gcp_ref ref,
                                void **out)
{
    entry *e = lookup_owned(table, id, ref);
    if (!e)
        return GCP_ESTALE;
    *out = e->ptr;
    return GCP_OK;
}

/* Releases e and, when finalize, runs its finalizer after the entry is
 * gone, so that a finalizer may use the table freely. */
static void remove_entry(gcp_hostdata *table, entry *e, bool finalize)
{
    void *ptr;
    gcp_finalizer fin;
    release(table, e, &ptr, &fin);
    if (finalize && fin)
        fin(ptr);
}

gcp_status gcp_hostdata_remove(gcp_hostdata *table, uint32_t id)
{
    if (!table)
        return GCP_EINVAL;
    entry *e = lookup(table, id);
    if (!e)
        return GCP_ESTALE;
    remove_entry(table, e, true);
    return GCP_OK;
}

gcp_status gcp__hostdata_reclaim(gcp_hostdata *table, uint32_t id, gcp_ref ref)
{
    entry *e = lookup_owned(table, id, ref);
    if (!e)
        return GCP_ESTALE;
    remove_entry(table, e, true);
    return GCP_OK;
}

gcp_status gcp__hostdata_forget(gcp_hostdata *table, uint32_t id)
{
    entry *e = lookup(table, id);
    if (!e)
        return GCP_ESTALE;
    remove_entry(table, e, false);
    return GCP_OK;
}

void gcp_hostdata_clear(gcp_hostdata *table)
{
    if (!table)
        return;
    /* A finalizer may insert new entries (possibly into slots this pass
     * already visited): passes repeat until the table is empty.  Each entry
     * is finalized once, when it is released. */
    while (table->count > 0) {
        for (size_t i = 0; i < table->e.n; i++) {
            entry *e = entry_at(table, (uint32_t)i);
            if (e->live)
                remove_entry(table, e, true);
        }
    }
}

void gcp__hostdata_renew(gcp_hostdata *table)
{
    gcp_hostdata_clear(table);
    /* Every entry is free again, retired ones with their generation
     * wrapped to 0: no id of the old heap survives its reset.  The others
     * keep counting, so the host's old ids stay stale for a while yet. */
    table->free_head = NO_FREE;
    for (size_t i = table->e.n; i-- > 0;) {
        entry *e = entry_at(table, (uint32_t)i);
        if (e->gen == GEN_MASK)
            e->gen = 0;
        e->next_free = table->free_head;
        table->free_head = (uint32_t)i;
    }
    table->retired = 0;
}

void gcp_hostdata_free(gcp_hostdata *table)
{
    if (!table)
        return;
    gcp_hostdata_clear(table);
    gcp__vec_free(&table->e);
    gcp__free(table);
}

size_t gcp_hostdata_count(const gcp_hostdata *table) { return table ? table->count : 0; }

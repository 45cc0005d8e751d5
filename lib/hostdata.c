/* The host-data table: a growable array of entries outside the heap, with a
 * free list threaded through the unused ones.  An id is
 *   (generation << INDEX_BITS) | (index + 1)
 * so 0 is never an id; the generation changes each time an entry is freed,
 * which makes ids of removed entries stale. */
#include <stdbool.h>
#include <stdint.h>

#include "gcpool.h"
#include "lib/alloc.h"
#include "lib/hostdata.h"

#define INDEX_BITS 22u
#define INDEX_MASK ((UINT32_C(1) << INDEX_BITS) - 1u)
#define GEN_MASK (UINT32_MAX >> INDEX_BITS)
#define MAX_ENTRIES INDEX_MASK          /* index + 1 must fit INDEX_BITS */
#define NO_FREE UINT32_MAX

typedef struct entry {
    void *ptr;
    gcp_finalizer fin;
    uint32_t gen;
    uint32_t next_free;     /* free entries only */
    bool live;
} entry;

struct gcp_hostdata {
    entry *e;
    uint32_t cap;
    uint32_t used;          /* entries ever touched: e[0..used) */
    uint32_t free_head;     /* NO_FREE when empty */
    size_t count;
    uint32_t limit;         /* most entries ever touched */
};

gcp_status gcp_hostdata_new(gcp_hostdata **out)
{
    if (!out)
        return GCP_EINVAL;
    gcp_hostdata *t = gcp__calloc_lines(1, sizeof *t);
    if (!t)
        return GCP_ENOMEM;
    t->free_head = NO_FREE;
    t->limit = MAX_ENTRIES;
    *out = t;
    return GCP_OK;
}

/* The live entry behind id, or NULL. */
static entry *lookup(const gcp_hostdata *t, uint32_t id)
{
    uint32_t idx = id & INDEX_MASK;
    if (!t || idx == 0 || idx > t->used)
        return NULL;
    entry *e = &t->e[idx - 1];
    if (!e->live || e->gen != (id >> INDEX_BITS))
        return NULL;
    return e;
}

/* Frees e (making its id stale) and returns what its finalizer needs. */
static void release(gcp_hostdata *t, entry *e, void **ptr, gcp_finalizer *fin)
{
    *ptr = e->ptr;
    *fin = e->fin;
    e->live = false;
    e->ptr = NULL;
    e->fin = NULL;
    e->gen = (e->gen + 1) & GEN_MASK;
    e->next_free = t->free_head;
    t->free_head = (uint32_t)(e - t->e);
    t->count--;
}

gcp_status gcp_hostdata_insert(gcp_hostdata *table, void *ptr, gcp_finalizer fin,
                               uint32_t *out_id)
{
    if (!table || !out_id)
        return GCP_EINVAL;
    uint32_t idx;
    if (table->free_head != NO_FREE) {
        idx = table->free_head;
        table->free_head = table->e[idx].next_free;
    } else {
        if (table->used >= table->limit)
            return GCP_ELIMIT;
        if (table->used == table->cap) {
            uint32_t ncap = table->cap ? table->cap * 2 : 16;
            if (ncap > MAX_ENTRIES)
                ncap = MAX_ENTRIES;
            entry *ne = gcp__realloc(table->e, (size_t)ncap * sizeof *ne);
            if (!ne)
                return GCP_ENOMEM;
            table->e = ne;
            table->cap = ncap;
        }
        idx = table->used++;
        table->e[idx].gen = 0;
    }
    entry *e = &table->e[idx];
    e->ptr = ptr;
    e->fin = fin;
    e->live = true;
    table->count++;
    *out_id = (e->gen << INDEX_BITS) | (idx + 1);
    return GCP_OK;
}

void gcp__hostdata_set_limit(gcp_hostdata *table, uint32_t limit)
{
    table->limit = limit < MAX_ENTRIES ? limit : MAX_ENTRIES;
}

gcp_status gcp_hostdata_get(const gcp_hostdata *table, uint32_t id, void **out)
{
    if (!out)
        return GCP_EINVAL;
    entry *e = lookup(table, id);
    if (!e)
        return GCP_ESTALE;
    *out = e->ptr;
    return GCP_OK;
}

static gcp_status remove_entry(gcp_hostdata *table, uint32_t id, bool finalize)
{
    entry *e = lookup(table, id);
    if (!e)
        return GCP_ESTALE;
    void *ptr;
    gcp_finalizer fin;
    release(table, e, &ptr, &fin);
    /* The entry is already gone: a finalizer may use the table freely. */
    if (finalize && fin)
        fin(ptr);
    return GCP_OK;
}

gcp_status gcp_hostdata_remove(gcp_hostdata *table, uint32_t id)
{
    return remove_entry(table, id, true);
}

gcp_status gcp__hostdata_reclaim(gcp_hostdata *table, uint32_t id)
{
    return remove_entry(table, id, true);
}

gcp_status gcp__hostdata_forget(gcp_hostdata *table, uint32_t id)
{
    return remove_entry(table, id, false);
}

void gcp_hostdata_clear(gcp_hostdata *table)
{
    if (!table)
        return;
    /* A finalizer may insert new entries (possibly into slots this pass
     * already visited): passes repeat until the table is empty.  Each entry
     * is finalized once, when it is released. */
    while (table->count > 0) {
        for (uint32_t i = 0; i < table->used; i++) {
            if (!table->e[i].live)
                continue;
            void *ptr;
            gcp_finalizer fin;
            release(table, &table->e[i], &ptr, &fin);
            if (fin)
                fin(ptr);
        }
    }
}

void gcp_hostdata_free(gcp_hostdata *table)
{
    if (!table)
        return;
    gcp_hostdata_clear(table);
    gcp__free(table->e);
    gcp__free(table);
}

size_t gcp_hostdata_count(const gcp_hostdata *table) { return table ? table->count : 0; }

/* SPDX-License-Identifier: MIT */
/* The type registry: append-only, published with release/acquire so that
 * readers never take a lock.  Types live in fixed-size chunks that never
 * move; the chunk directory is allocated whole up front. */
#include "lib/types.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "lib/metadata.h"

#define CHUNK_BITS 10u
#define CHUNK_SIZE (1u << CHUNK_BITS)
_Static_assert(CHUNK_SIZE == GCP_TYPES_CHUNK, "lib/types.h names the chunk size");
#define N_CHUNKS (GCP_MAX_TYPES / CHUNK_SIZE)

struct gcp_types {
    atomic_uint refs;
    atomic_uint count;                 /* published types */
    pthread_mutex_t lock;              /* serialises registration */
    gcp_type *_Atomic chunks[N_CHUNKS];
};

gcp_status gcp_types_new(gcp_types **out)
{
    if (!out)
        return GCP_EINVAL;
    gcp_types *t = gcp__calloc(1, sizeof *t);
    if (!t)
        return GCP_ENOMEM;
    atomic_init(&t->refs, 1);
    atomic_init(&t->count, 0);
    pthread_mutex_init(&t->lock, NULL);
    *out = t;
    return GCP_OK;
}

void gcp__types_retain(gcp_types *types)
{
    if (types)
        atomic_fetch_add_explicit(&types->refs, 1, memory_order_relaxed);
}

void gcp_types_release(gcp_types *types)
{
    if (!types)
        return;
    if (atomic_fetch_sub_explicit(&types->refs, 1, memory_order_acq_rel) != 1)
        return;
    uint32_t n = atomic_load(&types->count);
    for (uint32_t c = 0; c < N_CHUNKS; c++) {
        gcp_type *chunk = atomic_load_explicit(&types->chunks[c], memory_order_relaxed);
        if (!chunk)
            break;
        for (uint32_t i = 0; i < CHUNK_SIZE && c * CHUNK_SIZE + i < n; i++)
            gcp__free((void *)chunk[i].ref_offsets);
        gcp__free(chunk);
    }
    pthread_mutex_destroy(&types->lock);
    gcp__free(types);
}

uint32_t gcp_types_count(const gcp_types *types)
{
    return types ? atomic_load_explicit(&((gcp_types *)types)->count, memory_order_acquire) : 0;
}

const gcp_type *gcp__types_get(const gcp_types *types, uint32_t index)
{
    if (!types)
        return NULL;
    gcp_types *t = (gcp_types *)types;
    if (index >= atomic_load_explicit(&t->count, memory_order_acquire))
        return NULL;
    gcp_type *chunk = atomic_load_explicit(&t->chunks[index >> CHUNK_BITS], memory_order_relaxed);
    return &chunk[index & (CHUNK_SIZE - 1)];
}

const gcp_type *gcp__types_snap_get(const gcp_types *types, gcp_types_snap *snap,
                                    uint32_t index)
{
    if (!types)
        return NULL;
    gcp_types *t = (gcp_types *)types;
    /* The acquire load makes every type below n (and chunk 0's pointer)
     * visible to this thread; the snapshot keeps them for later plain
     * reads.  A heap handed to another thread travels with the host's own
     * synchronisation, which carries the snapshot along. */
    uint32_t n = atomic_load_explicit(&t->count, memory_order_acquire);
    if (n > 0) {
        snap->first = atomic_load_explicit(&t->chunks[0], memory_order_relaxed);
        snap->n = n < CHUNK_SIZE ? n : CHUNK_SIZE;
    }
    if (index >= n)
        return NULL;
    if (index < snap->n)
        return snap->first + index;
    gcp_type *chunk = atomic_load_explicit(&t->chunks[index >> CHUNK_BITS], memory_order_relaxed);
    return &chunk[index & (CHUNK_SIZE - 1)];
}

/* Appends *ty (taking ownership of ty->ref_offsets on success). */
static gcp_status publish(gcp_types *t, const gcp_type *ty, uint32_t *out_index)
{
    pthread_mutex_lock(&t->lock);
    uint32_t n = atomic_load_explicit(&t->count, memory_order_relaxed);
    if (n >= GCP_MAX_TYPES) {
        pthread_mutex_unlock(&t->lock);
        return GCP_ELIMIT;
    }
    gcp_type *chunk = atomic_load_explicit(&t->chunks[n >> CHUNK_BITS], memory_order_relaxed);
    if (!chunk) {
        chunk = gcp__calloc(CHUNK_SIZE, sizeof *chunk);
        if (!chunk) {
            pthread_mutex_unlock(&t->lock);
            return GCP_ENOMEM;
        }
        atomic_store_explicit(&t->chunks[n >> CHUNK_BITS], chunk, memory_order_relaxed);
    }
    chunk[n & (CHUNK_SIZE - 1)] = *ty;
    atomic_store_explicit(&t->count, n + 1, memory_order_release);
    pthread_mutex_unlock(&t->lock);
    *out_index = n;
    return GCP_OK;
}

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return (x > y) - (x < y);
}

gcp_status gcp_types_add_struct(gcp_types *types, uint32_t payload_bytes,
                                const uint32_t *ref_offsets, size_t n_refs,
                                uint32_t *out_index)
{
    if (!types || !out_index || payload_bytes == 0 || payload_bytes > GCP_MAX_STRUCT_BYTES ||
        n_refs > GCP_MAX_REF_FIELDS || (n_refs && !ref_offsets))
        return GCP_EINVAL;
    uint32_t *offs = NULL;
    if (n_refs) {
        offs = gcp__malloc(n_refs * sizeof *offs);
        if (!offs)
            return GCP_ENOMEM;
        memcpy(offs, ref_offsets, n_refs * sizeof *offs);
        qsort(offs, n_refs, sizeof *offs, cmp_u32);
        for (size_t i = 0; i < n_refs; i++) {
            bool bad = (offs[i] & 3u) != 0 || offs[i] > payload_bytes - 4u ||
                       payload_bytes < 4u || (i > 0 && offs[i] == offs[i - 1]);
            if (bad) {
                gcp__free(offs);
                return GCP_EINVAL;
            }
        }
    }
    /* payload_bytes <= GCP_MAX_STRUCT_BYTES: the size fits 32 bits. */
    uint32_t obj_bytes =
        (GCP_OBJ_PAYLOAD + payload_bytes + (GCP_OBJ_ALIGN - 1)) & ~(GCP_OBJ_ALIGN - 1);
    uint32_t refs_from = n_refs ? offs[0] : payload_bytes;
    uint32_t refs_to = n_refs ? offs[n_refs - 1] + 4u : 0;
    uint64_t ref_words = 0;
    for (size_t i = 0; i < n_refs && offs[i] < 256u; i++)
        ref_words |= (uint64_t)1 << (offs[i] / 4u);
    gcp_type ty = {.kind = GCP_KIND_STRUCT, .payload_bytes = payload_bytes,
                   .n_refs = (uint32_t)n_refs, .obj_bytes = obj_bytes,
                   .refs_from = refs_from, .refs_to = refs_to, .ref_words = ref_words,
                   .ref_offsets = offs};
    gcp_status st = publish(types, &ty, out_index);
    if (st != GCP_OK)
        gcp__free(offs);
    return st;
}

gcp_status gcp_types_add_array(gcp_types *types, uint32_t elem_bytes,
                               bool elems_are_refs, uint32_t *out_index)
{
    if (!types || !out_index)
        return GCP_EINVAL;
    if (elem_bytes != 1 && elem_bytes != 2 && elem_bytes != 4 && elem_bytes != 8)
        return GCP_EINVAL;
    if (elems_are_refs && elem_bytes != 4)
        return GCP_EINVAL;
    uint8_t shift = elem_bytes == 1 ? 0 : elem_bytes == 2 ? 1 : elem_bytes == 4 ? 2 : 3;
    gcp_type ty = {.kind = GCP_KIND_ARRAY, .elem_bytes = elem_bytes,
                   .elems_are_refs = elems_are_refs, .elem_shift = shift};
    return publish(types, &ty, out_index);
}

/* SPDX-License-Identifier: MIT */
/* Object access and validation: the only way lib/ reads objects.  Heap
 * memory is untrusted, so every object is validated (gcp__obj_check) before
 * its payload is used; a failed check poisons the heap (gcp__heap_corrupt).
 * Loads and stores go through memcpy-based helpers: no alignment or aliasing
 * assumptions about guest-written memory. */
#ifndef GCP_LIB_OBJECT_H
#define GCP_LIB_OBJECT_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "gcpool.h"
#include "lib/heap.h"
#include "lib/types.h"

/* Header word offsets (see "Object layout" in gcpool.h). */
#define GCP_HDR_KIND 0u      /* kind bits 0..7, flags 8..15, 16..31 zero */
#define GCP_HDR_TYPE 4u
#define GCP_HDR_SIZE 8u
#define GCP_HDR_CWORD 12u    /* collector word (DRC reference count) */
#define GCP_EXTERNREF_BYTES 24u   /* header + u32 id, rounded to 8 */
/* The byte the debug mode fills freed and vacated memory with: a header
 * word of it is no object kind, so no validation accepts it. */
#define GCP_DEBUG_POISON 0xA5u

static inline uint32_t gcp__load32(const uint8_t *p)
{
    uint32_t v;
    memcpy(&v, p, sizeof v);
    return v;
}
static inline void gcp__store32(uint8_t *p, uint32_t v) { memcpy(p, &v, sizeof v); }

/* Rounds n up to GCP_OBJ_ALIGN (n < 2^64 - 8). */
static inline uint64_t gcp__align8(uint64_t n) { return (n + 7u) & ~(uint64_t)7u; }

/* A validated object.  p points at its header inside [base, base + bound). */
typedef struct gcp_obj {
    uint8_t *p;
    gcp_ref ref;
    gcp_kind kind;
    uint8_t flags;
    uint32_t type_index;
    uint32_t size;          /* total bytes, header included */
    uint32_t length;        /* arrays: element count; else 0 */
    const gcp_type *type;   /* struct/array type; NULL for externrefs */
} gcp_obj;

/* Poisons the heap and returns GCP_ECORRUPT (use as `return gcp__heap_corrupt(h);`). */
static inline gcp_status gcp__heap_corrupt(gcp_heap *heap)
{
    heap->poisoned = true;
    return GCP_ECORRUPT;
}

/* Total size of an object of this shape, or 0 when it cannot be represented
 * in the 32-bit size field (too large).  For arrays `length` counts
 * elements; otherwise it is ignored.  type is NULL for externrefs. */
uint64_t gcp__obj_size_for(gcp_kind kind, const gcp_type *type, uint32_t length);

/* Validates the object at ref and fills *out: ref even and non-zero, header
 * inside the bound, kind an object kind (externref/struct/array), bits 16..31
 * of word 0 zero, type index 0 for externrefs or registered with the same
 * kind, size equal to what the type (and array length) gives, object end
 * inside the bound.  GCP_EINVAL (no poison) for a null or i31 ref;
 * GCP_ECORRUPT + poison for anything else that fails, except in the debug
 * mode, where a ref at a free block or at poison is GCP_ESTALEREF (no
 * poison; gcp_last_error names the ref). */
gcp_status gcp__obj_check(gcp_heap *heap, gcp_ref ref, gcp_obj *out);

/* As gcp__obj_check, but a GCP_KIND_FREE block is accepted too (size a
 * multiple of 8, at least GCP_OBJ_HEADER_BYTES, inside the bound; type and
 * length not checked).  For collectors that walk the heap block by block
 * (sweeping); out->kind tells which.  Same statuses. */
gcp_status gcp__obj_check_block(gcp_heap *heap, gcp_ref ref, gcp_obj *out);

/* A ref read from the heap or given by the host: GCP_OK for null and i31,
 * otherwise gcp__obj_check (ECORRUPT + poison on failure). */
gcp_status gcp__ref_check(gcp_heap *heap, gcp_ref ref);

/* Number of reference slots in a validated object (struct ref fields, or
 * the length of a ref array; 0 otherwise). */
static inline uint32_t gcp__obj_nrefs(const gcp_obj *o)
{
    if (o->kind == GCP_KIND_STRUCT)
        return o->type->n_refs;
    if (o->kind == GCP_KIND_ARRAY && o->type->elems_are_refs)
        return o->length;
    return 0;
}

/* Byte offset from the object start of its i-th reference slot
 * (i < gcp__obj_nrefs(o)); always inside the object. */
static inline uint32_t gcp__obj_ref_slot(const gcp_obj *o, uint32_t i)
{
    if (o->kind == GCP_KIND_STRUCT)
        return GCP_OBJ_PAYLOAD + o->type->ref_offsets[i];
    return GCP_ARRAY_ELEMS + 4u * i;
}

/* The i-th reference slot's current value (unvalidated: pass it to
 * gcp__ref_check before following it). */
static inline gcp_ref gcp__obj_ref_get(const gcp_obj *o, uint32_t i)
{
    return gcp__load32(o->p + gcp__obj_ref_slot(o, i));
}
static inline void gcp__obj_ref_put(const gcp_obj *o, uint32_t i, gcp_ref v)
{
    gcp__store32(o->p + gcp__obj_ref_slot(o, i), v);
}

/* Collector word access for a validated object or block. */
static inline uint32_t gcp__obj_cword(const gcp_obj *o) { return gcp__load32(o->p + GCP_HDR_CWORD); }
static inline void gcp__obj_set_cword(const gcp_obj *o, uint32_t v) { gcp__store32(o->p + GCP_HDR_CWORD, v); }
/* Flags byte (bits 8..15 of word 0), owned by collectors (e.g. a mark bit). */
static inline void gcp__obj_set_flags(gcp_obj *o, uint8_t flags)
{
    o->p[1] = flags;
    o->flags = flags;
}

/* Writes a header at off (kind, type index, size, collector word; flags 0)
 * and zeroes the rest of the object.  off and size must be checked already. */
void gcp__obj_init(gcp_heap *heap, gcp_ref off, gcp_kind kind, uint32_t type_index,
                   uint32_t size, uint32_t cword);

/* Writes a free-block header (kind GCP_KIND_FREE, the size, and `next` in the
 * collector word, e.g. a free-list link) at off. */
void gcp__block_init_free(gcp_heap *heap, gcp_ref off, uint32_t size, uint32_t next);

/* The host-data id of a validated externref. */
static inline uint32_t gcp__externref_id(const gcp_obj *o) { return gcp__load32(o->p + GCP_OBJ_PAYLOAD); }

#endif

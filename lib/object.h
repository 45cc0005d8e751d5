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

/* For the few helpers of the mutator's fast paths that must be inlined
 * into every caller (left to itself, link-time optimisation shares one
 * out-of-line copy), and the slow paths kept out of their way. */
#define GCP__ALWAYS_INLINE inline __attribute__((always_inline))
#define GCP__COLD __attribute__((cold, noinline))

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

/* What the mutator's fast paths keep of a validated object: no copy of the
 * header words, which stay in the heap (validated, read where needed). */
typedef struct gcp_objv {
    uint8_t *p;             /* its header, inside [base, base + bound) */
    const gcp_type *type;   /* struct/array type; NULL for externrefs */
    uint32_t length;        /* arrays: element count; else 0 */
} gcp_objv;

/* True when ref is an object of `kind` (a constant at every call site:
 * GCP_KIND_EXTERNREF, _STRUCT or _ARRAY) that gcp__obj_check accepts: the
 * same checks, in one pass, specialised to the kind (the size compared
 * with the type's precomputed one).  Fills *v then.  False for anything
 * else, with no side effect: gcp__host_ref then tells which error. */
static GCP__ALWAYS_INLINE bool gcp__obj_is(gcp_heap *heap, gcp_ref ref, gcp_kind kind, gcp_objv *v)
{
    const size_t bound = heap->mem->bound;
    /* Non-zero, aligned (so even: not an i31), header inside the bound. */
    if (ref == 0 || (ref & (GCP_OBJ_ALIGN - 1)) != 0 ||
        (uint64_t)ref + GCP_OBJ_HEADER_BYTES > bound)
        return false;
    uint8_t *p = heap->mem->base + ref;
    /* The kind, bits 16..31 zero; any flags. */
    if ((gcp__load32(p + GCP_HDR_KIND) & 0xffff00ffu) != (uint32_t)kind)
        return false;
    const uint32_t ti = gcp__load32(p + GCP_HDR_TYPE);
    const uint32_t size = gcp__load32(p + GCP_HDR_SIZE);
    if ((uint64_t)ref + size > bound)
        return false;
    const gcp_type *t = NULL;
    uint32_t length = 0;
    if (kind == GCP_KIND_EXTERNREF) {
        if (ti != 0 || size != GCP_EXTERNREF_BYTES)
            return false;
    } else {
        /* gcp__heap_type's inline case; an index past the snapshot (not
         * registered, registered since, or past the first chunk) is the
         * slow path's, which also refreshes the snapshot. */
        if (ti >= heap->tsnap.n)
            return false;
        t = heap->tsnap.first + ti;
        if (t->kind != kind)
            return false;
        if (kind == GCP_KIND_STRUCT) {
            if (size != t->obj_bytes)
                return false;
        } else {
            /* The length word lies inside the checked range only once the
             * size says so. */
            if (size < GCP_ARRAY_ELEMS)
                return false;
            length = gcp__load32(p + GCP_ARRAY_LENGTH);
            uint64_t want = (uint64_t)GCP_ARRAY_ELEMS + ((uint64_t)length << t->elem_shift);
            if (gcp__align8(want) != size)
                return false;
        }
    }
    v->p = p;
    v->type = t;
    v->length = length;
    return true;
}

/* What gcp__host_ref accepts besides one object kind. */
#define GCP__WANT_OBJECT (-1)   /* a valid object of any kind; *v filled */
#define GCP__WANT_VALUE (-2)    /* null, i31 or a valid object; v unused (may be NULL) */

/* The one place a ref that the host hands in is validated before lib/
 * uses it: the object accessors, the barriers' sources and values, the
 * roots.  want is GCP_KIND_EXTERNREF, _STRUCT or _ARRAY (the ref must be
 * a valid object of that kind), GCP__WANT_OBJECT or GCP__WANT_VALUE.
 * GCP_OK (*v filled unless GCP__WANT_VALUE); GCP_EINVAL for null or i31
 * unless GCP__WANT_VALUE; GCP_ETYPE for a valid object of another kind;
 * GCP_ECORRUPT + poison for a ref that is no valid object. */
gcp_status gcp__host_ref(gcp_heap *heap, gcp_ref ref, int want, gcp_objv *v);

/* gcp__host_ref's success case, inlined into the mutator's fast paths:
 * true exactly when gcp__host_ref(heap, ref, kind, v) would answer GCP_OK
 * (and fills *v the same); false sends the caller to its slow path, which
 * calls gcp__host_ref for the status.  A check added to gcp__host_ref
 * must make this answer false whenever it could refuse. */
static GCP__ALWAYS_INLINE bool gcp__host_ref_fast(gcp_heap *heap, gcp_ref ref, gcp_kind kind,
                                                  gcp_objv *v)
{
    return gcp__obj_is(heap, ref, kind, v);
}

/* gcp__host_ref(heap, ref, GCP__WANT_VALUE, NULL) == GCP_OK (equally
 * gcp__ref_check(heap, ref) == GCP_OK), inlined: null, i31, or an object
 * of any kind that gcp__obj_is accepts.  False sends the caller to the
 * full check for the status. */
static GCP__ALWAYS_INLINE bool gcp__value_fast(gcp_heap *heap, gcp_ref ref)
{
    if (!gcp_ref_is_heap(ref))
        return true;
    if ((ref & (GCP_OBJ_ALIGN - 1)) != 0 || (uint64_t)ref + GCP_OBJ_HEADER_BYTES > heap->mem->bound)
        return false;
    gcp_objv v;
    switch (heap->mem->base[ref + GCP_HDR_KIND]) {
    case GCP_KIND_STRUCT:
        return gcp__obj_is(heap, ref, GCP_KIND_STRUCT, &v);
    case GCP_KIND_ARRAY:
        return gcp__obj_is(heap, ref, GCP_KIND_ARRAY, &v);
    case GCP_KIND_EXTERNREF:
        return gcp__obj_is(heap, ref, GCP_KIND_EXTERNREF, &v);
    default:
        return false;
    }
}

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

static GCP__ALWAYS_INLINE void gcp__zero16(uint8_t *p)
{
    const uint64_t z[2] = {0, 0};
    memcpy(p, z, 16);
}

/* The largest payloads the fast paths zero (new objects) and copy
 * (scalar reads and writes) with fixed-width moves, no library call. */
#define GCP__FAST_ZERO_MAX 128u
#define GCP__FAST_COPY_MAX 64u

/* Zeroes n bytes at p (n a multiple of 8, at most GCP__FAST_ZERO_MAX)
 * with 8- and 16-byte stores, straight-line, overlapping where n is not a
 * multiple of their width (a constant-size memset may become `rep stos`). */
static GCP__ALWAYS_INLINE void gcp__zero_small(uint8_t *p, uint32_t n)
{
    if (n <= 32) {
        if (n >= 16) {
            gcp__zero16(p);
            gcp__zero16(p + n - 16);
        } else if (n == 8) {
            const uint64_t z = 0;
            memcpy(p, &z, 8);
        }
    } else if (n <= 64) {
        gcp__zero16(p);
        gcp__zero16(p + 16);
        gcp__zero16(p + n - 32);
        gcp__zero16(p + n - 16);
    } else {
        for (uint32_t i = 0; i < 64; i += 16)
            gcp__zero16(p + i);
        for (uint32_t i = 64; i > 0; i -= 16)
            gcp__zero16(p + n - i);
    }
}

/* Zeroes n bytes at p (n a multiple of 8): gcp__zero_small, memset above
 * GCP__FAST_ZERO_MAX. */
static GCP__ALWAYS_INLINE void gcp__zero8(uint8_t *p, uint32_t n)
{
    if (n <= GCP__FAST_ZERO_MAX)
        gcp__zero_small(p, n);
    else
        memset(p, 0, n);
}

/* memcpy of len <= GCP__FAST_COPY_MAX bytes between two distinct buffers
 * with fixed-width moves (two overlapping moves of the largest width that
 * fits). */
static GCP__ALWAYS_INLINE void gcp__copy_small(void *dst, const void *src, size_t len)
{
    uint8_t *d = dst;
    const uint8_t *s = src;
    if (len >= 32) {
        memcpy(d, s, 32);
        memcpy(d + len - 32, s + len - 32, 32);
    } else if (len >= 16) {
        memcpy(d, s, 16);
        memcpy(d + len - 16, s + len - 16, 16);
    } else if (len >= 8) {
        memcpy(d, s, 8);
        memcpy(d + len - 8, s + len - 8, 8);
    } else if (len >= 4) {
        memcpy(d, s, 4);
        memcpy(d + len - 4, s + len - 4, 4);
    } else if (len >= 2) {
        memcpy(d, s, 2);
        memcpy(d + len - 2, s + len - 2, 2);
    } else if (len == 1) {
        *d = *s;
    }
}

/* memcpy between two distinct buffers: gcp__copy_small, memcpy above
 * GCP__FAST_COPY_MAX. */
static GCP__ALWAYS_INLINE void gcp__copy(void *dst, const void *src, size_t len)
{
    if (len <= GCP__FAST_COPY_MAX)
        gcp__copy_small(dst, src, len);
    else
        memcpy(dst, src, len);
}

/* Writes a header at off (kind, type index, size, collector word; flags 0)
 * and zeroes the rest of the object.  off and size (a multiple of 8, at
 * least GCP_OBJ_HEADER_BYTES) must be checked already. */
static GCP__ALWAYS_INLINE void gcp__obj_init(gcp_heap *heap, gcp_ref off, gcp_kind kind,
                                             uint32_t type_index, uint32_t size,
                                             uint32_t cword)
{
    uint8_t *p = heap->mem->base + off;
    gcp__store32(p + GCP_HDR_KIND, (uint32_t)kind);
    gcp__store32(p + GCP_HDR_TYPE, type_index);
    gcp__store32(p + GCP_HDR_SIZE, size);
    gcp__store32(p + GCP_HDR_CWORD, cword);
    gcp__zero8(p + GCP_OBJ_HEADER_BYTES, size - GCP_OBJ_HEADER_BYTES);
}

/* gcp__obj_init for size <= GCP_OBJ_HEADER_BYTES + GCP__FAST_ZERO_MAX:
 * no library call. */
static GCP__ALWAYS_INLINE void gcp__obj_init_small(gcp_heap *heap, gcp_ref off, gcp_kind kind,
                                                   uint32_t type_index, uint32_t size,
                                                   uint32_t cword)
{
    uint8_t *p = heap->mem->base + off;
    gcp__store32(p + GCP_HDR_KIND, (uint32_t)kind);
    gcp__store32(p + GCP_HDR_TYPE, type_index);
    gcp__store32(p + GCP_HDR_SIZE, size);
    gcp__store32(p + GCP_HDR_CWORD, cword);
    gcp__zero_small(p + GCP_OBJ_HEADER_BYTES, size - GCP_OBJ_HEADER_BYTES);
}

/* Writes a free-block header (kind GCP_KIND_FREE, the size, and `next` in the
 * collector word, e.g. a free-list link) at off. */
void gcp__block_init_free(gcp_heap *heap, gcp_ref off, uint32_t size, uint32_t next);

/* gcp_heap_alloc_struct_init without its fast path (lib/bulk.c): every
 * check, with the exact statuses. */
gcp_status gcp__alloc_struct_init_slow(gcp_heap *heap, uint32_t type_index, const void *fields,
                                       size_t len, gcp_ref *out);

/* The host-data id of a validated externref. */
static inline uint32_t gcp__externref_id(const gcp_obj *o) { return gcp__load32(o->p + GCP_OBJ_PAYLOAD); }

#endif

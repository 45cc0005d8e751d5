/* SPDX-License-Identifier: MIT */
/* Object validation: every object the core or a collector uses passes here
 * first (see lib/object.h). */
#include "lib/object.h"

#include "lib/error.h"

uint64_t gcp__obj_size_for(gcp_kind kind, const gcp_type *type, uint32_t length)
{
    uint64_t n;
    switch (kind) {
    case GCP_KIND_EXTERNREF:
        n = GCP_EXTERNREF_BYTES;
        break;
    case GCP_KIND_STRUCT:
        n = gcp__align8((uint64_t)GCP_OBJ_PAYLOAD + type->payload_bytes);
        break;
    case GCP_KIND_ARRAY:
        n = gcp__align8((uint64_t)GCP_ARRAY_ELEMS + (uint64_t)length * type->elem_bytes);
        break;
    default:
        return 0;
    }
    return n > UINT32_MAX ? 0 : n;
}

/* Reads the header at ref into out after checking that the header lies in
 * bounds.  Checks everything except what depends on the kind. */
static gcp_status read_header(gcp_heap *heap, gcp_ref ref, gcp_obj *out)
{
    if (!gcp_ref_is_heap(ref))
        return GCP_EINVAL;
    size_t bound = heap->mem->bound;
    if ((ref & (GCP_OBJ_ALIGN - 1)) != 0 || (uint64_t)ref + GCP_OBJ_HEADER_BYTES > bound)
        return gcp__heap_corrupt(heap);
    uint8_t *p = heap->mem->base + ref;
    uint32_t w0 = gcp__load32(p + GCP_HDR_KIND);
    if (w0 >> 16)
        return gcp__heap_corrupt(heap);
    out->p = p;
    out->ref = ref;
    out->kind = (gcp_kind)(w0 & 0xffu);
    out->flags = (uint8_t)(w0 >> 8);
    out->type_index = gcp__load32(p + GCP_HDR_TYPE);
    out->size = gcp__load32(p + GCP_HDR_SIZE);
    out->length = 0;
    out->type = NULL;
    if ((uint64_t)ref + out->size > bound)
        return gcp__heap_corrupt(heap);
    return GCP_OK;
}

static gcp_status check_object(gcp_heap *heap, gcp_obj *o)
{
    switch (o->kind) {
    case GCP_KIND_EXTERNREF:
        if (o->type_index != 0)
            return gcp__heap_corrupt(heap);
        break;
    case GCP_KIND_STRUCT:
    case GCP_KIND_ARRAY:
        o->type = gcp__heap_type(heap, o->type_index);
        if (!o->type || o->type->kind != o->kind)
            return gcp__heap_corrupt(heap);
        break;
    default:
        return gcp__heap_corrupt(heap);
    }
    if (o->kind == GCP_KIND_ARRAY) {
        /* The length word lies inside the header-checked range only once
         * the size says so. */
        if (o->size < GCP_ARRAY_ELEMS)
            return gcp__heap_corrupt(heap);
        o->length = gcp__load32(o->p + GCP_ARRAY_LENGTH);
    }
    uint64_t want;
    if (o->kind == GCP_KIND_STRUCT)
        want = o->type->obj_bytes;   /* gcp__obj_size_for, precomputed */
    else
        want = gcp__obj_size_for(o->kind, o->type, o->length);
    if (want == 0 || want != o->size)
        return gcp__heap_corrupt(heap);
    return GCP_OK;
}

/* Debug mode: does ref point at a free block or at poison (memory a
 * collection freed or vacated)? */
static bool stale(const gcp_heap *heap, gcp_ref ref)
{
    if (!gcp_ref_is_heap(ref) || (ref & (GCP_OBJ_ALIGN - 1)) != 0 ||
        (uint64_t)ref + GCP_OBJ_HEADER_BYTES > heap->mem->bound)
        return false;
    uint32_t w0 = gcp__load32(heap->mem->base + ref);
    return w0 == (uint32_t)GCP_KIND_FREE || w0 == GCP_DEBUG_POISON * 0x01010101u;
}

/* The common case of gcp__obj_check in one pass (gcp__obj_is for the kind
 * the header names, with the heap's type snapshot): true with *out filled
 * exactly as the full check fills it, false (nothing decided) otherwise. */
static inline bool obj_fast(gcp_heap *heap, gcp_ref ref, gcp_obj *out)
{
    if (ref == 0 || (ref & (GCP_OBJ_ALIGN - 1)) != 0 ||
        (uint64_t)ref + GCP_OBJ_HEADER_BYTES > heap->mem->bound)
        return false;
    const uint8_t *p = heap->mem->base + ref;
    gcp_objv v;
    gcp_kind kind = (gcp_kind)p[GCP_HDR_KIND];
    switch (kind) {
    case GCP_KIND_EXTERNREF:
        if (!gcp__obj_is(heap, ref, GCP_KIND_EXTERNREF, &v))
            return false;
        break;
    case GCP_KIND_STRUCT:
        if (!gcp__obj_is(heap, ref, GCP_KIND_STRUCT, &v))
            return false;
        break;
    case GCP_KIND_ARRAY:
        if (!gcp__obj_is(heap, ref, GCP_KIND_ARRAY, &v))
            return false;
        break;
    default:
        return false;
    }
    out->p = v.p;
    out->ref = ref;
    out->kind = kind;
    out->flags = p[1];
    out->type_index = gcp__load32(p + GCP_HDR_TYPE);
    out->size = gcp__load32(p + GCP_HDR_SIZE);
    out->length = v.length;
    out->type = v.type;
    return true;
}

gcp_status gcp__obj_check(gcp_heap *heap, gcp_ref ref, gcp_obj *out)
{
    if (heap->debug && stale(heap, ref))
        return gcp__fail(GCP_ESTALEREF,
                         "stale ref 0x%x: it points at memory a collection freed or vacated "
                         "(kept across a collection without a root or handle?)",
                         (unsigned)ref);
    if (obj_fast(heap, ref, out))
        return GCP_OK;
    gcp_status st = read_header(heap, ref, out);
    if (st != GCP_OK)
        return st;
    return check_object(heap, out);
}

gcp_status gcp__obj_check_block(gcp_heap *heap, gcp_ref ref, gcp_obj *out)
{
    if (obj_fast(heap, ref, out))
        return GCP_OK;
    gcp_status st = read_header(heap, ref, out);
    if (st != GCP_OK)
        return st;
    if (out->kind == GCP_KIND_FREE) {
        if (out->size < GCP_OBJ_HEADER_BYTES || (out->size & (GCP_OBJ_ALIGN - 1)) != 0)
            return gcp__heap_corrupt(heap);
        return GCP_OK;
    }
    return check_object(heap, out);
}

gcp_status gcp__host_ref(gcp_heap *heap, gcp_ref ref, int want, gcp_objv *v)
{
    if (want == GCP__WANT_VALUE)
        return gcp_ref_is_heap(ref) ? gcp__ref_check(heap, ref) : GCP_OK;
    if (want != GCP__WANT_OBJECT && gcp__obj_is(heap, ref, (gcp_kind)want, v))
        return GCP_OK;
    /* The exact status: gcp__obj_check's, then the kind. */
    gcp_obj o;
    gcp_status st = gcp__obj_check(heap, ref, &o);
    if (st != GCP_OK)
        return st;
    if (want != GCP__WANT_OBJECT && o.kind != (gcp_kind)want)
        return GCP_ETYPE;
    v->p = o.p;
    v->type = o.type;
    v->length = o.length;
    return GCP_OK;
}

gcp_status gcp__ref_check(gcp_heap *heap, gcp_ref ref)
{
    if (!gcp_ref_is_heap(ref))
        return GCP_OK;
    gcp_obj o;
    return gcp__obj_check(heap, ref, &o);
}

void gcp__block_init_free(gcp_heap *heap, gcp_ref off, uint32_t size, uint32_t next)
{
    uint8_t *p = heap->mem->base + off;
    gcp__store32(p + GCP_HDR_KIND, (uint32_t)GCP_KIND_FREE);
    gcp__store32(p + GCP_HDR_TYPE, 0);
    gcp__store32(p + GCP_HDR_SIZE, size);
    gcp__store32(p + GCP_HDR_CWORD, next);
}

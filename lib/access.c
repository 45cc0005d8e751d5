/* SPDX-License-Identifier: MIT */
/* Allocation and field access: argument checks, object validation, then the
 * collector (for space) and the write barrier (for ref stores). */
#include <string.h>

#include "lib/collector.h"
#include "lib/heap.h"
#include "lib/hostdata.h"
#include "lib/object.h"
#include "lib/types.h"

gcp_status gcp__heap_usable(const gcp_heap *heap)
{
    if (!heap)
        return GCP_EINVAL;
    if (heap->poisoned)
        return GCP_EPOISONED;
    if (heap->gc.active)
        return GCP_EBUSY;
    return GCP_OK;
}

/* ---------------------------------------------------------------- headers */

gcp_status gcp_heap_header(gcp_heap *heap, gcp_ref ref, gcp_header *out)
{
    gcp_status st = gcp__heap_usable(heap);
    if (st != GCP_OK)
        return st;
    if (!out)
        return GCP_EINVAL;
    gcp_obj o;
    st = gcp__obj_check(heap, ref, &o);
    if (st != GCP_OK)
        return st;
    out->kind = o.kind;
    out->flags = o.flags;
    out->type_index = o.type_index;
    return GCP_OK;
}

/* ---------------------------------------------------------------- allocation */

static gcp_status alloc_obj(gcp_heap *heap, gcp_kind kind, uint32_t type_index,
                            const gcp_type *type, uint32_t length, gcp_ref *out)
{
    uint64_t size = gcp__obj_size_for(kind, type, length);
    if (size == 0)
        return GCP_ETOOLARGE;
    gcp_ref r = 0;
    gcp_status st = heap->ops->alloc(heap, (uint32_t)size, &r);
    /* The one place the rule is decided: once the host has collected,
     * no room means no room (the retry loop stops). */
    if (st == GCP_NEED_GC && heap->collected_since_alloc)
        st = GCP_ELIMIT;
    if (st != GCP_OK)
        return st;
    /* A collector bug or a hostile free list must not send the header
     * outside the heap. */
    if (!gcp_ref_is_heap(r) || (r & (GCP_OBJ_ALIGN - 1)) != 0 || (uint64_t)r + size > heap->mem->bound)
        return gcp__heap_corrupt(heap);
    gcp__obj_init(heap, r, kind, type_index, (uint32_t)size, heap->ops->new_object_word);
    if (kind == GCP_KIND_ARRAY)
        gcp__store32(heap->mem->base + r + GCP_ARRAY_LENGTH, length);
    heap->collected_since_alloc = false;
    *out = r;
    return GCP_OK;
}

gcp_status gcp_heap_alloc_externref(gcp_heap *heap, gcp_hostdata *table,
                                    uint32_t host_data_id, gcp_ref *out)
{
    gcp_status st = gcp__heap_usable(heap);
    if (st != GCP_OK)
        return st;
    /* An id serves one externref: a second binding is refused. */
    if (!out || !gcp__hostdata_unbound(table, host_data_id))
        return GCP_EINVAL;
    gcp_ref r;
    st = alloc_obj(heap, GCP_KIND_EXTERNREF, 0, NULL, 0, &r);
    if (st != GCP_OK)
        return st;
    (void)gcp__hostdata_bind(table, host_data_id, r);   /* checked above */
    gcp__store32(heap->mem->base + r + GCP_OBJ_PAYLOAD, host_data_id);
    *out = r;
    return GCP_OK;
}

/* Struct and array allocation: the type must be registered and of `kind`. */
static gcp_status alloc_typed(gcp_heap *heap, gcp_kind kind, uint32_t type_index,
                              uint32_t length, gcp_ref *out)
{
    gcp_status st = gcp__heap_usable(heap);
    if (st != GCP_OK)
        return st;
    if (!out)
        return GCP_EINVAL;
    const gcp_type *t = gcp__types_get(heap->types, type_index);
    if (!t || t->kind != kind)
        return GCP_ETYPE;
    return alloc_obj(heap, kind, type_index, t, length, out);
}

gcp_status gcp_heap_alloc_struct(gcp_heap *heap, uint32_t type_index, gcp_ref *out)
{
    return alloc_typed(heap, GCP_KIND_STRUCT, type_index, 0, out);
}

gcp_status gcp_heap_alloc_array(gcp_heap *heap, uint32_t type_index, uint32_t length,
                                gcp_ref *out)
{
    return alloc_typed(heap, GCP_KIND_ARRAY, type_index, length, out);
}

/* Validates ref as an object of `kind` (GCP_EINVAL for null/i31, GCP_ETYPE
 * for another kind). */
static gcp_status get_obj(gcp_heap *heap, gcp_ref ref, gcp_kind kind, gcp_obj *o)
{
    gcp_status st = gcp__heap_usable(heap);
    if (st != GCP_OK)
        return st;
    st = gcp__obj_check(heap, ref, o);
    if (st != GCP_OK)
        return st;
    return o->kind == kind ? GCP_OK : GCP_ETYPE;
}

gcp_status gcp_heap_externref_host_data(gcp_heap *heap, gcp_ref ref, uint32_t *out_id)
{
    gcp_obj o;
    gcp_status st = get_obj(heap, ref, GCP_KIND_EXTERNREF, &o);
    if (st != GCP_OK)
        return st;
    if (!out_id)
        return GCP_EINVAL;
    *out_id = gcp__externref_id(&o);
    return GCP_OK;
}

gcp_status gcp_heap_externref_data(gcp_heap *heap, gcp_hostdata *table, gcp_ref ref,
                                   void **out)
{
    uint32_t id;
    gcp_status st = gcp_heap_externref_host_data(heap, ref, &id);
    if (st != GCP_OK)
        return st;
    if (!table || !out)
        return GCP_EINVAL;
    /* A live externref always holds the live id bound to it: anything else
     * (a stale id, another object's id) was written into the heap. */
    if (gcp__hostdata_lookup(table, id, ref, out) != GCP_OK)
        return gcp__heap_corrupt(heap);
    return GCP_OK;
}

/* ---------------------------------------------------------------- ref stores */

/* The write barrier on a slot at byte `at` of validated object o: checks
 * the old value read from the heap and the new one, lets the collector see
 * the change, then stores. */
static gcp_status store_ref(gcp_heap *heap, gcp_hostdata *table, const gcp_obj *o,
                            uint32_t at, gcp_ref value)
{
    gcp_ref old = gcp__load32(o->p + at);
    gcp_status st = gcp__ref_check(heap, old);
    if (st == GCP_OK)
        st = gcp__ref_check(heap, value);
    if (st != GCP_OK)
        return st;
    if (heap->ops->write) {
        st = heap->ops->write(heap, table, o->ref, old, value);
        if (st != GCP_OK)
            return st;
    }
    gcp__store32(o->p + at, value);
    return GCP_OK;
}

/* A ref read from the heap, validated before it reaches the host. */
static gcp_status load_ref(gcp_heap *heap, const gcp_obj *o, uint32_t at, gcp_ref *out)
{
    gcp_ref v = gcp__load32(o->p + at);
    gcp_status st = gcp__ref_check(heap, v);
    if (st != GCP_OK)
        return st;
    *out = v;
    return GCP_OK;
}

/* ---------------------------------------------------------------- structs */

/* Index of the first ref field ending after `offset` (n_refs if none). */
static uint32_t first_ref_after(const gcp_type *t, uint32_t offset)
{
    uint32_t lo = 0, hi = t->n_refs;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        if ((uint64_t)t->ref_offsets[mid] + 4u > offset)
            hi = mid;
        else
            lo = mid + 1;
    }
    return lo;
}

/* Checks that [offset, offset + 4) is a ref field of struct o. */
static gcp_status ref_field(const gcp_obj *o, uint32_t offset)
{
    const gcp_type *t = o->type;
    if ((uint64_t)offset + 4u > t->payload_bytes)
        return GCP_EBOUNDS;
    uint32_t i = first_ref_after(t, offset);
    return (i < t->n_refs && t->ref_offsets[i] == offset) ? GCP_OK : GCP_ETYPE;
}

/* memcpy with the common field widths as constants, so that they compile
 * to single moves instead of a library call. */
static inline void copy_scalar(void *dst, const void *src, size_t len)
{
    switch (len) {
    case 8: memcpy(dst, src, 8); break;
    case 4: memcpy(dst, src, 4); break;
    case 2: memcpy(dst, src, 2); break;
    case 1: memcpy(dst, src, 1); break;
    default: memcpy(dst, src, len); break;
    }
}

/* Checks that [offset, offset + len) lies in the payload and holds no ref. */
static gcp_status scalar_range(const gcp_obj *o, uint32_t offset, size_t len)
{
    const gcp_type *t = o->type;
    if (len == 0 || len > GCP_MAX_STRUCT_BYTES || len > t->payload_bytes ||
        offset > t->payload_bytes - len)
        return GCP_EBOUNDS;
    uint32_t i = first_ref_after(t, offset);
    if (i < t->n_refs && t->ref_offsets[i] < offset + len)
        return GCP_ETYPE;
    return GCP_OK;
}

gcp_status gcp_struct_get_ref(gcp_heap *heap, gcp_ref obj, uint32_t offset, gcp_ref *out)
{
    gcp_obj o;
    gcp_status st = get_obj(heap, obj, GCP_KIND_STRUCT, &o);
    if (st == GCP_OK)
        st = out ? ref_field(&o, offset) : GCP_EINVAL;
    if (st != GCP_OK)
        return st;
    return load_ref(heap, &o, GCP_OBJ_PAYLOAD + offset, out);
}

gcp_status gcp_struct_set_ref(gcp_heap *heap, gcp_hostdata *table, gcp_ref obj,
                              uint32_t offset, gcp_ref value)
{
    gcp_obj o;
    gcp_status st = get_obj(heap, obj, GCP_KIND_STRUCT, &o);
    if (st == GCP_OK)
        st = ref_field(&o, offset);
    if (st != GCP_OK)
        return st;
    return store_ref(heap, table, &o, GCP_OBJ_PAYLOAD + offset, value);
}

gcp_status gcp_struct_read(gcp_heap *heap, gcp_ref obj, uint32_t offset, void *buf, size_t len)
{
    gcp_obj o;
    gcp_status st = get_obj(heap, obj, GCP_KIND_STRUCT, &o);
    if (st == GCP_OK)
        st = buf ? scalar_range(&o, offset, len) : GCP_EINVAL;
    if (st != GCP_OK)
        return st;
    if (len > GCP_MAX_STRUCT_BYTES) /* scalar_range refused it; this tells the optimiser */
        return GCP_EBOUNDS;
    copy_scalar(buf, o.p + GCP_OBJ_PAYLOAD + offset, len);
    return GCP_OK;
}

gcp_status gcp_struct_write(gcp_heap *heap, gcp_ref obj, uint32_t offset, const void *buf,
                            size_t len)
{
    gcp_obj o;
    gcp_status st = get_obj(heap, obj, GCP_KIND_STRUCT, &o);
    if (st == GCP_OK)
        st = buf ? scalar_range(&o, offset, len) : GCP_EINVAL;
    if (st != GCP_OK)
        return st;
    if (len > GCP_MAX_STRUCT_BYTES) /* scalar_range refused it; this tells the optimiser */
        return GCP_EBOUNDS;
    copy_scalar(o.p + GCP_OBJ_PAYLOAD + offset, buf, len);
    return GCP_OK;
}

/* ---------------------------------------------------------------- arrays */

/* Validates arr and index; `refs` says which element kind the caller wants. */
static gcp_status array_elem(gcp_heap *heap, gcp_ref arr, uint32_t index, bool refs,
                             gcp_obj *o, uint32_t *at)
{
    gcp_status st = get_obj(heap, arr, GCP_KIND_ARRAY, o);
    if (st != GCP_OK)
        return st;
    if (o->type->elems_are_refs != refs)
        return GCP_ETYPE;
    if (index >= o->length)
        return GCP_EBOUNDS;
    *at = GCP_ARRAY_ELEMS + index * o->type->elem_bytes;
    return GCP_OK;
}

gcp_status gcp_array_length(gcp_heap *heap, gcp_ref arr, uint32_t *out)
{
    gcp_obj o;
    gcp_status st = get_obj(heap, arr, GCP_KIND_ARRAY, &o);
    if (st != GCP_OK)
        return st;
    if (!out)
        return GCP_EINVAL;
    *out = o.length;
    return GCP_OK;
}

gcp_status gcp_array_get_ref(gcp_heap *heap, gcp_ref arr, uint32_t index, gcp_ref *out)
{
    gcp_obj o;
    uint32_t at;
    gcp_status st = array_elem(heap, arr, index, true, &o, &at);
    if (st != GCP_OK)
        return st;
    if (!out)
        return GCP_EINVAL;
    return load_ref(heap, &o, at, out);
}

gcp_status gcp_array_set_ref(gcp_heap *heap, gcp_hostdata *table, gcp_ref arr,
                             uint32_t index, gcp_ref value)
{
    gcp_obj o;
    uint32_t at;
    gcp_status st = array_elem(heap, arr, index, true, &o, &at);
    if (st != GCP_OK)
        return st;
    return store_ref(heap, table, &o, at, value);
}

gcp_status gcp_array_read(gcp_heap *heap, gcp_ref arr, uint32_t index, void *out)
{
    gcp_obj o;
    uint32_t at;
    gcp_status st = array_elem(heap, arr, index, false, &o, &at);
    if (st != GCP_OK)
        return st;
    if (!out)
        return GCP_EINVAL;
    memcpy(out, o.p + at, o.type->elem_bytes);
    return GCP_OK;
}

gcp_status gcp_array_write(gcp_heap *heap, gcp_ref arr, uint32_t index, const void *in)
{
    gcp_obj o;
    uint32_t at;
    gcp_status st = array_elem(heap, arr, index, false, &o, &at);
    if (st != GCP_OK)
        return st;
    if (!in)
        return GCP_EINVAL;
    memcpy(o.p + at, in, o.type->elem_bytes);
    return GCP_OK;
}

/* SPDX-License-Identifier: MIT */
/* Allocation and field access: argument checks, object validation, then the
 * collector (for space) and the write barrier (for ref stores).
 *
 * The operations the host calls per object (struct and array allocation,
 * scalar reads and writes) have a fast path: the heap usable and the ref
 * validated by gcp__host_ref_fast (lib/object.h) in one pass specialised
 * to the kind the operation wants, its type found through the heap's
 * snapshot of the registry; the operation then uses what that pass
 * established and checks nothing twice.  Small payloads are copied and
 * new small objects zeroed with fixed-width moves, and the room for a new
 * object is taken inline where the collector allows it (the null
 * collector's bump pointer, the free lists' frontier of DRC and
 * mark-sweep: gcp_collector_ops.inline_alloc).  Anything the fast path does not
 * accept (an error, a snapshot to refresh, a heap to grow, another
 * collector) is a tail call to the slow path: the full checks of
 * gcp__heap_usable and gcp__host_ref, with their exact statuses.  So the
 * fast paths make no call and keep everything in registers. */
#include <string.h>

#include "lib/collector.h"
#include "lib/heap.h"
#include "lib/hostdata.h"
#include "lib/null.h"
#include "lib/object.h"
#include "lib/trace.h"
#include "lib/types.h"

/* The heap usable for a mutator operation, as gcp__heap_usable == GCP_OK. */
static GCP__ALWAYS_INLINE bool heap_usable_fast(const gcp_heap *heap)
{
    return heap && !heap->poisoned && !heap->gc_active;
}

/* Room for `size` bytes (a multiple of 8) where the collector allows the
 * core to take it inline (gcp_collector_ops.inline_alloc): true with *r,
 * inside the bound, or false with nothing changed. */
static GCP__ALWAYS_INLINE bool inline_space(gcp_heap *heap, uint64_t size, gcp_ref *r)
{
    switch (heap->ops->inline_alloc) {
    case GCP_INLINE_ALLOC_BUMP:
        return gcp__null_bump(heap, size, r);
    case GCP_INLINE_ALLOC_FREELIST:
        return gcp__fl_bump(&((gcp_flc *)heap->cdata)->fl, size, r);
    default:
        return false;
    }
}

/* ---------------------------------------------------------------- headers */

gcp_status gcp_heap_header(gcp_heap *heap, gcp_ref ref, gcp_header *out)
{
    gcp_status st = gcp__heap_usable(heap);
    if (st != GCP_OK)
        return st;
    if (!out)
        return GCP_EINVAL;
    gcp_objv v;
    st = gcp__host_ref(heap, ref, GCP__WANT_OBJECT, &v);
    if (st != GCP_OK)
        return st;
    uint32_t w0 = gcp__load32(v.p + GCP_HDR_KIND);   /* validated: bits 16..31 zero */
    out->kind = (gcp_kind)(w0 & 0xffu);
    out->flags = (uint8_t)(w0 >> 8);
    out->type_index = gcp__load32(v.p + GCP_HDR_TYPE);
    return GCP_OK;
}

/* ---------------------------------------------------------------- allocation */

/* Space for an object of `size` bytes from the heap's collector: taken
 * inline where the collector allows it (inline_space: the ref is then in
 * bounds), otherwise from the alloc hook, whose answer is checked. */
static GCP__ALWAYS_INLINE gcp_status collector_alloc(gcp_heap *heap, uint32_t size,
                                                     gcp_ref *out)
{
    gcp_ref r = 0;
    gcp_status st;
    if (inline_space(heap, size, &r)) {
        st = GCP_OK;
    } else {
        st = heap->ops->alloc(heap, size, &r);
        /* A collector bug or a hostile free list must not send the header
         * outside the heap. */
        if (st == GCP_OK && (!gcp_ref_is_heap(r) || (r & (GCP_OBJ_ALIGN - 1)) != 0 ||
                             (uint64_t)r + size > heap->mem->bound))
            return gcp__heap_corrupt(heap);
    }
    /* The one place the rule is decided: once the host has collected,
     * no room means no room (the retry loop stops). */
    if (st == GCP_NEED_GC && heap->collected_since_alloc)
        st = GCP_ELIMIT;
    if (st == GCP_OK)
        *out = r;
    return st;
}

/* Allocates and initialises an object of `size` bytes (from
 * gcp__obj_size_for, non-zero); `length` is written for arrays. */
static GCP__ALWAYS_INLINE gcp_status alloc_obj(gcp_heap *heap, gcp_kind kind,
                                               uint32_t type_index, uint32_t size,
                                               uint32_t length, gcp_ref *out)
{
    gcp_ref r;
    gcp_status st = collector_alloc(heap, size, &r);
    if (st != GCP_OK)
        return st;
    gcp__obj_init(heap, r, kind, type_index, size, heap->ops->new_object_word);
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
    st = alloc_obj(heap, GCP_KIND_EXTERNREF, 0, GCP_EXTERNREF_BYTES, 0, &r);
    if (st != GCP_OK)
        return st;
    heap->externrefs = true;
    (void)gcp__hostdata_bind(table, host_data_id, r);   /* checked above */
    gcp__store32(heap->mem->base + r + GCP_OBJ_PAYLOAD, host_data_id);
    *out = r;
    return GCP_OK;
}

/* The slow path of struct allocation: every check, then any collector
 * (not cold: it is the only path of the collectors other than null). */
static __attribute__((noinline)) gcp_status alloc_struct_slow(gcp_heap *heap,
                                                              uint32_t type_index, gcp_ref *out)
{
    gcp_status st = gcp__heap_usable(heap);
    if (st != GCP_OK)
        return st;
    if (!out)
        return GCP_EINVAL;
    const gcp_type *t = gcp__heap_type(heap, type_index);
    if (!t || t->kind != GCP_KIND_STRUCT)
        return GCP_ETYPE;
    return alloc_obj(heap, GCP_KIND_STRUCT, type_index, t->obj_bytes, 0, out);
}

/* A new small struct at r (room taken inline): header, zeroed payload. */
static GCP__ALWAYS_INLINE gcp_status new_small_struct(gcp_heap *heap, gcp_ref r,
                                                      uint32_t type_index, uint32_t size,
                                                      gcp_ref *out)
{
    heap->collected_since_alloc = false;
    *out = r;
    gcp__obj_init_small(heap, r, GCP_KIND_STRUCT, type_index, size, heap->ops->new_object_word);
    return GCP_OK;
}

/* gcp_heap_alloc_struct's fast path on free lists, apart: their registers
 * would otherwise be saved on every allocation, the bump pointer's too. */
static __attribute__((noinline)) gcp_status alloc_struct_fl(gcp_heap *heap, uint32_t type_index,
                                                            uint32_t size, gcp_ref *out)
{
    gcp_ref r;
    if (gcp__fl_bump(&((gcp_flc *)heap->cdata)->fl, size, &r))
        return new_small_struct(heap, r, type_index, size, out);
    return alloc_struct_slow(heap, type_index, out);
}

gcp_status gcp_heap_alloc_struct(gcp_heap *heap, uint32_t type_index, gcp_ref *out)
{
    /* The fast path: a usable heap, a struct type in the snapshot, a
     * payload it zeroes inline, room the collector lets the core take
     * (gcp_collector_ops.inline_alloc). */
    if (heap_usable_fast(heap) && out && type_index < heap->tsnap.n) {
        const gcp_type *t = heap->tsnap.first + type_index;
        const uint32_t size = t->obj_bytes;
        if (t->kind == GCP_KIND_STRUCT && size <= GCP_OBJ_HEADER_BYTES + GCP__FAST_ZERO_MAX) {
            gcp_ref r;
            switch (heap->ops->inline_alloc) {
            case GCP_INLINE_ALLOC_BUMP:
                if (gcp__null_bump(heap, size, &r))
                    return new_small_struct(heap, r, type_index, size, out);
                break;
            case GCP_INLINE_ALLOC_FREELIST:
                return alloc_struct_fl(heap, type_index, size, out);
            default:
                break;
            }
        }
    }
    return alloc_struct_slow(heap, type_index, out);
}

/* Every ref field of the image `fields` of type t passes gcp__value_fast. */
static GCP__ALWAYS_INLINE bool image_refs_fast(gcp_heap *heap, const gcp_type *t,
                                               const uint8_t *fields)
{
    for (uint32_t i = 0; i < t->n_refs; i++)
        if (!gcp__value_fast(heap, gcp__load32(fields + t->ref_offsets[i])))
            return false;
    return true;
}

gcp_status gcp_heap_alloc_struct_init(gcp_heap *heap, uint32_t type_index, const void *fields,
                                      size_t len, gcp_ref *out)
{
    /* The fast path: gcp_heap_alloc_struct's, for an image of at most
     * GCP__FAST_COPY_MAX bytes whose refs gcp__value_fast accepts.  As in
     * the slow path, each ref field goes from null to its value through
     * the barrier, and a barrier that fails gives the new object up. */
    gcp_ref r;
    if (heap_usable_fast(heap) && out && fields && type_index < heap->tsnap.n) {
        const gcp_type *t = heap->tsnap.first + type_index;
        const uint32_t size = t->obj_bytes;
        if (t->kind == GCP_KIND_STRUCT && len == t->payload_bytes && len <= GCP__FAST_COPY_MAX &&
            size <= GCP_OBJ_HEADER_BYTES + GCP__FAST_ZERO_MAX &&
            image_refs_fast(heap, t, fields) && inline_space(heap, size, &r)) {
            heap->collected_since_alloc = false;
            gcp__obj_init_small(heap, r, GCP_KIND_STRUCT, type_index, size,
                                heap->ops->new_object_word);
            uint8_t *payload = heap->mem->base + r + GCP_OBJ_PAYLOAD;
            gcp__copy_small(payload, fields, len);
            if (heap->ops->write) {
                const uint8_t *img = fields;
                for (uint32_t i = 0; i < t->n_refs; i++)
                    gcp__store32(payload + t->ref_offsets[i], GCP_REF_NULL);
                for (uint32_t i = 0; i < t->n_refs; i++) {
                    const uint32_t off = t->ref_offsets[i];
                    const gcp_ref v = gcp__load32(img + off);
                    if (gcp_ref_is_heap(v)) {
                        gcp_status st = heap->ops->write(heap, NULL, r, GCP_REF_NULL, v);
                        if (st != GCP_OK) {
                            (void)heap->ops->write(heap, NULL, GCP_REF_NULL, r, GCP_REF_NULL);
                            return st;
                        }
                    }
                    gcp__store32(payload + off, v);
                }
            }
            *out = r;
            return GCP_OK;
        }
    }
    return gcp__alloc_struct_init_slow(heap, type_index, fields, len, out);
}

static __attribute__((noinline)) gcp_status alloc_array_slow(gcp_heap *heap,
                                                             uint32_t type_index,
                                                             uint32_t length, gcp_ref *out)
{
    gcp_status st = gcp__heap_usable(heap);
    if (st != GCP_OK)
        return st;
    if (!out)
        return GCP_EINVAL;
    const gcp_type *t = gcp__heap_type(heap, type_index);
    if (!t || t->kind != GCP_KIND_ARRAY)
        return GCP_ETYPE;
    uint64_t size = gcp__obj_size_for(GCP_KIND_ARRAY, t, length);
    if (size == 0)
        return GCP_ETOOLARGE;
    return alloc_obj(heap, GCP_KIND_ARRAY, type_index, (uint32_t)size, length, out);
}

gcp_status gcp_heap_alloc_array(gcp_heap *heap, uint32_t type_index, uint32_t length,
                                gcp_ref *out)
{
    /* As gcp_heap_alloc_struct. */
    gcp_ref r;
    if (heap_usable_fast(heap) && out && type_index < heap->tsnap.n) {
        const gcp_type *t = heap->tsnap.first + type_index;
        /* At most 24 + (2^32 - 1) * 8: no overflow. */
        const uint64_t size =
            gcp__align8((uint64_t)GCP_ARRAY_ELEMS + ((uint64_t)length << t->elem_shift));
        if (t->kind == GCP_KIND_ARRAY && size <= GCP_OBJ_HEADER_BYTES + GCP__FAST_ZERO_MAX &&
            inline_space(heap, size, &r)) {
            heap->collected_since_alloc = false;
            *out = r;
            gcp__obj_init_small(heap, r, GCP_KIND_ARRAY, type_index, (uint32_t)size,
                                heap->ops->new_object_word);
            gcp__store32(heap->mem->base + r + GCP_ARRAY_LENGTH, length);
            return GCP_OK;
        }
    }
    return alloc_array_slow(heap, type_index, length, out);
}

/* Validates ref, given by the host, as an object of `kind` for a mutator
 * operation: the heap usable, then gcp__host_ref. */
static GCP__ALWAYS_INLINE gcp_status get_obj(gcp_heap *heap, gcp_ref ref, gcp_kind kind,
                                             gcp_objv *v)
{
    gcp_status st = gcp__heap_usable(heap);
    if (st != GCP_OK)
        return st;
    if (gcp__host_ref_fast(heap, ref, kind, v))
        return GCP_OK;
    return gcp__host_ref(heap, ref, (int)kind, v);
}

/* The id of externref ref (validated as one). */
static gcp_status externref_id(gcp_heap *heap, gcp_ref ref, uint32_t *out_id)
{
    gcp_objv v;
    gcp_status st = get_obj(heap, ref, GCP_KIND_EXTERNREF, &v);
    if (st != GCP_OK)
        return st;
    if (!out_id)
        return GCP_EINVAL;
    *out_id = gcp__load32(v.p + GCP_OBJ_PAYLOAD);
    return GCP_OK;
}

gcp_status gcp_heap_externref_host_data(gcp_heap *heap, gcp_ref ref, uint32_t *out_id)
{
    return externref_id(heap, ref, out_id);
}

gcp_status gcp_heap_externref_data(gcp_heap *heap, gcp_hostdata *table, gcp_ref ref,
                                   void **out)
{
    uint32_t id;
    gcp_status st = externref_id(heap, ref, &id);
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
static GCP__ALWAYS_INLINE gcp_status store_ref(gcp_heap *heap, gcp_hostdata *table,
                                               gcp_ref owner, const gcp_objv *o, uint32_t at,
                                               gcp_ref value)
{
    gcp_ref old = gcp__load32(o->p + at);
    gcp_status st;
    if (!gcp__value_fast(heap, old) || !gcp__value_fast(heap, value)) {
        st = gcp__ref_check(heap, old);
        if (st == GCP_OK)
            st = gcp__host_ref(heap, value, GCP__WANT_VALUE, NULL);
        if (st != GCP_OK)
            return st;
    }
    /* DRC's counts while none reaches zero: without the hook's call. */
    if (heap->ops->write && !(heap->barrier == GCP__BARRIER_COUNTS &&
                              gcp__inl_recount(heap->mem->base, old, value))) {
        st = heap->ops->write(heap, table, owner, old, value);
        if (st != GCP_OK)
            return st;
    }
    gcp__store32(o->p + at, value);
    return GCP_OK;
}

/* A ref read from the heap, validated before it reaches the host. */
static GCP__ALWAYS_INLINE gcp_status load_ref(gcp_heap *heap, const gcp_objv *o, uint32_t at,
                                              gcp_ref *out)
{
    gcp_ref v = gcp__load32(o->p + at);
    if (!gcp__value_fast(heap, v)) {
        gcp_status st = gcp__ref_check(heap, v);
        if (st != GCP_OK)
            return st;
    }
    *out = v;
    return GCP_OK;
}

/* ---------------------------------------------------------------- structs */

/* Index of the first ref field ending after `offset` (n_refs if none). */
static GCP__ALWAYS_INLINE uint32_t first_ref_after(const gcp_type *t, uint32_t offset)
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
static GCP__ALWAYS_INLINE gcp_status ref_field(const gcp_objv *o, uint32_t offset)
{
    const gcp_type *t = o->type;
    if ((uint64_t)offset + 4u > t->payload_bytes)
        return GCP_EBOUNDS;
    uint32_t i = first_ref_after(t, offset);
    return (i < t->n_refs && t->ref_offsets[i] == offset) ? GCP_OK : GCP_ETYPE;
}

/* Checks that [offset, offset + len) lies in the payload and holds no ref. */
static gcp_status scalar_range(const gcp_objv *o, uint32_t offset, size_t len)
{
    const gcp_type *t = o->type;
    /* len - 1 wraps for 0; payload_bytes <= GCP_MAX_STRUCT_BYTES. */
    if (len - 1 >= t->payload_bytes || offset > t->payload_bytes - len)
        return GCP_EBOUNDS;
    uint32_t i = first_ref_after(t, offset);
    if (i < t->n_refs && t->ref_offsets[i] < offset + len)
        return GCP_ETYPE;
    return GCP_OK;
}

gcp_status (gcp_struct_get_ref)(gcp_heap *heap, gcp_ref obj, uint32_t offset, gcp_ref *out)
{
    gcp_objv o;
    gcp_status st = get_obj(heap, obj, GCP_KIND_STRUCT, &o);
    if (st == GCP_OK)
        st = out ? ref_field(&o, offset) : GCP_EINVAL;
    if (st != GCP_OK)
        return st;
    return load_ref(heap, &o, GCP_OBJ_PAYLOAD + offset, out);
}

gcp_status (gcp_struct_set_ref)(gcp_heap *heap, gcp_hostdata *table, gcp_ref obj,
                              uint32_t offset, gcp_ref value)
{
    gcp_objv o;
    gcp_status st = get_obj(heap, obj, GCP_KIND_STRUCT, &o);
    if (st == GCP_OK)
        st = ref_field(&o, offset);
    if (st != GCP_OK)
        return st;
    return store_ref(heap, table, obj, &o, GCP_OBJ_PAYLOAD + offset, value);
}

/* The fast path's range check of a scalar access to a struct of type t:
 * inside the payload, at most GCP__FAST_COPY_MAX bytes, and wholly before
 * the first ref field or after the last (no search).  False sends the
 * access to the slow path, which tells GCP_EBOUNDS, GCP_ETYPE, a range
 * between ref fields and a long copy apart. */
static GCP__ALWAYS_INLINE bool scalar_range_fast(const gcp_type *t, uint32_t offset, size_t len)
{
    /* len - 1 wraps for 0; payload_bytes <= GCP_MAX_STRUCT_BYTES. */
    if (len - 1 >= t->payload_bytes || offset > t->payload_bytes - len)
        return false;
    if (len > GCP__FAST_COPY_MAX)
        return false;
    return offset + len <= t->refs_from || offset >= t->refs_to;
}

static GCP__COLD gcp_status struct_read_slow(gcp_heap *heap, gcp_ref obj, uint32_t offset,
                                             void *buf, size_t len)
{
    gcp_objv o;
    gcp_status st = get_obj(heap, obj, GCP_KIND_STRUCT, &o);
    if (st == GCP_OK)
        st = buf ? scalar_range(&o, offset, len) : GCP_EINVAL;
    if (st != GCP_OK)
        return st;
    gcp__copy(buf, o.p + GCP_OBJ_PAYLOAD + offset, len);
    return GCP_OK;
}

gcp_status (gcp_struct_read)(gcp_heap *heap, gcp_ref obj, uint32_t offset, void *buf, size_t len)
{
    gcp_objv o;
    if (heap_usable_fast(heap) && gcp__host_ref_fast(heap, obj, GCP_KIND_STRUCT, &o) && buf &&
        scalar_range_fast(o.type, offset, len)) {
        gcp__copy_small(buf, o.p + GCP_OBJ_PAYLOAD + offset, len);
        return GCP_OK;
    }
    return struct_read_slow(heap, obj, offset, buf, len);
}

static GCP__COLD gcp_status struct_write_slow(gcp_heap *heap, gcp_ref obj, uint32_t offset,
                                              const void *buf, size_t len)
{
    gcp_objv o;
    gcp_status st = get_obj(heap, obj, GCP_KIND_STRUCT, &o);
    if (st == GCP_OK)
        st = buf ? scalar_range(&o, offset, len) : GCP_EINVAL;
    if (st != GCP_OK)
        return st;
    gcp__copy(o.p + GCP_OBJ_PAYLOAD + offset, buf, len);
    return GCP_OK;
}

gcp_status (gcp_struct_write)(gcp_heap *heap, gcp_ref obj, uint32_t offset, const void *buf,
                            size_t len)
{
    gcp_objv o;
    if (heap_usable_fast(heap) && gcp__host_ref_fast(heap, obj, GCP_KIND_STRUCT, &o) && buf &&
        scalar_range_fast(o.type, offset, len)) {
        gcp__copy_small(o.p + GCP_OBJ_PAYLOAD + offset, buf, len);
        return GCP_OK;
    }
    return struct_write_slow(heap, obj, offset, buf, len);
}

/* ---------------------------------------------------------------- arrays */

/* Validates arr and index; `refs` says which element kind the caller wants. */
static GCP__ALWAYS_INLINE gcp_status array_elem(gcp_heap *heap, gcp_ref arr, uint32_t index,
                                                bool refs, gcp_objv *o, uint32_t *at)
{
    gcp_status st = get_obj(heap, arr, GCP_KIND_ARRAY, o);
    if (st != GCP_OK)
        return st;
    if (o->type->elems_are_refs != refs)
        return GCP_ETYPE;
    if (index >= o->length)
        return GCP_EBOUNDS;
    *at = GCP_ARRAY_ELEMS + (index << o->type->elem_shift);
    return GCP_OK;
}

/* One element of 1 << shift bytes (shift 0..3), a fixed-width move. */
static inline void copy_elem(void *dst, const void *src, uint8_t shift)
{
    switch (shift) {
    case 0: memcpy(dst, src, 1); break;
    case 1: memcpy(dst, src, 2); break;
    case 2: memcpy(dst, src, 4); break;
    default: memcpy(dst, src, 8); break;
    }
}

gcp_status (gcp_array_length)(gcp_heap *heap, gcp_ref arr, uint32_t *out)
{
    gcp_objv o;
    gcp_status st = get_obj(heap, arr, GCP_KIND_ARRAY, &o);
    if (st != GCP_OK)
        return st;
    if (!out)
        return GCP_EINVAL;
    *out = o.length;
    return GCP_OK;
}

gcp_status (gcp_array_get_ref)(gcp_heap *heap, gcp_ref arr, uint32_t index, gcp_ref *out)
{
    gcp_objv o;
    uint32_t at;
    gcp_status st = array_elem(heap, arr, index, true, &o, &at);
    if (st != GCP_OK)
        return st;
    if (!out)
        return GCP_EINVAL;
    return load_ref(heap, &o, at, out);
}

gcp_status (gcp_array_set_ref)(gcp_heap *heap, gcp_hostdata *table, gcp_ref arr,
                             uint32_t index, gcp_ref value)
{
    gcp_objv o;
    uint32_t at;
    gcp_status st = array_elem(heap, arr, index, true, &o, &at);
    if (st != GCP_OK)
        return st;
    return store_ref(heap, table, arr, &o, at, value);
}

gcp_status gcp_array_read(gcp_heap *heap, gcp_ref arr, uint32_t index, void *out)
{
    gcp_objv o;
    uint32_t at;
    gcp_status st = array_elem(heap, arr, index, false, &o, &at);
    if (st != GCP_OK)
        return st;
    if (!out)
        return GCP_EINVAL;
    copy_elem(out, o.p + at, o.type->elem_shift);
    return GCP_OK;
}

gcp_status gcp_array_write(gcp_heap *heap, gcp_ref arr, uint32_t index, const void *in)
{
    gcp_objv o;
    uint32_t at;
    gcp_status st = array_elem(heap, arr, index, false, &o, &at);
    if (st != GCP_OK)
        return st;
    if (!in)
        return GCP_EINVAL;
    copy_elem(o.p + at, in, o.type->elem_shift);
    return GCP_OK;
}

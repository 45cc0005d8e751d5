/* SPDX-License-Identifier: MIT */
/* Initial contents and bulk array operations: a struct allocated with its
 * fields, arrays allocated filled or copied from a host buffer, and
 * array.fill / array.copy / range reads and writes.
 *
 * Every operation checks everything first -- the object, the ranges (in
 * 64-bit arithmetic: no index + count wraps), the host buffer's size, each
 * ref to be stored and each ref to be overwritten -- and only then writes.
 * So a failed call leaves the heap as it was (a corruption found on the way
 * poisons it, which is all it changes).  Between the checks and the writes
 * nothing frees or moves an object: the barriers of the collectors built in
 * never reclaim (DRC only queues zero counts for its next collection), and
 * allocation only takes free blocks. */
#include <string.h>

#include "lib/heap.h"
#include "lib/metadata.h"
#include "lib/object.h"
#include "lib/types.h"

/* ---------------------------------------------------------------- checks */

/* Validates ref as an array (GCP_EINVAL for null/i31 or NULL heap,
 * GCP_ETYPE for another kind). */
static gcp_status get_array(gcp_heap *heap, gcp_ref ref, gcp_obj *o)
{
    gcp_status st = gcp__heap_usable(heap);
    if (st != GCP_OK)
        return st;
    st = gcp__obj_check(heap, ref, o);
    if (st != GCP_OK)
        return st;
    return o->kind == GCP_KIND_ARRAY ? GCP_OK : GCP_ETYPE;
}

/* [index, index + count) lies within length. */
static gcp_status range_ok(uint32_t length, uint32_t index, uint32_t count)
{
    return (uint64_t)index + count <= length ? GCP_OK : GCP_EBOUNDS;
}

/* buf holds count elements of elem_bytes (NULL only when that is none). */
static gcp_status buf_ok(const void *buf, size_t buf_bytes, uint32_t elem_bytes, uint32_t count)
{
    uint64_t need = (uint64_t)count * elem_bytes;
    if (need > buf_bytes)
        return GCP_EBOUNDS;
    if (!buf && need > 0)
        return GCP_EINVAL;
    return GCP_OK;
}

/* Each of the n gcp_ref values at buf (host memory or elements of a
 * validated array, any alignment) is null, an i31 or a valid object.  A
 * run of equal refs (a filled array) is validated once: validation only
 * reads, so the answer cannot change within the pass. */
static gcp_status check_host_refs(gcp_heap *heap, const uint8_t *buf, uint32_t n)
{
    gcp_ref last = GCP_REF_NULL;
    for (uint32_t i = 0; i < n; i++) {
        gcp_ref v = gcp__load32(buf + 4u * (size_t)i);
        if (v == last)
            continue;
        gcp_status st = gcp__ref_check(heap, v);
        if (st != GCP_OK)
            return st;
        last = v;
    }
    return GCP_OK;
}

/* Byte offset from the object start of element i (i < length, validated
 * object: always inside it). */
static inline size_t elem_at(const gcp_obj *o, uint32_t i)
{
    return GCP_ARRAY_ELEMS + (size_t)i * o->type->elem_bytes;
}

/* Elements [index, index + count) of ref array o hold valid refs. */
static gcp_status check_heap_refs(gcp_heap *heap, const gcp_obj *o, uint32_t index,
                                  uint32_t count)
{
    return check_host_refs(heap, o->p + elem_at(o, index), count);
}

/* ---------------------------------------------------------------- barrier */

/* The collector's view of one ref slot of `owner` changing from old to
 * value (both validated); the caller stores afterwards.  Null and i31
 * refs mean nothing to any collector, and a slot rewritten with its own
 * value does not change (for DRC: one count given and taken back). */
static inline gcp_status barrier(gcp_heap *heap, gcp_hostdata *table, gcp_ref owner,
                                 gcp_ref old, gcp_ref value)
{
    if (!heap->ops->write || old == value ||
        (!gcp_ref_is_heap(old) && !gcp_ref_is_heap(value)))
        return GCP_OK;
    return heap->ops->write(heap, table, owner, old, value);
}

/* Stores value into the ref slot at byte `at` of o through the barrier. */
static inline gcp_status put_ref(gcp_heap *heap, gcp_hostdata *table, const gcp_obj *o,
                                 size_t at, gcp_ref value)
{
    gcp_ref old = gcp__load32(o->p + at);
    gcp_status st = barrier(heap, table, o->ref, old, value);
    if (st == GCP_OK)
        gcp__store32(o->p + at, value);
    return st;
}

/* After a barrier failed on a new object: the caller's reference goes
 * again, so that the object (and the counts its stored fields hold) is
 * reclaimed as any other garbage.  The status is the barrier's. */
static gcp_status abandon(gcp_heap *heap, gcp_ref r, gcp_status why)
{
    (void)barrier(heap, NULL, GCP_REF_NULL, r, GCP_REF_NULL);
    return why;
}

/* ---------------------------------------------------------------- scalars */

/* Writes the elem_bytes at value into n consecutive elements at dst. */
static void fill_scalar(uint8_t *dst, const uint8_t *value, uint32_t elem_bytes, uint32_t n)
{
    bool same = true;
    for (uint32_t b = 1; b < elem_bytes; b++)
        same &= value[b] == value[0];
    if (same) {
        memset(dst, value[0], (size_t)n * elem_bytes);
        return;
    }
    switch (elem_bytes) {
    case 2:
        for (uint32_t i = 0; i < n; i++)
            memcpy(dst + 2u * (size_t)i, value, 2);
        break;
    case 4:
        for (uint32_t i = 0; i < n; i++)
            memcpy(dst + 4u * (size_t)i, value, 4);
        break;
    default:
        for (uint32_t i = 0; i < n; i++)
            memcpy(dst + 8u * (size_t)i, value, 8);
        break;
    }
}

/* ---------------------------------------------------------------- allocation */

/* The registered type of `kind` at type_index, after the heap-state and
 * out checks every allocation makes first. */
static gcp_status alloc_type(gcp_heap *heap, gcp_kind kind, uint32_t type_index,
                             const gcp_ref *out, const gcp_type **t)
{
    gcp_status st = gcp__heap_usable(heap);
    if (st != GCP_OK)
        return st;
    if (!out)
        return GCP_EINVAL;
    *t = gcp__types_get(heap->types, type_index);
    if (!*t || (*t)->kind != kind)
        return GCP_ETYPE;
    return GCP_OK;
}

gcp_status gcp__alloc_struct_init_slow(gcp_heap *heap, uint32_t type_index, const void *fields,
                                       size_t len, gcp_ref *out)
{
    const gcp_type *t;
    gcp_status st = alloc_type(heap, GCP_KIND_STRUCT, type_index, out, &t);
    if (st != GCP_OK)
        return st;
    if (!fields)
        return GCP_EINVAL;
    if (len != t->payload_bytes)
        return GCP_EBOUNDS;
    const uint8_t *img = fields;
    for (uint32_t i = 0; i < t->n_refs; i++) {
        st = gcp__ref_check(heap, gcp__load32(img + t->ref_offsets[i]));
        if (st != GCP_OK)
            return st;
    }
    gcp_ref r;
    st = gcp_heap_alloc_struct(heap, type_index, &r);
    if (st != GCP_OK)
        return st;
    gcp_obj o;
    st = gcp__obj_check(heap, r, &o);
    if (st != GCP_OK)
        return st;
    /* Scalars as given; each ref field from null to its value through the
     * barrier, so a failure leaves only counted refs behind. */
    uint8_t *payload = o.p + GCP_OBJ_PAYLOAD;
    memcpy(payload, img, len);
    for (uint32_t i = 0; i < t->n_refs; i++)
        gcp__store32(payload + t->ref_offsets[i], GCP_REF_NULL);
    for (uint32_t i = 0; i < t->n_refs; i++) {
        uint32_t off = t->ref_offsets[i];
        st = put_ref(heap, NULL, &o, GCP_OBJ_PAYLOAD + off, gcp__load32(img + off));
        if (st != GCP_OK)
            return abandon(heap, r, st);
    }
    *out = r;
    return GCP_OK;
}

/* Allocates the array and validates the new object (for its pointer). */
static gcp_status new_array(gcp_heap *heap, uint32_t type_index, uint32_t length, gcp_obj *o)
{
    gcp_ref r;
    gcp_status st = gcp_heap_alloc_array(heap, type_index, length, &r);
    if (st != GCP_OK)
        return st;
    return gcp__obj_check(heap, r, o);
}

gcp_status gcp_heap_alloc_array_fill(gcp_heap *heap, uint32_t type_index, uint32_t length,
                                     const void *value, gcp_ref *out)
{
    const gcp_type *t;
    gcp_status st = alloc_type(heap, GCP_KIND_ARRAY, type_index, out, &t);
    if (st != GCP_OK)
        return st;
    if (!value)
        return GCP_EINVAL;
    gcp_ref v = 0;
    if (t->elems_are_refs) {
        v = gcp__load32(value);
        st = gcp__ref_check(heap, v);
        if (st != GCP_OK)
            return st;
    }
    gcp_obj o;
    st = new_array(heap, type_index, length, &o);
    if (st != GCP_OK)
        return st;
    if (!t->elems_are_refs) {
        fill_scalar(o.p + GCP_ARRAY_ELEMS, value, t->elem_bytes, length);
    } else if (v != GCP_REF_NULL) {
        for (uint32_t i = 0; i < length; i++) {
            st = put_ref(heap, NULL, &o, elem_at(&o, i), v);
            if (st != GCP_OK)
                return abandon(heap, o.ref, st);
        }
    }
    *out = o.ref;
    return GCP_OK;
}

gcp_status gcp_heap_alloc_array_copy(gcp_heap *heap, uint32_t type_index, uint32_t length,
                                     const void *elems, size_t elems_bytes, gcp_ref *out)
{
    const gcp_type *t;
    gcp_status st = alloc_type(heap, GCP_KIND_ARRAY, type_index, out, &t);
    if (st == GCP_OK)
        st = buf_ok(elems, elems_bytes, t->elem_bytes, length);
    if (st == GCP_OK && t->elems_are_refs)
        st = check_host_refs(heap, elems, length);
    if (st != GCP_OK)
        return st;
    gcp_obj o;
    st = new_array(heap, type_index, length, &o);
    if (st != GCP_OK)
        return st;
    if (!t->elems_are_refs) {
        if (length > 0)
            memcpy(o.p + GCP_ARRAY_ELEMS, elems, (size_t)length * t->elem_bytes);
    } else {
        const uint8_t *src = elems;
        for (uint32_t i = 0; i < length; i++) {
            st = put_ref(heap, NULL, &o, elem_at(&o, i), gcp__load32(src + 4u * (size_t)i));
            if (st != GCP_OK)
                return abandon(heap, o.ref, st);
        }
    }
    *out = o.ref;
    return GCP_OK;
}

/* ---------------------------------------------------------------- store level */

/* One collection after GCP_NEED_GC, as lib/store.c runs it (none inside a
 * no-GC scope: the allocation's GCP_NEED_GC goes back to the caller), that
 * keeps the heap refs among the initial values alive and current: they are
 * copied to host scratch memory whose ref slots join the store's roots for
 * the collection, so a moving collector rewrites them; the retry uses the
 * copy.  ref_at lists the byte offsets of the refs in the len-byte image
 * (ref_at NULL with n_refs > 0: every 4 bytes are a ref).  *retry_buf is
 * the image to retry with (the caller frees *scratch). */
static gcp_status collect_keeping(gcp_store *store, const void *buf, size_t len,
                                  const uint32_t *ref_at, size_t n_refs, void **scratch,
                                  const void **retry_buf)
{
    *scratch = NULL;
    *retry_buf = buf;
    gcp_heap *heap = gcp_store_heap(store);
    if (gcp_heap_no_gc_depth(heap) > 0)
        return GCP_NEED_GC;
    if (n_refs == 0 || !buf)
        return gcp_store_gc(store);
    uint8_t *copy = gcp__malloc(len);
    if (!copy)
        return GCP_ENOMEM;
    memcpy(copy, buf, len);
    *scratch = copy;
    *retry_buf = copy;
    gcp_roots *roots = gcp_store_roots(store);
    size_t mark = gcp_roots_count(roots);
    gcp_status st = GCP_OK;
    for (size_t i = 0; i < n_refs && st == GCP_OK; i++) {
        size_t off = ref_at ? ref_at[i] : 4 * i;
        if (off + sizeof(gcp_ref) <= len)
            st = gcp_roots_add(roots, (gcp_ref *)(void *)(copy + off));
    }
    if (st == GCP_OK)
        st = gcp_store_gc(store);
    (void)gcp_roots_truncate(roots, mark);
    return st;
}

gcp_status gcp_store_alloc_struct_init_gc(gcp_store *store, uint32_t type_index,
                                          const void *fields, size_t len, gcp_ref *out)
{
    if (!store || !out)
        return GCP_EINVAL;
    gcp_heap *heap = gcp_store_heap(store);
    gcp_status st = gcp_heap_alloc_struct_init(heap, type_index, fields, len, out);
    if (st != GCP_NEED_GC)
        return st;
    /* NEED_GC: the type and the image were accepted. */
    const gcp_type *t = gcp__types_get(heap->types, type_index);
    void *scratch;
    const void *again;
    st = collect_keeping(store, fields, len, t ? t->ref_offsets : NULL, t ? t->n_refs : 0,
                         &scratch, &again);
    if (st == GCP_OK)
        st = gcp_heap_alloc_struct_init(heap, type_index, again, len, out);
    gcp__free(scratch);
    return st;
}

gcp_status gcp_store_alloc_array_fill_gc(gcp_store *store, uint32_t type_index,
                                         uint32_t length, const void *value, gcp_ref *out)
{
    if (!store || !out)
        return GCP_EINVAL;
    gcp_heap *heap = gcp_store_heap(store);
    gcp_status st = gcp_heap_alloc_array_fill(heap, type_index, length, value, out);
    if (st != GCP_NEED_GC)
        return st;
    const gcp_type *t = gcp__types_get(heap->types, type_index);
    bool refs = t && t->elems_are_refs;
    void *scratch;
    const void *again;
    st = collect_keeping(store, value, refs ? sizeof(gcp_ref) : 0, NULL, refs ? 1 : 0, &scratch,
                         &again);
    if (st == GCP_OK)
        st = gcp_heap_alloc_array_fill(heap, type_index, length, again, out);
    gcp__free(scratch);
    return st;
}

gcp_status gcp_store_alloc_array_copy_gc(gcp_store *store, uint32_t type_index,
                                         uint32_t length, const void *elems,
                                         size_t elems_bytes, gcp_ref *out)
{
    if (!store || !out)
        return GCP_EINVAL;
    gcp_heap *heap = gcp_store_heap(store);
    gcp_status st = gcp_heap_alloc_array_copy(heap, type_index, length, elems, elems_bytes, out);
    if (st != GCP_NEED_GC)
        return st;
    const gcp_type *t = gcp__types_get(heap->types, type_index);
    bool refs = t && t->elems_are_refs;
    void *scratch;
    const void *again;
    st = collect_keeping(store, elems, elems_bytes, NULL, refs ? length : 0, &scratch, &again);
    if (st == GCP_OK)
        st = gcp_heap_alloc_array_copy(heap, type_index, length, again, elems_bytes, out);
    gcp__free(scratch);
    return st;
}

/* ---------------------------------------------------------------- bulk access */

gcp_status gcp_array_fill(gcp_heap *heap, gcp_hostdata *table, gcp_ref arr, uint32_t index,
                          uint32_t count, const void *value)
{
    gcp_obj o;
    gcp_status st = get_array(heap, arr, &o);
    if (st == GCP_OK)
        st = value ? range_ok(o.length, index, count) : GCP_EINVAL;
    if (st != GCP_OK)
        return st;
    if (!o.type->elems_are_refs) {
        fill_scalar(o.p + elem_at(&o, index), value, o.type->elem_bytes, count);
        return GCP_OK;
    }
    gcp_ref v = gcp__load32(value);
    st = gcp__ref_check(heap, v);
    if (st == GCP_OK)
        st = check_heap_refs(heap, &o, index, count);
    for (uint32_t i = 0; st == GCP_OK && i < count; i++)
        st = put_ref(heap, table, &o, elem_at(&o, index + i), v);
    return st;
}

gcp_status gcp_array_copy(gcp_heap *heap, gcp_hostdata *table, gcp_ref dst,
                          uint32_t dst_index, gcp_ref src, uint32_t src_index, uint32_t count)
{
    gcp_obj d, s;
    gcp_status st = get_array(heap, dst, &d);
    if (st == GCP_OK)
        st = get_array(heap, src, &s);
    if (st != GCP_OK)
        return st;
    if (d.type->elem_bytes != s.type->elem_bytes ||
        d.type->elems_are_refs != s.type->elems_are_refs)
        return GCP_ETYPE;
    st = range_ok(d.length, dst_index, count);
    if (st == GCP_OK)
        st = range_ok(s.length, src_index, count);
    if (st != GCP_OK)
        return st;
    uint8_t *to = d.p + elem_at(&d, dst_index);
    const uint8_t *from = s.p + elem_at(&s, src_index);
    if (!d.type->elems_are_refs) {
        if (count > 0)
            memmove(to, from, (size_t)count * d.type->elem_bytes);
        return GCP_OK;
    }
    st = check_heap_refs(heap, &s, src_index, count);
    if (st == GCP_OK)
        st = check_heap_refs(heap, &d, dst_index, count);
    if (st != GCP_OK || (d.ref == s.ref && dst_index == src_index))
        return st;
    /* One element at a time, in the direction that reads every source
     * element before it is overwritten (memmove's rule): so each barrier
     * sees the validated old value and the validated source value. */
    bool backward = d.ref == s.ref && dst_index > src_index;
    for (uint32_t k = 0; k < count; k++) {
        uint32_t i = backward ? count - 1u - k : k;
        st = put_ref(heap, table, &d, elem_at(&d, dst_index + i), gcp__load32(from + 4u * (size_t)i));
        if (st != GCP_OK)
            return st;
    }
    return GCP_OK;
}

gcp_status gcp_array_read_range(gcp_heap *heap, gcp_ref arr, uint32_t index, uint32_t count,
                                void *buf, size_t buf_bytes)
{
    gcp_obj o;
    gcp_status st = get_array(heap, arr, &o);
    if (st == GCP_OK)
        st = range_ok(o.length, index, count);
    if (st == GCP_OK)
        st = buf_ok(buf, buf_bytes, o.type->elem_bytes, count);
    if (st == GCP_OK && o.type->elems_are_refs)
        st = check_heap_refs(heap, &o, index, count);
    if (st != GCP_OK)
        return st;
    if (count > 0)
        memcpy(buf, o.p + elem_at(&o, index), (size_t)count * o.type->elem_bytes);
    return GCP_OK;
}

gcp_status gcp_array_write_range(gcp_heap *heap, gcp_hostdata *table, gcp_ref arr,
                                 uint32_t index, uint32_t count, const void *buf,
                                 size_t buf_bytes)
{
    gcp_obj o;
    gcp_status st = get_array(heap, arr, &o);
    if (st == GCP_OK)
        st = range_ok(o.length, index, count);
    if (st == GCP_OK)
        st = buf_ok(buf, buf_bytes, o.type->elem_bytes, count);
    if (st != GCP_OK)
        return st;
    if (!o.type->elems_are_refs) {
        if (count > 0)
            memcpy(o.p + elem_at(&o, index), buf, (size_t)count * o.type->elem_bytes);
        return GCP_OK;
    }
    const uint8_t *in = buf;
    st = check_host_refs(heap, in, count);
    if (st == GCP_OK)
        st = check_heap_refs(heap, &o, index, count);
    for (uint32_t i = 0; st == GCP_OK && i < count; i++)
        st = put_ref(heap, table, &o, elem_at(&o, index + i), gcp__load32(in + 4u * (size_t)i));
    return st;
}

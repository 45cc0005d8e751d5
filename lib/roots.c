/* SPDX-License-Identifier: MIT */
/* The roots list: a bounded vector of borrowed root locations whose storage
 * survives gcp_roots_clear. */
#include "lib/roots.h"

#include "gcpool.h"
#include "lib/metadata.h"
#include "lib/vec.h"

struct gcp_roots {
    gcp_vec v;              /* of gcp_root */
    uint64_t version;       /* see gcp__roots_version */
};

gcp_status gcp_roots_new(gcp_roots **out)
{
    if (!out)
        return GCP_EINVAL;
    gcp_roots *r = gcp__calloc_lines(1, sizeof *r);
    if (!r)
        return GCP_ENOMEM;
    gcp__vec_init(&r->v, sizeof(gcp_root), 0);
    *out = r;
    return GCP_OK;
}

void gcp_roots_free(gcp_roots *roots)
{
    if (!roots)
        return;
    gcp__vec_free(&roots->v);
    gcp__free(roots);
}

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

size_t gcp__roots_n(const gcp_roots *roots) { return gcp_roots_count(roots); }

gcp_status gcp__roots_value(const gcp_roots *roots, size_t i, gcp_ref *out)
{
    return gcp_roots_get(roots, i, out);
}

gcp_status gcp__roots_update(gcp_roots *roots, size_t i, gcp_ref value)
{
    if (!roots)
        return GCP_EINVAL;
    if (i >= roots->v.n)
        return GCP_EBOUNDS;
    gcp_root *r = root_at(roots, i);
    if (r->on_stack)
        *(uint64_t *)r->where = gcp_ref_to_r64(value);
    else
        *(gcp_ref *)r->where = value;
    return GCP_OK;
}

gcp_status gcp_roots_set(gcp_roots *roots, size_t i, gcp_ref value)
{
    gcp_status st = gcp__roots_update(roots, i, value);
    if (st == GCP_OK)
        roots->version++;
    return st;
}

void gcp_roots_clear(gcp_roots *roots)
{
    if (!roots)
        return;
    gcp__vec_truncate(&roots->v, 0);
    roots->version++;
}

/* The roots list: a growable array of borrowed root locations whose storage
 * survives gcp_roots_clear. */
#include "gcpool.h"
#include "lib/alloc.h"

struct gcp_roots {
    gcp_root *v;
    size_t n, cap;
};

gcp_status gcp_roots_new(gcp_roots **out)
{
    if (!out)
        return GCP_EINVAL;
    gcp_roots *r = gcp__calloc_lines(1, sizeof *r);
    if (!r)
        return GCP_ENOMEM;
    *out = r;
    return GCP_OK;
}

void gcp_roots_free(gcp_roots *roots)
{
    if (!roots)
        return;
    gcp__free(roots->v);
    gcp__free(roots);
}

static gcp_status push(gcp_roots *roots, bool on_stack, void *where)
{
    if (!roots || !where)
        return GCP_EINVAL;
    if (roots->n == roots->cap) {
        size_t ncap = roots->cap ? roots->cap * 2 : 16;
        gcp_root *nv = gcp__realloc(roots->v, ncap * sizeof *nv);
        if (!nv)
            return GCP_ENOMEM;
        roots->v = nv;
        roots->cap = ncap;
    }
    roots->v[roots->n++] = (gcp_root){.on_stack = on_stack, .where = where};
    return GCP_OK;
}

gcp_status gcp_roots_add_stack(gcp_roots *roots, uint64_t *r64) { return push(roots, true, r64); }
gcp_status gcp_roots_add(gcp_roots *roots, gcp_ref *ref) { return push(roots, false, ref); }
size_t gcp_roots_count(const gcp_roots *roots) { return roots ? roots->n : 0; }
size_t gcp_roots_capacity(const gcp_roots *roots) { return roots ? roots->cap : 0; }

gcp_status gcp_roots_at(const gcp_roots *roots, size_t i, gcp_root *out)
{
    if (!roots || !out)
        return GCP_EINVAL;
    if (i >= roots->n)
        return GCP_EBOUNDS;
    *out = roots->v[i];
    return GCP_OK;
}

gcp_status gcp_roots_get(const gcp_roots *roots, size_t i, gcp_ref *out)
{
    if (!roots || !out)
        return GCP_EINVAL;
    if (i >= roots->n)
        return GCP_EBOUNDS;
    const gcp_root *r = &roots->v[i];
    if (r->on_stack)
        return gcp_ref_from_r64(*(const uint64_t *)r->where, out);
    *out = *(const gcp_ref *)r->where;
    return GCP_OK;
}

gcp_status gcp_roots_set(gcp_roots *roots, size_t i, gcp_ref value)
{
    if (!roots)
        return GCP_EINVAL;
    if (i >= roots->n)
        return GCP_EBOUNDS;
    gcp_root *r = &roots->v[i];
    if (r->on_stack)
        *(uint64_t *)r->where = gcp_ref_to_r64(value);
    else
        *(gcp_ref *)r->where = value;
    return GCP_OK;
}

void gcp_roots_clear(gcp_roots *roots)
{
    if (roots)
        roots->n = 0;
}

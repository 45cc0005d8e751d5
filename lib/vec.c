/* SPDX-License-Identifier: MIT */
#include "lib/vec.h"

#include "lib/metadata.h"

static size_t no_limit(size_t elem) { return SIZE_MAX / elem; }

void gcp__vec_init(gcp_vec *v, size_t elem, size_t limit)
{
    *v = (gcp_vec){.elem = elem ? elem : 1};
    gcp__vec_set_limit(v, limit);
}

void gcp__vec_free(gcp_vec *v)
{
    gcp__free(v->data);
    v->data = NULL;
    v->n = v->cap = 0;
}

void gcp__vec_set_limit(gcp_vec *v, size_t limit)
{
    size_t most = no_limit(v->elem);
    v->limit = limit && limit < most ? limit : most;
    /* The fast path of a push compares n with cap only: storage past a
     * lowered limit is not used. */
    if (v->cap > v->limit)
        v->cap = v->n > v->limit ? v->n : v->limit;
}

gcp_status gcp__vec_reserve(gcp_vec *v, size_t more)
{
    if (more > v->limit || v->n > v->limit - more)
        return GCP_ELIMIT;
    size_t need = v->n + more;
    if (need <= v->cap)
        return GCP_OK;
    size_t ncap = v->cap ? v->cap : 16;
    while (ncap < need)
        ncap = ncap > v->limit / 2 ? v->limit : ncap * 2;
    if (ncap > v->limit)
        ncap = v->limit;
    unsigned char *nd = gcp__realloc(v->data, ncap * v->elem);
    if (!nd)
        return GCP_ENOMEM;
    v->data = nd;
    v->cap = ncap;
    return GCP_OK;
}

/* SPDX-License-Identifier: MIT */
/* The tree workloads for an allocator of plain C nodes, included once per
 * peer by bench/trees.c with three macros defined:
 *
 *   TN(name)              the peer's name for a function (prefix it)
 *   TN_ALLOC(t, bytes)    a block for a node (NULL on failure)
 *   TN_ALLOC_ATOMIC(t, bytes)  the same for the array of doubles
 *   TN_FREE(t, p, bytes)  frees p (nothing for a collector)
 *   TN_FREES              1 when trees are freed node by node, 0 when they
 *                         are just dropped (a collector finds them)
 *
 * t is the peer's nat state.  The shapes are those of gcpool's version in
 * trees.c: GCBench (top-down Populate and bottom-up MakeTree) and
 * binary-trees (bottom-up trees, each checked by counting its nodes). */

#if TN_FREES
static void TN(gfree)(nat *t, gnode *n)
{
    if (!n)
        return;
    TN(gfree)(t, n->left);
    TN(gfree)(t, n->right);
    TN_FREE(t, n, sizeof *n);
}

static void TN(bfree)(nat *t, bnode *n)
{
    if (!n)
        return;
    TN(bfree)(t, n->left);
    TN(bfree)(t, n->right);
    TN_FREE(t, n, sizeof *n);
}
#define TN_GDROP(t, n) TN(gfree)(t, n)
#define TN_BDROP(t, n) TN(bfree)(t, n)
#else
#define TN_GDROP(t, n) ((void)(t), (void)(n))
#define TN_BDROP(t, n) ((void)(t), (void)(n))
#endif

static gnode *TN(gnew)(nat *t, gnode *l, gnode *r)
{
    gnode *n = TN_ALLOC(t, sizeof *n);
    if (n)
        *n = (gnode){.left = l, .right = r, .i = 0, .j = 0};
    return n;
}

/* GCBench's top-down construction: the children of n, then theirs. */
static int TN(populate)(nat *t, unsigned depth, gnode *n)
{
    if (depth == 0)
        return 0;
    depth--;
    if (!(n->left = TN(gnew)(t, NULL, NULL)) || !(n->right = TN(gnew)(t, NULL, NULL)))
        return -1;
    if (TN(populate)(t, depth, n->left) != 0)
        return -1;
    return TN(populate)(t, depth, n->right);
}

/* GCBench's bottom-up construction. */
static gnode *TN(gmake)(nat *t, unsigned depth)
{
    if (depth == 0)
        return TN(gnew)(t, NULL, NULL);
    gnode *l = TN(gmake)(t, depth - 1);
    if (!l)
        return NULL;
    gnode *r = TN(gmake)(t, depth - 1);
    gnode *n = r ? TN(gnew)(t, l, r) : NULL;
    if (!n) {
        TN_GDROP(t, l);
        TN_GDROP(t, r);
    }
    return n;
}

static bnode *TN(bmake)(nat *t, unsigned depth)
{
    bnode *n = TN_ALLOC(t, sizeof *n);
    if (!n)
        return NULL;
    n->left = n->right = NULL;
    if (depth == 0)
        return n;
    if (!(n->left = TN(bmake)(t, depth - 1)) || !(n->right = TN(bmake)(t, depth - 1))) {
        TN_BDROP(t, n);
        return NULL;
    }
    return n;
}

static int TN(gcbench)(nat *t, const gcbench_shape *s, uint64_t *sum)
{
    gnode *tmp = TN(gmake)(t, s->stretch);
    if (!tmp)
        return -1;
    TN_GDROP(t, tmp);
    gnode *ll = TN(gnew)(t, NULL, NULL);
    if (!ll)
        return -1;
    double *arr = NULL;
    if (TN(populate)(t, s->long_lived, ll) != 0 ||
        !(arr = TN_ALLOC_ATOMIC(t, (size_t)s->array_len * sizeof *arr)))
        goto fail;
    for (uint32_t i = 0; i < s->array_len / 2; i++)
        arr[i] = 1.0 / i;
    for (unsigned d = s->min_depth; d <= s->max_depth; d += 2) {
        uint64_t iters = gcbench_iters(s, d);
        for (uint64_t i = 0; i < iters; i++) {
            if (!(tmp = TN(gnew)(t, NULL, NULL)))
                goto fail;
            int st = TN(populate)(t, d, tmp);
            TN_GDROP(t, tmp);
            if (st != 0)
                goto fail;
        }
        for (uint64_t i = 0; i < iters; i++) {
            if (!(tmp = TN(gmake)(t, d)))
                goto fail;
            TN_GDROP(t, tmp);
        }
    }
    *sum = gcount(ll) + (arr[s->check_index] == 1.0 / s->check_index ? 1 : 0);
    TN_GDROP(t, ll);
#if TN_FREES
    TN_FREE(t, arr, (size_t)s->array_len * sizeof *arr);
#endif
    return 0;
fail:
    TN_GDROP(t, ll);
#if TN_FREES
    if (arr)
        TN_FREE(t, arr, (size_t)s->array_len * sizeof *arr);
#endif
    return -1;
}

static int TN(btrees)(nat *t, unsigned max_depth, uint64_t *sum)
{
    bnode *tmp = TN(bmake)(t, max_depth + 1);
    if (!tmp)
        return -1;
    uint64_t check = bcheck(tmp);
    TN_BDROP(t, tmp);
    bnode *ll = TN(bmake)(t, max_depth);
    if (!ll)
        return -1;
    for (unsigned d = BT_MIN_DEPTH; d <= max_depth; d += 2) {
        uint64_t iters = UINT64_C(1) << (max_depth - d + BT_MIN_DEPTH);
        for (uint64_t i = 0; i < iters; i++) {
            if (!(tmp = TN(bmake)(t, d))) {
                TN_BDROP(t, ll);
                return -1;
            }
            check += bcheck(tmp);
            TN_BDROP(t, tmp);
        }
    }
    check += bcheck(ll);
    TN_BDROP(t, ll);
    *sum = check;
    return 0;
}

static int TN(run)(nat *t, uint64_t *sum)
{
    if (t->cell->workload == BW_GCBENCH) {
        gcbench_shape s = gcbench_shape_of(t->cell->k);
        return TN(gcbench)(t, &s, sum);
    }
    return TN(btrees)(t, (unsigned)t->cell->k, sum);
}

#undef TN_GDROP
#undef TN_BDROP

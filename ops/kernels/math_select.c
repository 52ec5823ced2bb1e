/* math_select.c: Select (TF1 rules) and SelectV2 (numpy broadcasting of
 * cond, then and else), shared by select.c and select_v2.c. Both become a
 * three-operand broadcast (md_bcast) walked row by row; elements are moved
 * by size, so every dtype works. Selected strings are copied into the
 * request arena so the output does not point into inputs that may be freed
 * before it. */
#include "ops/kernels/math_common.h"

#include <string.h>

/* Strides are 0 (broadcast) or 1 within a row. */
#define SEL_FN(name, T)                                                                         \
    static void name(const uint8_t *c, int64_t sc, const void *pt, int64_t st,                  \
                     const void *pe, int64_t se, void *po, int64_t n)                           \
    {                                                                                           \
        const T *t = pt, *e = pe;                                                               \
        T *o = po;                                                                              \
        for (int64_t i = 0; i < n; i++)                                                         \
            o[i] = c[i * sc] ? t[i * st] : e[i * se];                                           \
    }
SEL_FN(sel_1, uint8_t)
SEL_FN(sel_2, uint16_t)
SEL_FN(sel_4, uint32_t)
SEL_FN(sel_8, uint64_t)
SEL_FN(sel_str, struct md_str)

typedef void (*sel_fn)(const uint8_t *c, int64_t sc, const void *t, int64_t st, const void *e,
                       int64_t se, void *o, int64_t n);

struct sel_job {
    const struct md_bcast *bc;
    sel_fn fn;
    const uint8_t *c;
    const char *t, *e;
    char *o;
    size_t esz;
};

static void sel_rows(void *arg, int64_t begin, int64_t end)
{
    const struct sel_job *j = arg;
    const struct md_bcast *bc = j->bc;
    int last = bc->rank - 1;
    int64_t inner = bc->dims[last];
    const int64_t *s0 = bc->strides[0], *s1 = bc->strides[1], *s2 = bc->strides[2];
    int64_t c[MD_MAX_RANK];
    int64_t rem = begin, oc = 0, ot = 0, oe = 0;
    for (int d = last - 1; d >= 0; d--) {
        c[d] = rem % bc->dims[d];
        rem /= bc->dims[d];
        oc += c[d] * s0[d];
        ot += c[d] * s1[d];
        oe += c[d] * s2[d];
    }
    char *o = j->o + (size_t)(begin * inner) * j->esz;
    for (int64_t r = begin; r < end; r++) {
        j->fn(j->c + oc, s0[last], j->t + (size_t)ot * j->esz, s1[last],
              j->e + (size_t)oe * j->esz, s2[last], o, inner);
        o += (size_t)inner * j->esz;
        for (int d = last - 1; d >= 0; d--) {
            oc += s0[d];
            ot += s1[d];
            oe += s2[d];
            if (++c[d] < bc->dims[d])
                break;
            oc -= s0[d] * bc->dims[d];
            ot -= s1[d] * bc->dims[d];
            oe -= s2[d] * bc->dims[d];
            c[d] = 0;
        }
    }
}

static bool same_shape(const struct md_tensor *a, const struct md_tensor *b)
{
    if (a->rank != b->rank)
        return false;
    for (int d = 0; d < a->rank; d++)
        if (a->dims[d] != b->dims[d])
            return false;
    return true;
}

bool md_math_select_init(struct md_kernel_init *ki, struct md_status *st)
{
    return md_math_check_inputs(ki, 3, st);
}

bool md_math_select_compute(struct md_kernel_ctx *k, bool v2, struct md_status *st)
{
    const struct md_tensor *cond = k->inputs[0], *t = k->inputs[1], *e = k->inputs[2];
    char s1[160], s2[160];
    if (cond->dtype != MD_DT_BOOL)
        return md_kernel_fail(k->node, st, MD_INVALID_ARGUMENT, "condition must be bool, got %s",
                              md_dtype_name(cond->dtype));
    if (t->dtype != e->dtype)
        return md_kernel_fail(k->node, st, MD_INVALID_ARGUMENT,
                              "'then' and 'else' dtypes differ: %s vs. %s",
                              md_dtype_name(t->dtype), md_dtype_name(e->dtype));
    size_t esz = md_dtype_size(t->dtype);
    sel_fn fn = t->dtype == MD_DT_STRING ? sel_str
                : esz == 1               ? sel_1
                : esz == 2               ? sel_2
                : esz == 4               ? sel_4
                : esz == 8               ? sel_8
                                         : NULL;
    if (!fn || !md_dtype_info(t->dtype)->supported)
        return md_math_bad_dtype(k->node, t->dtype, st);

    /* TF1 Select is expressed as a broadcast: a scalar cond broadcasts, a
     * vector cond becomes [N, 1, ..., 1] against then's [N, ...]. */
    struct md_tensor cview = *cond;
    if (!v2) {
        if (!same_shape(t, e))
            return md_kernel_fail(k->node, st, MD_INVALID_ARGUMENT,
                                  "'then' and 'else' must have the same size. but are %s and %s",
                                  md_shape_str(s1, sizeof s1, t->rank, t->dims),
                                  md_shape_str(s2, sizeof s2, e->rank, e->dims));
        if (cond->rank == 0) {
            md_kernel_forward(k, 0, *(const uint8_t *)cond->data ? t : e);
            return true;
        }
        if (cond->rank == 1 && t->rank >= 2) {
            if (cond->dims[0] != t->dims[0])
                return md_kernel_fail(k->node, st, MD_INVALID_ARGUMENT,
                                      "Number of batches of 'then' must match size of 'cond', "
                                      "but saw: %lld vs. %lld",
                                      (long long)t->dims[0], (long long)cond->dims[0]);
            cview.rank = t->rank;
            for (int d = 1; d < t->rank; d++)
                cview.dims[d] = 1;
        } else if (!same_shape(cond, t)) {
            return md_kernel_fail(k->node, st, MD_INVALID_ARGUMENT,
                                  "'cond' and 'then' must have the same shape, or cond must be "
                                  "a scalar or a vector matching then's first dimension; got %s "
                                  "and %s",
                                  md_shape_str(s1, sizeof s1, cond->rank, cond->dims),
                                  md_shape_str(s2, sizeof s2, t->rank, t->dims));
        }
    }
    const struct md_tensor *ops[3] = { &cview, t, e };
    struct md_bcast bc;
    if (!md_bcast_init(&bc, 3, ops)) {
        char buf[480];
        return md_kernel_fail(k->node, st, MD_INVALID_ARGUMENT,
                              "condition, then and else shapes do not broadcast: %s",
                              md_bcast_shapes_str(buf, sizeof buf, 3, ops));
    }
    if (!md_kernel_output(k, 0, t->dtype, bc.out_rank, bc.out_dims, st))
        return false;
    if (bc.n == 0)
        return true;
    struct sel_job j = {
        .bc = &bc,
        .fn = fn,
        .c = cond->data,
        .t = t->data,
        .e = e->data,
        .o = k->outputs[0].data,
        .esz = esz,
    };
    int64_t rows = bc.n / bc.dims[bc.rank - 1];
    int64_t min_rows = MD_MATH_MIN_BLOCK / bc.dims[bc.rank - 1];
    md_parallel_for(k, rows, min_rows > 0 ? min_rows : 1, sel_rows, &j);
    if (t->dtype == MD_DT_STRING) {
        struct md_str *o = k->outputs[0].data;
        for (int64_t i = 0; i < bc.n; i++)
            if (!md_kernel_str(k, o[i].data, o[i].len, &o[i], st))
                return false;
    }
    return true;
}

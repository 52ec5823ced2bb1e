/* math_common.c: the binary and unary elementwise engines and broadcasting
 * (see math_common.h). The per-op files only hold typed inner loops. */
#include "ops/kernels/math_common.h"

#include <stdio.h>
#include <string.h>

bool md_math_is_int(enum md_dtype dt)
{
    switch (dt) {
    case MD_DT_INT8:
    case MD_DT_INT16:
    case MD_DT_INT32:
    case MD_DT_INT64:
    case MD_DT_UINT8:
    case MD_DT_UINT16:
    case MD_DT_UINT32:
    case MD_DT_UINT64:
        return true;
    default:
        return false;
    }
}

bool md_math_bad_dtype(const Tensorflow__NodeDef *node, enum md_dtype dt, struct md_status *st)
{
    return md_kernel_fail(node, st, MD_UNIMPLEMENTED, "dtype %s not supported", md_dtype_name(dt));
}

bool md_math_check_inputs(const struct md_kernel_init *ki, int want, struct md_status *st)
{
    if (ki->n_inputs != want)
        return md_kernel_fail(ki->node, st, MD_INVALID_ARGUMENT, "expected %d inputs, got %d",
                              want, ki->n_inputs);
    return true;
}

/* ---- broadcasting ---- */

bool md_bcast_init(struct md_bcast *b, int n_operands, const struct md_tensor *const *t)
{
    int r = 0;
    for (int i = 0; i < n_operands; i++)
        if (t[i]->rank > r)
            r = t[i]->rank;
    b->out_rank = r;
    unsigned mask[MD_MAX_RANK];
    for (int d = 0; d < r; d++) {
        int64_t od = 1;
        int64_t di[MD_BCAST_MAX_OPERANDS];
        for (int i = 0; i < n_operands; i++) {
            int k = d - (r - t[i]->rank);
            di[i] = k >= 0 ? t[i]->dims[k] : 1;
            if (di[i] != 1) {
                if (od == 1)
                    od = di[i];
                else if (od != di[i])
                    return false;
            }
        }
        mask[d] = 0;
        for (int i = 0; i < n_operands; i++)
            if (di[i] == 1 && od != 1)
                mask[d] |= 1u << i;
        b->out_dims[d] = od;
    }
    b->n = md_shape_num_elements(r, b->out_dims);
    if (b->n <= 0) {
        /* Empty or too large: the caller allocates the output first, which
         * reports a bad shape; nothing is iterated. */
        b->rank = 1;
        b->dims[0] = 0;
        for (int i = 0; i < n_operands; i++)
            b->strides[i][0] = 0;
        return true;
    }
    int cr = 0;
    unsigned cmask[MD_MAX_RANK];
    for (int d = 0; d < r; d++) {
        if (b->out_dims[d] == 1)
            continue;
        if (cr > 0 && cmask[cr - 1] == mask[d]) {
            b->dims[cr - 1] *= b->out_dims[d];
        } else {
            b->dims[cr] = b->out_dims[d];
            cmask[cr] = mask[d];
            cr++;
        }
    }
    if (cr == 0) {
        b->dims[0] = 1;
        cmask[0] = (1u << n_operands) - 1; /* every operand is one element */
        cr = 1;
    }
    b->rank = cr;
    for (int i = 0; i < n_operands; i++) {
        int64_t run = 1;
        for (int d = cr - 1; d >= 0; d--) {
            if (cmask[d] & (1u << i)) {
                b->strides[i][d] = 0;
            } else {
                b->strides[i][d] = run;
                run *= b->dims[d];
            }
        }
    }
    return true;
}

char *md_bcast_shapes_str(char *buf, size_t cap, int n_operands, const struct md_tensor *const *t)
{
    char s[MD_BCAST_MAX_OPERANDS][160];
    for (int i = 0; i < n_operands; i++)
        md_shape_str(s[i], sizeof s[i], t[i]->rank, t[i]->dims);
    if (n_operands == 3)
        snprintf(buf, cap, "%s, %s and %s", s[0], s[1], s[2]);
    else if (n_operands == 2)
        snprintf(buf, cap, "%s vs. %s", s[0], s[1]);
    else
        snprintf(buf, cap, "%s", s[0]);
    return buf;
}

/* ---- binary ---- */

struct bin_state {
    const struct md_bin_op *op;
    bool shape_error; /* incompatible_shape_error */
};

bool md_math_binary_init(struct md_kernel_init *ki, const struct md_bin_op *op,
                         struct md_status *st)
{
    if (!md_math_check_inputs(ki, 2, st))
        return false;
    enum md_dtype t;
    if (md_attr_type(ki->node, "T", &t) && (t >= MD_DT_COUNT || !op->fns[t].vv))
        return md_math_bad_dtype(ki->node, t, st);
    struct bin_state *s = md_kernel_init_alloc(ki, sizeof *s, st);
    if (!s)
        return false;
    s->op = op;
    s->shape_error = true;
    if (op->flags & MD_BIN_SHAPE_ATTR) {
        bool v;
        if (md_attr_bool(ki->node, "incompatible_shape_error", &v))
            s->shape_error = v;
    }
    ki->state = s;
    return true;
}

struct bin_job {
    const struct md_bcast *bc;
    md_bin_loop loop;
    const char *a, *b;
    char *o;
    size_t esz, osz; /* input / output element bytes */
};

/* Collapsed rank 1: one run of n elements. */
static void bin_flat(void *arg, int64_t begin, int64_t end)
{
    const struct bin_job *j = arg;
    int64_t sa = j->bc->strides[0][0], sb = j->bc->strides[1][0];
    j->loop(j->a + (size_t)(begin * sa) * j->esz, j->b + (size_t)(begin * sb) * j->esz,
            j->o + (size_t)begin * j->osz, end - begin);
}

/* Collapsed rank >= 2: rows [begin, end) of the innermost dim. The outer
 * coordinates advance like an odometer, so the only divisions are the ones
 * that place the block's first row. */
static void bin_rows(void *arg, int64_t begin, int64_t end)
{
    const struct bin_job *j = arg;
    const struct md_bcast *bc = j->bc;
    int outer = bc->rank - 1;
    int64_t inner = bc->dims[outer];
    const int64_t *sa = bc->strides[0], *sb = bc->strides[1];
    int64_t c[MD_MAX_RANK];
    int64_t rem = begin, oa = 0, ob = 0;
    for (int d = outer - 1; d >= 0; d--) {
        c[d] = rem % bc->dims[d];
        rem /= bc->dims[d];
        oa += c[d] * sa[d];
        ob += c[d] * sb[d];
    }
    char *o = j->o + (size_t)(begin * inner) * j->osz;
    size_t orow = (size_t)inner * j->osz;
    for (int64_t row = begin; row < end; row++) {
        j->loop(j->a + (size_t)oa * j->esz, j->b + (size_t)ob * j->esz, o, inner);
        o += orow;
        for (int d = outer - 1; d >= 0; d--) {
            oa += sa[d];
            ob += sb[d];
            if (++c[d] < bc->dims[d])
                break;
            oa -= sa[d] * bc->dims[d];
            ob -= sb[d] * bc->dims[d];
            c[d] = 0;
        }
    }
}

static md_bin_loop pick_loop(const struct md_bin_fns *f, int64_t sa, int64_t sb)
{
    if (sa == 0 && sb != 0)
        return f->sv;
    if (sb == 0 && sa != 0)
        return f->vs;
    return f->vv;
}

#define SCAN_INT(T, cond)                                                                       \
    do {                                                                                        \
        const T *v_ = y->data;                                                                  \
        for (int64_t i = 0; i < n; i++)                                                         \
            if (v_[i] cond)                                                                     \
                return true;                                                                    \
    } while (0)

/* True if an integer tensor has an element that is zero (neg=false) or
 * negative (neg=true). */
static bool int_scan(const struct md_tensor *y, bool neg)
{
    int64_t n = md_tensor_num_elements(y);
    switch (y->dtype) {
    case MD_DT_INT8:
        if (neg) SCAN_INT(int8_t, < 0); else SCAN_INT(int8_t, == 0);
        break;
    case MD_DT_INT16:
        if (neg) SCAN_INT(int16_t, < 0); else SCAN_INT(int16_t, == 0);
        break;
    case MD_DT_INT32:
        if (neg) SCAN_INT(int32_t, < 0); else SCAN_INT(int32_t, == 0);
        break;
    case MD_DT_INT64:
        if (neg) SCAN_INT(int64_t, < 0); else SCAN_INT(int64_t, == 0);
        break;
    case MD_DT_UINT8:
        if (!neg) SCAN_INT(uint8_t, == 0);
        break;
    case MD_DT_UINT16:
        if (!neg) SCAN_INT(uint16_t, == 0);
        break;
    case MD_DT_UINT32:
        if (!neg) SCAN_INT(uint32_t, == 0);
        break;
    case MD_DT_UINT64:
        if (!neg) SCAN_INT(uint64_t, == 0);
        break;
    default:
        break;
    }
    return false;
}

bool md_math_binary_compute(struct md_kernel_ctx *k, struct md_status *st)
{
    const struct bin_state *s = k->state;
    const struct md_bin_op *op = s->op;
    const struct md_tensor *a = k->inputs[0], *b = k->inputs[1];
    if (a->dtype != b->dtype)
        return md_kernel_fail(k->node, st, MD_INVALID_ARGUMENT, "input dtypes differ: %s vs. %s",
                              md_dtype_name(a->dtype), md_dtype_name(b->dtype));
    enum md_dtype dt = a->dtype;
    if (dt >= MD_DT_COUNT || !op->fns[dt].vv)
        return md_math_bad_dtype(k->node, dt, st);
    enum md_dtype odt = (op->flags & MD_BIN_BOOL_OUT) ? MD_DT_BOOL : dt;
    struct md_bcast bc;
    if (!md_bcast_init(&bc, 2, k->inputs)) {
        if ((op->flags & MD_BIN_SHAPE_ATTR) && !s->shape_error) {
            /* Equal/NotEqual with incompatible_shape_error=false: a scalar. */
            if (!md_kernel_output(k, 0, MD_DT_BOOL, 0, NULL, st))
                return false;
            *(uint8_t *)k->outputs[0].data = op->mismatch_value;
            return true;
        }
        char buf[400];
        return md_kernel_fail(k->node, st, MD_INVALID_ARGUMENT, "Incompatible shapes: %s",
                              md_bcast_shapes_str(buf, sizeof buf, 2, k->inputs));
    }
    if (md_math_is_int(dt)) {
        if ((op->flags & MD_BIN_INT_DIVISOR) && int_scan(b, false))
            return md_kernel_fail(k->node, st, MD_INVALID_ARGUMENT, "Integer division by zero");
        if ((op->flags & MD_BIN_INT_EXPONENT) && int_scan(b, true))
            return md_kernel_fail(k->node, st, MD_INVALID_ARGUMENT,
                                  "Integers to negative integer powers are not allowed");
    }
    /* Write into an input of the output's shape when this is its last
     * reader (an operand with as many elements as the output is not
     * broadcast, so element i maps to element i). */
    int reuse = -1;
    if (md_dtype_size(odt) == md_dtype_size(dt))
        reuse = md_tensor_num_elements(a) == bc.n ? 0 : md_tensor_num_elements(b) == bc.n ? 1 : -1;
    if (reuse >= 0 ? !md_kernel_output_reuse(k, 0, reuse, odt, bc.out_rank, bc.out_dims, st)
                   : !md_kernel_output(k, 0, odt, bc.out_rank, bc.out_dims, st))
        return false;
    if (bc.n == 0)
        return true;
    int inner = bc.rank - 1;
    struct bin_job j = {
        .bc = &bc,
        .loop = pick_loop(&op->fns[dt], bc.strides[0][inner], bc.strides[1][inner]),
        .a = a->data,
        .b = b->data,
        .o = k->outputs[0].data,
        .esz = md_dtype_size(dt),
        .osz = md_dtype_size(odt),
    };
    if (bc.rank == 1) {
        md_parallel_for(k, bc.n, MD_MATH_MIN_BLOCK, bin_flat, &j);
    } else {
        int64_t rows = bc.n / bc.dims[inner];
        int64_t min_rows = MD_MATH_MIN_BLOCK / bc.dims[inner];
        md_parallel_for(k, rows, min_rows > 0 ? min_rows : 1, bin_rows, &j);
    }
    return true;
}

/* ---- unary ---- */

struct un_state {
    const struct md_un_op *op;
    double param;
};

bool md_math_unary_init(struct md_kernel_init *ki, const struct md_un_op *op,
                        struct md_status *st)
{
    if (!md_math_check_inputs(ki, 1, st))
        return false;
    enum md_dtype t;
    if (md_attr_type(ki->node, "T", &t) && (t >= MD_DT_COUNT || !op->fns[t]))
        return md_math_bad_dtype(ki->node, t, st);
    struct un_state *s = md_kernel_init_alloc(ki, sizeof *s, st);
    if (!s)
        return false;
    s->op = op;
    s->param = op->param_default;
    if (op->param_attr) {
        float f;
        if (md_attr_float(ki->node, op->param_attr, &f))
            s->param = (double)f;
        else if (md_attr_find(ki->node, op->param_attr))
            return md_kernel_fail(ki->node, st, MD_INVALID_ARGUMENT, "attr '%s' is not a float",
                                  op->param_attr);
    }
    ki->state = s;
    return true;
}

struct un_job {
    md_un_loop loop;
    const char *x;
    char *o;
    size_t esz, osz;
    double param;
};

static void un_block(void *arg, int64_t begin, int64_t end)
{
    const struct un_job *j = arg;
    j->loop(j->x + (size_t)begin * j->esz, j->o + (size_t)begin * j->osz, end - begin, j->param);
}

bool md_math_unary_compute(struct md_kernel_ctx *k, struct md_status *st)
{
    const struct un_state *s = k->state;
    const struct md_tensor *x = k->inputs[0];
    enum md_dtype dt = x->dtype;
    if (dt >= MD_DT_COUNT || !s->op->fns[dt])
        return md_math_bad_dtype(k->node, dt, st);
    enum md_dtype odt = (s->op->flags & MD_UN_BOOL_OUT) ? MD_DT_BOOL : dt;
    bool same = md_dtype_size(odt) == md_dtype_size(dt);
    if (same ? !md_kernel_output_reuse(k, 0, 0, odt, x->rank, x->dims, st)
             : !md_kernel_output(k, 0, odt, x->rank, x->dims, st))
        return false;
    struct un_job j = {
        .loop = s->op->fns[dt],
        .x = x->data,
        .o = k->outputs[0].data,
        .esz = md_dtype_size(dt),
        .osz = md_dtype_size(odt),
        .param = s->param,
    };
    md_parallel_for(k, md_tensor_num_elements(x), MD_MATH_MIN_BLOCK, un_block, &j);
    return true;
}

/* MatMul: C = op(A) * op(B) for 2-D A, B (transpose_a, transpose_b), float
 * and double, on OpenBLAS through ops/blas.c. */
#include "ops/blas.h"
#include "ops/kernels/nn_common.h"

struct mat_mul_state {
    enum md_dtype dt;
    bool ta, tb;
};

static bool mat_mul_init(struct md_kernel_init *ki, struct md_status *st)
{
    static const enum md_dtype ok[] = { MD_DT_FLOAT, MD_DT_DOUBLE };
    if (ki->n_inputs != 2)
        return md_kernel_fail(ki->node, st, MD_INVALID_ARGUMENT, "expected 2 inputs, got %d",
                              ki->n_inputs);
    struct mat_mul_state *s = md_kernel_init_alloc(ki, sizeof *s, st);
    if (!s)
        return false;
    if (!md_nn_dtype_attr(ki->node, "T", ok, 2, &s->dt, st))
        return false;
    s->ta = s->tb = false;
    md_attr_bool(ki->node, "transpose_a", &s->ta);
    md_attr_bool(ki->node, "transpose_b", &s->tb);
    ki->state = s;
    return true;
}

static bool mat_mul_compute(struct md_kernel_ctx *k, struct md_status *st)
{
    const struct mat_mul_state *s = k->state;
    const struct md_tensor *a = k->inputs[0], *b = k->inputs[1];
    if (!md_nn_input_dtype(k, 0, s->dt, st) || !md_nn_input_dtype(k, 1, s->dt, st))
        return false;
    if (a->rank != 2 || b->rank != 2) {
        char sa[96], sb[96];
        return md_kernel_fail(k->node, st, MD_INVALID_ARGUMENT,
                              "inputs must be 2-D matrices, got %s and %s",
                              md_shape_str(sa, sizeof sa, a->rank, a->dims),
                              md_shape_str(sb, sizeof sb, b->rank, b->dims));
    }
    int64_t m = a->dims[s->ta ? 1 : 0], ka = a->dims[s->ta ? 0 : 1];
    int64_t kb = b->dims[s->tb ? 1 : 0], n = b->dims[s->tb ? 0 : 1];
    if (ka != kb) {
        char sa[96], sb[96];
        return md_kernel_fail(k->node, st, MD_INVALID_ARGUMENT,
                              "Matrix size-incompatible: In[0]: %s, In[1]: %s%s",
                              md_shape_str(sa, sizeof sa, a->rank, a->dims),
                              md_shape_str(sb, sizeof sb, b->rank, b->dims),
                              s->ta || s->tb ? " (with transposes)" : "");
    }
    if (!md_blas_fits(m) || !md_blas_fits(n) || !md_blas_fits(ka))
        return md_kernel_fail(k->node, st, MD_INVALID_ARGUMENT,
                              "matrix dimension too large for BLAS");
    int64_t od[2] = { m, n };
    if (!md_kernel_output(k, 0, s->dt, 2, od, st))
        return false;
    struct md_nn_gemm g = { .dt = s->dt, .ta = s->ta, .tb = s->tb, .m = m, .n = n, .k = ka,
                            .a = a->data, .lda = a->dims[1], .b = b->data, .ldb = b->dims[1],
                            .c = k->outputs[0].data, .ldc = n };
    md_nn_gemm_run(k, &g);
    return true;
}

const struct md_op_def md_op_mat_mul = {
    .tf_name = "MatMul",
    .init = mat_mul_init,
    .compute = mat_mul_compute,
};

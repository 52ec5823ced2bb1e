/* ReluGrad(gradients, features): gradients where features > 0, else 0. */
#include <string.h>

#include "ops/kernels/train_common.h"

static bool relu_grad_init(struct md_kernel_init *ki, struct md_status *st)
{
    return md_train_check_float(ki, 2, st);
}

struct rg_job {
    const float *g, *f;
    float *o;
};

/* 4 lanes at a time with GCC/Clang vector types: the plain loop compiles
 * to a compare-and-branch at -O2, which mispredicts on random signs. */
typedef float rg_v4f __attribute__((vector_size(16)));
typedef int32_t rg_v4i __attribute__((vector_size(16)));

static void rg_block(void *arg, int64_t begin, int64_t end)
{
    const struct rg_job *j = arg;
    const float *g = j->g, *f = j->f;
    float *o = j->o;
    const rg_v4f zero = { 0, 0, 0, 0 };
    int64_t i = begin;
    for (; i + 4 <= end; i += 4) {
        rg_v4f gv, fv;
        memcpy(&gv, g + i, sizeof gv);
        memcpy(&fv, f + i, sizeof fv);
        rg_v4i mask = fv > zero; /* all ones where f > 0 (false for NaN) */
        rg_v4f ov = (rg_v4f)((rg_v4i)gv & mask);
        memcpy(o + i, &ov, sizeof ov);
    }
    for (; i < end; i++)
        o[i] = f[i] > 0.0f ? g[i] : 0.0f;
}

static bool relu_grad_compute(struct md_kernel_ctx *k, struct md_status *st)
{
    const struct md_tensor *dy = k->inputs[0], *x = k->inputs[1];
    if (!md_train_input_float(k, 0, st) || !md_train_input_float(k, 1, st) ||
        !md_train_same_shape(k, 0, 1, st) ||
        !md_kernel_output(k, 0, MD_DT_FLOAT, dy->rank, dy->dims, st))
        return false;
    struct rg_job j = { dy->data, x->data, k->outputs[0].data };
    md_parallel_for(k, md_tensor_num_elements(dy), 1 << 16, rg_block, &j);
    return true;
}

const struct md_op_def md_op_relu_grad = {
    .tf_name = "ReluGrad",
    .init = relu_grad_init,
    .compute = relu_grad_compute,
};

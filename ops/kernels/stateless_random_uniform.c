/* StatelessRandomUniform(shape, seed[2]) -> uniform floats in [0, 1).
 * A pure function of (shape, seed): element i is Philox4x32-10 of the
 * counter (i / 4, 0) under the key (seed[0], seed[1]) truncated to 32 bits,
 * word i % 4 mapped to [0, 1) with 23 mantissa bits. Same generator family
 * as TensorFlow's, but TensorFlow derives key and counter from the seed
 * differently, so the streams differ: reproducible here, not bit-equal to TF.
 * The trainer feeds a fresh seed per step (dropout masks). */
#include <string.h>

#include "ops/kernels/train_common.h"

static bool sru_init(struct md_kernel_init *ki, struct md_status *st)
{
    if (ki->n_inputs != 2)
        return md_kernel_fail(ki->node, st, MD_INVALID_ARGUMENT, "expected 2 inputs, got %d",
                              ki->n_inputs);
    enum md_dtype dt = MD_DT_FLOAT;
    md_attr_type(ki->node, "dtype", &dt);
    if (dt != MD_DT_FLOAT)
        return md_kernel_fail(ki->node, st, MD_UNIMPLEMENTED, "dtype %s not supported",
                              md_dtype_name(dt));
    return true;
}

static void philox(uint32_t ctr[4], uint32_t k0, uint32_t k1)
{
    for (int r = 0; r < 10; r++) {
        uint64_t p0 = (uint64_t)0xD2511F53u * ctr[0], p1 = (uint64_t)0xCD9E8D57u * ctr[2];
        uint32_t n0 = (uint32_t)(p1 >> 32) ^ ctr[1] ^ k0;
        uint32_t n2 = (uint32_t)(p0 >> 32) ^ ctr[3] ^ k1;
        ctr[1] = (uint32_t)p1;
        ctr[3] = (uint32_t)p0;
        ctr[0] = n0;
        ctr[2] = n2;
        k0 += 0x9E3779B9u;
        k1 += 0xBB67AE85u;
    }
}

struct sru_job {
    float *out;
    int64_t n;
    uint32_t k0, k1;
};

static void sru_block(void *arg, int64_t begin, int64_t end)
{
    const struct sru_job *j = arg;
    for (int64_t b = begin; b < end; b++) {
        uint32_t c[4] = { (uint32_t)b, (uint32_t)((uint64_t)b >> 32), 0, 0 };
        philox(c, j->k0, j->k1);
        for (int q = 0; q < 4 && b * 4 + q < j->n; q++) {
            uint32_t bits = 0x3f800000u | (c[q] >> 9); /* [1, 2) */
            float f;
            memcpy(&f, &bits, sizeof f);
            j->out[b * 4 + q] = f - 1.0f;
        }
    }
}

static bool sru_compute(struct md_kernel_ctx *k, struct md_status *st)
{
    const struct md_tensor *sh = k->inputs[0], *seed = k->inputs[1];
    if ((sh->dtype != MD_DT_INT32 && sh->dtype != MD_DT_INT64) || sh->rank != 1 ||
        sh->dims[0] > MD_MAX_RANK)
        return md_kernel_fail(k->node, st, MD_INVALID_ARGUMENT,
                              "shape must be an int32/int64 vector of at most %d entries",
                              MD_MAX_RANK);
    if ((seed->dtype != MD_DT_INT32 && seed->dtype != MD_DT_INT64) ||
        md_tensor_num_elements(seed) != 2 || seed->rank != 1)
        return md_kernel_fail(k->node, st, MD_INVALID_ARGUMENT,
                              "seed must be an int32/int64 vector of 2 elements");
    int64_t dims[MD_MAX_RANK];
    int rank = (int)sh->dims[0];
    for (int i = 0; i < rank; i++) {
        dims[i] = sh->dtype == MD_DT_INT32 ? ((const int32_t *)sh->data)[i]
                                           : ((const int64_t *)sh->data)[i];
        if (dims[i] < 0)
            return md_kernel_fail(k->node, st, MD_INVALID_ARGUMENT, "negative dimension %lld",
                                  (long long)dims[i]);
    }
    if (!md_kernel_output(k, 0, MD_DT_FLOAT, rank, dims, st))
        return false;
    int64_t s0 = seed->dtype == MD_DT_INT32 ? ((const int32_t *)seed->data)[0]
                                            : ((const int64_t *)seed->data)[0];
    int64_t s1 = seed->dtype == MD_DT_INT32 ? ((const int32_t *)seed->data)[1]
                                            : ((const int64_t *)seed->data)[1];
    struct sru_job j = { k->outputs[0].data, md_tensor_num_elements(&k->outputs[0]),
                         (uint32_t)s0, (uint32_t)s1 };
    md_parallel_for(k, (j.n + 3) / 4, 4096, sru_block, &j);
    return true;
}

const struct md_op_def md_op_stateless_random_uniform = {
    .tf_name = "StatelessRandomUniform",
    .init = sru_init,
    .compute = sru_compute,
};

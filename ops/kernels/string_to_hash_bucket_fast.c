/* StringToHashBucketFast: Fingerprint64(s) mod num_buckets (int64, same
 * shape), bit for bit TensorFlow's (FarmHash, see sparse_common.c). */
#include "ops/kernels/sparse_common.h"

static bool hash_bucket_init(struct md_kernel_init *ki, struct md_status *st)
{
    int64_t *nb = md_kernel_init_alloc(ki, sizeof *nb, st);
    if (!nb)
        return false;
    if (!md_attr_int(ki->node, "num_buckets", nb) || *nb < 1)
        return md_kernel_fail(ki->node, st, MD_INVALID_ARGUMENT,
                              "num_buckets must be a positive int attr");
    ki->state = nb;
    return true;
}

struct hb_args {
    const struct md_str *in;
    int64_t *out;
    uint64_t nb;
};

static void hash_rows(void *arg, int64_t begin, int64_t end)
{
    const struct hb_args *a = arg;
    for (int64_t i = begin; i < end; i++)
        a->out[i] = (int64_t)(md_fingerprint64(a->in[i].data, a->in[i].len) % a->nb);
}

static bool hash_bucket_compute(struct md_kernel_ctx *k, struct md_status *st)
{
    const struct md_tensor *x = k->inputs[0];
    if (x->dtype != MD_DT_STRING)
        return md_kernel_fail(k->node, st, MD_INVALID_ARGUMENT, "input must be string, got %s",
                              md_dtype_info(x->dtype)->tf_name);
    if (!md_kernel_output(k, 0, MD_DT_INT64, x->rank, x->dims, st))
        return false;
    struct hb_args a = { x->data, k->outputs[0].data, (uint64_t)*(const int64_t *)k->state };
    md_parallel_for(k, md_tensor_num_elements(x), 1024, hash_rows, &a);
    return true;
}

const struct md_op_def md_op_string_to_hash_bucket_fast = {
    .tf_name = "StringToHashBucketFast",
    .init = hash_bucket_init,
    .compute = hash_bucket_compute,
};

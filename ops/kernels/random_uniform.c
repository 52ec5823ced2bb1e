/* RandomUniform: floats (or doubles) uniform in [0, 1) of the shape given by
 * the first input, from Philox4x32-10 seeded with the seed/seed2 attrs exactly
 * as TensorFlow's stateful op: element j of a run comes from the generator's
 * block (base + j/4) (j/2 for double) and each run advances base by
 * 256 * size, so the first run of a loaded model returns TensorFlow's first
 * values. seed = seed2 = 0 picks a random seed at load, as TensorFlow.
 * The advancing counter is the kernel's only mutable state (an atomic). */
#include <stdatomic.h>
#include <sys/random.h>
#include <time.h>

#include "ops/kernels/array_common.h"
#include "ops/kernels/sparse_common.h"

struct random_uniform_state {
    struct md_philox gen;
    enum md_dtype dtype;
    _Atomic uint64_t *next_block;
};

static bool random_uniform_init(struct md_kernel_init *ki, struct md_status *st)
{
    struct random_uniform_state *s = md_kernel_init_alloc(ki, sizeof *s, st);
    _Atomic uint64_t *next = md_kernel_init_alloc(ki, sizeof *next, st);
    if (!s || !next)
        return false;
    int64_t seed = 0, seed2 = 0;
    md_attr_int(ki->node, "seed", &seed);
    md_attr_int(ki->node, "seed2", &seed2);
    if (!md_attr_type(ki->node, "dtype", &s->dtype))
        return md_kernel_fail(ki->node, st, MD_INVALID_ARGUMENT, "missing dtype attr");
    if (s->dtype != MD_DT_FLOAT && s->dtype != MD_DT_DOUBLE)
        return md_kernel_fail(ki->node, st, MD_UNIMPLEMENTED, "dtype %s not supported",
                              md_dtype_name(s->dtype));
    if (seed == 0 && seed2 == 0) {
        uint64_t r[2];
        if (getrandom(r, sizeof r, 0) != (ssize_t)sizeof r) {
            r[0] = (uint64_t)time(NULL);
            r[1] = (uint64_t)(uintptr_t)s;
        }
        seed = (int64_t)r[0];
        seed2 = (int64_t)r[1];
    }
    s->gen = md_philox_init((uint64_t)seed, (uint64_t)seed2);
    atomic_init(next, 0);
    s->next_block = next;
    ki->state = s;
    return true;
}

static bool random_uniform_compute(struct md_kernel_ctx *k, struct md_status *st)
{
    const struct random_uniform_state *s = k->state;
    int64_t dims[MD_MAX_RANK], rank;
    if (!md_arr_read_ints(k, k->inputs[0], "shape", false, dims, MD_MAX_RANK, &rank, st))
        return false;
    if (!md_kernel_output(k, 0, s->dtype, (int)rank, dims, st))
        return false;
    int64_t n = md_tensor_num_elements(&k->outputs[0]);
    uint64_t base = atomic_fetch_add(s->next_block, (uint64_t)n * 256);
    uint32_t r[4];
    if (s->dtype == MD_DT_FLOAT) {
        float *o = k->outputs[0].data;
        for (int64_t j = 0; j < n; j++) {
            if (j % 4 == 0)
                md_philox_block(&s->gen, base + (uint64_t)j / 4, r);
            o[j] = md_philox_float(r[j % 4]);
        }
    } else {
        double *o = k->outputs[0].data;
        for (int64_t j = 0; j < n; j++) {
            if (j % 2 == 0)
                md_philox_block(&s->gen, base + (uint64_t)j / 2, r);
            o[j] = md_philox_double(r[2 * (j % 2)], r[2 * (j % 2) + 1]);
        }
    }
    return true;
}

const struct md_op_def md_op_random_uniform = {
    .tf_name = "RandomUniform",
    .init = random_uniform_init,
    .compute = random_uniform_compute,
    .flags = MD_OP_STATEFUL,
};

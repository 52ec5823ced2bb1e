/* AddN: elementwise sum of N same-shape, same-dtype inputs (attr N).
 * Integers wrap. The output is written in one pass per input after the
 * first two, each pass a vectorised o += x. */
#include "ops/kernels/math_common.h"

#define ADD_N_FNS(name, T, ADD)                                                                 \
    MD_VECTORIZE static void name##_2(const void *restrict pa, const void *restrict pb,        \
                                      void *restrict po, int64_t n)                             \
    {                                                                                           \
        const T *restrict a = pa;                                                               \
        const T *restrict b = pb;                                                               \
        T *restrict o = po;                                                                     \
        for (int64_t i = 0; i < n; i++)                                                         \
            o[i] = ADD(a[i], b[i]);                                                             \
    }                                                                                           \
    MD_VECTORIZE static void name##_acc(const void *restrict pa, void *restrict po, int64_t n) \
    {                                                                                           \
        const T *restrict a = pa;                                                               \
        T *restrict o = po;                                                                     \
        for (int64_t i = 0; i < n; i++)                                                         \
            o[i] = ADD(o[i], a[i]);                                                             \
    }

#define F_ADD(x, y) ((x) + (y))
#define I32_ADD(x, y) MD_WRAP(int32_t, uint32_t, x, +, y)
#define I64_ADD(x, y) MD_WRAP(int64_t, uint64_t, x, +, y)
#define U8_ADD(x, y) ((uint8_t)((x) + (y)))
ADD_N_FNS(add_n_f32, float, F_ADD)
ADD_N_FNS(add_n_f64, double, F_ADD)
ADD_N_FNS(add_n_i32, int32_t, I32_ADD)
ADD_N_FNS(add_n_i64, int64_t, I64_ADD)
ADD_N_FNS(add_n_u8, uint8_t, U8_ADD)

struct add_n_fns {
    void (*two)(const void *restrict a, const void *restrict b, void *restrict o, int64_t n);
    void (*acc)(const void *restrict a, void *restrict o, int64_t n);
};
#define FNS(name) { name##_2, name##_acc }
static const struct add_n_fns add_n_table[MD_DT_COUNT] = {
    [MD_DT_FLOAT] = FNS(add_n_f32), [MD_DT_DOUBLE] = FNS(add_n_f64),
    [MD_DT_INT32] = FNS(add_n_i32), [MD_DT_INT64] = FNS(add_n_i64),
    [MD_DT_UINT8] = FNS(add_n_u8),
};

static bool add_n_init(struct md_kernel_init *ki, struct md_status *st)
{
    if (ki->n_inputs < 1)
        return md_kernel_fail(ki->node, st, MD_INVALID_ARGUMENT, "needs at least one input");
    int64_t n;
    if (md_attr_int(ki->node, "N", &n) && n != ki->n_inputs)
        return md_kernel_fail(ki->node, st, MD_INVALID_ARGUMENT, "attr N is %lld but %d inputs",
                              (long long)n, ki->n_inputs);
    enum md_dtype t;
    if (md_attr_type(ki->node, "T", &t) && (t >= MD_DT_COUNT || !add_n_table[t].two))
        return md_math_bad_dtype(ki->node, t, st);
    return true;
}

struct add_n_job {
    const struct add_n_fns *f;
    const struct md_tensor *const *in;
    int n_in;
    char *o;
    size_t esz;
};

static void add_n_block(void *arg, int64_t begin, int64_t end)
{
    const struct add_n_job *j = arg;
    size_t off = (size_t)begin * j->esz;
    int64_t n = end - begin;
    j->f->two((const char *)j->in[0]->data + off, (const char *)j->in[1]->data + off, j->o + off,
              n);
    for (int i = 2; i < j->n_in; i++)
        j->f->acc((const char *)j->in[i]->data + off, j->o + off, n);
}

static bool add_n_compute(struct md_kernel_ctx *k, struct md_status *st)
{
    const struct md_tensor *a = k->inputs[0];
    enum md_dtype dt = a->dtype;
    if (dt >= MD_DT_COUNT || !add_n_table[dt].two)
        return md_math_bad_dtype(k->node, dt, st);
    for (int i = 1; i < k->n_inputs; i++) {
        const struct md_tensor *b = k->inputs[i];
        bool same = b->dtype == dt && b->rank == a->rank;
        for (int d = 0; same && d < a->rank; d++)
            same = a->dims[d] == b->dims[d];
        if (!same) {
            char s1[160], s2[160];
            return md_kernel_fail(k->node, st, MD_INVALID_ARGUMENT,
                                  "inputs must have the same dtype and shape: input 0 is %s %s, "
                                  "input %d is %s %s",
                                  md_dtype_name(dt), md_shape_str(s1, sizeof s1, a->rank, a->dims),
                                  i, md_dtype_name(b->dtype),
                                  md_shape_str(s2, sizeof s2, b->rank, b->dims));
        }
    }
    if (k->n_inputs == 1) {
        md_kernel_forward(k, 0, a);
        return true;
    }
    if (!md_kernel_output(k, 0, dt, a->rank, a->dims, st))
        return false;
    struct add_n_job j = {
        .f = &add_n_table[dt],
        .in = k->inputs,
        .n_in = k->n_inputs,
        .o = k->outputs[0].data,
        .esz = md_dtype_size(dt),
    };
    md_parallel_for(k, md_tensor_num_elements(a), MD_MATH_MIN_BLOCK, add_n_block, &j);
    return true;
}

const struct md_op_def md_op_add_n = {
    .tf_name = "AddN",
    .init = add_n_init,
    .compute = add_n_compute,
};

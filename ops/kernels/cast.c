/* Cast: converts between every pair of numeric and bool dtypes (attrs SrcT,
 * DstT; Truncate only matters for half/bfloat16, which we do not have, so
 * it is accepted and ignored). Same dtype forwards the input without a copy.
 *
 * Conversions follow C (and so TensorFlow's static_cast) where C defines
 * them: integer to integer wraps, to float rounds to nearest, anything to
 * bool is x != 0. Float to integer truncates toward zero; where C leaves it
 * undefined (nan, out of range) we give what TensorFlow gives on x86: the
 * "integer indefinite" INT_MIN for 32/64-bit targets, and the low bits of the
 * 32-bit (or 64-bit for uint32) conversion for narrower ones. Strings are
 * not castable (TensorFlow has AsString / StringToNumber for that). */
#include "ops/kernels/math_common.h"

static inline int32_t f2i32(double x)
{
    return x > -2147483649.0 && x < 2147483648.0 ? (int32_t)x : INT32_MIN;
}

static inline int64_t f2i64(double x)
{
    return x >= -9223372036854775808.0 && x < 9223372036854775808.0 ? (int64_t)x : INT64_MIN;
}

static inline uint64_t f2u64(double x)
{
    return x >= 0 && x < 18446744073709551616.0 ? (uint64_t)x : (uint64_t)f2i64(x);
}

/* x is float or double here, so the generic selection picks the float rule
 * for floating sources and plain C conversion for integers. */
#define IS_FP(x) _Generic((x), float: 1, double: 1, default: 0)
#define CVT_f32(x) ((float)(x))
#define CVT_f64(x) ((double)(x))
#define CVT_b(x) ((uint8_t)((x) != 0))
#define CVT_INT(T, F, x) (IS_FP(x) ? (T)F((double)(x)) : (T)(x))
#define CVT_i8(x) CVT_INT(int8_t, f2i32, x)
#define CVT_i16(x) CVT_INT(int16_t, f2i32, x)
#define CVT_i32(x) CVT_INT(int32_t, f2i32, x)
#define CVT_i64(x) CVT_INT(int64_t, f2i64, x)
#define CVT_u8(x) CVT_INT(uint8_t, f2i32, x)
#define CVT_u16(x) CVT_INT(uint16_t, f2i32, x)
#define CVT_u32(x) CVT_INT(uint32_t, f2i64, x)
#define CVT_u64(x) CVT_INT(uint64_t, f2u64, x)

/* X(..., name, C type, dtype), once for sources and once for destinations
 * (a macro cannot expand itself). bool is handled apart: it is read as a
 * byte and normalised to 0/1 first. */
#define NUM_TYPES(X, ...)                                                                       \
    X(__VA_ARGS__, f32, float, MD_DT_FLOAT)                                                     \
    X(__VA_ARGS__, f64, double, MD_DT_DOUBLE)                                                   \
    X(__VA_ARGS__, i8, int8_t, MD_DT_INT8)                                                      \
    X(__VA_ARGS__, i16, int16_t, MD_DT_INT16)                                                   \
    X(__VA_ARGS__, i32, int32_t, MD_DT_INT32)                                                   \
    X(__VA_ARGS__, i64, int64_t, MD_DT_INT64)                                                   \
    X(__VA_ARGS__, u8, uint8_t, MD_DT_UINT8)                                                    \
    X(__VA_ARGS__, u16, uint16_t, MD_DT_UINT16)                                                 \
    X(__VA_ARGS__, u32, uint32_t, MD_DT_UINT32)                                                 \
    X(__VA_ARGS__, u64, uint64_t, MD_DT_UINT64)

#define DST_TYPES(X, ...)                                                                       \
    X(__VA_ARGS__, f32, float, MD_DT_FLOAT)                                                     \
    X(__VA_ARGS__, f64, double, MD_DT_DOUBLE)                                                   \
    X(__VA_ARGS__, i8, int8_t, MD_DT_INT8)                                                      \
    X(__VA_ARGS__, i16, int16_t, MD_DT_INT16)                                                   \
    X(__VA_ARGS__, i32, int32_t, MD_DT_INT32)                                                   \
    X(__VA_ARGS__, i64, int64_t, MD_DT_INT64)                                                   \
    X(__VA_ARGS__, u8, uint8_t, MD_DT_UINT8)                                                    \
    X(__VA_ARGS__, u16, uint16_t, MD_DT_UINT16)                                                 \
    X(__VA_ARGS__, u32, uint32_t, MD_DT_UINT32)                                                 \
    X(__VA_ARGS__, u64, uint64_t, MD_DT_UINT64)

/* numeric -> numeric, numeric -> bool, bool -> numeric */
#define LOOP_NN(sn, ST, sdt, dn, DT, ddt) MD_UN_LOOP(cast_##sn##_##dn, ST, DT, CVT_##dn(x))
#define LOOP_ROW(x_, sn, ST, sdt)                                                               \
    DST_TYPES(LOOP_NN, sn, ST, sdt)                                                             \
    MD_UN_LOOP(cast_##sn##_b, ST, uint8_t, CVT_b(x))                                            \
    MD_UN_LOOP(cast_b_##sn, uint8_t, ST, (ST)(x != 0))
NUM_TYPES(LOOP_ROW, 0)

#define ENTRY_NN(sn, ST, sdt, dn, DT, ddt) [sdt][ddt] = cast_##sn##_##dn,
#define ENTRY_ROW(x_, sn, ST, sdt)                                                              \
    DST_TYPES(ENTRY_NN, sn, ST, sdt)                                                            \
    [sdt][MD_DT_BOOL] = cast_##sn##_b, [MD_DT_BOOL][sdt] = cast_b_##sn,
static const md_un_loop cast_table[MD_DT_COUNT][MD_DT_COUNT] = { NUM_TYPES(ENTRY_ROW, 0) };

struct cast_state {
    enum md_dtype src, dst;
};

static bool cast_init(struct md_kernel_init *ki, struct md_status *st)
{
    if (!md_math_check_inputs(ki, 1, st))
        return false;
    enum md_dtype src, dst;
    if (!md_attr_type(ki->node, "SrcT", &src) || !md_attr_type(ki->node, "DstT", &dst))
        return md_kernel_fail(ki->node, st, MD_INVALID_ARGUMENT, "missing attr SrcT or DstT");
    if (src != dst && (src >= MD_DT_COUNT || dst >= MD_DT_COUNT || !cast_table[src][dst]))
        return md_kernel_fail(ki->node, st, MD_UNIMPLEMENTED, "cast from %s to %s not supported",
                              md_dtype_name(src), md_dtype_name(dst));
    struct cast_state *s = md_kernel_init_alloc(ki, sizeof *s, st);
    if (!s)
        return false;
    s->src = src;
    s->dst = dst;
    ki->state = s;
    return true;
}

struct cast_job {
    md_un_loop loop;
    const char *x;
    char *o;
    size_t esz, osz;
};

static void cast_block(void *arg, int64_t begin, int64_t end)
{
    const struct cast_job *j = arg;
    j->loop(j->x + (size_t)begin * j->esz, j->o + (size_t)begin * j->osz, end - begin, 0);
}

static bool cast_compute(struct md_kernel_ctx *k, struct md_status *st)
{
    const struct cast_state *s = k->state;
    const struct md_tensor *x = k->inputs[0];
    if (x->dtype != s->src)
        return md_kernel_fail(k->node, st, MD_INVALID_ARGUMENT, "input is %s, SrcT is %s",
                              md_dtype_name(x->dtype), md_dtype_name(s->src));
    if (s->src == s->dst) {
        md_kernel_forward(k, 0, x);
        return true;
    }
    if (!md_kernel_output(k, 0, s->dst, x->rank, x->dims, st))
        return false;
    struct cast_job j = {
        .loop = cast_table[s->src][s->dst],
        .x = x->data,
        .o = k->outputs[0].data,
        .esz = md_dtype_size(s->src),
        .osz = md_dtype_size(s->dst),
    };
    md_parallel_for(k, md_tensor_num_elements(x), MD_MATH_MIN_BLOCK, cast_block, &j);
    return true;
}

const struct md_op_def md_op_cast = {
    .tf_name = "Cast",
    .init = cast_init,
    .compute = cast_compute,
};

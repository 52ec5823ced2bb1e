/* Pow: x^y with broadcasting. Floating point uses the C library's pow.
 * Integers square-and-multiply with wrapping; a negative exponent anywhere in
 * y is an error, as in TensorFlow. */
#include "ops/kernels/math_common.h"

#include <math.h>

#define IPOW(name, T, U)                                                                        \
    static inline T name(T x, T y)                                                              \
    {                                                                                           \
        U r = 1, b = (U)x;                                                                      \
        for (; y > 0; y >>= 1) { /* y >= 0: checked before the loop runs */                     \
            if (y & 1)                                                                          \
                r *= b;                                                                         \
            b *= b;                                                                             \
        }                                                                                       \
        return (T)r;                                                                            \
    }
IPOW(pow_i32, int32_t, uint32_t)
IPOW(pow_i64, int64_t, uint64_t)

MD_BIN_LOOPS(pow_f32, float, float, powf(x, y))
MD_BIN_LOOPS(pow_f64, double, double, pow(x, y))
MD_BIN_LOOPS(pow_i32, int32_t, int32_t, pow_i32(x, y))
MD_BIN_LOOPS(pow_i64, int64_t, int64_t, pow_i64(x, y))

static const struct md_bin_op pow_op = {
    .fns = {
        [MD_DT_FLOAT] = MD_BIN_FNS(pow_f32),
        [MD_DT_DOUBLE] = MD_BIN_FNS(pow_f64),
        [MD_DT_INT32] = MD_BIN_FNS(pow_i32),
        [MD_DT_INT64] = MD_BIN_FNS(pow_i64),
    },
    .flags = MD_BIN_INT_EXPONENT,
};

MD_BINARY_OP_DEF(pow, "Pow", pow_op)

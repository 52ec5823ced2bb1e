/* FloorMod: x - floor(x / y) * y with broadcasting: the remainder takes the
 * sign of y (Python's %). Floating point uses fmod and shifts by y when the
 * signs differ; integers reject a zero divisor. */
#include "ops/kernels/math_common.h"

#include <math.h>

#define FLOOR_MOD_INT(name, T)                                                                  \
    static inline T name(T x, T y)                                                              \
    {                                                                                           \
        if (y == -1)                                                                            \
            return 0; /* INT_MIN % -1 would trap */                                             \
        T r = x % y;                                                                            \
        if (r != 0 && ((r < 0) != (y < 0)))                                                     \
            r += y;                                                                             \
        return r;                                                                               \
    }
FLOOR_MOD_INT(floor_mod_i32, int32_t)
FLOOR_MOD_INT(floor_mod_i64, int64_t)

static inline float floor_mod_f32(float x, float y)
{
    float r = fmodf(x, y);
    return r != 0 && ((r < 0) != (y < 0)) ? r + y : r;
}

static inline double floor_mod_f64(double x, double y)
{
    double r = fmod(x, y);
    return r != 0 && ((r < 0) != (y < 0)) ? r + y : r;
}

MD_BIN_LOOPS(floor_mod_f32, float, float, floor_mod_f32(x, y))
MD_BIN_LOOPS(floor_mod_f64, double, double, floor_mod_f64(x, y))
MD_BIN_LOOPS(floor_mod_i32, int32_t, int32_t, floor_mod_i32(x, y))
MD_BIN_LOOPS(floor_mod_i64, int64_t, int64_t, floor_mod_i64(x, y))
MD_BIN_LOOPS(floor_mod_u8, uint8_t, uint8_t, (uint8_t)(x % y))

static const struct md_bin_op floor_mod_op = {
    .fns = {
        [MD_DT_FLOAT] = MD_BIN_FNS(floor_mod_f32),
        [MD_DT_DOUBLE] = MD_BIN_FNS(floor_mod_f64),
        [MD_DT_INT32] = MD_BIN_FNS(floor_mod_i32),
        [MD_DT_INT64] = MD_BIN_FNS(floor_mod_i64),
        [MD_DT_UINT8] = MD_BIN_FNS(floor_mod_u8),
    },
    .flags = MD_BIN_INT_DIVISOR,
};

MD_BINARY_OP_DEF(floor_mod, "FloorMod", floor_mod_op)

/* v2_dtype.c: the Open Inference Protocol's datatypes <-> TensorFlow dtypes.
 * Keep in sync with the protocol's "Tensor Data Types" table
 * (kserve docs/predict-api/v2/required_api.md) and base/tensor.h. */
#include <math.h>
#include <string.h>

#include "server/v2.h"

/* Indexed by TensorFlow dtype; dtypes absent here (complex, quantized,
 * bfloat16, resource, variant) have no v2 datatype. */
static const char *const v2_names[MD_DT_COUNT] = {
    [MD_DT_BOOL] = "BOOL",   [MD_DT_UINT8] = "UINT8",   [MD_DT_UINT16] = "UINT16",
    [MD_DT_UINT32] = "UINT32", [MD_DT_UINT64] = "UINT64", [MD_DT_INT8] = "INT8",
    [MD_DT_INT16] = "INT16", [MD_DT_INT32] = "INT32",   [MD_DT_INT64] = "INT64",
    [MD_DT_HALF] = "FP16",   [MD_DT_FLOAT] = "FP32",    [MD_DT_DOUBLE] = "FP64",
    [MD_DT_STRING] = "BYTES",
};

const char *md_v2_datatype_name(int dtype)
{
    enum md_dtype d = md_dtype_base(dtype);
    return (d > 0 && d < MD_DT_COUNT) ? v2_names[d] : NULL;
}

enum md_dtype md_v2_datatype_from_name(const char *name, size_t len)
{
    for (int d = 1; d < MD_DT_COUNT; d++)
        if (v2_names[d] && strlen(v2_names[d]) == len && !memcmp(v2_names[d], name, len))
            return (enum md_dtype)d;
    return MD_DT_INVALID;
}

uint16_t md_v2_half_from_float(float f)
{
    uint32_t x;
    memcpy(&x, &f, sizeof x);
    uint16_t sign = (uint16_t)((x >> 16) & 0x8000u);
    uint32_t exp = (x >> 23) & 0xffu;
    uint32_t man = x & 0x7fffffu;
    if (exp == 0xff) /* inf, nan (keep a quiet nan) */
        return (uint16_t)(sign | 0x7c00u | (man ? 0x200u | (man >> 13) : 0));
    int e = (int)exp - 127 + 15;
    if (e >= 31)
        return (uint16_t)(sign | 0x7c00u);
    if (e <= 0) {
        if (e < -10)
            return sign;
        man |= 0x800000u;
        unsigned shift = (unsigned)(14 - e);
        uint32_t h = man >> shift;
        uint32_t rem = man & ((1u << shift) - 1);
        uint32_t half = 1u << (shift - 1);
        if (rem > half || (rem == half && (h & 1)))
            h++;
        return (uint16_t)(sign | h);
    }
    uint32_t h = ((uint32_t)e << 10) | (man >> 13);
    uint32_t rem = man & 0x1fffu;
    if (rem > 0x1000u || (rem == 0x1000u && (h & 1)))
        h++; /* may carry into the exponent, up to inf: still correct */
    return (uint16_t)(sign | h);
}

float md_v2_half_to_float(uint16_t h)
{
    uint32_t sign = (uint32_t)(h & 0x8000u) << 16;
    uint32_t exp = (h >> 10) & 0x1fu;
    uint32_t man = h & 0x3ffu;
    uint32_t x;
    if (exp == 0) {
        if (man == 0) {
            x = sign;
        } else { /* subnormal: man * 2^-24 */
            float f = ldexpf((float)man, -24);
            return sign ? -f : f;
        }
    } else if (exp == 31) {
        x = sign | 0x7f800000u | (man << 13);
    } else {
        x = sign | ((exp - 15 + 127) << 23) | (man << 13);
    }
    float f;
    memcpy(&f, &x, sizeof f);
    return f;
}

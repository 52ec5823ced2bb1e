/* StridedSlice: numpy-style basic indexing, x[b0:e0:s0, ..., tf.newaxis, i]
 * described by begin/end/strides vectors and five bit masks (begin_mask,
 * end_mask, ellipsis_mask, new_axis_mask, shrink_axis_mask), with
 * TensorFlow's rules: negative indices count from the end, out-of-range
 * range bounds are clamped, a shrunk index must be in range, at most one
 * ellipsis, and a spec without ellipsis gets one at the end. */
#include "ops/kernels/array_common.h"

#define SS_MAX_SPEC 32 /* masks are 32-bit */

struct ss_state {
    int64_t begin_mask, end_mask, ellipsis_mask, new_axis_mask, shrink_axis_mask;
};

static bool strided_slice_init(struct md_kernel_init *ki, struct md_status *st)
{
    struct ss_state *s = md_kernel_init_alloc(ki, sizeof *s, st);
    if (!s)
        return false;
    static const char *const names[5] = { "begin_mask", "end_mask", "ellipsis_mask",
                                          "new_axis_mask", "shrink_axis_mask" };
    int64_t *v[5] = { &s->begin_mask, &s->end_mask, &s->ellipsis_mask, &s->new_axis_mask,
                      &s->shrink_axis_mask };
    for (int i = 0; i < 5; i++)
        if (!md_attr_int(ki->node, names[i], v[i]))
            *v[i] = 0;
    if (s->ellipsis_mask & (s->ellipsis_mask - 1))
        return md_kernel_fail(ki->node, st, MD_INVALID_ARGUMENT,
                              "Multiple ellipses in slice spec not allowed");
    ki->state = s;
    return true;
}

static bool strided_slice_compute(struct md_kernel_ctx *k, struct md_status *st)
{
    const struct ss_state *s = k->state;
    const struct md_tensor *x = k->inputs[0];
    int64_t sb[SS_MAX_SPEC], se[SS_MAX_SPEC], sst[SS_MAX_SPEC], nb, ne, ns;
    if (!md_arr_read_ints(k, k->inputs[1], "begin", false, sb, SS_MAX_SPEC - 1, &nb, st) ||
        !md_arr_read_ints(k, k->inputs[2], "end", false, se, SS_MAX_SPEC - 1, &ne, st) ||
        !md_arr_read_ints(k, k->inputs[3], "strides", false, sst, SS_MAX_SPEC - 1, &ns, st))
        return false;
    if (nb != ns || ne != ns)
        return md_kernel_fail(k->node, st, MD_INVALID_ARGUMENT,
                              "Expected begin, end, and strides to be 1D equal size tensors, but "
                              "got shapes [%lld], [%lld], and [%lld] instead.",
                              (long long)nb, (long long)ne, (long long)ns);
    int n = (int)ns;
    int64_t ellipsis = s->ellipsis_mask;
    int add_after_ellipsis = 0;
    bool seen = false;
    for (int i = 0; i < n; i++) {
        if (seen && (s->new_axis_mask >> i & 1))
            add_after_ellipsis++;
        if (ellipsis >> i & 1)
            seen = true;
    }
    if (!seen)
        ellipsis |= INT64_C(1) << n++; /* implicit trailing ellipsis */

    /* Dense spec: one entry per input dim. */
    int rank = x->rank;
    int64_t begin[MD_MAX_RANK], end[MD_MAX_RANK], stride[MD_MAX_RANK];
    bool bmask[MD_MAX_RANK], emask[MD_MAX_RANK], shrink[MD_MAX_RANK];
    int gather[SS_MAX_SPEC + MD_MAX_RANK], n_gather = 0; /* >=0 input dim, -1 new axis */
    int full = 0;
    for (int i = 0; i < n; i++) {
        if (ellipsis >> i & 1) {
            int next = rank - (n - i) + 1 + add_after_ellipsis;
            if (next > rank)
                next = rank;
            for (; full < next; full++) {
                begin[full] = end[full] = 0;
                stride[full] = 1;
                bmask[full] = emask[full] = true;
                shrink[full] = false;
                gather[n_gather++] = full;
            }
        } else if (s->new_axis_mask >> i & 1) {
            gather[n_gather++] = -1;
        } else {
            if (full == rank)
                return md_kernel_fail(k->node, st, MD_INVALID_ARGUMENT,
                                      "Index out of range using input dim %d; input has only %d "
                                      "dims",
                                      full, rank);
            begin[full] = sb[i];
            end[full] = se[i];
            stride[full] = sst[i];
            bmask[full] = s->begin_mask >> i & 1;
            emask[full] = s->end_mask >> i & 1;
            shrink[full] = s->shrink_axis_mask >> i & 1;
            gather[n_gather++] = shrink[full] ? -2 : full;
            full++;
        }
    }

    int64_t size[MD_MAX_RANK];
    for (int d = 0; d < rank; d++) {
        int64_t dim = x->dims[d], st_d = stride[d];
        if (st_d == 0)
            return md_kernel_fail(k->node, st, MD_INVALID_ARGUMENT, "strides[%d] must be non-zero",
                                  d);
        if (shrink[d]) {
            if (st_d <= 0)
                return md_kernel_fail(k->node, st, MD_INVALID_ARGUMENT,
                                      "only stride 1 allowed on non-range indexing.");
            int64_t b = begin[d] < 0 ? dim + begin[d] : begin[d];
            if (b < 0 || b >= dim)
                return md_kernel_fail(k->node, st, MD_INVALID_ARGUMENT,
                                      "slice index %lld of dimension %d out of bounds.",
                                      (long long)b, d);
            begin[d] = b;
            stride[d] = 1;
            size[d] = 1;
            continue;
        }
        /* valid range of a bound: [0, dim] going up, [-1, dim-1] going down */
        int64_t lo = st_d > 0 ? 0 : -1, hi = st_d > 0 ? dim : dim - 1;
        int64_t b, e;
        if (bmask[d]) {
            b = st_d > 0 ? lo : hi;
        } else {
            b = begin[d] < 0 ? dim + begin[d] : begin[d];
            b = b < lo ? lo : b > hi ? hi : b;
        }
        if (emask[d]) {
            e = st_d > 0 ? hi : lo;
        } else {
            e = end[d] < 0 ? dim + end[d] : end[d];
            e = e < lo ? lo : e > hi ? hi : e;
        }
        int64_t len = e - b;
        if (len == 0 || ((len < 0) != (st_d < 0)))
            size[d] = 0;
        else
            size[d] = len / st_d + (len % st_d != 0);
        begin[d] = b;
    }

    int64_t out_dims[SS_MAX_SPEC + MD_MAX_RANK];
    int out_rank = 0;
    for (int g = 0; g < n_gather; g++) {
        if (gather[g] == -2)
            continue;
        if (out_rank == MD_MAX_RANK)
            return md_kernel_fail(k->node, st, MD_INVALID_ARGUMENT,
                                  "output rank exceeds the maximum %d", MD_MAX_RANK);
        out_dims[out_rank++] = gather[g] == -1 ? 1 : size[gather[g]];
    }
    return md_arr_slice(k, x, begin, stride, size, out_rank, out_dims, st);
}

const struct md_op_def md_op_strided_slice = {
    .tf_name = "StridedSlice",
    .init = strided_slice_init,
    .compute = strided_slice_compute,
};

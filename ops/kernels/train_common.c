/* train_common.c: see train_common.h. */
#include <stdatomic.h>
#include <string.h>

#include "ops/kernels/train_common.h"

bool md_train_check_float(struct md_kernel_init *ki, int n_inputs, struct md_status *st)
{
    if (ki->n_inputs != n_inputs)
        return md_kernel_fail(ki->node, st, MD_INVALID_ARGUMENT, "expected %d inputs, got %d",
                              n_inputs, ki->n_inputs);
    enum md_dtype dt = MD_DT_FLOAT;
    md_attr_type(ki->node, "T", &dt);
    if (dt != MD_DT_FLOAT)
        return md_kernel_fail(ki->node, st, MD_UNIMPLEMENTED, "dtype %s not supported",
                              md_dtype_name(dt));
    return true;
}

bool md_train_input_float(struct md_kernel_ctx *k, int i, struct md_status *st)
{
    if (k->inputs[i]->dtype != MD_DT_FLOAT)
        return md_kernel_fail(k->node, st, MD_INVALID_ARGUMENT, "input %d is %s, expected float",
                              i, md_dtype_name(k->inputs[i]->dtype));
    return true;
}

bool md_train_same_shape(struct md_kernel_ctx *k, int i, int j, struct md_status *st)
{
    const struct md_tensor *a = k->inputs[i], *b = k->inputs[j];
    bool same = a->rank == b->rank;
    for (int d = 0; same && d < a->rank; d++)
        same = a->dims[d] == b->dims[d];
    if (!same) {
        char s1[96], s2[96];
        return md_kernel_fail(k->node, st, MD_INVALID_ARGUMENT,
                              "inputs %d and %d must have the same shape: %s vs %s", i, j,
                              md_shape_str(s1, sizeof s1, a->rank, a->dims),
                              md_shape_str(s2, sizeof s2, b->rank, b->dims));
    }
    return true;
}

bool md_train_scalar(struct md_kernel_ctx *k, int i, float *out, struct md_status *st)
{
    const struct md_tensor *t = k->inputs[i];
    if (t->dtype != MD_DT_FLOAT || md_tensor_num_elements(t) != 1)
        return md_kernel_fail(k->node, st, MD_INVALID_ARGUMENT,
                              "input %d must be a float scalar, got %s with %lld elements", i,
                              md_dtype_name(t->dtype), (long long)md_tensor_num_elements(t));
    *out = *(const float *)t->data;
    return true;
}

bool md_train_window_attrs(struct md_kernel_init *ki, bool pool, struct md_nn_window *w,
                           struct md_status *st)
{
    memset(w, 0, sizeof *w);
    w->dil_h = w->dil_w = 1;
    if (!md_nn_check_nhwc(ki->node, st) ||
        !md_nn_hw_attr(ki->node, "strides", true, &w->stride_h, &w->stride_w, st) ||
        !md_nn_padding_attr(ki->node, !pool, w, st))
        return false;
    if (pool)
        return md_nn_hw_attr(ki->node, "ksize", true, &w->ksize_h, &w->ksize_w, st);
    return md_nn_hw_attr(ki->node, "dilations", false, &w->dil_h, &w->dil_w, st);
}

bool md_train_shape4(struct md_kernel_ctx *k, int i, int64_t dims[4], struct md_status *st)
{
    const struct md_tensor *t = k->inputs[i];
    if ((t->dtype != MD_DT_INT32 && t->dtype != MD_DT_INT64) || t->rank != 1 || t->dims[0] != 4)
        return md_kernel_fail(k->node, st, MD_INVALID_ARGUMENT,
                              "input %d must be a 4-element int32 or int64 vector", i);
    for (int d = 0; d < 4; d++) {
        dims[d] = t->dtype == MD_DT_INT32 ? ((const int32_t *)t->data)[d]
                                          : ((const int64_t *)t->data)[d];
        if (dims[d] < 0)
            return md_kernel_fail(k->node, st, MD_INVALID_ARGUMENT,
                                  "input %d has a negative dimension %lld", i,
                                  (long long)dims[d]);
    }
    return true;
}

/* The kernel columns [*ka, *kb) of a window starting at input column ix0
 * that land inside the image (dilation dw). */
static void valid_kx(const struct md_nn_geom *g, int64_t ix0, int64_t *ka, int64_t *kb)
{
    int64_t a = 0, b = g->kw;
    while (a < b && ix0 + a * g->dw < 0)
        a++;
    while (b > a && ix0 + (b - 1) * g->dw >= g->iw)
        b--;
    *ka = a;
    *kb = b;
}

/* With dilation 1 the in-image part of one kernel row is one contiguous run
 * of (kb - ka) * c floats in both the image and the column row: one memcpy
 * (or one accumulate) per kernel row, not one per tap, which matters when c
 * is small (a first layer has c = 1). */
void md_train_im2col(const struct md_nn_geom *g, const float *img, int64_t r0, int64_t r1,
                     float *col)
{
    int64_t c = g->c, rowlen = g->kw * c;
    for (int64_t r = r0; r < r1; r++) {
        int64_t oy = r / g->ow, ox = r % g->ow;
        int64_t iy0 = oy * g->sh - g->pt, ix0 = ox * g->sw - g->pl;
        int64_t ka, kb;
        valid_kx(g, ix0, &ka, &kb);
        for (int64_t ky = 0; ky < g->kh; ky++, col += rowlen) {
            int64_t iy = iy0 + ky * g->dh;
            if (iy < 0 || iy >= g->ih || ka >= kb) {
                memset(col, 0, (size_t)rowlen * sizeof *col);
                continue;
            }
            if (ka > 0)
                memset(col, 0, (size_t)(ka * c) * sizeof *col);
            if (kb < g->kw)
                memset(col + kb * c, 0, (size_t)((g->kw - kb) * c) * sizeof *col);
            const float *src = img + (iy * g->iw + ix0 + ka * g->dw) * c; /* tap ka */
            if (g->dw == 1) {
                memcpy(col + ka * c, src, (size_t)((kb - ka) * c) * sizeof *col);
                continue;
            }
            for (int64_t kx = ka; kx < kb; kx++)
                memcpy(col + kx * c, src + (kx - ka) * g->dw * c, (size_t)c * sizeof *col);
        }
    }
}

void md_train_col2im(const struct md_nn_geom *g, const float *col, int64_t r0, int64_t r1,
                     float *img)
{
    int64_t c = g->c, rowlen = g->kw * c;
    for (int64_t r = r0; r < r1; r++) {
        int64_t oy = r / g->ow, ox = r % g->ow;
        int64_t iy0 = oy * g->sh - g->pt, ix0 = ox * g->sw - g->pl;
        int64_t ka, kb;
        valid_kx(g, ix0, &ka, &kb);
        for (int64_t ky = 0; ky < g->kh; ky++, col += rowlen) {
            int64_t iy = iy0 + ky * g->dh;
            if (iy < 0 || iy >= g->ih || ka >= kb)
                continue;
            float *dst = img + (iy * g->iw + ix0 + ka * g->dw) * c; /* tap ka */
            if (g->dw == 1) {
                md_nn_acc_f32(dst, col + ka * c, (kb - ka) * c);
                continue;
            }
            for (int64_t kx = ka; kx < kb; kx++)
                md_nn_acc_f32(dst + (kx - ka) * g->dw * c, col + kx * c, c);
        }
    }
}

void md_train_im2col_flat(const struct md_nn_geom *g, const float *x, int64_t f0, int64_t f1,
                          float *col)
{
    int64_t rows = g->oh * g->ow, img = g->ih * g->iw * g->c, kdim = g->kh * g->kw * g->c;
    while (f0 < f1) {
        int64_t n = f0 / rows, r0 = f0 % rows;
        int64_t r1 = r0 + (f1 - f0) < rows ? r0 + (f1 - f0) : rows;
        md_train_im2col(g, x + n * img, r0, r1, col);
        col += (r1 - r0) * kdim;
        f0 += r1 - r0;
    }
}

void md_train_col2im_flat(const struct md_nn_geom *g, const float *col, int64_t f0, int64_t f1,
                          float *dx)
{
    int64_t rows = g->oh * g->ow, img = g->ih * g->iw * g->c, kdim = g->kh * g->kw * g->c;
    while (f0 < f1) {
        int64_t n = f0 / rows, r0 = f0 % rows;
        int64_t r1 = r0 + (f1 - f0) < rows ? r0 + (f1 - f0) : rows;
        md_train_col2im(g, col, r0, r1, dx + n * img);
        col += (r1 - r0) * kdim;
        f0 += r1 - r0;
    }
}

int64_t md_train_block_rows(int64_t kdim)
{
    int64_t b = kdim > 0 ? ((int64_t)2 << 20) / (kdim * (int64_t)sizeof(float)) : 8192;
    return b < 256 ? 256 : b > 8192 ? 8192 : b;
}

bool md_train_apply_init(struct md_kernel_init *ki, int n_inputs, int n_vars,
                         struct md_status *st)
{
    if (!md_train_check_float(ki, n_inputs, st))
        return false;
    struct md_train_apply *s = md_kernel_init_alloc(ki, sizeof *s, st);
    if (!s)
        return false;
    s->n_vars = n_vars;
    struct md_buf *probe = md_buf_new(1, st);
    if (!probe)
        return false;
    s->heap_release = probe->release;
    md_buf_unref(probe);
    for (int i = 0; i < n_vars; i++)
        if (!(s->vars[i] = md_env_input_variable(ki->env, ki->node, i, st)))
            return false;
    ki->state = s;
    ki->n_outputs = 1;
    return true;
}

/* In place only when nobody else can see the buffer: a whole heap buffer
 * (not a view into a bigger one, not an mmap'd bundle shard) whose
 * references are at most the store's, cur's, the executor's read of the TF1
 * reference input i (in, when it is this buffer) and the VariableV2 node's
 * own output slot in this plan (it ran before us and read the same value).
 * Any other holder - a snapshot taken with md_session_var_get for a
 * checkpoint or export, a fetched tensor aliasing the variable - adds one
 * more and the update goes to a fresh buffer, leaving the holder's copy
 * intact. The count cannot grow behind our back: the session runs one plan
 * at a time and the apply op is its variables' only writer during it. */
static bool in_place_ok(const struct md_train_apply *s, const struct md_tensor *in,
                        const struct md_tensor *cur)
{
    const struct md_buf *b = cur->buf;
    if (!b || b->release != s->heap_release || cur->data != b->data ||
        b->size != md_tensor_nbytes(cur))
        return false;
    long most = 3 + (in && in->buf == b);
    return atomic_load_explicit(&b->refs, memory_order_acquire) <= most;
}

bool md_train_apply_begin(struct md_kernel_ctx *k, int grad_input, struct md_tensor *cur,
                          struct md_tensor *next, struct md_status *st)
{
    const struct md_train_apply *s = k->state;
    for (int i = 0; i < s->n_vars; i++)
        cur[i] = next[i] = (struct md_tensor)MD_TENSOR_INIT;
    const struct md_tensor *g = k->inputs[grad_input];
    bool ok = md_train_input_float(k, grad_input, st);
    for (int i = 0; ok && i < s->n_vars; i++) {
        ok = md_var_read(s->vars[i], k->node, &cur[i], st);
        if (!ok)
            break;
        bool same = cur[i].dtype == MD_DT_FLOAT && cur[i].rank == g->rank;
        for (int d = 0; same && d < g->rank; d++)
            same = cur[i].dims[d] == g->dims[d];
        if (!same) {
            char s1[96], s2[96];
            ok = md_kernel_fail(k->node, st, MD_INVALID_ARGUMENT,
                                "variable '%s' (%s %s) does not match the gradient (float %s)",
                                md_var_name(s->vars[i]), md_dtype_name(cur[i].dtype),
                                md_shape_str(s1, sizeof s1, cur[i].rank, cur[i].dims),
                                md_shape_str(s2, sizeof s2, g->rank, g->dims));
            break;
        }
        if (in_place_ok(s, k->inputs[i], &cur[i])) {
            md_tensor_share(&next[i], &cur[i]);
            continue;
        }
        /* The new value outlives the request: a heap buffer, not the arena. */
        ok = md_tensor_alloc(&next[i], MD_DT_FLOAT, g->rank, g->dims, 0, st);
    }
    if (!ok)
        for (int i = 0; i < s->n_vars; i++) {
            md_tensor_cleanup(&cur[i]);
            md_tensor_cleanup(&next[i]);
        }
    return ok;
}

bool md_train_apply_end(struct md_kernel_ctx *k, struct md_tensor *cur, struct md_tensor *next,
                        bool ok, struct md_status *st)
{
    const struct md_train_apply *s = k->state;
    /* Slots first, the variable last: output 0 is the variable's new value. */
    for (int i = s->n_vars - 1; ok && i >= 0; i--)
        ok = md_var_assign(s->vars[i], k->node, &next[i], true, NULL, st);
    if (ok)
        md_kernel_forward(k, 0, &next[0]);
    for (int i = 0; i < s->n_vars; i++) {
        md_tensor_cleanup(&cur[i]);
        md_tensor_cleanup(&next[i]);
    }
    return ok;
}

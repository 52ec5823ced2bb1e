/* lookup_common.c: hash-table blobs for the lookup kernels (see
 * lookup_common.h). */
#include <stdio.h>
#include <string.h>

#include "ops/kernels/lookup_common.h"
#include "ops/kernels/sparse_common.h"

#define LUT_MAGIC 0x6d646c75u /* "mdlu" */

bool md_lut_key_dtype_ok(enum md_dtype t)
{
    return t == MD_DT_STRING || t == MD_DT_INT64 || t == MD_DT_INT32;
}

bool md_lut_value_dtype_ok(enum md_dtype t)
{
    return t == MD_DT_STRING || t == MD_DT_INT64 || t == MD_DT_INT32 || t == MD_DT_FLOAT ||
           t == MD_DT_DOUBLE || t == MD_DT_BOOL;
}

static size_t align8(size_t n)
{
    return (n + 7) & ~(size_t)7;
}

static uint64_t mix64(uint64_t x)
{
    x ^= x >> 30;
    x *= 0xbf58476d1ce4e5b9ull;
    x ^= x >> 27;
    x *= 0x94d049bb133111ebull;
    return x ^ (x >> 31);
}

/* Key i of a flat key tensor as (string | int64). */
struct lkey {
    const char *s;
    size_t len;
    int64_t v;
};

static struct lkey key_at(const struct md_tensor *keys, int64_t i)
{
    struct lkey k = { NULL, 0, 0 };
    if (keys->dtype == MD_DT_STRING) {
        const struct md_str *s = &((const struct md_str *)keys->data)[i];
        k.s = s->data;
        k.len = s->len;
    } else if (keys->dtype == MD_DT_INT32) {
        k.v = ((const int32_t *)keys->data)[i];
    } else {
        k.v = ((const int64_t *)keys->data)[i];
    }
    return k;
}

static uint64_t key_hash(const struct md_lut *t, struct lkey k)
{
    return t->key_dtype == MD_DT_STRING ? md_fingerprint64(k.s, k.len) : mix64((uint64_t)k.v);
}

static bool key_eq(const struct md_lut *t, int64_t e, struct lkey k)
{
    if (t->key_dtype == MD_DT_STRING) {
        const struct md_str *s = &((const struct md_str *)t->keys)[e];
        return s->len == k.len && (!k.len || !memcmp(s->data, k.s, k.len));
    }
    return ((const int64_t *)t->keys)[e] == k.v;
}

static int64_t find_key(const struct md_lut *t, struct lkey k)
{
    if (!t->initialized || t->n == 0)
        return -1;
    for (uint64_t h = key_hash(t, k) & t->mask;; h = (h + 1) & t->mask) {
        int64_t e = t->slots[h];
        if (e < 0)
            return -1;
        if (key_eq(t, e, k))
            return e;
    }
}

int64_t md_lut_find(const struct md_lut *t, const struct md_tensor *keys, int64_t i)
{
    return find_key(t, key_at(keys, i));
}

/* A blob of `bytes` with its header filled; *out owns it. */
static struct md_lut *blob_new(struct md_tensor *out, size_t bytes, struct md_status *st)
{
    struct md_buf *b = md_buf_new(bytes, st);
    if (!b)
        return NULL;
    *out = (struct md_tensor)MD_TENSOR_INIT;
    out->dtype = MD_DT_UINT8;
    out->rank = 1;
    out->dims[0] = (int64_t)bytes;
    out->data = b->data;
    out->buf = b;
    struct md_lut *t = b->data;
    t->magic = LUT_MAGIC;
    return t;
}

struct md_var *md_lut_create(struct md_kernel_init *ki, enum md_dtype key_dtype,
                             enum md_dtype value_dtype, struct md_status *st)
{
    char buf[1024], name[1100];
    const char *key = md_var_node_key(ki->node, buf, sizeof buf);
    if (!key) {
        md_kernel_fail(ki->node, st, MD_INVALID_ARGUMENT, "invalid shared_name");
        return NULL;
    }
    snprintf(name, sizeof name, "table:%s", key);
    struct md_var *v = md_env_variable(ki->env, name, st);
    if (!v) {
        md_status_prefix(st, "node '%s'", ki->node->name);
        return NULL;
    }
    if (md_var_is_initialized(v)) {
        struct md_tensor cur = MD_TENSOR_INIT;
        if (!md_var_read(v, ki->node, &cur, st))
            return NULL;
        const struct md_lut *t = cur.data;
        bool same = cur.dtype == MD_DT_UINT8 && md_tensor_num_elements(&cur) >= (int64_t)sizeof *t &&
                    t->magic == LUT_MAGIC && t->key_dtype == key_dtype &&
                    t->value_dtype == value_dtype;
        md_tensor_cleanup(&cur);
        if (!same) {
            md_kernel_fail(ki->node, st, MD_INVALID_ARGUMENT,
                           "resource '%s' already exists with other dtypes", key);
            return NULL;
        }
        return v;
    }
    struct md_tensor blob;
    struct md_lut *t = blob_new(&blob, sizeof *t, st);
    if (!t)
        return NULL;
    t->key_dtype = key_dtype;
    t->value_dtype = value_dtype;
    t->slots = NULL;
    t->keys = t->values = NULL;
    bool ok = md_var_assign(v, ki->node, &blob, false, NULL, st);
    md_tensor_cleanup(&blob);
    return ok ? v : NULL;
}

static struct md_var *table_var(struct md_kernel_ctx *k, const struct md_tensor *handle,
                                struct md_status *st)
{
    if (handle->dtype != MD_DT_RESOURCE) {
        md_kernel_fail(k->node, st, MD_INVALID_ARGUMENT, "table_handle must be a resource, got %s",
                       md_dtype_info(handle->dtype)->tf_name);
        return NULL;
    }
    return md_var_from_handle(handle, k->node, st);
}

bool md_lut_read(struct md_kernel_ctx *k, const struct md_tensor *handle, struct md_tensor *hold,
                 const struct md_lut **out, struct md_status *st)
{
    struct md_var *v = table_var(k, handle, st);
    if (!v || !md_var_read(v, k->node, hold, st))
        return false;
    const struct md_lut *t = hold->data;
    if (hold->dtype != MD_DT_UINT8 || md_tensor_num_elements(hold) < (int64_t)sizeof *t ||
        t->magic != LUT_MAGIC) {
        md_tensor_cleanup(hold);
        return md_kernel_fail(k->node, st, MD_INVALID_ARGUMENT,
                              "handle does not point at a lookup table");
    }
    *out = t;
    return true;
}

bool md_lut_dtypes(struct md_kernel_ctx *k, const struct md_tensor *handle,
                   enum md_dtype *key_dtype, enum md_dtype *value_dtype, struct md_status *st)
{
    struct md_tensor hold = MD_TENSOR_INIT;
    const struct md_lut *t;
    if (!md_lut_read(k, handle, &hold, &t, st))
        return false;
    *key_dtype = t->key_dtype;
    *value_dtype = t->value_dtype;
    md_tensor_cleanup(&hold);
    return true;
}

static bool value_eq(enum md_dtype vt, const void *a, const void *b)
{
    if (vt == MD_DT_STRING) {
        const struct md_str *x = a, *y = b;
        return x->len == y->len && (!x->len || !memcmp(x->data, y->data, x->len));
    }
    return !memcmp(a, b, md_dtype_size(vt));
}

static void key_str(char *buf, size_t cap, const struct md_lut *t, struct lkey k)
{
    if (t->key_dtype == MD_DT_STRING)
        md_escape(buf, cap, k.s, k.len);
    else
        snprintf(buf, cap, "%lld", (long long)k.v);
}

bool md_lut_build(struct md_kernel_ctx *k, const struct md_tensor *handle,
                  const struct md_tensor *keys, const struct md_tensor *values, const char *what,
                  struct md_status *st)
{
    struct md_var *v = table_var(k, handle, st);
    if (!v)
        return false;
    enum md_dtype kt, vt;
    if (!md_lut_dtypes(k, handle, &kt, &vt, st))
        return false;
    bool key_ok = keys->dtype == kt || (kt != MD_DT_STRING && md_sp_is_index(keys->dtype));
    if (!key_ok || values->dtype != vt)
        return md_kernel_fail(k->node, st, MD_INVALID_ARGUMENT,
                              "Expected %s keys and %s values for this table, got %s and %s",
                              md_dtype_info(kt)->tf_name, md_dtype_info(vt)->tf_name,
                              md_dtype_info(keys->dtype)->tf_name,
                              md_dtype_info(values->dtype)->tf_name);
    int64_t n = md_tensor_num_elements(keys);
    if (n != md_tensor_num_elements(values))
        return md_kernel_fail(k->node, st, MD_INVALID_ARGUMENT,
                              "keys and values must have the same size, got %lld and %lld",
                              (long long)n, (long long)md_tensor_num_elements(values));
    if (n > MD_LUT_MAX_ENTRIES)
        return md_kernel_fail(k->node, st, MD_INVALID_ARGUMENT, "table of %lld entries is too big",
                              (long long)n);
    uint64_t cap = 8;
    while (cap < (uint64_t)n * 2)
        cap <<= 1;
    size_t ks = kt == MD_DT_STRING ? sizeof(struct md_str) : sizeof(int64_t);
    size_t vs = md_dtype_size(vt);
    size_t bytes = 0;
    for (int64_t i = 0; kt == MD_DT_STRING && i < n; i++)
        bytes += ((const struct md_str *)keys->data)[i].len;
    for (int64_t i = 0; vt == MD_DT_STRING && i < n; i++)
        bytes += ((const struct md_str *)values->data)[i].len;
    size_t off_slots = align8(sizeof(struct md_lut));
    size_t off_keys = off_slots + cap * sizeof(int64_t);
    size_t off_vals = align8(off_keys + (size_t)n * ks);
    size_t off_bytes = align8(off_vals + (size_t)n * vs);
    struct md_tensor blob;
    struct md_lut *t = blob_new(&blob, off_bytes + bytes + 1, st);
    if (!t) {
        md_status_prefix(st, "node '%s'", k->node->name);
        return false;
    }
    char *base = (char *)t;
    t->initialized = true;
    t->key_dtype = kt;
    t->value_dtype = vt;
    t->mask = cap - 1;
    t->slots = (int64_t *)(base + off_slots);
    t->keys = base + off_keys;
    t->values = base + off_vals;
    char *sb = base + off_bytes;
    memset(t->slots, 0xff, cap * sizeof(int64_t));
    int64_t m = 0;
    for (int64_t i = 0; i < n; i++) {
        struct lkey key = key_at(keys, i);
        const char *val = (const char *)values->data + (size_t)i * vs;
        uint64_t h = key_hash(t, key) & t->mask;
        int64_t e;
        while ((e = t->slots[h]) >= 0 && !key_eq(t, e, key))
            h = (h + 1) & t->mask;
        if (e >= 0) {
            if (value_eq(vt, (const char *)t->values + (size_t)e * vs, val))
                continue;
            char ks_buf[160];
            key_str(ks_buf, sizeof ks_buf, t, key);
            md_tensor_cleanup(&blob);
            return md_kernel_fail(k->node, st, MD_INVALID_ARGUMENT,
                                  "%s%sHashTable has different value for same key. Key %s has "
                                  "two values",
                                  what ? what : "", what ? ": " : "", ks_buf);
        }
        t->slots[h] = m;
        if (kt == MD_DT_STRING) {
            struct md_str *dst = &((struct md_str *)t->keys)[m];
            memcpy(sb, key.s, key.len);
            *dst = (struct md_str){ sb, key.len };
            sb += key.len;
        } else {
            ((int64_t *)t->keys)[m] = key.v;
        }
        if (vt == MD_DT_STRING) {
            const struct md_str *src = (const struct md_str *)val;
            struct md_str *dst = &((struct md_str *)t->values)[m];
            if (src->len)
                memcpy(sb, src->data, src->len);
            *dst = (struct md_str){ sb, src->len };
            sb += src->len;
        } else {
            memcpy((char *)t->values + (size_t)m * vs, val, vs);
        }
        m++;
    }
    t->n = m;
    bool ok = md_var_assign(v, k->node, &blob, false, NULL, st);
    md_tensor_cleanup(&blob);
    return ok;
}

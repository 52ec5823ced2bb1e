#include "tests/ops/harness.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "attr_value.pb-c.h"
#include "tensor.pb-c.h"

static void *xmalloc(size_t n)
{
    void *p = calloc(1, n ? n : 1);
    if (!p)
        abort(); /* test-only code: an OOM here is a broken test machine */
    return p;
}

Tensorflow__NodeDef *th_node(const char *op)
{
    Tensorflow__NodeDef *n = xmalloc(sizeof *n);
    tensorflow__node_def__init(n);
    n->name = strdup("test_node");
    n->op = strdup(op);
    return n;
}

void th_node_free(Tensorflow__NodeDef *n)
{
    if (n)
        protobuf_c_message_free_unpacked(&n->base, NULL);
}

static Tensorflow__AttrValue *add_attr(Tensorflow__NodeDef *n, const char *name)
{
    Tensorflow__NodeDef__AttrEntry *e = xmalloc(sizeof *e);
    tensorflow__node_def__attr_entry__init(e);
    e->key = strdup(name);
    e->value = xmalloc(sizeof *e->value);
    tensorflow__attr_value__init(e->value);
    n->attr = realloc(n->attr, (n->n_attr + 1) * sizeof *n->attr);
    n->attr[n->n_attr++] = e;
    return e->value;
}

void th_attr_int(Tensorflow__NodeDef *n, const char *name, int64_t v)
{
    Tensorflow__AttrValue *a = add_attr(n, name);
    a->value_case = TENSORFLOW__ATTR_VALUE__VALUE_I;
    a->i = v;
}

void th_attr_float(Tensorflow__NodeDef *n, const char *name, float v)
{
    Tensorflow__AttrValue *a = add_attr(n, name);
    a->value_case = TENSORFLOW__ATTR_VALUE__VALUE_F;
    a->f = v;
}

void th_attr_bool(Tensorflow__NodeDef *n, const char *name, bool v)
{
    Tensorflow__AttrValue *a = add_attr(n, name);
    a->value_case = TENSORFLOW__ATTR_VALUE__VALUE_B;
    a->b = v;
}

void th_attr_type(Tensorflow__NodeDef *n, const char *name, enum md_dtype v)
{
    Tensorflow__AttrValue *a = add_attr(n, name);
    a->value_case = TENSORFLOW__ATTR_VALUE__VALUE_TYPE;
    a->type = (Tensorflow__DataType)v;
}

void th_attr_str(Tensorflow__NodeDef *n, const char *name, const char *v)
{
    Tensorflow__AttrValue *a = add_attr(n, name);
    a->value_case = TENSORFLOW__ATTR_VALUE__VALUE_S;
    a->s.len = strlen(v);
    a->s.data = (uint8_t *)strdup(v);
}

static Tensorflow__TensorShapeProto *make_shape(int rank, const int64_t *dims)
{
    Tensorflow__TensorShapeProto *s = xmalloc(sizeof *s);
    tensorflow__tensor_shape_proto__init(s);
    if (rank < 0) {
        s->unknown_rank = 1;
        return s;
    }
    s->n_dim = (size_t)rank;
    s->dim = xmalloc((size_t)rank * sizeof *s->dim);
    for (int i = 0; i < rank; i++) {
        s->dim[i] = xmalloc(sizeof *s->dim[i]);
        tensorflow__tensor_shape_proto__dim__init(s->dim[i]);
        s->dim[i]->size = dims[i];
    }
    return s;
}

void th_attr_shape(Tensorflow__NodeDef *n, const char *name, int rank, const int64_t *dims)
{
    Tensorflow__AttrValue *a = add_attr(n, name);
    a->value_case = TENSORFLOW__ATTR_VALUE__VALUE_SHAPE;
    a->shape = make_shape(rank, dims);
}

static Tensorflow__AttrValue__ListValue *add_list(Tensorflow__NodeDef *n, const char *name)
{
    Tensorflow__AttrValue *a = add_attr(n, name);
    a->value_case = TENSORFLOW__ATTR_VALUE__VALUE_LIST;
    a->list = xmalloc(sizeof *a->list);
    tensorflow__attr_value__list_value__init(a->list);
    return a->list;
}

void th_attr_list_int(Tensorflow__NodeDef *n, const char *name, size_t count, const int64_t *v)
{
    Tensorflow__AttrValue__ListValue *l = add_list(n, name);
    l->n_i = count;
    l->i = xmalloc(count * sizeof *l->i);
    if (count)
        memcpy(l->i, v, count * sizeof *l->i);
}

void th_attr_list_type(Tensorflow__NodeDef *n, const char *name, size_t count,
                       const enum md_dtype *v)
{
    Tensorflow__AttrValue__ListValue *l = add_list(n, name);
    l->n_type = count;
    l->type = xmalloc(count * sizeof *l->type);
    for (size_t i = 0; i < count; i++)
        l->type[i] = (Tensorflow__DataType)v[i];
}

void th_attr_tensor(Tensorflow__NodeDef *n, const char *name, Tensorflow__TensorProto *p)
{
    Tensorflow__AttrValue *a = add_attr(n, name);
    a->value_case = TENSORFLOW__ATTR_VALUE__VALUE_TENSOR;
    a->tensor = p;
}

void th_inputs(Tensorflow__NodeDef *n, int n_inputs)
{
    n->input = xmalloc((size_t)n_inputs * sizeof *n->input);
    n->n_input = (size_t)n_inputs;
    for (int i = 0; i < n_inputs; i++) {
        char buf[16];
        snprintf(buf, sizeof buf, "in%d", i);
        n->input[i] = strdup(buf);
    }
}

struct md_tensor th_tensor(enum md_dtype dt, int rank, const int64_t *dims, const void *data)
{
    struct md_status st = MD_STATUS_INIT;
    struct md_tensor t = MD_TENSOR_INIT;
    int64_t n = md_shape_num_elements(rank, dims);
    size_t extra = 0;
    if (dt == MD_DT_STRING)
        for (int64_t i = 0; i < n; i++)
            extra += strlen(((const char *const *)data)[i]);
    if (!md_tensor_alloc(&t, dt, rank, dims, extra, &st))
        abort();
    if (dt == MD_DT_STRING) {
        struct md_str *s = t.data;
        char *p = (char *)t.data + md_tensor_nbytes(&t);
        for (int64_t i = 0; i < n; i++) {
            const char *src = ((const char *const *)data)[i];
            size_t len = strlen(src);
            memcpy(p, src, len);
            s[i] = (struct md_str){ p, len };
            p += len;
        }
    } else if (n > 0) {
        memcpy(t.data, data, md_tensor_nbytes(&t));
    }
    return t;
}

struct md_tensor th_scalar_i32(int32_t v) { return th_tensor(MD_DT_INT32, 0, NULL, &v); }
struct md_tensor th_scalar_i64(int64_t v) { return th_tensor(MD_DT_INT64, 0, NULL, &v); }
struct md_tensor th_scalar_f32(float v) { return th_tensor(MD_DT_FLOAT, 0, NULL, &v); }

bool th_run(Tensorflow__NodeDef *n, int n_in, const struct md_tensor *const *in, int *n_out,
            struct md_tensor *out, struct md_status *st)
{
    const struct md_op_def *op = md_op_lookup(n->op);
    *n_out = 0;
    if (!op)
        return md_status_set(st, MD_UNIMPLEMENTED, "op '%s' is not registered", n->op);
    if (n->n_input == 0 && n_in > 0)
        th_inputs(n, n_in);
    struct md_arena *persist = md_arena_new(0, 0, st);
    struct md_arena *arena = md_arena_new(0, 0, st);
    struct md_kernel_init ki = { .node = n, .op = op, .n_inputs = n_in, .persist = persist,
                                 .n_outputs = 1 };
    bool ok = !op->init || op->init(&ki, st);
    struct md_tensor tmp[TH_MAX_OUT];
    for (int i = 0; i < TH_MAX_OUT; i++)
        tmp[i] = (struct md_tensor)MD_TENSOR_INIT;
    if (ok && ki.n_outputs > TH_MAX_OUT)
        ok = md_status_set(st, MD_INTERNAL, "too many outputs for the harness");
    if (ok) {
        struct md_kernel_ctx k = { .node = n, .state = ki.state, .n_inputs = n_in,
                                   .inputs = in, .n_outputs = ki.n_outputs, .outputs = tmp,
                                   .arena = arena, .env = NULL };
        ok = op->compute(&k, st);
    }
    if (ok) {
        for (int i = 0; i < ki.n_outputs; i++) {
            out[i] = (struct md_tensor)MD_TENSOR_INIT;
            if (!md_tensor_copy(&out[i], &tmp[i], st)) {
                ok = false;
                break;
            }
            *n_out = i + 1;
        }
    }
    for (int i = 0; i < TH_MAX_OUT; i++)
        md_tensor_cleanup(&tmp[i]);
    md_arena_free(arena);
    md_arena_free(persist);
    return ok;
}

void th_free_outputs(struct md_tensor *out, int n_out)
{
    for (int i = 0; i < n_out; i++)
        md_tensor_cleanup(&out[i]);
}

double th_max_rel_err(const struct md_tensor *a, const struct md_tensor *b)
{
    if (a->dtype != b->dtype || a->rank != b->rank)
        return INFINITY;
    for (int i = 0; i < a->rank; i++)
        if (a->dims[i] != b->dims[i])
            return INFINITY;
    int64_t n = md_tensor_num_elements(a);
    double worst = 0;
    for (int64_t i = 0; i < n; i++) {
        double x, y;
        if (a->dtype == MD_DT_FLOAT) {
            x = ((const float *)a->data)[i];
            y = ((const float *)b->data)[i];
        } else if (a->dtype == MD_DT_DOUBLE) {
            x = ((const double *)a->data)[i];
            y = ((const double *)b->data)[i];
        } else {
            return INFINITY;
        }
        if (isnan(x) && isnan(y))
            continue;
        if (x == y)
            continue;
        double e = fabs(x - y) / (1.0 + fabs(y));
        if (!(e <= worst))
            worst = e;
    }
    return worst;
}

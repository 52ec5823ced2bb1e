/* graph_builder.c: md_tg, a small builder that emits a GraphDef of NodeDef
 * protos with TensorFlow's op names and attrs. All protobuf-c structures live
 * in one arena owned by the builder (never packed-then-unpacked), so the
 * GraphDef is valid for as long as the builder. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "attr_value.pb-c.h"
#include "node_def.pb-c.h"
#include "tensor.pb-c.h"
#include "tensor_shape.pb-c.h"
#include "tools/train/train.h"

struct tg_node {
    Tensorflow__NodeDef *def;
    int n_in;
    struct md_tg_t *in;
    size_t n_attr, cap_attr;
    size_t cap_input;
};

struct tg_override {
    int node, input;
    struct md_tg_t local;
};

struct md_tg {
    struct md_arena *mem;
    struct tg_node *nodes;
    Tensorflow__NodeDef **defs;
    int n, cap;
    struct md_tg_var *vars;
    size_t n_vars, cap_vars;
    struct tg_override *ovr;
    size_t n_ovr, cap_ovr;
    Tensorflow__GraphDef gd;
    Tensorflow__VersionDef versions;
    struct md_status err;
};

static bool failed(struct md_tg *g)
{
    return g->err.code != MD_OK;
}

static void *galloc(struct md_tg *g, size_t n)
{
    if (failed(g))
        return NULL;
    void *p = md_arena_alloc(g->mem, n ? n : 1, &g->err);
    if (p)
        memset(p, 0, n ? n : 1);
    return p;
}

static char *gstrdup(struct md_tg *g, const char *s)
{
    size_t n = strlen(s);
    char *p = galloc(g, n + 1);
    if (p)
        memcpy(p, s, n + 1);
    return p;
}

struct md_tg *md_tg_new(void)
{
    struct md_tg *g = calloc(1, sizeof *g);
    if (!g)
        return NULL;
    struct md_status st = MD_STATUS_INIT;
    if (!(g->mem = md_arena_new(1 << 16, 0, &st))) {
        free(g);
        return NULL;
    }
    tensorflow__graph_def__init(&g->gd);
    tensorflow__version_def__init(&g->versions);
    g->versions.producer = 1087; /* a TF 2.x GraphDef version */
    g->gd.versions = &g->versions;
    return g;
}

void md_tg_free(struct md_tg *g)
{
    if (!g)
        return;
    free(g->nodes);
    free(g->defs);
    free(g->vars);
    free(g->ovr);
    md_arena_free(g->mem);
    free(g);
}

const Tensorflow__GraphDef *md_tg_graphdef(struct md_tg *g, struct md_status *st)
{
    if (failed(g)) {
        *st = g->err;
        return NULL;
    }
    g->gd.n_node = (size_t)g->n;
    g->gd.node = g->defs;
    return &g->gd;
}

int md_tg_count(const struct md_tg *g)
{
    return g->n;
}

const char *md_tg_name(const struct md_tg *g, int node)
{
    return node >= 0 && node < g->n ? g->defs[node]->name : "";
}

const char *md_tg_op(const struct md_tg *g, int node)
{
    return node >= 0 && node < g->n ? g->defs[node]->op : "";
}

int md_tg_inputs(const struct md_tg *g, int node, const struct md_tg_t **in)
{
    *in = g->nodes[node].in;
    return g->nodes[node].n_in;
}

static bool name_taken(const struct md_tg *g, const char *name)
{
    /* Linear: graphs here have a few hundred nodes. */
    for (int i = 0; i < g->n; i++)
        if (!strcmp(g->defs[i]->name, name))
            return true;
    return false;
}

static char *input_str(struct md_tg *g, struct md_tg_t t)
{
    char buf[512];
    if (t.index == 0)
        snprintf(buf, sizeof buf, "%s", g->defs[t.node]->name);
    else
        snprintf(buf, sizeof buf, "%s:%d", g->defs[t.node]->name, t.index);
    return gstrdup(g, buf);
}

int md_tg_node(struct md_tg *g, const char *op, const char *name, const struct md_tg_t *in,
               int n_in)
{
    if (failed(g))
        return -1;
    for (int i = 0; i < n_in; i++)
        if (in[i].node < 0 || in[i].node >= g->n) {
            md_status_set(&g->err, MD_INTERNAL, "graph builder: node '%s': bad input %d", name,
                          i);
            return -1;
        }
    if (g->n == g->cap) {
        int cap = g->cap ? 2 * g->cap : 256;
        struct tg_node *nn = realloc(g->nodes, (size_t)cap * sizeof *nn);
        if (nn)
            g->nodes = nn;
        Tensorflow__NodeDef **nd = realloc(g->defs, (size_t)cap * sizeof *nd);
        if (nd)
            g->defs = nd;
        if (!nn || !nd) {
            md_status_set(&g->err, MD_RESOURCE_EXHAUSTED, "graph builder: out of memory");
            return -1;
        }
        g->cap = cap;
    }
    char uniq[512];
    snprintf(uniq, sizeof uniq, "%s", name);
    for (int k = 1; name_taken(g, uniq); k++)
        snprintf(uniq, sizeof uniq, "%s_%d", name, k);
    Tensorflow__NodeDef *d = galloc(g, sizeof *d);
    struct md_tg_t *ins = galloc(g, (size_t)(n_in + 1) * sizeof *ins);
    size_t cap_input = (size_t)n_in + 4;
    char **inputs = galloc(g, cap_input * sizeof *inputs);
    if (!d || !ins || !inputs)
        return -1;
    tensorflow__node_def__init(d);
    d->name = gstrdup(g, uniq);
    d->op = gstrdup(g, op);
    d->input = inputs;
    for (int i = 0; i < n_in; i++) {
        ins[i] = in[i];
        d->input[d->n_input++] = input_str(g, in[i]);
    }
    if (failed(g))
        return -1;
    int id = g->n++;
    g->defs[id] = d;
    g->nodes[id] = (struct tg_node){ .def = d, .n_in = n_in, .in = ins, .cap_input = cap_input };
    return id;
}

void md_tg_ctrl(struct md_tg *g, int node, int dep)
{
    if (failed(g) || node < 0 || dep < 0)
        return;
    struct tg_node *n = &g->nodes[node];
    if (n->def->n_input == n->cap_input) {
        size_t cap = 2 * n->cap_input;
        char **in = galloc(g, cap * sizeof *in);
        if (!in)
            return;
        memcpy(in, n->def->input, n->def->n_input * sizeof *in);
        n->def->input = in;
        n->cap_input = cap;
    }
    char buf[512];
    snprintf(buf, sizeof buf, "^%s", g->defs[dep]->name);
    n->def->input[n->def->n_input++] = gstrdup(g, buf);
}

/* Adds (or replaces) attr key; returns the fresh AttrValue. */
static Tensorflow__AttrValue *attr_slot(struct md_tg *g, int node, const char *key)
{
    if (failed(g) || node < 0)
        return NULL;
    struct tg_node *n = &g->nodes[node];
    Tensorflow__NodeDef *d = n->def;
    Tensorflow__AttrValue *v = galloc(g, sizeof *v);
    if (!v)
        return NULL;
    tensorflow__attr_value__init(v);
    for (size_t i = 0; i < d->n_attr; i++)
        if (!strcmp(d->attr[i]->key, key)) {
            d->attr[i]->value = v;
            return v;
        }
    if (d->n_attr == n->cap_attr) {
        size_t cap = n->cap_attr ? 2 * n->cap_attr : 8;
        Tensorflow__NodeDef__AttrEntry **a = galloc(g, cap * sizeof *a);
        if (!a)
            return NULL;
        if (d->n_attr)
            memcpy(a, d->attr, d->n_attr * sizeof *a);
        d->attr = a;
        n->cap_attr = cap;
    }
    Tensorflow__NodeDef__AttrEntry *e = galloc(g, sizeof *e);
    if (!e)
        return NULL;
    tensorflow__node_def__attr_entry__init(e);
    e->key = gstrdup(g, key);
    e->value = v;
    d->attr[d->n_attr++] = e;
    return v;
}

void md_tg_attr_type(struct md_tg *g, int node, const char *key, enum md_dtype v)
{
    Tensorflow__AttrValue *a = attr_slot(g, node, key);
    if (!a)
        return;
    a->value_case = TENSORFLOW__ATTR_VALUE__VALUE_TYPE;
    a->type = (Tensorflow__DataType)v;
}

void md_tg_attr_int(struct md_tg *g, int node, const char *key, int64_t v)
{
    Tensorflow__AttrValue *a = attr_slot(g, node, key);
    if (!a)
        return;
    a->value_case = TENSORFLOW__ATTR_VALUE__VALUE_I;
    a->i = v;
}

void md_tg_attr_float(struct md_tg *g, int node, const char *key, float v)
{
    Tensorflow__AttrValue *a = attr_slot(g, node, key);
    if (!a)
        return;
    a->value_case = TENSORFLOW__ATTR_VALUE__VALUE_F;
    a->f = v;
}

void md_tg_attr_bool(struct md_tg *g, int node, const char *key, bool v)
{
    Tensorflow__AttrValue *a = attr_slot(g, node, key);
    if (!a)
        return;
    a->value_case = TENSORFLOW__ATTR_VALUE__VALUE_B;
    a->b = v;
}

void md_tg_attr_str(struct md_tg *g, int node, const char *key, const char *v)
{
    Tensorflow__AttrValue *a = attr_slot(g, node, key);
    if (!a)
        return;
    a->value_case = TENSORFLOW__ATTR_VALUE__VALUE_S;
    a->s.len = strlen(v);
    a->s.data = (uint8_t *)gstrdup(g, v);
}

static Tensorflow__TensorShapeProto *shape_proto(struct md_tg *g, int rank, const int64_t *dims)
{
    Tensorflow__TensorShapeProto *s = galloc(g, sizeof *s);
    if (!s)
        return NULL;
    tensorflow__tensor_shape_proto__init(s);
    if (rank < 0) {
        s->unknown_rank = true;
        return s;
    }
    s->dim = galloc(g, (size_t)(rank + 1) * sizeof *s->dim);
    for (int i = 0; s->dim && i < rank; i++) {
        Tensorflow__TensorShapeProto__Dim *d = galloc(g, sizeof *d);
        if (!d)
            return NULL;
        tensorflow__tensor_shape_proto__dim__init(d);
        d->size = dims[i];
        s->dim[s->n_dim++] = d;
    }
    return failed(g) ? NULL : s;
}

void md_tg_attr_shape(struct md_tg *g, int node, const char *key, int rank, const int64_t *dims)
{
    Tensorflow__AttrValue *a = attr_slot(g, node, key);
    if (!a)
        return;
    a->value_case = TENSORFLOW__ATTR_VALUE__VALUE_SHAPE;
    a->shape = shape_proto(g, rank, dims);
}

static Tensorflow__AttrValue__ListValue *list_slot(struct md_tg *g, int node, const char *key)
{
    Tensorflow__AttrValue *a = attr_slot(g, node, key);
    Tensorflow__AttrValue__ListValue *l = galloc(g, sizeof *l);
    if (!a || !l)
        return NULL;
    tensorflow__attr_value__list_value__init(l);
    a->value_case = TENSORFLOW__ATTR_VALUE__VALUE_LIST;
    a->list = l;
    return l;
}

void md_tg_attr_list_int(struct md_tg *g, int node, const char *key, size_t n, const int64_t *v)
{
    Tensorflow__AttrValue__ListValue *l = list_slot(g, node, key);
    if (!l || !(l->i = galloc(g, (n + 1) * sizeof *l->i)))
        return;
    memcpy(l->i, v, n * sizeof *v);
    l->n_i = n;
}

void md_tg_attr_list_type(struct md_tg *g, int node, const char *key, size_t n,
                          const enum md_dtype *v)
{
    Tensorflow__AttrValue__ListValue *l = list_slot(g, node, key);
    if (!l || !(l->type = galloc(g, (n + 1) * sizeof *l->type)))
        return;
    for (size_t i = 0; i < n; i++)
        l->type[i] = (Tensorflow__DataType)v[i];
    l->n_type = n;
}

void md_tg_attr_list_shape(struct md_tg *g, int node, const char *key, size_t n, int rank,
                           const int64_t *dims)
{
    Tensorflow__AttrValue__ListValue *l = list_slot(g, node, key);
    if (!l || !(l->shape = galloc(g, (n + 1) * sizeof *l->shape)))
        return;
    for (size_t i = 0; i < n; i++)
        l->shape[i] = shape_proto(g, rank, dims);
    l->n_shape = n;
}

void md_tg_attr_list_str(struct md_tg *g, int node, const char *key, size_t n,
                         const char *const *v)
{
    Tensorflow__AttrValue__ListValue *l = list_slot(g, node, key);
    if (!l || !(l->s = galloc(g, (n + 1) * sizeof *l->s)))
        return;
    for (size_t i = 0; i < n; i++)
        l->s[i] = (ProtobufCBinaryData){ strlen(v[i]), (uint8_t *)gstrdup(g, v[i]) };
    l->n_s = n;
}

void md_tg_attr_copy(struct md_tg *g, int to, int from, const char *key)
{
    if (failed(g) || to < 0 || from < 0)
        return;
    const Tensorflow__NodeDef *d = g->defs[from];
    for (size_t i = 0; i < d->n_attr; i++)
        if (!strcmp(d->attr[i]->key, key)) {
            Tensorflow__AttrValue *a = attr_slot(g, to, key);
            if (a)
                *a = *d->attr[i]->value; /* shares the arena-owned payload */
            return;
        }
}

const Tensorflow__AttrValue *md_tg_attr_get(const struct md_tg *g, int node, const char *key)
{
    if (node < 0 || node >= g->n)
        return NULL;
    const Tensorflow__NodeDef *d = g->defs[node];
    for (size_t i = 0; i < d->n_attr; i++)
        if (!strcmp(d->attr[i]->key, key))
            return d->attr[i]->value;
    return NULL;
}

void md_tg_attr_tensor(struct md_tg *g, int node, const char *key, const struct md_tensor *t)
{
    Tensorflow__AttrValue *a = attr_slot(g, node, key);
    Tensorflow__TensorProto *p = galloc(g, sizeof *p);
    if (!a || !p)
        return;
    tensorflow__tensor_proto__init(p);
    p->dtype = (Tensorflow__DataType)t->dtype;
    p->tensor_shape = shape_proto(g, t->rank, t->dims);
    int64_t n = md_tensor_num_elements(t);
    if (t->dtype == MD_DT_STRING) {
        const struct md_str *s = t->data;
        p->string_val = galloc(g, (size_t)(n + 1) * sizeof *p->string_val);
        for (int64_t i = 0; p->string_val && i < n; i++) {
            uint8_t *b = galloc(g, s[i].len + 1);
            if (!b)
                return;
            memcpy(b, s[i].data, s[i].len);
            p->string_val[i] = (ProtobufCBinaryData){ s[i].len, b };
        }
        p->n_string_val = (size_t)n;
    } else {
        size_t bytes = md_tensor_nbytes(t);
        uint8_t *b = galloc(g, bytes);
        if (!b)
            return;
        memcpy(b, t->data, bytes);
        p->tensor_content = (ProtobufCBinaryData){ bytes, b };
    }
    a->value_case = TENSORFLOW__ATTR_VALUE__VALUE_TENSOR;
    a->tensor = p;
}

struct md_tg_t md_tg_const(struct md_tg *g, const char *name, const struct md_tensor *value)
{
    int id = md_tg_node(g, "Const", name, NULL, 0);
    md_tg_attr_tensor(g, id, "value", value);
    md_tg_attr_type(g, id, "dtype", value->dtype);
    return md_tg_out(id, 0);
}

struct md_tg_t md_tg_scalar_f(struct md_tg *g, const char *name, float v)
{
    struct md_tensor t = { .dtype = MD_DT_FLOAT, .rank = 0, .data = &v };
    return md_tg_const(g, name, &t);
}

struct md_tg_t md_tg_vec_i32(struct md_tg *g, const char *name, size_t n, const int32_t *v)
{
    struct md_tensor t = { .dtype = MD_DT_INT32, .rank = 1, .dims = { (int64_t)n },
                           .data = (void *)(uintptr_t)v };
    return md_tg_const(g, name, &t);
}

struct md_tg_t md_tg_placeholder(struct md_tg *g, const char *name, enum md_dtype dt, int rank,
                                 const int64_t *dims)
{
    int id = md_tg_node(g, "Placeholder", name, NULL, 0);
    md_tg_attr_type(g, id, "dtype", dt);
    md_tg_attr_shape(g, id, "shape", rank, dims);
    return md_tg_out(id, 0);
}

struct md_tg_t md_tg_op1(struct md_tg *g, const char *op, const char *name, struct md_tg_t a)
{
    int id = md_tg_node(g, op, name, &a, 1);
    md_tg_attr_type(g, id, "T", MD_DT_FLOAT);
    return md_tg_out(id, 0);
}

struct md_tg_t md_tg_op2(struct md_tg *g, const char *op, const char *name, struct md_tg_t a,
                         struct md_tg_t b)
{
    struct md_tg_t in[2] = { a, b };
    int id = md_tg_node(g, op, name, in, 2);
    md_tg_attr_type(g, id, "T", MD_DT_FLOAT);
    return md_tg_out(id, 0);
}

struct md_tg_t md_tg_shape(struct md_tg *g, const char *name, struct md_tg_t x)
{
    int id = md_tg_node(g, "Shape", name, &x, 1);
    md_tg_attr_type(g, id, "T", MD_DT_FLOAT);
    md_tg_attr_type(g, id, "out_type", MD_DT_INT32);
    return md_tg_out(id, 0);
}

struct md_tg_t md_tg_variable(struct md_tg *g, const char *name, enum md_dtype dt, int rank,
                              const int64_t *dims, enum md_tg_init init, float value,
                              bool trainable)
{
    int id = md_tg_node(g, "VariableV2", name, NULL, 0);
    md_tg_attr_type(g, id, "dtype", dt);
    md_tg_attr_shape(g, id, "shape", rank, dims);
    md_tg_attr_str(g, id, "container", "");
    md_tg_attr_str(g, id, "shared_name", "");
    char rn[512];
    snprintf(rn, sizeof rn, "%s/read", md_tg_name(g, id));
    struct md_tg_t v = md_tg_out(id, 0);
    int rid = md_tg_node(g, "Identity", rn, &v, 1);
    md_tg_attr_type(g, rid, "T", dt);
    if (failed(g) || rank > 4)
        return md_tg_out(rid, 0);
    if (g->n_vars == g->cap_vars) {
        size_t cap = g->cap_vars ? 2 * g->cap_vars : 32;
        struct md_tg_var *nv = realloc(g->vars, cap * sizeof *nv);
        if (!nv) {
            md_status_set(&g->err, MD_RESOURCE_EXHAUSTED, "graph builder: out of memory");
            return md_tg_out(rid, 0);
        }
        g->vars = nv;
        g->cap_vars = cap;
    }
    struct md_tg_var *var = &g->vars[g->n_vars++];
    memset(var, 0, sizeof *var);
    var->name = g->defs[id]->name;
    var->rank = rank;
    for (int i = 0; i < rank; i++)
        var->dims[i] = dims[i];
    var->dtype = dt;
    var->init = init;
    var->value = value;
    var->trainable = trainable;
    var->read = md_tg_out(rid, 0);
    var->node = id;
    return var->read;
}

size_t md_tg_var_count(const struct md_tg *g)
{
    return g->n_vars;
}

const struct md_tg_var *md_tg_var_at(const struct md_tg *g, size_t i)
{
    return &g->vars[i];
}

void md_tg_grad_override(struct md_tg *g, int node, int input, struct md_tg_t local)
{
    if (failed(g))
        return;
    if (g->n_ovr == g->cap_ovr) {
        size_t cap = g->cap_ovr ? 2 * g->cap_ovr : 8;
        struct tg_override *o = realloc(g->ovr, cap * sizeof *o);
        if (!o) {
            md_status_set(&g->err, MD_RESOURCE_EXHAUSTED, "graph builder: out of memory");
            return;
        }
        g->ovr = o;
        g->cap_ovr = cap;
    }
    g->ovr[g->n_ovr++] = (struct tg_override){ node, input, local };
}

/* For autodiff.c: the override for (node, input), if any. */
bool md_tg_find_override(const struct md_tg *g, int node, int input, struct md_tg_t *local)
{
    for (size_t i = 0; i < g->n_ovr; i++)
        if (g->ovr[i].node == node && g->ovr[i].input == input) {
            *local = g->ovr[i].local;
            return true;
        }
    return false;
}

/* For autodiff.c: the first building error, if any. */
bool md_tg_failed(const struct md_tg *g, struct md_status *st)
{
    if (g->err.code == MD_OK)
        return false;
    *st = g->err;
    return true;
}

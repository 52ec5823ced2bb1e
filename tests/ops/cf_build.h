/* cf_build.h: build GraphDefs with function libraries in C for the
 * control-flow tests, the way TensorFlow writes them (NodeDef inputs "x",
 * "node:out_arg:0" inside functions, "node:1" in graphs; func attrs). Every
 * message is malloc'd, so tensorflow__graph_def__free_unpacked frees it all.
 * Test-only: aborts on OOM. */
#ifndef MD_TESTS_OPS_CF_BUILD_H
#define MD_TESTS_OPS_CF_BUILD_H

#include <stdlib.h>
#include <string.h>

#include "attr_value.pb-c.h"
#include "function.pb-c.h"
#include "graph.pb-c.h"
#include "tensor.pb-c.h"
#include "tests/ops/harness.h"

#define IN(...) ((const char *const[]){ __VA_ARGS__, NULL })
#define TYPES(...) ((const enum md_dtype[]){ __VA_ARGS__ })

static inline void *cf_alloc(size_t n)
{
    void *p = calloc(1, n ? n : 1);
    if (!p)
        abort();
    return p;
}

static inline Tensorflow__NodeDef *cf_node(const char *name, const char *op,
                                           const char *const *inputs)
{
    Tensorflow__NodeDef *n = th_node(op);
    free(n->name);
    n->name = strdup(name);
    size_t k = 0;
    while (inputs && inputs[k])
        k++;
    n->n_input = k;
    n->input = k ? cf_alloc(k * sizeof *n->input) : NULL;
    for (size_t i = 0; i < k; i++)
        n->input[i] = strdup(inputs[i]);
    return n;
}

static inline Tensorflow__NodeDef *cf_typed(const char *name, const char *op, enum md_dtype t,
                                            const char *const *inputs)
{
    Tensorflow__NodeDef *n = cf_node(name, op, inputs);
    th_attr_type(n, "T", t);
    return n;
}

static inline Tensorflow__AttrValue *cf_attr(Tensorflow__NodeDef *n, const char *name)
{
    Tensorflow__NodeDef__AttrEntry *e = cf_alloc(sizeof *e);
    tensorflow__node_def__attr_entry__init(e);
    e->key = strdup(name);
    e->value = cf_alloc(sizeof *e->value);
    tensorflow__attr_value__init(e->value);
    n->attr = realloc(n->attr, (n->n_attr + 1) * sizeof *n->attr);
    n->attr[n->n_attr++] = e;
    return e->value;
}

static inline Tensorflow__NameAttrList *cf_func(const char *fname)
{
    Tensorflow__NameAttrList *f = cf_alloc(sizeof *f);
    tensorflow__name_attr_list__init(f);
    f->name = strdup(fname);
    return f;
}

static inline void cf_attr_func(Tensorflow__NodeDef *n, const char *name, const char *fname)
{
    Tensorflow__AttrValue *a = cf_attr(n, name);
    a->value_case = TENSORFLOW__ATTR_VALUE__VALUE_FUNC;
    a->func = cf_func(fname);
}

static inline void cf_attr_funcs(Tensorflow__NodeDef *n, const char *name,
                                 const char *const *fnames)
{
    Tensorflow__AttrValue *a = cf_attr(n, name);
    a->value_case = TENSORFLOW__ATTR_VALUE__VALUE_LIST;
    a->list = cf_alloc(sizeof *a->list);
    tensorflow__attr_value__list_value__init(a->list);
    size_t k = 0;
    while (fnames[k])
        k++;
    a->list->n_func = k;
    a->list->func = cf_alloc(k * sizeof *a->list->func);
    for (size_t i = 0; i < k; i++)
        a->list->func[i] = cf_func(fnames[i]);
}

static inline Tensorflow__NodeDef *cf_const(const char *name, enum md_dtype dt, int rank,
                                            const int64_t *dims, const void *vals,
                                            const char *const *inputs)
{
    Tensorflow__NodeDef *n = cf_node(name, "Const", inputs);
    th_attr_type(n, "dtype", dt);
    struct md_tensor t = th_tensor(dt, rank, dims, vals);
    Tensorflow__TensorProto *p = cf_alloc(sizeof *p);
    tensorflow__tensor_proto__init(p);
    p->dtype = (Tensorflow__DataType)dt;
    p->tensor_shape = cf_alloc(sizeof *p->tensor_shape);
    tensorflow__tensor_shape_proto__init(p->tensor_shape);
    p->tensor_shape->n_dim = (size_t)rank;
    p->tensor_shape->dim = rank ? cf_alloc((size_t)rank * sizeof *p->tensor_shape->dim) : NULL;
    for (int d = 0; d < rank; d++) {
        p->tensor_shape->dim[d] = cf_alloc(sizeof **p->tensor_shape->dim);
        tensorflow__tensor_shape_proto__dim__init(p->tensor_shape->dim[d]);
        p->tensor_shape->dim[d]->size = dims[d];
    }
    size_t nb = md_tensor_nbytes(&t);
    p->tensor_content.len = nb;
    p->tensor_content.data = cf_alloc(nb);
    memcpy(p->tensor_content.data, t.data, nb);
    md_tensor_cleanup(&t);
    th_attr_tensor(n, "value", p);
    return n;
}

static inline Tensorflow__NodeDef *cf_f32(const char *name, float v, const char *const *inputs)
{
    return cf_const(name, MD_DT_FLOAT, 0, NULL, &v, inputs);
}

static inline Tensorflow__NodeDef *cf_i32(const char *name, int32_t v, const char *const *inputs)
{
    return cf_const(name, MD_DT_INT32, 0, NULL, &v, inputs);
}

static inline Tensorflow__NodeDef *cf_placeholder(const char *name, enum md_dtype dt)
{
    Tensorflow__NodeDef *n = cf_node(name, "Placeholder", NULL);
    th_attr_type(n, "dtype", dt);
    return n;
}

static inline Tensorflow__OpDef__ArgDef *cf_arg(const char *name, enum md_dtype t)
{
    Tensorflow__OpDef__ArgDef *a = cf_alloc(sizeof *a);
    tensorflow__op_def__arg_def__init(a);
    a->name = strdup(name);
    a->type = (Tensorflow__DataType)t;
    return a;
}

/* A FunctionDef: n_in args (names, types), n_out outputs with the body
 * references they return, n nodes (taken over). */
static inline Tensorflow__FunctionDef *cf_fdef(const char *name, size_t n_in,
                                               const char *const *in_names,
                                               const enum md_dtype *in_types, size_t n_out,
                                               const char *const *out_names,
                                               const enum md_dtype *out_types,
                                               const char *const *rets,
                                               Tensorflow__NodeDef **nodes, size_t n)
{
    Tensorflow__FunctionDef *f = cf_alloc(sizeof *f);
    tensorflow__function_def__init(f);
    f->signature = cf_alloc(sizeof *f->signature);
    tensorflow__op_def__init(f->signature);
    f->signature->name = strdup(name);
    f->signature->n_input_arg = n_in;
    f->signature->input_arg = cf_alloc(n_in * sizeof *f->signature->input_arg);
    for (size_t i = 0; i < n_in; i++)
        f->signature->input_arg[i] = cf_arg(in_names[i], in_types[i]);
    f->signature->n_output_arg = n_out;
    f->signature->output_arg = cf_alloc(n_out * sizeof *f->signature->output_arg);
    f->n_ret = n_out;
    f->ret = cf_alloc(n_out * sizeof *f->ret);
    for (size_t i = 0; i < n_out; i++) {
        f->signature->output_arg[i] = cf_arg(out_names[i], out_types[i]);
        f->ret[i] = cf_alloc(sizeof *f->ret[i]);
        tensorflow__function_def__ret_entry__init(f->ret[i]);
        f->ret[i]->key = strdup(out_names[i]);
        f->ret[i]->value = strdup(rets[i]);
    }
    f->n_node_def = n;
    f->node_def = cf_alloc(n * sizeof *f->node_def);
    memcpy(f->node_def, nodes, n * sizeof *nodes);
    return f;
}

static inline Tensorflow__GraphDef *cf_graph(Tensorflow__NodeDef **nodes, size_t n,
                                             Tensorflow__FunctionDef **fns, size_t nf)
{
    Tensorflow__GraphDef *g = cf_alloc(sizeof *g);
    tensorflow__graph_def__init(g);
    g->n_node = n;
    g->node = cf_alloc(n * sizeof *g->node);
    memcpy(g->node, nodes, n * sizeof *nodes);
    if (nf) {
        g->library = cf_alloc(sizeof *g->library);
        tensorflow__function_def_library__init(g->library);
        g->library->n_function = nf;
        g->library->function = cf_alloc(nf * sizeof *g->library->function);
        memcpy(g->library->function, fns, nf * sizeof *fns);
    }
    return g;
}

#endif

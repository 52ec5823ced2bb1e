/* attrs.c: typed access to a NodeDef's attr map (protobuf-c keeps maps as
 * arrays of key/value entries; a node has few attrs, so a scan is fine). */
#include <string.h>

#include "ops/kernel.h"

const Tensorflow__AttrValue *md_attr_find(const Tensorflow__NodeDef *n, const char *name)
{
    for (size_t i = 0; i < n->n_attr; i++)
        if (n->attr[i]->key && !strcmp(n->attr[i]->key, name))
            return n->attr[i]->value;
    return NULL;
}

#define ATTR_CASE(v, c) ((v) && (v)->value_case == TENSORFLOW__ATTR_VALUE__VALUE_##c)

bool md_attr_int(const Tensorflow__NodeDef *n, const char *name, int64_t *out)
{
    const Tensorflow__AttrValue *v = md_attr_find(n, name);
    if (!ATTR_CASE(v, I))
        return false;
    *out = v->i;
    return true;
}

bool md_attr_float(const Tensorflow__NodeDef *n, const char *name, float *out)
{
    const Tensorflow__AttrValue *v = md_attr_find(n, name);
    if (!ATTR_CASE(v, F))
        return false;
    *out = v->f;
    return true;
}

bool md_attr_bool(const Tensorflow__NodeDef *n, const char *name, bool *out)
{
    const Tensorflow__AttrValue *v = md_attr_find(n, name);
    if (!ATTR_CASE(v, B))
        return false;
    *out = v->b;
    return true;
}

bool md_attr_type(const Tensorflow__NodeDef *n, const char *name, enum md_dtype *out)
{
    const Tensorflow__AttrValue *v = md_attr_find(n, name);
    if (!ATTR_CASE(v, TYPE))
        return false;
    *out = md_dtype_base((int)v->type);
    return true;
}

bool md_attr_str(const Tensorflow__NodeDef *n, const char *name, struct md_str *out)
{
    const Tensorflow__AttrValue *v = md_attr_find(n, name);
    if (!ATTR_CASE(v, S))
        return false;
    out->data = (const char *)v->s.data;
    out->len = v->s.len;
    return true;
}

bool md_attr_shape(const Tensorflow__NodeDef *n, const char *name, int *rank, int64_t *dims)
{
    const Tensorflow__AttrValue *v = md_attr_find(n, name);
    if (!ATTR_CASE(v, SHAPE) || !v->shape)
        return false;
    if (v->shape->unknown_rank) {
        *rank = -1;
        return true;
    }
    if (v->shape->n_dim > MD_MAX_RANK)
        return false;
    *rank = (int)v->shape->n_dim;
    for (size_t i = 0; i < v->shape->n_dim; i++)
        dims[i] = v->shape->dim[i]->size;
    return true;
}

static const Tensorflow__AttrValue__ListValue *list_of(const Tensorflow__NodeDef *n,
                                                       const char *name)
{
    const Tensorflow__AttrValue *v = md_attr_find(n, name);
    if (!ATTR_CASE(v, LIST))
        return NULL;
    return v->list;
}

bool md_attr_list_int(const Tensorflow__NodeDef *n, const char *name, const int64_t **v,
                      size_t *count)
{
    const Tensorflow__AttrValue__ListValue *l = list_of(n, name);
    if (!l)
        return false;
    *v = l->i;
    *count = l->n_i;
    return true;
}

bool md_attr_list_float(const Tensorflow__NodeDef *n, const char *name, const float **v,
                        size_t *count)
{
    const Tensorflow__AttrValue__ListValue *l = list_of(n, name);
    if (!l)
        return false;
    *v = l->f;
    *count = l->n_f;
    return true;
}

bool md_attr_list_type(const Tensorflow__NodeDef *n, const char *name, const int **v,
                       size_t *count)
{
    const Tensorflow__AttrValue__ListValue *l = list_of(n, name);
    if (!l)
        return false;
    /* protobuf-c stores repeated enums as int arrays. */
    *v = (const int *)l->type;
    *count = l->n_type;
    return true;
}

const Tensorflow__TensorProto *md_attr_tensor(const Tensorflow__NodeDef *n, const char *name)
{
    const Tensorflow__AttrValue *v = md_attr_find(n, name);
    if (!ATTR_CASE(v, TENSOR))
        return NULL;
    return v->tensor;
}

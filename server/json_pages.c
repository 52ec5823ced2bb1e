/* json_pages.c: the model status, metadata and model list pages, built with
 * jansson in TF Serving's shapes (int64s as strings, proto field names). */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server/server_impl.h"

/* jansson refuses invalid UTF-8; names from a model file are escaped then. */
static json_t *jstr(const char *s)
{
    json_t *j = json_string(s ? s : "");
    if (!j && s) {
        char esc[1024];
        j = json_string(md_escape(esc, sizeof esc, s, strlen(s)));
    }
    return j;
}

static json_t *jint64(int64_t v)
{
    char buf[32];
    snprintf(buf, sizeof buf, "%lld", (long long)v);
    return json_string(buf);
}

static bool dump(struct md_sbuf *out, json_t *root, struct md_status *st)
{
    char *text = root ? json_dumps(root, JSON_INDENT(1) | JSON_PRESERVE_ORDER) : NULL;
    json_decref(root);
    if (!text)
        return md_status_set(st, MD_RESOURCE_EXHAUSTED, "out of memory building JSON");
    md_sbuf_puts(out, text);
    free(text);
    return !out->oom || md_status_set(st, MD_RESOURCE_EXHAUSTED, "out of memory");
}

static json_t *status_array(const struct md_version_status *v, size_t n)
{
    json_t *arr = json_array();
    for (size_t i = 0; arr && i < n; i++) {
        json_t *e = json_pack("{s:o,s:s,s:{s:s,s:o}}", "version", jint64(v[i].version), "state",
                              md_version_state_name(v[i].state), "status", "error_code",
                              md_code_name(v[i].code), "error_message", jstr(v[i].message));
        if (!e || json_array_append_new(arr, e) != 0) {
            json_decref(arr);
            return NULL;
        }
    }
    return arr;
}

bool md_json_model_status(struct md_sbuf *out, const struct md_version_status *v, size_t n,
                          struct md_status *st)
{
    json_t *arr = status_array(v, n);
    json_t *root = arr ? json_pack("{s:o}", "model_version_status", arr) : NULL;
    return dump(out, root, st);
}

static json_t *tensor_info(const Tensorflow__TensorInfo *ti)
{
    json_t *o = json_object();
    if (!o)
        return NULL;
    json_object_set_new(o, "dtype", json_string(md_dtype_name(ti->dtype)));
    json_t *shape = json_object();
    json_t *dims = json_array();
    const Tensorflow__TensorShapeProto *sp = ti->tensor_shape;
    for (size_t i = 0; sp && dims && i < sp->n_dim; i++)
        json_array_append_new(dims, json_pack("{s:o,s:o}", "size", jint64(sp->dim[i]->size),
                                              "name", jstr(sp->dim[i]->name)));
    json_object_set_new(shape, "dim", dims);
    /* An absent shape is an unknown one, as TensorFlow reads it. */
    json_object_set_new(shape, "unknown_rank", json_boolean(!sp || sp->unknown_rank));
    json_object_set_new(o, "tensor_shape", shape);
    if (ti->encoding_case == TENSORFLOW__TENSOR_INFO__ENCODING_COO_SPARSE && ti->coo_sparse)
        json_object_set_new(o, "coo_sparse",
                            json_pack("{s:o,s:o,s:o}", "values_tensor_name",
                                      jstr(ti->coo_sparse->values_tensor_name),
                                      "indices_tensor_name", jstr(ti->coo_sparse->indices_tensor_name),
                                      "dense_shape_tensor_name",
                                      jstr(ti->coo_sparse->dense_shape_tensor_name)));
    else
        json_object_set_new(o, "name",
                            jstr(ti->encoding_case == TENSORFLOW__TENSOR_INFO__ENCODING_NAME
                                     ? ti->name
                                     : ""));
    return o;
}

bool md_json_model_metadata(struct md_sbuf *out, const char *name, int64_t version,
                            const struct md_savedmodel *sm, struct md_status *st)
{
    json_t *sigs = json_object();
    const Tensorflow__MetaGraphDef *meta = sm ? sm->meta : NULL;
    for (size_t i = 0; sigs && meta && i < meta->n_signature_def; i++) {
        const Tensorflow__MetaGraphDef__SignatureDefEntry *e = meta->signature_def[i];
        const Tensorflow__SignatureDef *sd = e->value;
        json_t *in = json_object(), *outs = json_object();
        for (size_t k = 0; sd && in && k < sd->n_inputs; k++)
            json_object_set_new(in, sd->inputs[k]->key ? sd->inputs[k]->key : "",
                                tensor_info(sd->inputs[k]->value));
        for (size_t k = 0; sd && outs && k < sd->n_outputs; k++)
            json_object_set_new(outs, sd->outputs[k]->key ? sd->outputs[k]->key : "",
                                tensor_info(sd->outputs[k]->value));
        const char *method = sd && sd->method_name ? sd->method_name : "";
        json_t *s = json_pack("{s:o,s:o,s:o}", "inputs", in, "outputs", outs, "method_name",
                              jstr(method));
        /* TF Serving's page shows "defaults": {} except on signatures with
         * no method (the TF2 __saved_model_init_op entry in its fixtures). */
        if (s && method[0])
            json_object_set_new(s, "defaults", json_object());
        if (s)
            json_object_set_new(sigs, e->key ? e->key : "", s);
    }
    json_t *root = sigs ? json_pack("{s:{s:o,s:s,s:o},s:{s:{s:o}}}", "model_spec", "name",
                                    jstr(name), "signature_name", "", "version", jint64(version),
                                    "metadata", "signature_def", "signature_def", sigs)
                        : NULL;
    return dump(out, root, st);
}

bool md_json_model_list(struct md_sbuf *out, struct md_manager *m, struct md_status *st)
{
    char **names;
    size_t n = md_manager_model_names(m, &names);
    json_t *models = json_array();
    for (size_t i = 0; models && i < n; i++) {
        struct md_model_spec spec = {names[i], false, 0, NULL};
        struct md_version_status *vs = NULL;
        size_t nv = 0;
        struct md_status ignore = MD_STATUS_INIT;
        if (!md_manager_model_status(m, &spec, &vs, &nv, &ignore))
            nv = 0;
        json_t *arr = status_array(vs, nv);
        free(vs);
        json_t *e = arr ? json_pack("{s:o,s:o}", "name", jstr(names[i]), "model_version_status",
                                    arr)
                        : NULL;
        if (e)
            json_array_append_new(models, e);
    }
    md_manager_names_free(names, n);
    json_t *root = models ? json_pack("{s:o}", "models", models) : NULL;
    return dump(out, root, st);
}

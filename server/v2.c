/* v2.c: the transport-free half of the Open Inference Protocol: running an
 * infer request on a servable, and readiness. REST (v2_http.c) and gRPC
 * (grpc/v2_grpc.c) both call these. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server/v2.h"

static const struct md_tensor_info *sig_input(const struct md_signature *sig, const char *name)
{
    for (size_t i = 0; i < sig->n_inputs; i++)
        if (!strcmp(sig->inputs[i].alias, name))
            return &sig->inputs[i];
    return NULL;
}

bool md_v2_infer(struct md_servable *sv, const struct md_v2_request *req, struct md_arena *a,
                 const struct md_signature **sig_out, struct md_serve_output **outs,
                 size_t *n_outs, struct md_status *st)
{
    *outs = NULL;
    *n_outs = 0;
    const struct md_signature *sig = md_serve_signature(sv, req->signature_name, st);
    if (!sig)
        return false;
    if (sig_out)
        *sig_out = sig;
    size_t n = req->n_inputs;
    struct md_feed *feeds = md_arena_alloc(a, (n ? n : 1) * sizeof *feeds, st);
    const char **filter = md_arena_alloc(a, (req->n_outputs ? req->n_outputs : 1) * sizeof *filter,
                                         st);
    if (!feeds || !filter)
        return false;
    for (size_t i = 0; i < n; i++) {
        const struct md_v2_input *in = &req->inputs[i];
        const struct md_tensor_info *ti = sig_input(sig, in->name);
        /* Unknown and missing names are left to md_serve_predict, whose
         * message lists both sets as TF Serving's does. */
        if (ti && ti->dtype != in->tensor.dtype) {
            char esc[128];
            const char *want = md_v2_datatype_name(ti->dtype);
            return md_status_set(st, MD_INVALID_ARGUMENT,
                                 "input '%s': datatype %s does not match the model's %s",
                                 md_escape(esc, sizeof esc, in->name, strlen(in->name)),
                                 md_v2_datatype_name(in->tensor.dtype),
                                 want ? want : md_dtype_name(ti->dtype));
        }
        feeds[i].alias = in->name;
        feeds[i].tensor = &in->tensor;
    }
    for (size_t i = 0; i < req->n_outputs; i++)
        filter[i] = req->outputs[i].name;
    return md_serve_predict(sv, sig, feeds, n, filter, req->n_outputs, a, outs, n_outs, st);
}

bool md_v2_model_ready(struct md_manager *m, const struct md_model_spec *spec)
{
    if (md_manager_draining(m))
        return false;
    struct md_status st = MD_STATUS_INIT;
    struct md_servable *sv = md_manager_acquire(m, spec, &st);
    md_servable_release(sv);
    return sv != NULL;
}

bool md_v2_server_ready(struct md_manager *m, char *why, size_t cap)
{
    if (why && cap)
        why[0] = '\0';
    if (md_manager_draining(m)) {
        if (why)
            snprintf(why, cap, "shutting down");
        return false;
    }
    char **names;
    size_t n = md_manager_model_names(m, &names);
    bool ready = true;
    for (size_t i = 0; i < n && ready; i++) {
        struct md_model_spec spec = {names[i], false, 0, NULL};
        struct md_status st = MD_STATUS_INIT;
        struct md_servable *sv = md_manager_acquire(m, &spec, &st);
        if (!sv) {
            ready = false;
            if (why) {
                char esc[128];
                snprintf(why, cap, "model '%s' has no AVAILABLE version",
                         md_escape(esc, sizeof esc, names[i], strlen(names[i])));
            }
        }
        md_servable_release(sv);
    }
    md_manager_names_free(names, n);
    return ready;
}

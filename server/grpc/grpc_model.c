/* grpc_model.c: PredictionService/GetModelMetadata and the ModelService
 * (GetModelStatus, HandleReloadConfigRequest), over the model manager that
 * REST's status and metadata pages use. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/log.h"
#include "server/grpc/grpc_impl.h"
#include "serving_get_model_metadata.pb-c.h"
#include "serving_get_model_status.pb-c.h"
#include "serving_health.pb-c.h"
#include "server/v2.h"
#include "serving_model_management.pb-c.h"

#define SIGNATURE_DEF "signature_def"
#define SIGNATURE_DEF_MAP_URL "type.googleapis.com/tensorflow.serving.SignatureDefMap"

/* The SignatureDefMap of the servable's MetaGraphDef, serialized into the
 * arena. The SignatureDefs are the loader's messages, unknown fields
 * included, so the client gets them as the SavedModel has them. */
static bool signature_def_map(struct md_arena *a, const Tensorflow__MetaGraphDef *meta,
                              ProtobufCBinaryData *out, struct md_status *st)
{
    size_t n = meta ? meta->n_signature_def : 0;
    Tensorflow__Serving__SignatureDefMap map;
    tensorflow__serving__signature_def_map__init(&map);
    Tensorflow__Serving__SignatureDefMap__SignatureDefEntry *e =
        md_arena_alloc(a, (n ? n : 1) * sizeof *e, st);
    Tensorflow__Serving__SignatureDefMap__SignatureDefEntry **ep =
        md_arena_alloc(a, (n ? n : 1) * sizeof *ep, st);
    if (!e || !ep)
        return false;
    for (size_t i = 0; i < n; i++) {
        tensorflow__serving__signature_def_map__signature_def_entry__init(&e[i]);
        /* Serialized, never written through: the casts only drop const. */
        e[i].key = meta->signature_def[i]->key;
        e[i].value = (Tensorflow__SignatureDef *)(uintptr_t)meta->signature_def[i]->value;
        ep[i] = &e[i];
    }
    map.n_signature_def = n;
    map.signature_def = n ? ep : NULL;
    size_t len = tensorflow__serving__signature_def_map__get_packed_size(&map);
    uint8_t *buf = md_arena_alloc(a, len ? len : 1, st);
    if (!buf)
        return false;
    out->len = tensorflow__serving__signature_def_map__pack(&map, buf);
    out->data = buf;
    return true;
}

bool md_grpc_get_model_metadata(struct md_grpc_ctx *c, const uint8_t *req, size_t len,
                                struct md_grpc_reply *out, struct md_status *st)
{
    c->api = "GetModelMetadata";
    Tensorflow__Serving__GetModelMetadataRequest *r =
        (Tensorflow__Serving__GetModelMetadataRequest *)md_grpc_unpack(
            &tensorflow__serving__get_model_metadata_request__descriptor, req, len, c->arena, st);
    if (!r)
        return false;
    struct md_model_spec spec;
    if (!md_grpc_spec_in(r->model_spec, &spec, st))
        return false;
    c->model = spec.name;
    if (r->n_metadata_field == 0)
        return md_status_set(st, MD_INVALID_ARGUMENT,
                             "GetModelMetadataRequest must specify at least one metadata_field");
    for (size_t i = 0; i < r->n_metadata_field; i++) {
        const char *f = r->metadata_field[i] ? r->metadata_field[i] : "";
        if (strcmp(f, SIGNATURE_DEF)) {
            char esc[256];
            return md_status_set(st, MD_INVALID_ARGUMENT,
                                 "Metadata field %s is not supported (only \"" SIGNATURE_DEF
                                 "\" is)",
                                 md_escape(esc, sizeof esc, f, strlen(f)));
        }
    }
    struct md_servable *sv = md_manager_acquire(c->mgr, &spec, st);
    if (!sv)
        return false;
    c->version = md_servable_version(sv);
    const struct md_savedmodel *sm = md_model_savedmodel(md_servable_model(sv));
    Google__Protobuf__Any any;
    google__protobuf__any__init(&any);
    any.type_url = (char *)(uintptr_t)SIGNATURE_DEF_MAP_URL; /* never written through */
    Tensorflow__Serving__GetModelMetadataResponse__MetadataEntry ent;
    tensorflow__serving__get_model_metadata_response__metadata_entry__init(&ent);
    ent.key = (char *)(uintptr_t)SIGNATURE_DEF;
    ent.value = &any;
    Tensorflow__Serving__GetModelMetadataResponse__MetadataEntry *entp = &ent;
    Tensorflow__Serving__GetModelMetadataResponse resp;
    tensorflow__serving__get_model_metadata_response__init(&resp);
    resp.n_metadata = 1;
    resp.metadata = &entp;
    /* TF Serving's response names the servable and its version only. */
    bool ok = (resp.model_spec = md_grpc_spec_out(c->arena, md_servable_name(sv), c->version,
                                                  NULL, st)) != NULL &&
              signature_def_map(c->arena, sm ? sm->meta : NULL, &any.value, st) &&
              md_grpc_pack(&resp.base, out, st);
    md_servable_release(sv);
    return ok;
}

bool md_grpc_get_model_status(struct md_grpc_ctx *c, const uint8_t *req, size_t len,
                              struct md_grpc_reply *out, struct md_status *st)
{
    Tensorflow__Serving__GetModelStatusRequest *r =
        (Tensorflow__Serving__GetModelStatusRequest *)md_grpc_unpack(
            &tensorflow__serving__get_model_status_request__descriptor, req, len, c->arena, st);
    if (!r)
        return false;
    struct md_model_spec spec;
    if (!md_grpc_spec_in(r->model_spec, &spec, st))
        return false;
    spec.label = NULL; /* TF Serving reports by version only */
    c->model = spec.name;
    struct md_version_status *vs;
    size_t n;
    if (!md_manager_model_status(c->mgr, &spec, &vs, &n, st))
        return false;
    bool ok = false;
    Tensorflow__Serving__ModelVersionStatus *mv = md_arena_alloc(c->arena, (n ? n : 1) * sizeof *mv, st);
    Tensorflow__Serving__ModelVersionStatus **mvp =
        md_arena_alloc(c->arena, (n ? n : 1) * sizeof *mvp, st);
    Tensorflow__Serving__StatusProto *sp = md_arena_alloc(c->arena, (n ? n : 1) * sizeof *sp, st);
    if (mv && mvp && sp) {
        ok = true;
        for (size_t i = 0; i < n && ok; i++) {
            tensorflow__serving__model_version_status__init(&mv[i]);
            tensorflow__serving__status_proto__init(&sp[i]);
            mv[i].version = vs[i].version;
            mv[i].state = (Tensorflow__Serving__ModelVersionStatus__State)vs[i].state;
            sp[i].error_code = (Tensorflow__Error__Code)vs[i].code;
            size_t ml = strlen(vs[i].message);
            if ((sp[i].error_message = md_arena_alloc(c->arena, ml + 1, st)))
                memcpy(sp[i].error_message, vs[i].message, ml + 1);
            else
                ok = false;
            mv[i].status = &sp[i];
            mvp[i] = &mv[i];
        }
    }
    if (ok) {
        Tensorflow__Serving__GetModelStatusResponse resp;
        tensorflow__serving__get_model_status_response__init(&resp);
        resp.n_model_version_status = n;
        resp.model_version_status = n ? mvp : NULL;
        ok = md_grpc_pack(&resp.base, out, st);
    }
    free(vs);
    return ok;
}

/* After a reload: every configured model must have an AVAILABLE version
 * (TF Serving's WaitUntilConfiguredModelsAvailable). */
static bool check_available(struct md_manager *m, const struct md_server_config *cfg,
                            struct md_status *st)
{
    char missing[384] = "";
    size_t used = 0;
    for (size_t i = 0; i < cfg->n_models; i++) {
        struct md_model_spec spec = {cfg->models[i].name, false, 0, NULL};
        struct md_version_status *vs = NULL;
        size_t n = 0;
        struct md_status ist = MD_STATUS_INIT;
        bool available = false;
        const char *why = "no version found under its base_path";
        if (md_manager_model_status(m, &spec, &vs, &n, &ist)) {
            for (size_t k = 0; k < n; k++) {
                if (vs[k].state == MD_VS_AVAILABLE)
                    available = true;
                else if (vs[k].code != MD_OK)
                    why = vs[k].message;
            }
        }
        if (!available && used < sizeof missing) {
            int w = snprintf(missing + used, sizeof missing - used, "%s%s (%s)", used ? ", " : "",
                             cfg->models[i].name, why);
            used = w > 0 ? used + (size_t)w : used;
        }
        free(vs);
    }
    if (!missing[0])
        return true;
    return md_status_set(st, MD_UNKNOWN, "Some models did not become available: {%s}", missing);
}

bool md_grpc_reload_config(struct md_grpc_ctx *c, const uint8_t *req, size_t len,
                           struct md_grpc_reply *out, struct md_status *st)
{
    Tensorflow__Serving__ReloadConfigRequest *r =
        (Tensorflow__Serving__ReloadConfigRequest *)md_grpc_unpack(
            &tensorflow__serving__reload_config_request__descriptor, req, len, c->arena, st);
    if (!r)
        return false;
    if (!r->config ||
        r->config->config_case != TENSORFLOW__SERVING__MODEL_SERVER_CONFIG__CONFIG_MODEL_CONFIG_LIST)
        return md_status_set(st, MD_INVALID_ARGUMENT,
                             "ServerModelConfig type not supported by HandleReloadConfigRequest. "
                             "Only ModelConfigList is currently supported");
    /* The config goes through the text form so that the request is checked
     * exactly as --model_config_file is (names, paths, policies, labels). */
    char *text = md_textformat_print(&r->config->base);
    if (!text)
        return md_status_set(st, MD_RESOURCE_EXHAUSTED, "out of memory reading the config");
    struct md_server_config cfg;
    bool ok = md_server_config_parse(text, strlen(text), &cfg, st);
    free(text);
    if (!ok)
        return false;
    for (size_t i = 0; i < cfg.n_models; i++) {
        char n[128], p[256];
        const struct md_model_config *mc = &cfg.models[i];
        md_log_info("ReloadConfig: model '%s' at '%s'",
                    md_escape(n, sizeof n, mc->name, strlen(mc->name)),
                    md_escape(p, sizeof p, mc->base_path, strlen(mc->base_path)));
    }
    /* Load synchronously so that the reply means "serving the new config". */
    ok = md_manager_set_config(c->mgr, &cfg, st);
    if (ok) {
        md_manager_poll(c->mgr);
        ok = check_available(c->mgr, &cfg, st);
    }
    md_server_config_cleanup(&cfg);
    if (!ok) {
        md_log_error("ReloadConfig failed: %s", st->msg);
        return false;
    }
    Tensorflow__Serving__StatusProto sp;
    tensorflow__serving__status_proto__init(&sp);
    Tensorflow__Serving__ReloadConfigResponse resp;
    tensorflow__serving__reload_config_response__init(&resp);
    resp.status = &sp;
    return md_grpc_pack(&resp.base, out, st);
}

/* grpc.health.v1.Health/Check: SERVING for the whole server ("") and for
 * the two services, as TF Serving's --enable_grpc_healthcheck_service. */
bool md_grpc_health_check(struct md_grpc_ctx *c, const uint8_t *req, size_t len,
                          struct md_grpc_reply *out, struct md_status *st)
{
    Grpc__Health__V1__HealthCheckRequest *r =
        (Grpc__Health__V1__HealthCheckRequest *)md_grpc_unpack(
            &grpc__health__v1__health_check_request__descriptor, req, len, c->arena, st);
    if (!r)
        return false;
    const char *s = r->service ? r->service : "";
    bool v2 = !strcmp(s, "inference.GRPCInferenceService"); /* KServe v2 (v2_grpc.c) */
    if (s[0] && strcmp(s, "tensorflow.serving.PredictionService") &&
        strcmp(s, "tensorflow.serving.ModelService") && !v2) {
        char esc[256];
        return md_status_set(st, MD_NOT_FOUND, "unknown service %s",
                             md_escape(esc, sizeof esc, s, strlen(s)));
    }
    Grpc__Health__V1__HealthCheckResponse resp;
    grpc__health__v1__health_check_response__init(&resp);
    resp.status = GRPC__HEALTH__V1__HEALTH_CHECK_RESPONSE__SERVING_STATUS__SERVING;
    /* NOT_SERVING once SIGTERM arrived; for the v2 service, also until
     * every model is AVAILABLE (its ServerReady). */
    if (v2 ? !md_v2_server_ready(c->mgr, NULL, 0) : md_manager_draining(c->mgr))
        resp.status = GRPC__HEALTH__V1__HEALTH_CHECK_RESPONSE__SERVING_STATUS__NOT_SERVING;
    return md_grpc_pack(&resp.base, out, st);
}

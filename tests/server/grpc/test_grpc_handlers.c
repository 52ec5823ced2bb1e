/* test_grpc_handlers.c: the gRPC method handlers without a network: request
 * bytes in, response bytes or a status out, over a real model manager
 * serving the committed example model (examples/half_plus_two/1, a copy of
 * TF Serving's half_plus_two with predict, classify and regress
 * signatures). The network side is tested end to end by test_grpc.sh. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "example.pb-c.h"
#include "server/grpc/grpc_impl.h"
#include "serving_classification.pb-c.h"
#include "serving_get_model_metadata.pb-c.h"
#include "serving_get_model_status.pb-c.h"
#include "serving_inference.pb-c.h"
#include "serving_model_management.pb-c.h"
#include "serving_predict.pb-c.h"
#include "serving_regression.pb-c.h"

#ifndef MD_TEST_SRCDIR
#define MD_TEST_SRCDIR "."
#endif

static struct md_manager *mgr;
static struct md_arena *arena;
static char base_path[1024];

static int setup(void **state)
{
    (void)state;
    const char *src = getenv("MD_SRCDIR");
    snprintf(base_path, sizeof base_path, "%s/examples/half_plus_two", src ? src : MD_TEST_SRCDIR);
    struct md_status st = MD_STATUS_INIT;
    struct md_manager_options o = MD_MANAGER_OPTIONS_INIT;
    o.fs_poll_seconds = 0;
    mgr = md_manager_new(&o, &st);
    struct md_model_config mc = {"half", base_path, "tensorflow", MD_POLICY_LATEST, 1,
                                 NULL, 0, NULL, 0};
    struct md_server_config cfg = {&mc, 1};
    if (!mgr || !md_manager_set_config(mgr, &cfg, &st))
        return -1;
    md_manager_poll(mgr);
    arena = md_arena_new(0, 64 << 20, &st);
    return arena ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    md_arena_free(arena);
    md_manager_free(mgr);
    return 0;
}

/* Packs msg, runs method, returns the response bytes (caller frees) or NULL
 * with *st set. */
static uint8_t *call(int method, const ProtobufCMessage *msg, size_t *len, struct md_status *st)
{
    size_t n = protobuf_c_message_get_packed_size(msg);
    uint8_t *req = malloc(n ? n : 1);
    assert_non_null(req);
    protobuf_c_message_pack(msg, req);
    md_arena_reset(arena);
    struct md_grpc_ctx c = {mgr, arena, false, 1 << 20, NULL, NULL, -1, ""};
    struct md_grpc_reply out = {NULL, 0};
    md_status_reset(st);
    bool ok = md_grpc_methods[method].handler(&c, req, n, &out, st);
    free(req);
    if (!ok) {
        assert_int_not_equal(st->code, MD_OK);
        assert_true(st->msg[0] != '\0');
        assert_null(out.data);
        return NULL;
    }
    *len = out.len;
    return out.data;
}

static Tensorflow__Serving__ModelSpec spec_of(const char *name, const char *sig)
{
    Tensorflow__Serving__ModelSpec ms;
    tensorflow__serving__model_spec__init(&ms);
    ms.name = (char *)(uintptr_t)name;
    if (sig)
        ms.signature_name = (char *)(uintptr_t)sig;
    return ms;
}

static void test_predict(void **state)
{
    (void)state;
    struct md_status st = MD_STATUS_INIT;
    Tensorflow__Serving__ModelSpec ms = spec_of("half", NULL);
    float xs[3] = {2.0f, 3.0f, 4.0f};
    Tensorflow__TensorShapeProto__Dim d0;
    tensorflow__tensor_shape_proto__dim__init(&d0);
    Tensorflow__TensorShapeProto__Dim d1;
    tensorflow__tensor_shape_proto__dim__init(&d1);
    Tensorflow__TensorShapeProto__Dim *dims[2] = {&d0, &d1};
    d0.size = 3;
    d1.size = 1;
    Tensorflow__TensorShapeProto shape;
    tensorflow__tensor_shape_proto__init(&shape);
    shape.n_dim = 2;
    shape.dim = dims;
    Tensorflow__TensorProto x;
    tensorflow__tensor_proto__init(&x);
    x.dtype = TENSORFLOW__DATA_TYPE__DT_FLOAT;
    x.tensor_shape = &shape;
    x.n_float_val = 3;
    x.float_val = xs;
    Tensorflow__Serving__PredictRequest__InputsEntry e;
    tensorflow__serving__predict_request__inputs_entry__init(&e);
    e.key = (char *)(uintptr_t)"x";
    e.value = &x;
    Tensorflow__Serving__PredictRequest__InputsEntry *ep = &e;
    Tensorflow__Serving__PredictRequest r;
    tensorflow__serving__predict_request__init(&r);
    r.model_spec = &ms;
    r.n_inputs = 1;
    r.inputs = &ep;

    size_t len;
    uint8_t *resp = call(MD_GRPC_PREDICT, &r.base, &len, &st);
    if (!resp)
        fail_msg("Predict: %s", st.msg);
    Tensorflow__Serving__PredictResponse *p =
        tensorflow__serving__predict_response__unpack(NULL, len, resp);
    free(resp);
    assert_non_null(p);
    assert_int_equal(p->n_outputs, 1);
    assert_string_equal(p->outputs[0]->key, "y");
    const Tensorflow__TensorProto *y = p->outputs[0]->value;
    assert_int_equal(y->n_float_val, 3);
    assert_true(y->float_val[0] == 3.0f && y->float_val[1] == 3.5f && y->float_val[2] == 4.0f);
    assert_int_equal(y->tensor_shape->n_dim, 2);
    assert_string_equal(p->model_spec->name, "half");
    assert_string_equal(p->model_spec->signature_name, "serving_default");
    assert_int_equal(p->model_spec->version->value, 1);
    tensorflow__serving__predict_response__free_unpacked(p, NULL);

    /* A key sent twice keeps its last value (protobuf map semantics). */
    float other = 10.0f;
    Tensorflow__TensorProto x2 = x;
    x2.tensor_shape = NULL;
    x2.n_float_val = 1;
    x2.float_val = &other;
    Tensorflow__Serving__PredictRequest__InputsEntry e2 = e;
    e2.value = &x2;
    Tensorflow__Serving__PredictRequest__InputsEntry *eps[2] = {&e, &e2};
    r.n_inputs = 2;
    r.inputs = eps;
    resp = call(MD_GRPC_PREDICT, &r.base, &len, &st);
    if (!resp)
        fail_msg("Predict with a repeated key: %s", st.msg);
    p = tensorflow__serving__predict_response__unpack(NULL, len, resp);
    free(resp);
    assert_non_null(p);
    assert_true(p->outputs[0]->value->n_float_val == 1 &&
                p->outputs[0]->value->float_val[0] == 7.0f);
    tensorflow__serving__predict_response__free_unpacked(p, NULL);

    /* Errors: code and message. */
    r.n_inputs = 1;
    r.inputs = &ep;
    ms.signature_name = (char *)(uintptr_t)"nosig";
    assert_null(call(MD_GRPC_PREDICT, &r.base, &len, &st));
    assert_int_equal(st.code, MD_FAILED_PRECONDITION);
    ms.signature_name = (char *)(uintptr_t)"";
    ms.name = (char *)(uintptr_t)"other";
    assert_null(call(MD_GRPC_PREDICT, &r.base, &len, &st));
    assert_int_equal(st.code, MD_NOT_FOUND);
    r.model_spec = NULL;
    assert_null(call(MD_GRPC_PREDICT, &r.base, &len, &st));
    assert_int_equal(st.code, MD_INVALID_ARGUMENT);
    assert_string_equal(st.msg, "Missing ModelSpec");
}

/* One serialized tf.Example {x: [v]}. */
static ProtobufCBinaryData example_x(float v)
{
    float fv = v;
    Tensorflow__FloatList fl;
    tensorflow__float_list__init(&fl);
    fl.n_value = 1;
    fl.value = &fv;
    Tensorflow__Feature f;
    tensorflow__feature__init(&f);
    f.kind_case = TENSORFLOW__FEATURE__KIND_FLOAT_LIST;
    f.float_list = &fl;
    Tensorflow__Features__FeatureEntry fe;
    tensorflow__features__feature_entry__init(&fe);
    fe.key = (char *)(uintptr_t)"x";
    fe.value = &f;
    Tensorflow__Features__FeatureEntry *fep = &fe;
    Tensorflow__Features fs;
    tensorflow__features__init(&fs);
    fs.n_feature = 1;
    fs.feature = &fep;
    Tensorflow__Example ex;
    tensorflow__example__init(&ex);
    ex.features = &fs;
    ProtobufCBinaryData b;
    b.len = tensorflow__example__get_packed_size(&ex);
    b.data = malloc(b.len);
    assert_non_null(b.data);
    tensorflow__example__pack(&ex, b.data);
    return b;
}

static void test_classify_regress_multi(void **state)
{
    (void)state;
    struct md_status st = MD_STATUS_INIT;
    /* The public messages hold parsed Examples; build them by unpacking. */
    ProtobufCBinaryData b = example_x(2.0f);
    Tensorflow__Example *ex = tensorflow__example__unpack(NULL, b.len, b.data);
    free(b.data);
    assert_non_null(ex);
    Tensorflow__Serving__ExampleList el;
    tensorflow__serving__example_list__init(&el);
    el.n_examples = 1;
    el.examples = &ex;
    Tensorflow__Serving__Input in;
    tensorflow__serving__input__init(&in);
    in.kind_case = TENSORFLOW__SERVING__INPUT__KIND_EXAMPLE_LIST;
    in.example_list = &el;

    Tensorflow__Serving__ModelSpec cms = spec_of("half", "classify_x_to_y");
    Tensorflow__Serving__ClassificationRequest cr;
    tensorflow__serving__classification_request__init(&cr);
    cr.model_spec = &cms;
    cr.input = &in;
    size_t len;
    uint8_t *resp = call(MD_GRPC_CLASSIFY, &cr.base, &len, &st);
    if (!resp)
        fail_msg("Classify: %s", st.msg);
    Tensorflow__Serving__ClassificationResponse *c =
        tensorflow__serving__classification_response__unpack(NULL, len, resp);
    free(resp);
    assert_non_null(c);
    assert_int_equal(c->result->n_classifications, 1);
    assert_int_equal(c->result->classifications[0]->n_classes, 1);
    assert_true(c->result->classifications[0]->classes[0]->score == 3.0f);
    assert_string_equal(c->result->classifications[0]->classes[0]->label, "");
    tensorflow__serving__classification_response__free_unpacked(c, NULL);

    Tensorflow__Serving__ModelSpec rms = spec_of("half", "regress_x_to_y");
    Tensorflow__Serving__RegressionRequest rr;
    tensorflow__serving__regression_request__init(&rr);
    rr.model_spec = &rms;
    rr.input = &in;
    resp = call(MD_GRPC_REGRESS, &rr.base, &len, &st);
    if (!resp)
        fail_msg("Regress: %s", st.msg);
    Tensorflow__Serving__RegressionResponse *g =
        tensorflow__serving__regression_response__unpack(NULL, len, resp);
    free(resp);
    assert_non_null(g);
    assert_int_equal(g->result->n_regressions, 1);
    assert_true(g->result->regressions[0]->value == 3.0f);
    tensorflow__serving__regression_response__free_unpacked(g, NULL);

    Tensorflow__Serving__InferenceTask t1;

    tensorflow__serving__inference_task__init(&t1);

    Tensorflow__Serving__InferenceTask t2;

    tensorflow__serving__inference_task__init(&t2);
    t1.model_spec = &cms;
    t1.method_name = (char *)(uintptr_t)"tensorflow/serving/classify";
    t2.model_spec = &rms;
    t2.method_name = (char *)(uintptr_t)"tensorflow/serving/regress";
    Tensorflow__Serving__InferenceTask *tasks[2] = {&t1, &t2};
    Tensorflow__Serving__MultiInferenceRequest mr;
    tensorflow__serving__multi_inference_request__init(&mr);
    mr.n_tasks = 2;
    mr.tasks = tasks;
    mr.input = &in;
    resp = call(MD_GRPC_MULTI_INFERENCE, &mr.base, &len, &st);
    if (!resp)
        fail_msg("MultiInference: %s", st.msg);
    Tensorflow__Serving__MultiInferenceResponse *m =
        tensorflow__serving__multi_inference_response__unpack(NULL, len, resp);
    free(resp);
    assert_non_null(m);
    assert_int_equal(m->n_results, 2);
    assert_true(m->results[0]->classification_result->classifications[0]->classes[0]->score ==
                3.0f);
    assert_true(m->results[1]->regression_result->regressions[0]->value == 3.0f);
    tensorflow__serving__multi_inference_response__free_unpacked(m, NULL);

    /* Empty input and a task with another method. */
    rr.input = NULL;
    assert_null(call(MD_GRPC_REGRESS, &rr.base, &len, &st));
    assert_int_equal(st.code, MD_INVALID_ARGUMENT);
    assert_non_null(strstr(st.msg, "Input is empty"));
    t2.method_name = (char *)(uintptr_t)"tensorflow/serving/predict";
    assert_null(call(MD_GRPC_MULTI_INFERENCE, &mr.base, &len, &st));
    assert_int_equal(st.code, MD_UNIMPLEMENTED);
    tensorflow__example__free_unpacked(ex, NULL);
}

static void test_metadata_status(void **state)
{
    (void)state;
    struct md_status st = MD_STATUS_INIT;
    Tensorflow__Serving__ModelSpec ms = spec_of("half", NULL);
    char *field = (char *)(uintptr_t)"signature_def";
    Tensorflow__Serving__GetModelMetadataRequest mr;
    tensorflow__serving__get_model_metadata_request__init(&mr);
    mr.model_spec = &ms;
    mr.n_metadata_field = 1;
    mr.metadata_field = &field;
    size_t len;
    uint8_t *resp = call(MD_GRPC_GET_MODEL_METADATA, &mr.base, &len, &st);
    if (!resp)
        fail_msg("GetModelMetadata: %s", st.msg);
    Tensorflow__Serving__GetModelMetadataResponse *m =
        tensorflow__serving__get_model_metadata_response__unpack(NULL, len, resp);
    free(resp);
    assert_non_null(m);
    assert_int_equal(m->n_metadata, 1);
    assert_string_equal(m->metadata[0]->key, "signature_def");
    assert_string_equal(m->metadata[0]->value->type_url,
                        "type.googleapis.com/tensorflow.serving.SignatureDefMap");
    Tensorflow__Serving__SignatureDefMap *sdm = tensorflow__serving__signature_def_map__unpack(
        NULL, m->metadata[0]->value->value.len, m->metadata[0]->value->value.data);
    assert_non_null(sdm);
    assert_int_equal(sdm->n_signature_def, 3);
    tensorflow__serving__signature_def_map__free_unpacked(sdm, NULL);
    tensorflow__serving__get_model_metadata_response__free_unpacked(m, NULL);
    mr.n_metadata_field = 0;
    assert_null(call(MD_GRPC_GET_MODEL_METADATA, &mr.base, &len, &st));
    assert_int_equal(st.code, MD_INVALID_ARGUMENT);

    Tensorflow__Serving__GetModelStatusRequest sr;

    tensorflow__serving__get_model_status_request__init(&sr);
    sr.model_spec = &ms;
    resp = call(MD_GRPC_GET_MODEL_STATUS, &sr.base, &len, &st);
    if (!resp)
        fail_msg("GetModelStatus: %s", st.msg);
    Tensorflow__Serving__GetModelStatusResponse *s =
        tensorflow__serving__get_model_status_response__unpack(NULL, len, resp);
    free(resp);
    assert_non_null(s);
    assert_int_equal(s->n_model_version_status, 1);
    assert_int_equal(s->model_version_status[0]->version, 1);
    assert_int_equal(s->model_version_status[0]->state,
                     TENSORFLOW__SERVING__MODEL_VERSION_STATUS__STATE__AVAILABLE);
    assert_int_equal(s->model_version_status[0]->status->error_code, 0);
    tensorflow__serving__get_model_status_response__free_unpacked(s, NULL);
    ms.name = (char *)(uintptr_t)"other";
    assert_null(call(MD_GRPC_GET_MODEL_STATUS, &sr.base, &len, &st));
    assert_int_equal(st.code, MD_NOT_FOUND);
}

static void test_reload_config(void **state)
{
    (void)state;
    struct md_status st = MD_STATUS_INIT;
    Tensorflow__Serving__ModelConfig mc;
    tensorflow__serving__model_config__init(&mc);
    mc.name = (char *)(uintptr_t)"again";
    mc.base_path = base_path;
    mc.model_platform = (char *)(uintptr_t)"tensorflow";
    Tensorflow__Serving__ModelConfig mc0 = mc;
    mc0.name = (char *)(uintptr_t)"half";
    Tensorflow__Serving__ModelConfig *list[2] = {&mc0, &mc};
    Tensorflow__Serving__ModelConfigList l;
    tensorflow__serving__model_config_list__init(&l);
    l.n_config = 2;
    l.config = list;
    Tensorflow__Serving__ModelServerConfig cfg;
    tensorflow__serving__model_server_config__init(&cfg);
    cfg.config_case = TENSORFLOW__SERVING__MODEL_SERVER_CONFIG__CONFIG_MODEL_CONFIG_LIST;
    cfg.model_config_list = &l;
    Tensorflow__Serving__ReloadConfigRequest r;
    tensorflow__serving__reload_config_request__init(&r);
    r.config = &cfg;
    size_t len;
    uint8_t *resp = call(MD_GRPC_RELOAD_CONFIG, &r.base, &len, &st);
    if (!resp)
        fail_msg("HandleReloadConfigRequest: %s", st.msg);
    free(resp);
    struct md_model_spec spec = {"again", false, 0, NULL};
    struct md_servable *sv = md_manager_acquire(mgr, &spec, &st);
    assert_non_null(sv);
    md_servable_release(sv);

    r.config = NULL;
    assert_null(call(MD_GRPC_RELOAD_CONFIG, &r.base, &len, &st));
    assert_int_equal(st.code, MD_INVALID_ARGUMENT);
}

static void test_garbage(void **state)
{
    (void)state;
    static const uint8_t junk[] = {0xff, 0xff, 0xff, 0xff, 0x0f};
    for (int m = 0; m < MD_GRPC_METHOD_COUNT; m++) {
        struct md_status st = MD_STATUS_INIT;
        md_arena_reset(arena);
        struct md_grpc_ctx c = {mgr, arena, false, 1 << 20, NULL, NULL, -1, ""};
        struct md_grpc_reply out = {NULL, 0};
        assert_false(md_grpc_methods[m].handler(&c, junk, sizeof junk, &out, &st));
        assert_int_equal(st.code, MD_INVALID_ARGUMENT);
        assert_non_null(strstr(st.msg, "cannot parse"));
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_predict),
        cmocka_unit_test(test_classify_regress_multi),
        cmocka_unit_test(test_metadata_status),
        cmocka_unit_test(test_reload_config),
        cmocka_unit_test(test_garbage),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}

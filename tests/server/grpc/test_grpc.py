#!/usr/bin/python3
"""End-to-end test of modeld's gRPC API with TF Serving's client stubs.

Run by tests/server/grpc/test_grpc.sh, which generates the stubs from
modeld's own proto/ files (protoc + grpc_python_plugin) into a temp dir
and passes it here. Usage:

    test_grpc.py --modeld server/modeld --stubs DIR --fixtures DIR --tmp DIR

Every PredictionService and ModelService method on the fixtures (expected
values from TF Serving's own tests, see fixtures/savedmodels/README.md),
every error case with its status code and message, hot reload under
concurrent load with zero failures, REST and gRPC sharing one manager,
metrics, oversize messages and a graceful SIGTERM. Prints one line per
check and exits 1 if any failed.
"""
import argparse
import json
import os
import shutil
import signal
import socket
import struct
import subprocess
import sys
import threading
import time
import urllib.request

ap = argparse.ArgumentParser()
ap.add_argument("--modeld", required=True)
ap.add_argument("--stubs", required=True)
ap.add_argument("--fixtures", required=True)
ap.add_argument("--tmp", required=True)
ap.add_argument("--reload-seconds", type=float, default=4.0)
args = ap.parse_args()
sys.path.insert(0, args.stubs)

import grpc  # noqa: E402
import numpy as np  # noqa: E402

import example_pb2  # noqa: E402
import model_server_config_pb2 as msc  # noqa: E402
import serving_classification_pb2 as cls_pb  # noqa: E402
import serving_get_model_metadata_pb2 as md_pb  # noqa: E402
import serving_get_model_status_pb2 as st_pb  # noqa: E402
import serving_inference_pb2 as inf_pb  # noqa: E402
import serving_model_management_pb2 as mm_pb  # noqa: E402
import serving_model_service_pb2_grpc as ms_grpc  # noqa: E402
import serving_predict_pb2 as pr_pb  # noqa: E402
import serving_prediction_service_pb2_grpc as ps_grpc  # noqa: E402
import serving_health_pb2 as health_pb  # noqa: E402
import serving_health_service_pb2_grpc as health_grpc  # noqa: E402
import serving_regression_pb2 as rg_pb  # noqa: E402
import types_pb2  # noqa: E402

FX = args.fixtures
TMP = args.tmp
FAILS = []
C = grpc.StatusCode


def ok(name):
    print("ok   " + name, flush=True)


def bad(name, why):
    print("FAIL %s: %s" % (name, why), flush=True)
    FAILS.append(name)


def check(name, cond, why=""):
    if cond:
        ok(name)
    else:
        bad(name, why)
    return cond


def expect_error(name, fn, code, substr):
    try:
        fn()
    except grpc.RpcError as e:
        if e.code() != code:
            return bad(name, "code %s (%s), want %s" % (e.code(), e.details(), code))
        if substr not in (e.details() or ""):
            return bad(name, "message %r lacks %r" % (e.details(), substr))
        return ok(name)
    bad(name, "succeeded, want %s" % code)


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


def copytree(src, dst):
    shutil.copytree(src, dst)


# ------------------------------------------------------------ the daemon
class Daemon:
    def __init__(self, extra, name):
        self.grpc_port = free_port()
        self.rest_port = free_port()
        self.log = os.path.join(TMP, name + ".log")
        cmd = [args.modeld, "--port=%d" % self.grpc_port, "--rest_api_port=%d" % self.rest_port,
               "--rest_api_bind=127.0.0.1", "--file_system_poll_wait_seconds=0.2",
               "--grpc_max_threads=4", "--rest_api_num_threads=2"] + extra
        self.proc = subprocess.Popen(cmd, stdout=open(self.log, "w"), stderr=subprocess.STDOUT)
        self.channel = grpc.insecure_channel(
            "127.0.0.1:%d" % self.grpc_port,
            options=[("grpc.max_send_message_length", -1),
                     ("grpc.max_receive_message_length", -1)])
        self.ps = ps_grpc.PredictionServiceStub(self.channel)
        self.ms = ms_grpc.ModelServiceStub(self.channel)
        deadline = time.time() + 30
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("modeld exited %d:\n%s" % (self.proc.returncode,
                                                              open(self.log).read()))
            try:
                grpc.channel_ready_future(self.channel).result(timeout=0.5)
                return
            except grpc.FutureTimeoutError:
                pass
        raise RuntimeError("modeld did not answer gRPC:\n" + open(self.log).read())

    def rest(self, path, body=None):
        req = urllib.request.Request("http://127.0.0.1:%d%s" % (self.rest_port, path),
                                     data=body.encode() if body is not None else None)
        try:
            with urllib.request.urlopen(req, timeout=10) as r:
                return r.status, r.read().decode()
        except urllib.error.HTTPError as e:
            return e.code, e.read().decode()

    def stop(self):
        self.channel.close()
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        return self.proc.returncode


# ------------------------------------------------------------ helpers
def spec(msg, name, version=None, label=None, signature=None):
    msg.model_spec.name = name
    if version is not None:
        msg.model_spec.version.value = version
    if label is not None:
        msg.model_spec.version_label = label
    if signature is not None:
        msg.model_spec.signature_name = signature
    return msg


def float_tensor(tp, values, shape=None, content=False):
    a = np.asarray(values, dtype=np.float32)
    tp.dtype = types_pb2.DT_FLOAT
    for d in (a.shape if shape is None else shape):
        tp.tensor_shape.dim.add().size = d
    if content:
        tp.tensor_content = a.tobytes()
    else:
        tp.float_val.extend(a.ravel().tolist())
    return tp


def predict_req(name, inputs, **kw):
    r = spec(pr_pb.PredictRequest(), name, **{k: v for k, v in kw.items()
                                             if k in ("version", "label", "signature")})
    for k, v in inputs.items():
        float_tensor(r.inputs[k], v)
    r.output_filter.extend(kw.get("output_filter", []))
    return r


def values(tp):
    """A response TensorProto as a numpy array (typed fields or content)."""
    shape = [d.size for d in tp.tensor_shape.dim]
    if tp.dtype == types_pb2.DT_FLOAT:
        if tp.tensor_content:
            return np.frombuffer(tp.tensor_content, np.float32).reshape(shape)
        return np.asarray(tp.float_val, np.float32).reshape(shape)
    raise ValueError("dtype %d" % tp.dtype)


def example(**feats):
    e = example_pb2.Example()
    for k, v in feats.items():
        f = e.features.feature[k]
        if isinstance(v, bytes):
            f.bytes_list.value.append(v)
        elif isinstance(v, int):
            f.int64_list.value.append(v)
        else:
            f.float_list.value.append(v)
    return e


def examples_req(msg, name, signature, exs, context=None, **kw):
    spec(msg, name, signature=signature, **kw)
    if context is None:
        msg.input.example_list.examples.extend(exs)
    else:
        msg.input.example_list_with_context.examples.extend(exs)
        msg.input.example_list_with_context.context.CopyFrom(context)
    return msg


def raw_call(channel, method, payload):
    f = channel.unary_unary(method, request_serializer=lambda b: b,
                            response_deserializer=lambda b: b)
    return f(payload, timeout=10)


# ------------------------------------------------------------ set-up
models = os.path.join(TMP, "models")
os.makedirs(models)
hot = os.path.join(models, "hot")
os.makedirs(hot)
copytree(os.path.join(FX, "saved_model_half_plus_two_2_versions", "00000123"),
         os.path.join(hot, "123"))


def model_entry(name, path, extra=""):
    return ('  config { name: "%s" base_path: "%s" model_platform: "tensorflow" %s }\n'
            % (name, path, extra))


def write_config(path, entries):
    with open(path, "w") as f:
        f.write("model_config_list {\n" + "".join(entries) + "}\n")


BASE_MODELS = [
    model_entry("default", os.path.join(FX, "saved_model_half_plus_two_cpu")),
    model_entry("half_plus_three", os.path.join(FX, "saved_model_half_plus_three")),
    model_entry("two", os.path.join(FX, "saved_model_half_plus_two_2_versions"),
                "model_version_policy { all {} } "
                "version_labels { key: 'stable' value: 123 } "
                "version_labels { key: 'canary' value: 124 }"),
    model_entry("counter", os.path.join(FX, "saved_model_counter")),
    model_entry("tf2", os.path.join(FX, "saved_model_half_plus_two_tf2_cpu")),
    model_entry("matrix", os.path.join(FX, "matrix_half_plus_two")),
    model_entry("hot", hot),
]
cfg = os.path.join(TMP, "models.config")
write_config(cfg, BASE_MODELS)
mon = os.path.join(TMP, "monitoring.config")
with open(mon, "w") as f:
    f.write('prometheus_config { enable: true path: "/metrics" }\n')

d = Daemon(["--model_config_file=" + cfg, "--monitoring_config_file=" + mon,
            "--max_request_bytes=4M", "--enable_grpc_healthcheck_service"], "main")

# ------------------------------------------------------------ health
hs = health_grpc.HealthStub(d.channel)
SERVING = health_pb.HealthCheckResponse.SERVING
check("Health/Check '' and both services -> SERVING",
      all(hs.Check(health_pb.HealthCheckRequest(service=s), timeout=10).status == SERVING
          for s in ("", "tensorflow.serving.PredictionService",
                    "tensorflow.serving.ModelService")))
expect_error("Health/Check unknown service -> NOT_FOUND",
             lambda: hs.Check(health_pb.HealthCheckRequest(service="x.Y"), timeout=10),
             C.NOT_FOUND, "unknown service x.Y")

# ------------------------------------------------------------ Predict
r = d.ps.Predict(predict_req("default", {"x": [2.0]}, output_filter=["y"]), timeout=10)
check("Predict half_plus_two x=[2] filter [y] -> [3]",
      list(r.outputs.keys()) == ["y"] and values(r.outputs["y"]).tolist() == [3.0], str(r))
check("Predict returns typed float_val (AsProtoField)",
      list(r.outputs["y"].float_val) == [3.0] and not r.outputs["y"].tensor_content, str(r))
check("Predict echoes model_spec name/version/signature",
      r.model_spec.name == "default" and r.model_spec.version.value == 123
      and r.model_spec.signature_name == "serving_default", str(r.model_spec))
r = d.ps.Predict(predict_req("default", {"x": [2.0, 3.0, 4.0]}), timeout=10)
check("Predict without output_filter -> all outputs",
      values(r.outputs["y"]).tolist() == [3.0, 3.5, 4.0], str(r))

req = spec(pr_pb.PredictRequest(), "default")
float_tensor(req.inputs["x"], [[1.0], [2.0]], content=True)
r = d.ps.Predict(req, timeout=10)
check("Predict accepts tensor_content input",
      values(r.outputs["y"]).tolist() == [[2.5], [3.0]], str(r))

req = spec(pr_pb.PredictRequest(), "two")
req.inputs["x"].dtype = types_pb2.DT_FLOAT
req.inputs["x"].float_val.append(2.0)
r = d.ps.Predict(req, timeout=10)
check("Predict scalar x (no shape) -> scalar y, latest version 124",
      values(r.outputs["y"]).shape == () and float(values(r.outputs["y"])) == 3.0
      and r.model_spec.version.value == 124, str(r))

r = d.ps.Predict(predict_req("two", {"x": [[1.0, 2.0], [3.0, 4.0]]}, version=123), timeout=10)
check("Predict pinned version 123, [2,2] feed",
      values(r.outputs["y"]).tolist() == [[2.5, 3.0], [3.5, 4.0]]
      and r.model_spec.version.value == 123, str(r))
r = d.ps.Predict(predict_req("two", {"x": [3.0, 4.0]}, label="stable",
                             signature="serving_default"), timeout=10)
check("Predict by version label 'stable' -> 123",
      values(r.outputs["y"]).tolist() == [3.5, 4.0] and r.model_spec.version.value == 123, str(r))
r = d.ps.Predict(predict_req("two", {"x": [3.0]}, label="canary"), timeout=10)
check("Predict by version label 'canary' -> 124", r.model_spec.version.value == 124, str(r))
r = d.ps.Predict(predict_req("two", {"inputs": [2.0]}, signature="regress_x2_to_y3"),
                 timeout=10)
check("Predict regress_x2_to_y3 inputs=2 -> outputs 4",
      values(r.outputs["outputs"]).tolist() == [4.0], str(r))
r = d.ps.Predict(predict_req("two", {"inputs": [2.0]}, signature="classify_x2_to_y3"),
                 timeout=10)
check("Predict classify_x2_to_y3 inputs=2 -> scores 4",
      values(r.outputs["scores"]).tolist() == [4.0], str(r))
r = d.ps.Predict(predict_req("half_plus_three", {"x": [2.0]}), timeout=10)
check("Predict half_plus_three x=2 -> 4", values(r.outputs["y"]).tolist() == [4.0], str(r))
m = [[[1, 2, 3], [4, 5, 6], [7, 8, 9]]]
r = d.ps.Predict(predict_req("matrix", {"x": m}), timeout=10)
check("Predict matrix_half_plus_two 1x3x3",
      values(r.outputs["y"]).tolist() == [[[2.5, 3, 3.5], [4, 4.5, 5], [5.5, 6, 6.5]]], str(r))
r = d.ps.Predict(predict_req("tf2", {"x": [2.0]}), timeout=10)
check("Predict tf2 serving_default x=[2] -> [3]", values(r.outputs["y"]).tolist() == [3.0],
      str(r))

seq = []
for sig, inp, filt in [("get_counter", {}, []), ("incr_counter", {}, []),
                       ("reset_counter", {}, []), ("incr_counter", {}, ["output"]),
                       ("incr_counter_by", {"delta": 3.0}, [])]:
    req = spec(pr_pb.PredictRequest(), "counter", signature=sig)
    for k, v in inp.items():
        req.inputs[k].dtype = types_pb2.DT_FLOAT
        req.inputs[k].float_val.append(v)
    req.output_filter.extend(filt)
    out = d.ps.Predict(req, timeout=10).outputs["output"]
    seq.append((float(values(out)), out.dtype))
check("Predict counter get/incr/reset/incr/incr_by 3 -> 0,1,0,1,4 (DT_FLOAT)",
      [v for v, _ in seq] == [0, 1, 0, 1, 4] and all(t == types_pb2.DT_FLOAT for _, t in seq),
      str(seq))

# ------------------------------------------------------------ Predict errors
P = d.ps.Predict
expect_error("Predict unknown model -> NOT_FOUND",
             lambda: P(predict_req("nope", {"x": [1.0]}), timeout=10), C.NOT_FOUND,
             "Servable not found for request: Latest(nope)")
expect_error("Predict unknown version -> NOT_FOUND",
             lambda: P(predict_req("default", {"x": [1.0]}, version=999), timeout=10),
             C.NOT_FOUND, "Specific(default, 999)")
expect_error("Predict unknown label -> INVALID_ARGUMENT",
             lambda: P(predict_req("two", {"x": [1.0]}, label="nolabel"), timeout=10),
             C.INVALID_ARGUMENT, "Unrecognized servable version label: nolabel")
expect_error("Predict without model_spec -> INVALID_ARGUMENT",
             lambda: P(pr_pb.PredictRequest(), timeout=10), C.INVALID_ARGUMENT,
             "Missing ModelSpec")
expect_error("Predict with empty model name -> INVALID_ARGUMENT",
             lambda: P(predict_req("", {"x": [1.0]}), timeout=10), C.INVALID_ARGUMENT,
             "ModelSpec has no name specified")
expect_error("Predict unknown signature -> FAILED_PRECONDITION",
             lambda: P(predict_req("default", {"x": [1.0]}, signature="nosig"), timeout=10),
             C.FAILED_PRECONDITION, 'Serving signature key "nosig" not found')
expect_error("Predict extra inputs -> INVALID_ARGUMENT",
             lambda: P(predict_req("default", {"x": [1.0], "unknown_key1": [1.0],
                                               "unknown_key2": [1.0]}), timeout=10),
             C.INVALID_ARGUMENT, "Sent extra: {unknown_key1,unknown_key2}")
expect_error("Predict no inputs -> INVALID_ARGUMENT",
             lambda: P(predict_req("default", {}), timeout=10), C.INVALID_ARGUMENT,
             "Missing but required: {x}")
req = spec(pr_pb.PredictRequest(), "default")
req.inputs["x"].dtype = types_pb2.DT_BOOL
req.inputs["x"].bool_val.append(True)
expect_error("Predict bool input -> INVALID_ARGUMENT",
             lambda: P(req, timeout=10), C.INVALID_ARGUMENT,
             "Expects arg[0] to be float but bool is provided")
req2 = spec(pr_pb.PredictRequest(), "default")
req2.inputs["x"].dtype = types_pb2.DT_STRING
req2.inputs["x"].string_val.append(b"a")
expect_error("Predict string input -> INVALID_ARGUMENT",
             lambda: P(req2, timeout=10), C.INVALID_ARGUMENT, "but string is provided")
expect_error("Predict unknown output_filter -> INVALID_ARGUMENT",
             lambda: P(predict_req("default", {"x": [1.0]}, output_filter=["nope"]), timeout=10),
             C.INVALID_ARGUMENT, "output tensor alias not found in signature: nope")
expect_error("Predict duplicate output_filter -> INVALID_ARGUMENT",
             lambda: P(predict_req("default", {"x": [1.0]}, output_filter=["y", "y"]),
                       timeout=10),
             C.INVALID_ARGUMENT, "duplicate output tensor alias: y")
req3 = spec(pr_pb.PredictRequest(), "default")
req3.inputs["x"].dtype = types_pb2.DT_FLOAT
req3.inputs["x"].tensor_shape.dim.add().size = 3
req3.inputs["x"].tensor_content = b"\0" * 5
expect_error("Predict tensor_content of the wrong length -> INVALID_ARGUMENT",
             lambda: P(req3, timeout=10), C.INVALID_ARGUMENT, "input 'x': tensor_content has 5")
req4 = spec(pr_pb.PredictRequest(), "default")
req4.inputs["x"].float_val.append(1.0)
expect_error("Predict TensorProto without dtype -> INVALID_ARGUMENT",
             lambda: P(req4, timeout=10), C.INVALID_ARGUMENT, "input 'x': TensorProto has no dtype")
req5 = spec(pr_pb.PredictRequest(), "default")
req5.inputs["x"].dtype = types_pb2.DT_FLOAT
req5.inputs["x"].tensor_shape.dim.add().size = 1 << 36
expect_error("Predict tiny message asking for a huge tensor -> RESOURCE_EXHAUSTED",
             lambda: P(req5, timeout=10), C.RESOURCE_EXHAUSTED, "--per_request_memory_limit")
req6 = spec(pr_pb.PredictRequest(), "default")
req6.inputs["x"].dtype = types_pb2.DT_FLOAT
req6.inputs["x"].tensor_shape.dim.add().size = -4
expect_error("Predict negative dimension -> INVALID_ARGUMENT",
             lambda: P(req6, timeout=10), C.INVALID_ARGUMENT, "negative dimension")
big = predict_req("default", {}, )
float_tensor(big.inputs["x"], np.zeros((5 << 20) // 4 + 1, np.float32), content=True)
expect_error("Predict 5 MiB message over --max_request_bytes=4M -> RESOURCE_EXHAUSTED",
             lambda: P(big, timeout=20), C.RESOURCE_EXHAUSTED, "")
r = d.ps.Predict(predict_req("default", {"x": [2.0]}), timeout=10)
check("server still serves after the oversize message", values(r.outputs["y"]).tolist() == [3.0])
expect_error("garbage request bytes -> INVALID_ARGUMENT",
             lambda: raw_call(d.channel, "/tensorflow.serving.PredictionService/Predict",
                              b"\xff\xff\xff\xff"),
             C.INVALID_ARGUMENT, "cannot parse the request as a tensorflow.serving.PredictRequest")
expect_error("unknown method -> UNIMPLEMENTED",
             lambda: raw_call(d.channel, "/tensorflow.serving.PredictionService/Nope", b""),
             C.UNIMPLEMENTED, "PredictionService/Nope")

# ------------------------------------------------------------ Classify / Regress
c = d.ps.Classify(examples_req(cls_pb.ClassificationRequest(), "default", "classify_x_to_y",
                               [example(x=2.0)]), timeout=10)
cl = c.result.classifications
check("Classify classify_x_to_y x=2 -> one class, label '', score 3",
      len(cl) == 1 and len(cl[0].classes) == 1 and cl[0].classes[0].label == ""
      and cl[0].classes[0].score == 3.0, str(c))
check("Classify echoes model_spec", c.model_spec.name == "default"
      and c.model_spec.version.value == 123 and c.model_spec.signature_name == "classify_x_to_y",
      str(c.model_spec))
c = d.ps.Classify(examples_req(cls_pb.ClassificationRequest(), "two", "classify_x_to_y",
                               [example(x=80.0, locale=b"pt_BR", age=19.0), example(x=20.0),
                                example(x=10.0)]), timeout=10)
check("Classify with unrelated features, 3 examples -> 42, 12, 7",
      [k.classes[0].score for k in c.result.classifications] == [42.0, 12.0, 7.0], str(c))
c = d.ps.Classify(examples_req(cls_pb.ClassificationRequest(), "default", "classify_x_to_y",
                               [example(age=1.0), example(x=4.0)], context=example(x=2.0)),
                  timeout=10)
check("Classify ExampleListWithContext: context fills x, example overrides it -> 3, 4",
      [k.classes[0].score for k in c.result.classifications] == [3.0, 4.0], str(c))
g = d.ps.Regress(examples_req(rg_pb.RegressionRequest(), "default", "regress_x_to_y",
                              [example(x=2.0)]), timeout=10)
check("Regress regress_x_to_y x=2 -> 3",
      [v.value for v in g.result.regressions] == [3.0]
      and g.model_spec.signature_name == "regress_x_to_y", str(g))
g = d.ps.Regress(examples_req(rg_pb.RegressionRequest(), "default", "regress_x_to_y2",
                              [example(x=2.0)]), timeout=10)
check("Regress regress_x_to_y2 x=2 -> 4", [v.value for v in g.result.regressions] == [4.0], str(g))
g = d.ps.Regress(examples_req(rg_pb.RegressionRequest(), "two", "regress_x_to_y",
                              [example(x=80.0, locale=b"pt_BR", age=19.0)]), timeout=10)
check("Regress two x=80 -> 42", [v.value for v in g.result.regressions] == [42.0], str(g))
c = d.ps.Classify(examples_req(cls_pb.ClassificationRequest(), "tf2", "classify_x_to_y",
                               [example(x=2.0)]), timeout=10)
check("Classify tf2 (predict-method signatures) -> 3",
      c.result.classifications[0].classes[0].score == 3.0, str(c))
g = d.ps.Regress(examples_req(rg_pb.RegressionRequest(), "tf2", "regress_x_to_y",
                              [example(x=2.0)]), timeout=10)
check("Regress tf2 -> 3", [v.value for v in g.result.regressions] == [3.0], str(g))

R, K = d.ps.Regress, d.ps.Classify
expect_error("Regress unknown signature -> INVALID_ARGUMENT",
             lambda: R(examples_req(rg_pb.RegressionRequest(), "default", "nosig",
                                    [example(x=2.0)]), timeout=10),
             C.INVALID_ARGUMENT, "No signature was found with the name: nosig")
expect_error("Regress with no examples -> INVALID_ARGUMENT",
             lambda: R(examples_req(rg_pb.RegressionRequest(), "default", "regress_x_to_y", []),
                       timeout=10),
             C.INVALID_ARGUMENT, "Input is empty")
expect_error("Regress on a signature without 'outputs' -> INVALID_ARGUMENT",
             lambda: R(examples_req(rg_pb.RegressionRequest(), "default", "classify_x_to_y",
                                    [example(x=2.0)]), timeout=10),
             C.INVALID_ARGUMENT, "outputs")
expect_error("Classify on a predict signature -> INVALID_ARGUMENT",
             lambda: K(examples_req(cls_pb.ClassificationRequest(), "default", "serving_default",
                                    [example(x=2.0)]), timeout=10),
             C.INVALID_ARGUMENT, "classes, scores")
expect_error("Classify without model_spec -> INVALID_ARGUMENT",
             lambda: K(cls_pb.ClassificationRequest(), timeout=10), C.INVALID_ARGUMENT,
             "Missing ModelSpec")
expect_error("Classify unknown model -> NOT_FOUND",
             lambda: K(examples_req(cls_pb.ClassificationRequest(), "nope", "classify_x_to_y",
                                    [example(x=2.0)]), timeout=10), C.NOT_FOUND, "nope")
expect_error("Regress example missing the required feature -> INVALID_ARGUMENT",
             lambda: R(examples_req(rg_pb.RegressionRequest(), "default", "regress_x_to_y",
                                    [example(age=2.0)]), timeout=10), C.INVALID_ARGUMENT, "x")
bad_ex = rg_pb.RegressionRequest()
spec(bad_ex, "default", signature="regress_x_to_y")
bad_bytes = bad_ex.SerializeToString() + b"\x12\x05\x0a\x03\x0a\x01\xff"  # input with bad example
expect_error("Regress with a malformed serialized Example -> INVALID_ARGUMENT",
             lambda: raw_call(d.channel, "/tensorflow.serving.PredictionService/Regress",
                              bad_bytes), C.INVALID_ARGUMENT, "")

# ------------------------------------------------------------ MultiInference
def multi(name, tasks, exs, **kw):
    m = inf_pb.MultiInferenceRequest()
    for sig, method in tasks:
        t = m.tasks.add()
        t.model_spec.name = kw.get("names", {}).get(sig, name)
        t.model_spec.signature_name = sig
        t.method_name = method
    m.input.example_list.examples.extend(exs)
    return m


CM, RM = "tensorflow/serving/classify", "tensorflow/serving/regress"
for name in ("default", "tf2"):
    mi = d.ps.MultiInference(multi(name, [("regress_x_to_y", RM), ("classify_x_to_y", CM)],
                                   [example(x=2.0)]), timeout=10)
    res = mi.results
    check("MultiInference %s regress+classify -> 3 / 3" % name,
          len(res) == 2 and res[0].regression_result.regressions[0].value == 3.0
          and res[1].classification_result.classifications[0].classes[0].score == 3.0
          and res[0].model_spec.name == name and res[1].model_spec.signature_name
          == "classify_x_to_y" and res[0].model_spec.version.value == 123, str(mi))
MI = d.ps.MultiInference
expect_error("MultiInference without tasks -> INVALID_ARGUMENT",
             lambda: MI(inf_pb.MultiInferenceRequest(), timeout=10), C.INVALID_ARGUMENT,
             "no tasks")
expect_error("MultiInference across two models -> INVALID_ARGUMENT",
             lambda: MI(multi("default", [("regress_x_to_y", RM), ("classify_x_to_y", CM)],
                              [example(x=2.0)], names={"classify_x_to_y": "two"}), timeout=10),
             C.INVALID_ARGUMENT, "must access the same model name")
expect_error("MultiInference duplicate signature -> INVALID_ARGUMENT",
             lambda: MI(multi("default", [("regress_x_to_y", RM), ("regress_x_to_y", RM)],
                              [example(x=2.0)]), timeout=10),
             C.INVALID_ARGUMENT, "Duplicate evaluation of signature: regress_x_to_y")
expect_error("MultiInference unsupported method -> UNIMPLEMENTED",
             lambda: MI(multi("default", [("regress_x_to_y", "tensorflow/serving/predict")],
                              [example(x=2.0)]), timeout=10),
             C.UNIMPLEMENTED, "Unsupported signature method_name: tensorflow/serving/predict")
expect_error("MultiInference unknown signature -> INVALID_ARGUMENT",
             lambda: MI(multi("default", [("nosig", RM)], [example(x=2.0)]), timeout=10),
             C.INVALID_ARGUMENT, "Requested signature not found in model graph: nosig")

# ------------------------------------------------------------ GetModelMetadata
def metadata(name, fields=("signature_def",), **kw):
    return spec(md_pb.GetModelMetadataRequest(metadata_field=list(fields)), name, **kw)


mr = d.ps.GetModelMetadata(metadata("default"), timeout=10)
sdm = md_pb.SignatureDefMap()
any_ok = (list(mr.metadata.keys()) == ["signature_def"]
          and mr.metadata["signature_def"].type_url
          == "type.googleapis.com/tensorflow.serving.SignatureDefMap"
          and mr.metadata["signature_def"].Unpack(sdm))
check("GetModelMetadata -> one Any holding a SignatureDefMap", any_ok, str(mr)[:300])
want = json.load(open(os.path.join(FX, "half_plus_two_model_metadata.json")))
want_sigs = want["metadata"]["signature_def"]["signature_def"]
got_ok = set(sdm.signature_def.keys()) == set(want_sigs.keys())
for k, v in want_sigs.items():
    if not got_ok:
        break
    s = sdm.signature_def[k]
    got_ok = (s.method_name == v["method_name"]
              and set(s.inputs.keys()) == set(v["inputs"].keys())
              and set(s.outputs.keys()) == set(v["outputs"].keys())
              and all(s.inputs[a].name == v["inputs"][a]["name"]
                      and types_pb2.DataType.Name(s.inputs[a].dtype) == v["inputs"][a]["dtype"]
                      for a in v["inputs"]))
check("GetModelMetadata signature defs match TF Serving's metadata JSON", got_ok,
      str(sorted(sdm.signature_def.keys())))
check("GetModelMetadata model_spec is name + version only",
      mr.model_spec.name == "default" and mr.model_spec.version.value == 123
      and mr.model_spec.signature_name == "", str(mr.model_spec))
mr = d.ps.GetModelMetadata(metadata("two", version=123), timeout=10)
sdm = md_pb.SignatureDefMap()
mr.metadata["signature_def"].Unpack(sdm)
check("GetModelMetadata two v123 -> 6 signatures", len(sdm.signature_def) == 6
      and mr.model_spec.version.value == 123, str(sorted(sdm.signature_def.keys())))
G = d.ps.GetModelMetadata
expect_error("GetModelMetadata without metadata_field -> INVALID_ARGUMENT",
             lambda: G(metadata("default", fields=()), timeout=10), C.INVALID_ARGUMENT,
             "must specify at least one metadata_field")
expect_error("GetModelMetadata unsupported field -> INVALID_ARGUMENT",
             lambda: G(metadata("default", fields=("signature_def", "foo")), timeout=10),
             C.INVALID_ARGUMENT, "Metadata field foo is not supported")
expect_error("GetModelMetadata without model_spec -> INVALID_ARGUMENT",
             lambda: G(md_pb.GetModelMetadataRequest(metadata_field=["signature_def"]),
                       timeout=10), C.INVALID_ARGUMENT, "Missing ModelSpec")
expect_error("GetModelMetadata unknown model -> NOT_FOUND",
             lambda: G(metadata("nope"), timeout=10), C.NOT_FOUND, "nope")

# ------------------------------------------------------------ GetModelStatus
def status(name, **kw):
    return d.ms.GetModelStatus(spec(st_pb.GetModelStatusRequest(), name, **kw), timeout=10)


s = status("default")
v = s.model_version_status
check("GetModelStatus default -> one version 123 AVAILABLE, error_code OK",
      len(v) == 1 and v[0].version == 123 and v[0].state == st_pb.ModelVersionStatus.AVAILABLE
      and v[0].status.error_code == 0 and v[0].status.error_message == "", str(s))
s = status("two")
check("GetModelStatus two (policy all) -> 124 and 123",
      sorted(x.version for x in s.model_version_status) == [123, 124], str(s))
s = status("two", version=123)
check("GetModelStatus two v123 -> just 123",
      [x.version for x in s.model_version_status] == [123], str(s))
S = d.ms.GetModelStatus
expect_error("GetModelStatus unknown model -> NOT_FOUND",
             lambda: status("nope"), C.NOT_FOUND, "Could not find any versions of model nope")
expect_error("GetModelStatus unknown version -> NOT_FOUND",
             lambda: status("default", version=7), C.NOT_FOUND,
             "Could not find version 7 of model default")
expect_error("GetModelStatus without model_spec -> INVALID_ARGUMENT",
             lambda: S(st_pb.GetModelStatusRequest(), timeout=10), C.INVALID_ARGUMENT,
             "Missing ModelSpec")


# ------------------------------------------------------------ metrics (same registry as REST)
code, body = d.rest("/metrics")
check("Prometheus page counts gRPC calls (entrypoint GRPC)",
      code == 200 and 'entrypoint="GRPC"' in body and 'API="predict"' in body, body[:200])
check("Prometheus page has gRPC request latency for model 'default'",
      code == 200 and any('model_name="default"' in l and 'entrypoint="GRPC"' in l
                          for l in body.splitlines()), "")


# ------------------------------------------------------------ ReloadConfig
def reload_req(entries):
    text = "model_config_list {\n" + "".join(entries) + "}\n"
    from google.protobuf import text_format
    r = mm_pb.ReloadConfigRequest()
    text_format.Parse(text, r.config)
    return r


RL = d.ms.HandleReloadConfigRequest
extra = model_entry("three_again", os.path.join(FX, "saved_model_half_plus_three"))
rr = RL(reload_req(BASE_MODELS + [extra]), timeout=60)
check("HandleReloadConfigRequest adding a model -> status OK",
      rr.status.error_code == 0, str(rr))
r = d.ps.Predict(predict_req("three_again", {"x": [2.0]}), timeout=10)
check("model added by ReloadConfig serves at once",
      values(r.outputs["y"]).tolist() == [4.0], str(r))
code, body = d.rest("/v1/models/three_again")
check("REST sees the model added over gRPC (same manager)",
      code == 200 and '"AVAILABLE"' in body, body)
expect_error("HandleReloadConfigRequest without a ModelConfigList -> INVALID_ARGUMENT",
             lambda: RL(mm_pb.ReloadConfigRequest(), timeout=10), C.INVALID_ARGUMENT,
             "Only ModelConfigList is currently supported")
expect_error("HandleReloadConfigRequest duplicate names -> INVALID_ARGUMENT",
             lambda: RL(reload_req(BASE_MODELS + [extra, extra]), timeout=10),
             C.INVALID_ARGUMENT, "appears twice")
missing = model_entry("ghost", os.path.join(TMP, "no_such_dir"))
expect_error("HandleReloadConfigRequest with a model that cannot load -> UNKNOWN",
             lambda: RL(reload_req(BASE_MODELS + [missing]), timeout=60),
             C.UNKNOWN, "Some models did not become available: {ghost")
rr = RL(reload_req(BASE_MODELS), timeout=60)
check("HandleReloadConfigRequest back to the base config -> OK", rr.status.error_code == 0)
expect_error("model removed by ReloadConfig -> NOT_FOUND",
             lambda: P(predict_req("three_again", {"x": [2.0]}), timeout=10), C.NOT_FOUND, "")

# ------------------------------------------------------------ hot reload under load
stop = threading.Event()
counts = {"ok": 0, "fail": 0, "versions": set(), "errors": []}
lock = threading.Lock()


def hammer(kind):
    ch = grpc.insecure_channel("127.0.0.1:%d" % d.grpc_port)
    ps = ps_grpc.PredictionServiceStub(ch)
    ms = ms_grpc.ModelServiceStub(ch)
    n = 0
    while not stop.is_set():
        try:
            if kind == 0:
                r = ps.Predict(predict_req("hot", {"x": [2.0, 4.0]}), timeout=10)
                good = values(r.outputs["y"]).tolist() == [3.0, 4.0]
                ver = r.model_spec.version.value
            elif kind == 1:
                r = ps.Regress(examples_req(rg_pb.RegressionRequest(), "hot", "regress_x_to_y",
                                            [example(x=2.0)]), timeout=10)
                good = r.result.regressions[0].value == 3.0
                ver = r.model_spec.version.value
            elif kind == 2:
                r = ps.GetModelMetadata(metadata("hot"), timeout=10)
                good = "signature_def" in r.metadata
                ver = r.model_spec.version.value
            else:
                r = ms.GetModelStatus(spec(st_pb.GetModelStatusRequest(), "hot"), timeout=10)
                good = any(x.state == st_pb.ModelVersionStatus.AVAILABLE
                           for x in r.model_version_status)
                ver = None
            with lock:
                counts["ok" if good else "fail"] += 1
                if ver is not None:
                    counts["versions"].add(ver)
                if not good:
                    counts["errors"].append("wrong answer %s" % r)
        except grpc.RpcError as e:
            with lock:
                counts["fail"] += 1
                counts["errors"].append("%s %s" % (e.code(), e.details()))
        n += 1
    ch.close()


threads = [threading.Thread(target=hammer, args=(i % 4,)) for i in range(8)]
for t in threads:
    t.start()
time.sleep(args.reload_seconds / 4)
# A new version appears (copied aside, then renamed in, as a deploy would).
copytree(os.path.join(FX, "saved_model_half_plus_two_2_versions", "00000124"),
         os.path.join(hot, ".124.tmp"))
os.rename(os.path.join(hot, ".124.tmp"), os.path.join(hot, "124"))
deadline = time.time() + 20
while time.time() < deadline:
    if [x.version for x in status("hot").model_version_status
            if x.state == st_pb.ModelVersionStatus.AVAILABLE] == [124]:
        break
    time.sleep(0.05)
time.sleep(args.reload_seconds / 4)
# A config reload in the middle of the traffic (same models).
RL(reload_req(BASE_MODELS), timeout=60)
time.sleep(args.reload_seconds / 4)
# And one more: 124 retires while clients keep calling.
copytree(os.path.join(FX, "saved_model_half_plus_two_2_versions", "00000123"),
         os.path.join(hot, ".125.tmp"))
os.rename(os.path.join(hot, ".125.tmp"), os.path.join(hot, "125"))
deadline = time.time() + 20
while time.time() < deadline:
    if 125 in [x.version for x in status("hot").model_version_status
               if x.state == st_pb.ModelVersionStatus.AVAILABLE]:
        break
    time.sleep(0.05)
time.sleep(args.reload_seconds / 4)
stop.set()
for t in threads:
    t.join()
check("hot reload under 8 concurrent gRPC clients: %d calls, zero failures, versions %s"
      % (counts["ok"], sorted(counts["versions"])),
      counts["fail"] == 0 and counts["ok"] > 100 and {123, 124, 125} <= counts["versions"],
      "%d failures: %s" % (counts["fail"], counts["errors"][:5]))

# ------------------------------------------------------------ graceful shutdown
# Calls in flight when SIGTERM arrives complete; the daemon exits 0.
inflight = {"ok": 0, "fail": 0, "errors": []}
heavy = predict_req("matrix", {})
float_tensor(heavy.inputs["x"], np.ones((20000, 3, 3), np.float32), content=True)
futures = [d.ps.Predict.future(heavy, timeout=30) for _ in range(24)]
time.sleep(0.05)
d.proc.send_signal(signal.SIGTERM)
for f in futures:
    try:
        r = f.result()
        inflight["ok"] += values(r.outputs["y"]).shape == (20000, 3, 3)
    except grpc.RpcError as e:
        # Calls that had not reached the server when it stopped accepting.
        inflight["fail"] += 1
        inflight["errors"].append(str(e.code()))
rc = d.proc.wait(timeout=30)
check("SIGTERM with %d calls in flight: %d completed, the rest refused UNAVAILABLE, exit 0"
      % (len(futures), inflight["ok"]),
      rc == 0 and inflight["ok"] >= 1
      and all(e == str(C.UNAVAILABLE) for e in inflight["errors"]),
      "rc %s, %s" % (rc, inflight))
d.stop()

# ------------------------------------------------------------ UNIX socket, start-up errors
sock = os.path.join(TMP, "modeld.sock")
p = subprocess.Popen([args.modeld, "--port=0", "--rest_api_port=0",
                      "--grpc_socket_path=" + sock, "--model_name=default",
                      "--enable_serialization_as_tensor_content",
                      "--model_base_path=" + os.path.join(FX, "saved_model_half_plus_two_cpu")],
                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
try:
    ch = grpc.insecure_channel("unix:" + sock)
    grpc.channel_ready_future(ch).result(timeout=20)
    r = ps_grpc.PredictionServiceStub(ch).Predict(predict_req("default", {"x": [2.0]}),
                                                  timeout=10)
    check("--grpc_socket_path serves Predict on a UNIX socket",
          values(r.outputs["y"]).tolist() == [3.0], str(r))
    check("--enable_serialization_as_tensor_content: outputs in tensor_content",
          len(r.outputs["y"].tensor_content) == 4 and not r.outputs["y"].float_val, str(r))
    try:
        health_grpc.HealthStub(ch).Check(health_pb.HealthCheckRequest(), timeout=10)
        bad("health service off by default", "Check succeeded")
    except grpc.RpcError as e:
        check("health service off by default -> UNIMPLEMENTED", e.code() == C.UNIMPLEMENTED,
              str(e.code()))
    ch.close()
except Exception as e:  # noqa: BLE001
    bad("--grpc_socket_path serves Predict on a UNIX socket", repr(e))
finally:
    p.send_signal(signal.SIGTERM)
    p.wait(timeout=30)

busy = socket.socket()
busy.bind(("127.0.0.1", 0))
busy.listen(1)
out = subprocess.run([args.modeld, "--port=%d" % busy.getsockname()[1], "--rest_api_port=0",
                      "--rest_api_bind=127.0.0.1", "--model_name=default",
                      "--model_base_path=" + os.path.join(FX, "saved_model_half_plus_two_cpu")],
                     capture_output=True, text=True, timeout=60)
busy.close()
check("gRPC port in use -> start-up fails with a message naming it",
      out.returncode != 0 and "cannot listen for gRPC on 127.0.0.1:" in out.stderr,
      "rc %d: %s" % (out.returncode, out.stderr[-300:]))
out = subprocess.run([args.modeld, "--port=0", "--rest_api_port=0",
                      "--grpc_socket_path=" + sock, "--grpc_channel_arguments=nonsense",
                      "--model_name=default",
                      "--model_base_path=" + os.path.join(FX, "saved_model_half_plus_two_cpu")],
                     capture_output=True, text=True, timeout=60)
check("bad --grpc_channel_arguments -> start-up fails naming the flag",
      out.returncode != 0 and "--grpc_channel_arguments: 'nonsense' is not key=value"
      in out.stderr, "rc %d: %s" % (out.returncode, out.stderr[-300:]))

print("%d failed" % len(FAILS) if FAILS else "all passed")
sys.exit(1 if FAILS else 0)

#!/usr/bin/python3
"""End-to-end test of modeld's inference.GRPCInferenceService (KServe v2).

Run by tests/server/v2/test_v2_grpc.sh, which generates stubs from modeld's
own proto/ files into a temp dir. Usage:

    test_v2_grpc.py --modeld server/modeld --stubs DIR --fixtures DIR --tmp DIR

Health and metadata, ModelInfer with typed contents and with
raw_input_contents (same numbers), the outputs filter, signature_name,
errors with their status codes, grpc.health.v1 for the v2 service, and
readiness after SIGTERM during --shutdown_grace_seconds. One line per
check; exit 1 if any failed.
"""
import argparse
import os
import signal
import socket
import subprocess
import sys
import time

ap = argparse.ArgumentParser()
ap.add_argument("--modeld", required=True)
ap.add_argument("--stubs", required=True)
ap.add_argument("--fixtures", required=True)
ap.add_argument("--tmp", required=True)
args = ap.parse_args()
sys.path.insert(0, args.stubs)

import grpc  # noqa: E402
import numpy as np  # noqa: E402

import grpc_predict_v2_pb2 as pb  # noqa: E402
import grpc_predict_v2_pb2_grpc as pb_grpc  # noqa: E402
import serving_health_pb2 as health_pb  # noqa: E402
import serving_health_service_pb2_grpc as health_grpc  # noqa: E402

FX = args.fixtures
FAILS = []
C = grpc.StatusCode


def check(name, cond, why=""):
    print(("ok   " if cond else "FAIL ") + name + ("" if cond else ": " + str(why)), flush=True)
    if not cond:
        FAILS.append(name)
    return cond


def expect_error(name, fn, code, substr):
    try:
        fn()
    except grpc.RpcError as e:
        check(name, e.code() == code and substr in (e.details() or ""),
              "%s %r" % (e.code(), e.details()))
        return
    check(name, False, "no error")


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


def start(extra, name):
    port, rest = free_port(), free_port()
    log = open(os.path.join(args.tmp, name + ".log"), "w")
    p = subprocess.Popen([args.modeld, "--port=%d" % port, "--rest_api_port=%d" % rest,
                          "--rest_api_bind=127.0.0.1", "--enable_grpc_healthcheck_service"]
                         + extra, stdout=log, stderr=subprocess.STDOUT)
    ch = grpc.insecure_channel("127.0.0.1:%d" % port)
    stub = pb_grpc.GRPCInferenceServiceStub(ch)
    for _ in range(200):
        try:
            if stub.ServerReady(pb.ServerReadyRequest(), timeout=1).ready:
                break
        except grpc.RpcError:
            pass
        time.sleep(0.05)
    return p, ch, stub


cfg = os.path.join(args.tmp, "models.config")
with open(cfg, "w") as f:
    f.write('model_config_list {\n'
            ' config { name: "half" base_path: "%s/saved_model_half_plus_two_cpu" '
            'model_platform: "tensorflow" }\n'
            ' config { name: "mnist" base_path: "%s/keras_mnist_cnn" model_platform: "tensorflow" }\n'
            '}\n' % (FX, FX))
proc, ch, stub = start(["--model_config_file=" + cfg], "main")
try:
    check("ServerLive", stub.ServerLive(pb.ServerLiveRequest()).live)
    check("ServerReady", stub.ServerReady(pb.ServerReadyRequest()).ready)
    check("ModelReady", stub.ModelReady(pb.ModelReadyRequest(name="half")).ready)
    check("ModelReady version", stub.ModelReady(pb.ModelReadyRequest(name="half",
                                                                     version="123")).ready)
    check("ModelReady absent version",
          not stub.ModelReady(pb.ModelReadyRequest(name="half", version="9")).ready)
    expect_error("ModelReady unknown model",
                 lambda: stub.ModelReady(pb.ModelReadyRequest(name="nope")), C.NOT_FOUND,
                 "Servable not found for request: Latest(nope)")
    md = stub.ServerMetadata(pb.ServerMetadataRequest())
    check("ServerMetadata", md.name == "modeld" and "binary_tensor_data" in md.extensions, md)
    mm = stub.ModelMetadata(pb.ModelMetadataRequest(name="mnist"))
    check("ModelMetadata",
          mm.name == "mnist" and list(mm.versions) == ["1"] and
          mm.platform == "tensorflow_savedmodel" and mm.inputs[0].name == "conv2d_input" and
          mm.inputs[0].datatype == "FP32" and list(mm.inputs[0].shape) == [-1, 28, 28, 1] and
          list(mm.outputs[0].shape) == [-1, 10], mm)
    expect_error("ModelMetadata unknown", lambda: stub.ModelMetadata(
        pb.ModelMetadataRequest(name="nope")), C.NOT_FOUND, "Servable not found")
    expect_error("ModelMetadata bad version", lambda: stub.ModelMetadata(
        pb.ModelMetadataRequest(name="half", version="v1")), C.INVALID_ARGUMENT,
        "Failed to convert version: v1 to numeric.")

    # Typed contents.
    req = pb.ModelInferRequest(model_name="half", id="abc")
    t = req.inputs.add(name="x", datatype="FP32", shape=[3, 1])
    t.contents.fp32_contents.extend([1.0, 2.0, 5.0])
    r = stub.ModelInfer(req)
    check("ModelInfer typed",
          r.model_name == "half" and r.model_version == "123" and r.id == "abc" and
          r.outputs[0].name == "y" and r.outputs[0].datatype == "FP32" and
          list(r.outputs[0].shape) == [3, 1] and
          list(r.outputs[0].contents.fp32_contents) == [2.5, 3.0, 4.5] and
          len(r.raw_output_contents) == 0, r)
    # signature_name parameter and outputs filter.
    req = pb.ModelInferRequest(model_name="half", model_version="123")
    req.parameters["signature_name"].string_param = "regress_x2_to_y3"
    t = req.inputs.add(name="inputs", datatype="FP32", shape=[2, 1])
    t.contents.fp32_contents.extend([1.0, 2.0])
    req.outputs.add(name="outputs")
    r = stub.ModelInfer(req)
    check("ModelInfer signature_name",
          list(r.outputs[0].contents.fp32_contents) == [3.5, 4.0], r)

    # Raw contents on the MNIST CNN: same numbers as typed.
    rng = np.random.default_rng(7)
    img = rng.random((100, 28, 28, 1), dtype=np.float32)
    req = pb.ModelInferRequest(model_name="mnist")
    req.inputs.add(name="conv2d_input", datatype="FP32", shape=list(img.shape))
    req.raw_input_contents.append(img.tobytes())
    rr = stub.ModelInfer(req)
    raw = np.frombuffer(rr.raw_output_contents[0], dtype=np.float32).reshape(100, 10)
    req = pb.ModelInferRequest(model_name="mnist")
    t = req.inputs.add(name="conv2d_input", datatype="FP32", shape=list(img.shape))
    t.contents.fp32_contents.extend(img.ravel().tolist())
    rt = stub.ModelInfer(req)
    typed = np.array(rt.outputs[0].contents.fp32_contents, dtype=np.float32).reshape(100, 10)
    check("ModelInfer raw == typed", np.array_equal(raw, typed) and
          list(rr.outputs[0].shape) == [100, 10] and
          np.allclose(raw.sum(axis=1), 1.0, atol=1e-4), (raw[:1], typed[:1]))

    # Errors.
    def infer(**kw):
        req = pb.ModelInferRequest(model_name=kw.get("model", "half"),
                                   model_version=kw.get("version", ""))
        t = req.inputs.add(name=kw.get("name", "x"), datatype=kw.get("dt", "FP32"),
                           shape=kw.get("shape", [1, 1]))
        if "raw" in kw:
            req.raw_input_contents.append(kw["raw"])
        else:
            t.contents.fp32_contents.extend(kw.get("vals", [1.0]))
        for o in kw.get("outputs", []):
            req.outputs.add(name=o)
        return stub.ModelInfer(req)
    expect_error("infer unknown model", lambda: infer(model="nope"), C.NOT_FOUND,
                 "Servable not found for request: Latest(nope)")
    expect_error("infer unknown version", lambda: infer(version="7"), C.NOT_FOUND,
                 "Specific(half, 7)")
    expect_error("infer wrong input", lambda: infer(name="z"), C.INVALID_ARGUMENT,
                 "Sent extra: {z}. Missing but required: {x}.")
    expect_error("infer wrong datatype", lambda: infer(dt="FP64"), C.INVALID_ARGUMENT,
                 "input 'x': shape needs 1 elements, fp64_contents has 0")
    expect_error("infer datatype mismatch", lambda: infer(dt="INT32", raw=b"\0\0\0\0"),
                 C.INVALID_ARGUMENT, "datatype INT32 does not match the model's FP32")
    expect_error("infer unknown datatype", lambda: infer(dt="FLOAT"), C.INVALID_ARGUMENT,
                 "unknown datatype 'FLOAT'")
    expect_error("infer count", lambda: infer(shape=[2, 1]), C.INVALID_ARGUMENT,
                 "shape needs 2 elements, fp32_contents has 1")
    expect_error("infer raw size", lambda: infer(raw=b"\0\0\0"), C.INVALID_ARGUMENT,
                 "3 bytes of raw data do not fit FP32 [1,1]")
    expect_error("infer unknown output", lambda: infer(outputs=["q"]), C.INVALID_ARGUMENT,
                 "output tensor alias not found in signature: q")
    expect_error("infer no model name", lambda: infer(model=""), C.INVALID_ARGUMENT,
                 "model name is empty")

    h = health_grpc.HealthStub(ch)
    check("health v2 SERVING", h.Check(health_pb.HealthCheckRequest(
        service="inference.GRPCInferenceService")).status ==
        health_pb.HealthCheckResponse.SERVING)
finally:
    proc.send_signal(signal.SIGTERM)
    check("main daemon exits 0", proc.wait(timeout=30) == 0)

# SIGTERM: not ready (ServerReady false, health NOT_SERVING) but still serving.
proc, ch, stub = start(["--model_name=half", "--model_base_path=%s/saved_model_half_plus_two_cpu" % FX,
                        "--shutdown_grace_seconds=2"], "shutdown")
try:
    check("ready before SIGTERM", stub.ServerReady(pb.ServerReadyRequest()).ready)
    proc.send_signal(signal.SIGTERM)
    time.sleep(0.3)
    check("not ready after SIGTERM", not stub.ServerReady(pb.ServerReadyRequest()).ready)
    check("model not ready after SIGTERM",
          not stub.ModelReady(pb.ModelReadyRequest(name="half")).ready)
    check("still live", stub.ServerLive(pb.ServerLiveRequest()).live)
    h = health_grpc.HealthStub(ch)
    check("health NOT_SERVING", h.Check(health_pb.HealthCheckRequest(service="")).status ==
          health_pb.HealthCheckResponse.NOT_SERVING)
    req = pb.ModelInferRequest(model_name="half")
    t = req.inputs.add(name="x", datatype="FP32", shape=[1, 1])
    t.contents.fp32_contents.append(1.0)
    check("still serving", list(stub.ModelInfer(req).outputs[0].contents.fp32_contents) == [2.5])
finally:
    check("shutdown daemon exits 0", proc.wait(timeout=30) == 0)

print("%d failed" % len(FAILS))
sys.exit(1 if FAILS else 0)

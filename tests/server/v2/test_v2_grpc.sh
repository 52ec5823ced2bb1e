#!/bin/sh
# tests/server/v2/test_v2_grpc.sh: end-to-end test of KServe v2 gRPC with
# Python clients (tests/server/v2/test_v2_grpc.py). Stubs are generated at
# test time from modeld's own proto/ files with protoc and
# grpc_python_plugin into a temp dir. Run from the build directory (make
# check); MD_SRCDIR is the source tree. Exit 77 (skip) when the fixtures,
# the gRPC build, python3-grpcio, python3-protobuf, numpy, protoc or
# grpc_python_plugin are missing.
set -u
src=${MD_SRCDIR:-$(cd "$(dirname "$0")/../../.." && pwd)}
fx=$src/../shared/fixtures/savedmodels
py=${MD_PYTHON:-/usr/bin/python3}
modeld=${MODELD:-server/modeld}
skip() { echo "test_v2_grpc: $1; skipping"; exit 77; }
[ -d "$fx" ] || skip "fixtures not found at $fx"
[ -x "$modeld" ] || { echo "test_v2_grpc: $modeld not built"; exit 1; }
grep -q '^#define HAVE_GRPC 1' config.h 2>/dev/null || skip "modeld built without libgrpc-dev"
[ -x "$py" ] || skip "$py not found"
"$py" -c 'import grpc, google.protobuf, numpy' 2>/dev/null ||
    skip "$py lacks grpc/protobuf/numpy (apt-get install python3-grpcio python3-protobuf python3-numpy)"
command -v protoc >/dev/null 2>&1 || skip "protoc not found (apt-get install protobuf-compiler)"
plugin=$(command -v grpc_python_plugin) ||
    skip "grpc_python_plugin not found (apt-get install protobuf-compiler-grpc)"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/md_test_v2_grpc.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
mkdir "$tmp/stubs" "$tmp/run"
# Our google/protobuf/*.proto stand in for the well-known types at compile
# time; the generated code imports the installed google.protobuf modules.
if ! protoc -I"$src/proto" --python_out="$tmp/stubs" --grpc_python_out="$tmp/stubs" \
        --plugin=protoc-gen-grpc_python="$plugin" "$src"/proto/*.proto; then
    echo "test_v2_grpc: protoc failed on proto/*.proto"
    exit 1
fi
"$py" "$src/tests/server/v2/test_v2_grpc.py" --modeld "$modeld" --stubs "$tmp/stubs" \
    --fixtures "$fx" --tmp "$tmp/run"
rc=$?
if [ $rc -ne 0 ]; then
    for f in "$tmp"/run/*.log; do
        [ -f "$f" ] && { echo "--- $f (tail)"; tail -n 40 "$f"; }
    done
fi
exit $rc

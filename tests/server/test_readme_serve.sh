#!/bin/sh
# test_readme_serve.sh: what the README's `./dev serve` serves answers the
# README's queries: both example models load from a model config file and
# `linear` (trained by modeld-train) and `half_plus_two` respond over REST.
set -eu
src=${MD_SRCDIR:?set MD_SRCDIR}
command -v curl >/dev/null || { echo "curl missing: skipped"; exit 77; }
tmp=$(mktemp -d)
pid=
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null; wait 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT
cat > "$tmp/examples.config" <<CONFIG
model_config_list {
  config { name: "linear" base_path: "$src/examples/linear" model_platform: "tensorflow" }
  config { name: "half_plus_two" base_path: "$src/examples/half_plus_two" model_platform: "tensorflow" }
}
CONFIG
# A port nobody uses: try a few random ones.
for try in 1 2 3 4 5; do
    port=$(( 20000 + ($$ * 7 + try * 7919) % 30000 ))
    ./server/modeld --rest_api_port=$port --port=0 --rest_api_bind=127.0.0.1 \
        --model_config_file="$tmp/examples.config" > "$tmp/log" 2>&1 &
    pid=$!
    ok=0
    for i in $(seq 1 100); do
        if curl -sf "localhost:$port/v2/health/ready" >/dev/null 2>&1; then ok=1; break; fi
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    [ $ok = 1 ] && break
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    pid=
done
[ -n "$pid" ] || { echo "modeld did not become ready"; cat "$tmp/log"; exit 1; }
fail=0
check() { # name expected actual
    if [ "$2" = "$3" ]; then echo "ok   $1"; else echo "FAIL $1: expected $2, got $3"; fail=1; fi
}
got=$(curl -s -d '{"instances": [1.0, 2.0, 5.0]}' "localhost:$port/v1/models/half_plus_two:predict")
check "half_plus_two predict" '{"predictions":[2.5,3.0,4.5]}' "$got"
# linear: y = w.x + 3 learnt from data; all-zero features give the bias (about 3).
got=$(curl -s -d '{"examples":[{"x":[0.0,0.0,0.0,0.0,0.0,0.0,0.0,0.0]}]}' "localhost:$port/v1/models/linear:regress")
case $got in
'{"results":[2.9'*|'{"results":[3.0'*) echo "ok   linear regress bias: $got" ;;
*) echo "FAIL linear regress bias: $got"; fail=1 ;;
esac
got=$(curl -s -o /dev/null -w '%{http_code}' "localhost:$port/v1/models/linear")
check "linear status" 200 "$got"
kill "$pid"
wait "$pid" || { echo "FAIL modeld exit status on SIGTERM"; fail=1; }
pid=
exit $fail

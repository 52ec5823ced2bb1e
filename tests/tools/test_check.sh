#!/bin/sh
# tests/tools/test_check.sh: `modeld-cli check` exit status and report: a
# fixture model that serves (exit 0), a text-format model with an unknown
# op used by one of two signatures (exit 1, op + node + signature listed),
# a bad tag set (exit 1) and usage errors (exit 2). Run from the build
# directory; MD_SRCDIR is the source tree.
set -u
src=${MD_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}
cli=${MODELD_CLI:-tools/modeld-cli}
fx=$src/../shared/fixtures/savedmodels
if [ ! -x "$cli" ]; then
    echo "test_check: $cli not built"
    exit 1
fi
tmp=$(mktemp -d "${TMPDIR:-/tmp}/md_test_check.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
fails=0
ok() { echo "ok   $1"; }
bad() { echo "FAIL $1"; fails=$((fails + 1)); }

# expect NAME STATUS PATTERN... : runs check with "$args", compares status
# and greps each pattern in the output.
expect() {
    name=$1 want=$2
    shift 2
    # shellcheck disable=SC2086
    "$cli" check $args > "$tmp/out" 2>&1
    got=$?
    if [ "$got" != "$want" ]; then
        bad "$name: exit $got, want $want"
        cat "$tmp/out"
        return
    fi
    for p in "$@"; do
        if ! grep -q -- "$p" "$tmp/out"; then
            bad "$name: output lacks '$p'"
            cat "$tmp/out"
            return
        fi
    done
    ok "$name"
}

if [ -d "$fx" ]; then
    args="--dir $fx/saved_model_half_plus_two_cpu/00000123"
    expect "half_plus_two servable" 0 "every signature can be served" "serving_default *ok"
    args="--dir $fx/saved_model_half_plus_two_cpu/00000123 --tag_set serve,gpu"
    expect "absent tag set" 1 "serve,gpu"
else
    echo "skip fixture cases: $fx not found"
fi

m=$tmp/unknown/1
mkdir -p "$m"
cat > "$m/saved_model.pbtxt" <<'PBTXT'
meta_graphs {
  meta_info_def { tags: "serve" }
  graph_def {
    node { name: "x" op: "Placeholder" attr { key: "dtype" value { type: DT_FLOAT } } }
    node { name: "fancy" op: "FancyUnknownOp" input: "x" }
    node { name: "fancy2" op: "FancyUnknownOp" input: "fancy" }
    node { name: "y" op: "Identity" input: "fancy2" attr { key: "T" value { type: DT_FLOAT } } }
    node { name: "z" op: "Identity" input: "x" attr { key: "T" value { type: DT_FLOAT } } }
  }
  signature_def { key: "serving_default" value {
    inputs { key: "x" value { name: "x:0" dtype: DT_FLOAT } }
    outputs { key: "y" value { name: "y:0" dtype: DT_FLOAT } } } }
  signature_def { key: "plain" value {
    inputs { key: "x" value { name: "x:0" dtype: DT_FLOAT } }
    outputs { key: "z" value { name: "z:0" dtype: DT_FLOAT } } } }
}
PBTXT
args="--dir $m"
expect "unknown op listed" 1 "2 signatures, 1 servable" "FancyUnknownOp" \
    "nodes: fancy, fancy2" "needed by: serving_default" "plain *ok" \
    "serving_default *NOT SERVABLE: needs 'FancyUnknownOp'"
args="--dir $tmp/nowhere"
expect "missing directory" 1 "modeld-cli check:"
args=""
expect "no --dir" 2 "usage: modeld-cli check"
args="--bogus x"
expect "unknown option" 2 "unknown or incomplete option"

[ "$fails" -eq 0 ] || exit 1
exit 0

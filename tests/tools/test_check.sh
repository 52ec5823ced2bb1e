#!/bin/sh
# tests/tools/test_check.sh: `modeld-cli check` exit status and report: a
# fixture model that serves (exit 0), a text-format model with an unknown
# op used by one of two signatures (exit 1, op + node + signature listed),
# a bad tag set (exit 1), usage errors (exit 2), a While loop whose body
# (through a nested call) uses an unknown op (exit 1, listed as
# "while_body_12/foo") and the same loop fully supported (exit 0); and
# docs/supported-ops.md must be what `check --supported-ops` prints now
# (regenerate it with scripts/ops_table.sh). Run from the build directory;
# MD_SRCDIR is the source tree.
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
bad() { echo "FAIL $*"; fails=$((fails + 1)); }

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
# loop_model DIR OP (tests/tools/pbtxt_models.sh): a TF2 tf.while_loop
# whose body runs OP on the counter and calls inner_5, which runs OP again.
# shellcheck source=tests/tools/pbtxt_models.sh
. "$src/tests/tools/pbtxt_models.sh"
loop_model "$tmp/loop_bad/1" NoSuchOp
args="--dir $tmp/loop_bad/1"
expect "unknown op in a While body" 1 "1 signature, 0 servable" "NoSuchOp" \
    "nodes: while_body_12/foo, while_body_12/inner_5/bar" "needed by: serving_default" \
    "serving_default *NOT SERVABLE: needs 'NoSuchOp'"
loop_model "$tmp/loop_ok/1" Identity
args="--dir $tmp/loop_ok/1"
expect "supported While loop" 0 "1 signature, 1 servable" "every signature can be served"

args="--dir $tmp/nowhere"
expect "missing directory" 1 "modeld-cli check:"
args=""
expect "no --dir" 2 "usage: modeld-cli check"
args="--bogus x"
expect "unknown option" 2 "unknown or incomplete option"

# The committed supported-ops table must match the registry.
if "$cli" check --supported-ops > "$tmp/ops.md" 2>&1 &&
    cmp -s "$tmp/ops.md" "$src/docs/supported-ops.md"; then
    ok "docs/supported-ops.md up to date"
else
    bad "docs/supported-ops.md differs from 'modeld-cli check --supported-ops':" \
        "regenerate it with scripts/ops_table.sh BUILD_DIR"
    diff "$src/docs/supported-ops.md" "$tmp/ops.md" | head -20
fi

[ "$fails" -eq 0 ] || exit 1
exit 0

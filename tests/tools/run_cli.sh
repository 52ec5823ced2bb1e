#!/bin/sh
# tests/tools/run_cli.sh: `modeld-cli run` on the fixtures: the test vectors
# of saved_model_cli (reference facts 2.3), --outdir/--overwrite, and the
# error paths. Run from the build directory (make check); MD_SRCDIR is the
# source tree. Exit 77 (skip) when the fixtures are absent.
set -u
src=${MD_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}
cli=${MODELD_CLI:-tools/modeld-cli}
fx=$src/../shared/fixtures/savedmodels
if [ ! -d "$fx" ]; then
    echo "run_cli: fixtures not found at $fx; skipping"
    exit 77
fi
if [ ! -x "$cli" ]; then
    echo "run_cli: $cli not built"
    exit 1
fi
tmp=$(mktemp -d "${TMPDIR:-/tmp}/md_test_run.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
fails=0
ok() { echo "ok   $1"; }
bad() { echo "FAIL $1"; fails=$((fails + 1)); }
m=$fx/saved_model_half_plus_two_cpu/00000123

# expect_out NAME EXPECTED-STDOUT -- ARGS...: exit 0 and exactly that stdout.
expect_out() {
    name=$1 want=$2
    shift 3
    if "$cli" run "$@" > "$tmp/out" 2> "$tmp/err"; then
        printf '%s\n' "$want" > "$tmp/want"
        if cmp -s "$tmp/want" "$tmp/out"; then ok "$name"; else
            bad "$name"; diff -u "$tmp/want" "$tmp/out"; fi
    else
        bad "$name (exit $?)"; cat "$tmp/err"
    fi
}

# expect_err NAME RC SUBSTRING -- ARGS...: that exit code and stderr text.
expect_err() {
    name=$1 rc=$2 want=$3
    shift 4
    "$cli" run "$@" > "$tmp/out" 2> "$tmp/err"
    got=$?
    if [ "$got" -eq "$rc" ] && grep -qF -- "$want" "$tmp/err"; then ok "$name"; else
        bad "$name (exit $got)"; echo "want: $want"; cat "$tmp/err"
    fi
}

expect_out "input_exprs" "Result for output key y:
[[2.5]
 [3. ]]" -- --dir "$m" --tag_set serve --signature_def serving_default \
    --input_exprs 'x=[[1.0],[2.0]]'

expect_out "input_examples" "Result for output key outputs:
[[6.]
 [4.]]" -- --dir "$m" --tag_set serve --signature_def regress_x_to_y \
    --input_examples 'inputs=[{"x":[8.0],"x2":[5.0]}, {"x":[4.0],"x2":[3.0]}]'

expect_out "outdir" "Output outputs is saved to $tmp/o/outputs.npy" -- --dir "$m" --tag_set serve \
    --signature_def regress_x_to_y --outdir "$tmp/o" \
    --input_examples 'inputs=[{"x":[8.0],"x2":[5.0]}, {"x":[4.0],"x2":[3.0]}]'

expect_err "no overwrite" 1 "Output file $tmp/o/outputs.npy already exists. Add \"--overwrite\"" -- \
    --dir "$m" --tag_set serve --signature_def regress_x_to_y --outdir "$tmp/o" \
    --input_examples 'inputs=[{"x":[8.0]}]'

expect_out "overwrite" "Output outputs is saved to $tmp/o/outputs.npy" -- --dir "$m" --tag_set serve \
    --signature_def regress_x_to_y --outdir "$tmp/o" --overwrite \
    --input_examples 'inputs=[{"x":[8.0],"x2":[5.0]}, {"x":[4.0],"x2":[3.0]}]'

# the saved .npy ([[6],[4]]) read back with --inputs: 0.5*x2 + 3
expect_out "inputs npy" "Result for output key outputs:
[[6.]
 [5.]]" -- --dir "$m" --tag_set serve --signature_def regress_x2_to_y3 \
    --inputs "inputs=$tmp/o/outputs.npy"

expect_out "examples win over exprs" "Result for output key y:
[[4.5]]" -- --dir "$m" --tag_set serve --signature_def serving_default \
    --inputs "x=$tmp/o/outputs.npy" --input_exprs 'x=[[5.0]]'

expect_out "counter" "Result for output key output:
1.0" -- --dir "$fx/saved_model_counter/00000123" --tag_set serve --signature_def incr_counter

expect_out "tf2" "Result for output key y:
[3.]" -- --dir "$fx/saved_model_half_plus_two_tf2_cpu/00000123" --tag_set serve \
    --signature_def serving_default --input_exprs 'x=[2]'

expect_err "unknown key" 1 '"z" is not a valid input key. Please choose from "x", or use --show option.' -- \
    --dir "$m" --tag_set serve --signature_def serving_default --input_exprs 'z=[[1.0]]'
expect_err "wrong dtype" 1 "input 'x' expects float values, got strings" -- \
    --dir "$m" --tag_set serve --signature_def serving_default --input_exprs "x=[['a']]"
expect_err "missing input" 1 "missing input 'x': signature 'serving_default' expects float of shape [-1,1]" -- \
    --dir "$m" --tag_set serve --signature_def serving_default
expect_err "bad shape" 1 "Cannot feed value of shape [1,2] for input 'x'" -- \
    --dir "$m" --tag_set serve --signature_def serving_default --input_exprs 'x=[[1.0, 2.0]]'
expect_err "bad literal" 1 "cannot parse" -- \
    --dir "$m" --tag_set serve --signature_def serving_default --input_exprs 'x=[[1.0]'
expect_err "missing file" 1 "cannot open" -- \
    --dir "$m" --tag_set serve --signature_def serving_default --inputs "x=$tmp/nope.npy"
expect_err "unknown signature" 1 "has no SignatureDef 'nope'" -- \
    --dir "$m" --tag_set serve --signature_def nope --input_exprs 'x=[[1.0]]'
expect_err "usage" 2 "required" -- --dir "$m"

if [ "$fails" -ne 0 ]; then
    echo "$fails check(s) failed"
    exit 1
fi
echo "all run_cli checks passed"

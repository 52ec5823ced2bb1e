#!/bin/sh
# tests/tools/test_show.sh: `modeld-cli show` against TensorFlow's own
# saved_model_cli output (reference text in tests/tools/*.txt) on the
# fixtures, plus its error paths, and modeld's own line after each ops line
# naming the ops modeld cannot run (fixtures and pbtxt models written
# here). Run from the build directory (make check); MD_SRCDIR is the
# source tree. Exit 77 (skip) when the fixtures are absent.
set -u
src=${MD_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}
cli=${MODELD_CLI:-tools/modeld-cli}
fx=$src/../shared/fixtures/savedmodels
exp=$src/tests/tools
if [ ! -d "$fx" ]; then
    echo "test_show: fixtures not found at $fx; skipping"
    exit 77
fi
if [ ! -x "$cli" ]; then
    echo "test_show: $cli not built"
    exit 1
fi
tmp=$(mktemp -d "${TMPDIR:-/tmp}/md_test_show.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
fails=0
ok() { echo "ok   $1"; }
bad() { echo "FAIL $1"; fails=$((fails + 1)); }

# The ops line is a Python set: compare it as a sorted list.
norm_ops() {
    awk '/contains the following ops: \{/ {
            i = index($0, "{"); head = substr($0, 1, i - 1); body = substr($0, i + 1)
            sub(/\}$/, "", body); n = split(body, a, ", ")
            for (x = 2; x <= n; x++) { v = a[x]; y = x - 1
                while (y > 0 && a[y] > v) { a[y + 1] = a[y]; y-- } a[y + 1] = v }
            s = ""; for (x = 1; x <= n; x++) s = s (x > 1 ? ", " : "") a[x]
            print head "{" s "}"; next }
         { print }'
}

# same_text NAME EXPECTED ACTUAL
same_text() {
    if diff -u "$2" "$3" > "$tmp/diff"; then ok "$1"; else bad "$1"; cat "$tmp/diff"; fi
}

# modeld prints one line of its own after each ops line ("modeld can run
# all of these ops" / "modeld cannot run N of these ops: ..."), which
# saved_model_cli does not: tf_only drops it to compare the rest with
# TensorFlow's text; modeld_lines NAME FILE checks that each ops line, and
# nothing else, is followed by exactly one such line.
tf_only() { grep -v '^modeld can'; }
modeld_lines() {
    if awk '/contains the following ops: / { if (want) exit 1; want = 1; n++; next }
            /^modeld can/ { if (!want) exit 1; want = 0; next }
            { if (want) exit 1 }
            END { exit want || !n }' "$2"; then
        ok "$1"
    else
        bad "$1"; cat "$2"
    fi
}

# 1. --all on the TF test model (all six signatures): the reference text.
m2=$fx/saved_model_half_plus_two_2_versions/00000123
"$cli" show --dir "$m2" --all > "$tmp/all.out" 2> "$tmp/all.err"
norm_ops < "$exp/show_half_plus_two_all.txt" > "$tmp/all.want"
tf_only < "$tmp/all.out" | norm_ops > "$tmp/all.got"
same_text "show --all (half_plus_two_2_versions)" "$tmp/all.want" "$tmp/all.got"
[ -s "$tmp/all.err" ] && bad "show --all wrote to stderr"
modeld_lines "show --all: modeld line after the ops line" "$tmp/all.out"
# Its save path (SaveV2, MergeV2Checkpoints) is refused for safety, but no
# signature, restore or init op needs it.
if grep -q "^modeld cannot run [0-9]* of these ops: {.*'MergeV2Checkpoints', 'SaveV2'.*}; serving needs none of them\$" \
    "$tmp/all.out"; then
    ok "show --all: save ops unsupported, not needed"
else
    bad "show --all: save ops unsupported, not needed"; grep '^modeld' "$tmp/all.out"
fi

# 1b. half_plus_two_cpu: the same signatures without classify_x2_to_y3. Its
# graph (TF 1.14) also has a PlaceholderWithDefault, so its ops line holds
# the ops TensorFlow's --list_ops test asserts plus that one.
m=$fx/saved_model_half_plus_two_cpu/00000123
awk '/^signature_def\[.classify_x2_to_y3.\]:$/ { skip = 1 }
     skip && /^$/ { skip = 0; next } !skip' "$tmp/all.want" |
    sed "/following ops:/s/}\$/, 'PlaceholderWithDefault'}/" | norm_ops > "$tmp/cpu.want"
"$cli" show --dir="$m" --all | tf_only | norm_ops > "$tmp/cpu.got"
same_text "show --all (half_plus_two_cpu)" "$tmp/cpu.want" "$tmp/cpu.got"

# 2. One signature, indent 0.
"$cli" show --dir "$m" --tag_set serve --signature_def serving_default > "$tmp/sig.got"
same_text "show --signature_def serving_default" "$exp/show_serving_default.txt" "$tmp/sig.got"
"$cli" show --dir="$m" --tag_set=serve --signature_def=serving_default > "$tmp/sig2.got"
same_text "show --flag=value" "$exp/show_serving_default.txt" "$tmp/sig2.got"

# 3. Tag sets and keys.
printf "The given SavedModel contains the following tag-sets:\n'serve'\n" > "$tmp/tags.want"
"$cli" show --dir "$m" > "$tmp/tags.got"
same_text "show (tag-sets)" "$tmp/tags.want" "$tmp/tags.got"
{
    echo "--list_ops must be paired with a tag-set or with --all."
    cat "$tmp/tags.want"
} > "$tmp/lo.want"
"$cli" show --dir "$m" --list_ops > "$tmp/lo.got"
same_text "show --list_ops without a tag set" "$tmp/lo.want" "$tmp/lo.got"
cat > "$tmp/keys.want" <<'EOF'
The given SavedModel MetaGraphDef contains SignatureDefs with the following keys:
SignatureDef key: "classify_x_to_y"
SignatureDef key: "regress_x2_to_y3"
SignatureDef key: "regress_x_to_y"
SignatureDef key: "regress_x_to_y2"
SignatureDef key: "serving_default"
EOF
"$cli" show --dir "$m" --tag_set serve > "$tmp/keys.got"
same_text "show --tag_set serve" "$tmp/keys.want" "$tmp/keys.got"
{
    grep 'contains the following ops' "$tmp/cpu.got"
    cat "$tmp/keys.want"
} > "$tmp/keysops.want"
"$cli" show --dir "$m" --tag_set serve --list_ops > "$tmp/keysops.out"
tf_only < "$tmp/keysops.out" | norm_ops > "$tmp/keysops.got"
same_text "show --tag_set serve --list_ops" "$tmp/keysops.want" "$tmp/keysops.got"
modeld_lines "show --list_ops: modeld line after the ops line" "$tmp/keysops.out"

# 4. The facts the README states for the other models.
"$cli" show --dir "$fx/saved_model_counter/00000123" --tag_set serve --signature_def get_counter \
    > "$tmp/counter.got"
grep -q '      dtype: DT_FLOAT_REF' "$tmp/counter.got" && ok "counter: DT_FLOAT_REF" ||
    bad "counter: DT_FLOAT_REF"
"$cli" show --dir "$fx/saved_model_half_plus_three/00000123" --tag_set serve > "$tmp/h3.got"
grep -qx 'SignatureDef key: "tensorflow/serving/regress"' "$tmp/h3.got" &&
    ok "half_plus_three: odd key" || bad "half_plus_three: odd key"
"$cli" show --dir "$fx/keras_mnist_cnn/1" --all > "$tmp/keras.got"
grep -qx '        shape: (-1, 28, 28, 1)' "$tmp/keras.got" && ok "keras: 4-d shape" ||
    bad "keras: 4-d shape"
grep -qx '  Method name is: ' "$tmp/keras.got" && ok "keras: init op method line" ||
    bad "keras: init op method line"
"$cli" show --dir "$fx/estimator_iris_dnn/1506648517" --all > "$tmp/iris.got"
grep -qx "signature_def\['None'\]:" "$tmp/iris.got" && grep -qx '        shape: (-1)' "$tmp/iris.got" &&
    ok "iris: key None, rank-1 shape" || bad "iris: key None, rank-1 shape"
for d in "$fx"/*/*/saved_model.pb; do
    dir=$(dirname "$d")
    if "$cli" show --dir "$dir" --all > "$tmp/fx.out" 2> "$tmp/err"; then :; else
        bad "show --all $dir"; cat "$tmp/err"
    fi
    # Every fixture is served by modeld: no op it cannot run is needed.
    if grep '^modeld ' "$tmp/fx.out" | grep -v -q -e '^modeld can run all of these ops$' \
        -e '; serving needs none of them$'; then
        bad "show --all $dir: serving needs an op modeld cannot run"; grep '^modeld' "$tmp/fx.out"
    fi
done
ok "show --all on every fixture"

# 5. JSON.
"$cli" show --dir "$m" --all --json > "$tmp/json.got"
grep -q '"serving_default": {' "$tmp/json.got" && grep -q '"unknown_rank": true' "$tmp/json.got" &&
    grep -q '"VariableV2"' "$tmp/json.got" && ok "show --all --json" || bad "show --all --json"
tr -d ' \n' < "$tmp/json.got" > "$tmp/json.flat"
if grep -q '"unsupported_ops":\[[^]]*"SaveV2"' "$tmp/json.flat" &&
    grep -q '"unsupported_ops_needed_by":{}' "$tmp/json.flat"; then
    ok "show --all --json: unsupported ops"
else
    bad "show --all --json: unsupported ops"; cat "$tmp/json.got"
fi

# 5b. Ops modeld cannot run, on models written as saved_model.pbtxt (the
# way tests/tools/test_check.sh builds them). FancyUnknownOp is needed by
# serving_default; ReadFile (refused for safety) only by a node no
# signature reaches.
mu=$tmp/unknown/1
mkdir -p "$mu"
cat > "$mu/saved_model.pbtxt" <<'PBTXT'
meta_graphs {
  meta_info_def { tags: "serve" }
  graph_def {
    node { name: "x" op: "Placeholder" attr { key: "dtype" value { type: DT_FLOAT } } }
    node { name: "fancy" op: "FancyUnknownOp" input: "x" }
    node { name: "y" op: "Identity" input: "fancy" attr { key: "T" value { type: DT_FLOAT } } }
    node { name: "z" op: "Identity" input: "x" attr { key: "T" value { type: DT_FLOAT } } }
    node { name: "f" op: "Placeholder" attr { key: "dtype" value { type: DT_STRING } } }
    node { name: "rf" op: "ReadFile" input: "f" }
  }
  signature_def { key: "serving_default" value {
    inputs { key: "x" value { name: "x:0" dtype: DT_FLOAT } }
    outputs { key: "y" value { name: "y:0" dtype: DT_FLOAT } } } }
  signature_def { key: "plain" value {
    inputs { key: "x" value { name: "x:0" dtype: DT_FLOAT } }
    outputs { key: "z" value { name: "z:0" dtype: DT_FLOAT } } } }
}
PBTXT
cat > "$tmp/unk.want" <<'WANT'
The MetaGraph with tag set ['serve'] contains the following ops: {'FancyUnknownOp', 'Identity', 'Placeholder', 'ReadFile'}
modeld cannot run 2 of these ops: {'FancyUnknownOp', 'ReadFile'}; serving needs 'FancyUnknownOp' (serving_default)
The given SavedModel MetaGraphDef contains SignatureDefs with the following keys:
SignatureDef key: "plain"
SignatureDef key: "serving_default"
WANT
"$cli" show --dir "$mu" --tag_set serve --list_ops 2>&1 | norm_ops > "$tmp/unk.got"
same_text "show --list_ops: unknown op needed, refused op not" "$tmp/unk.want" "$tmp/unk.got"
"$cli" show --dir "$mu" --all > "$tmp/unka.got" 2>&1
modeld_lines "show --all (pbtxt): modeld line after the ops line" "$tmp/unka.got"
sed -n 2p "$tmp/unk.want" > "$tmp/unka.want"
grep '^modeld' "$tmp/unka.got" > "$tmp/unka.line"
same_text "show --all: unknown op needed, refused op not" "$tmp/unka.want" "$tmp/unka.line"
for args in "--all --json" "--tag_set serve --list_ops --json"; do
    # shellcheck disable=SC2086
    "$cli" show --dir "$mu" $args | tr -d ' \n' > "$tmp/unkj.got"
    if grep -q '"unsupported_ops":\["FancyUnknownOp","ReadFile"\],"unsupported_ops_needed_by":{"FancyUnknownOp":"serving_default"}' \
        "$tmp/unkj.got"; then
        ok "show $args: unsupported ops"
    else
        bad "show $args: unsupported ops"; cat "$tmp/unkj.got"; echo
    fi
done

# loop_model DIR OP (tests/tools/pbtxt_models.sh, shared with
# test_check.sh): a TF2 while loop whose body runs OP and calls inner_5,
# which runs OP again. TensorFlow's list does not follow While's cond/body
# attrs, so OP is not among "these ops"; md_check_model finds it.
# shellcheck source=tests/tools/pbtxt_models.sh
. "$src/tests/tools/pbtxt_models.sh"
loop_model "$tmp/loop_bad/1" NoSuchOp
cat > "$tmp/loop.want" <<'WANT'
The MetaGraph with tag set ['serve'] contains the following ops: {'Identity', 'Placeholder', 'StatelessWhile'}
modeld cannot run 1 of these ops (or of the functions they call): {'NoSuchOp'}; serving needs 'NoSuchOp' (serving_default)
WANT
"$cli" show --dir "$tmp/loop_bad/1" --all 2>&1 | grep -A1 'following ops' | norm_ops > "$tmp/loop.got"
same_text "show --all: unknown op inside a While body" "$tmp/loop.want" "$tmp/loop.got"
loop_model "$tmp/loop_ok/1" Identity
"$cli" show --dir "$tmp/loop_ok/1" --all > "$tmp/loopok.got" 2>&1
if grep -qx 'modeld can run all of these ops' "$tmp/loopok.got"; then
    ok "show --all: supported While loop"
else
    bad "show --all: supported While loop"; cat "$tmp/loopok.got"
fi

# A graph md_check_model cannot import (an input naming no node): the ops
# are still listed, with the reason modeld cannot tell what serving needs.
mkdir -p "$tmp/dangling"
cat > "$tmp/dangling/saved_model.pbtxt" <<'PBTXT'
meta_graphs {
  meta_info_def { tags: "serve" }
  graph_def {
    node { name: "x" op: "Placeholder" attr { key: "dtype" value { type: DT_FLOAT } } }
    node { name: "y" op: "Identity" input: "nope" attr { key: "T" value { type: DT_FLOAT } } }
  }
  signature_def { key: "serving_default" value {
    inputs { key: "x" value { name: "x:0" dtype: DT_FLOAT } }
    outputs { key: "y" value { name: "y:0" dtype: DT_FLOAT } } } }
}
PBTXT
"$cli" show --dir "$tmp/dangling" --all > "$tmp/dang.got" 2>&1
if grep -qx "modeld can run all of these ops; cannot tell what serving needs: .*'nope'.*" \
    "$tmp/dang.got"; then
    ok "show --all: graph that cannot be imported"
else
    bad "show --all: graph that cannot be imported"; cat "$tmp/dang.got"
fi
"$cli" show --dir "$tmp/dangling" --all --json | grep -q '"unsupported_ops_error": ".*nope' &&
    ok "show --all --json: graph that cannot be imported" ||
    bad "show --all --json: graph that cannot be imported"

# 6. Errors: message on stderr, nothing on stdout, non-zero exit.
# expect_error NAME SUBSTRING ARGS...
expect_error() {
    name=$1 want=$2
    shift 2
    "$cli" show "$@" > "$tmp/e.out" 2> "$tmp/e.err"
    rc=$?
    # A sanitizer report (leak, overflow) also exits non-zero: refuse it.
    if [ $rc -ne 0 ] && [ ! -s "$tmp/e.out" ] && grep -qF -- "$want" "$tmp/e.err" &&
        ! grep -q 'Sanitizer' "$tmp/e.err"; then
        ok "$name"
    else
        bad "$name (exit $rc)"; cat "$tmp/e.out" "$tmp/e.err"
    fi
}
expect_error "missing dir" "No such file or directory" --dir "$tmp/nope"
expect_error "no --dir" "--dir is required"
expect_error "unknown flag" "unknown flag '--bogus'" --dir "$m" --bogus
mkdir "$tmp/empty"
expect_error "empty dir" "Could not find SavedModel .pb or .pbtxt" --dir "$tmp/empty"
expect_error "unknown tag set" \
    "MetaGraphDef associated with tags 'gpu' could not be found in SavedModel; available tag sets: ['serve']" \
    --dir "$m" --tag_set gpu
expect_error "unknown signature" \
    'Could not find signature "nope". Please choose from: classify_x_to_y, regress_x2_to_y3, regress_x_to_y, regress_x_to_y2, serving_default' \
    --dir "$m" --tag_set serve --signature_def nope
mkdir "$tmp/trunc"
head -c 5000 "$m/saved_model.pb" > "$tmp/trunc/saved_model.pb"
expect_error "truncated saved_model.pb" "saved_model.pb: corrupt or truncated SavedModel protobuf" \
    --dir "$tmp/trunc" --all
mkdir "$tmp/junk"
printf 'this is not a protobuf at all\n' > "$tmp/junk/saved_model.pb"
expect_error "corrupt saved_model.pb" "corrupt or truncated SavedModel protobuf" --dir "$tmp/junk"
# A MetaGraphDef whose tag is the byte 0xff: not UTF-8.
mkdir "$tmp/utf8"
printf '\022\005\012\003\042\001\377' > "$tmp/utf8/saved_model.pb"
expect_error "non-UTF-8 tag" "invalid UTF-8" --dir "$tmp/utf8"

# 7. Odd but valid bytes are printed escaped: signature key "a\nb".
mkdir "$tmp/odd"
printf '\022\022\012\007\042\005serve\052\007\012\003a\nb\022\000' > "$tmp/odd/saved_model.pb"
"$cli" show --dir "$tmp/odd" --tag_set serve > "$tmp/odd.got" 2>&1
grep -qxF 'SignatureDef key: "a\x0ab"' "$tmp/odd.got" && ok "control bytes escaped" ||
    { bad "control bytes escaped"; cat "$tmp/odd.got"; }

[ $fails -eq 0 ] || { echo "$fails failure(s)"; exit 1; }
exit 0

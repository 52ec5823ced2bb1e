#!/bin/sh
# tests/tools/test_show.sh: `modeld-cli show` against TensorFlow's own
# saved_model_cli output (reference text in tests/tools/*.txt) on the
# fixtures, plus its error paths. Run from the build directory (make check);
# MD_SRCDIR is the source tree. Exit 77 (skip) when the fixtures are absent.
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

# 1. --all on the TF test model (all six signatures): the reference text.
m2=$fx/saved_model_half_plus_two_2_versions/00000123
"$cli" show --dir "$m2" --all > "$tmp/all.out" 2> "$tmp/all.err"
norm_ops < "$exp/show_half_plus_two_all.txt" > "$tmp/all.want"
norm_ops < "$tmp/all.out" > "$tmp/all.got"
same_text "show --all (half_plus_two_2_versions)" "$tmp/all.want" "$tmp/all.got"
[ -s "$tmp/all.err" ] && bad "show --all wrote to stderr"

# 1b. half_plus_two_cpu: the same signatures without classify_x2_to_y3. Its
# graph (TF 1.14) also has a PlaceholderWithDefault, so its ops line holds
# the ops TensorFlow's --list_ops test asserts plus that one.
m=$fx/saved_model_half_plus_two_cpu/00000123
awk '/^signature_def\[.classify_x2_to_y3.\]:$/ { skip = 1 }
     skip && /^$/ { skip = 0; next } !skip' "$tmp/all.want" |
    sed "/following ops:/s/}\$/, 'PlaceholderWithDefault'}/" | norm_ops > "$tmp/cpu.want"
"$cli" show --dir="$m" --all | norm_ops > "$tmp/cpu.got"
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
"$cli" show --dir "$m" --tag_set serve --list_ops | norm_ops > "$tmp/keysops.got"
same_text "show --tag_set serve --list_ops" "$tmp/keysops.want" "$tmp/keysops.got"

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
    if "$cli" show --dir "$dir" --all > /dev/null 2> "$tmp/err"; then :; else
        bad "show --all $dir"; cat "$tmp/err"
    fi
done
ok "show --all on every fixture"

# 5. JSON.
"$cli" show --dir "$m" --all --json > "$tmp/json.got"
grep -q '"serving_default": {' "$tmp/json.got" && grep -q '"unknown_rank": true' "$tmp/json.got" &&
    grep -q '"VariableV2"' "$tmp/json.got" && ok "show --all --json" || bad "show --all --json"

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

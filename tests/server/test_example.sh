#!/bin/sh
# test_example.sh: the committed example model (examples/half_plus_two/1)
# is exactly what examples/make_half_plus_two writes today.
set -eu
src=${MD_SRCDIR:?set MD_SRCDIR}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
./examples/make_half_plus_two "$tmp/1" >/dev/null
for f in saved_model.pb variables/variables.index variables/variables.data-00000-of-00001; do
    if ! cmp -s "$tmp/1/$f" "$src/examples/half_plus_two/1/$f"; then
        echo "examples/half_plus_two/1/$f differs from a fresh make_half_plus_two run;"
        echo "regenerate: rm -rf examples/half_plus_two/1 && build/examples/make_half_plus_two examples/half_plus_two/1"
        exit 1
    fi
done
echo "examples/half_plus_two/1 matches make_half_plus_two"

#!/bin/sh
# scripts/ops_table.sh: regenerates docs/supported-ops.md from the op
# registry (md_op_all, via `modeld-cli check --supported-ops`).
#   scripts/ops_table.sh [BUILD_DIR]      (default: build)
# Run from the source tree after building tools/modeld-cli.
# tests/tools/test_check.sh fails while the committed file differs from the
# registry, so rerun this whenever an op is added, removed or re-flagged.
set -eu
src=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$src/build}
cli=$build/tools/modeld-cli
if [ ! -x "$cli" ]; then
    echo "ops_table.sh: $cli not built (make tools/modeld-cli in $build)" >&2
    exit 1
fi
mkdir -p "$src/docs"
"$cli" check --supported-ops > "$src/docs/supported-ops.md.tmp"
mv "$src/docs/supported-ops.md.tmp" "$src/docs/supported-ops.md"
echo "wrote docs/supported-ops.md ($(grep -c '^| [A-Z]' "$src/docs/supported-ops.md") ops)"

#!/bin/sh
# examples/train_example.sh [BUILD_DIR]: regenerates examples/linear/1, a
# small trained example model: modeld-train's `linear` regressor (8 float
# features `x`, y = w.x + 3 plus noise, synthetic data from a fixed seed)
# trained for 3000 Adam steps on one thread, exported by the FinalExporter
# (serving input: serialized tf.Example; signatures serving_default = regress,
# `predict`). Deterministic for a given build: same seed, one kernel thread.
#
#   examples/train_example.sh build        # uses build/tools/modeld-train
#   modeld --model_name=linear --model_base_path="$PWD/examples/linear" &
#   curl -s -d '{"examples":[{"x":[0.5,-1.0,0.25,2.0,0.0,1.0,-0.5,1.5]}]}' \
#       localhost:8501/v1/models/linear:regress
set -eu
cd "$(dirname "$0")/.."
build=${1:-build}
train="$build/tools/modeld-train"
[ -x "$train" ] || { echo "$0: $train not built (make tools/modeld-train)" >&2; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$train" --model linear --data synthetic --model_dir "$work/run" --max_steps 3000 \
    --batch_size 100 --learning_rate 0.05 --optimizer adam --tf_random_seed 42 --threads 1 \
    --save_checkpoints_steps 3000 --log_step_count_steps 1000 --start_delay_secs 0 \
    --throttle_secs 0 --exporter final
src=$(ls -d "$work"/run/export/final_exporter/[0-9]* | tail -n 1)
rm -rf examples/linear
mkdir -p examples/linear
cp -R "$src" examples/linear/1
echo "wrote examples/linear/1 from $src"
du -sk examples/linear

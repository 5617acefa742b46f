#!/usr/bin/env bash
# Table II cells on the 2-core machine over a 2×2 grid: lr {0.001, 0.005} × noise σ {0.1, 0.3} (denoise) or λ {0.01, 0.15} (contract),
# 2 epochs per phase, layers 1000,1000; MNIST on 10000 training images. Rerunning resumes (sweep deep skips finished rows).
set -u
mkdir -p "${RUNS:-runs/deep-table}" && cd "${RUNS:-runs/deep-table}"
ILGPUAE=${ILGPUAE:-ilgpuae}
for cell in "rect L denoise" "rect J denoise" "rect L contract" "rect J contract" \
            "convex L denoise" "convex J denoise" "convex L contract" "convex J contract" \
            "rot L contract" "rot L denoise" "rot J denoise" "bg-rand L contract" "bg-rand L denoise" "bg-rand J denoise" \
            "rot J contract" "bg-rand J contract" "mnist J contract" "mnist L contract" "mnist L denoise" "mnist J denoise"; do
  set -- $cell
  extra=""; [ $1 = mnist ] && extra="--train-limit 10000"
  grid="--noise 0.1,0.3"; [ $3 = contract ] && grid="--contraction 0.01,0.15"
  echo "== $(date -u +%T) $cell"
  $ILGPUAE sweep deep --dataset $1 --scheme $2 --regularizer $3 $grid --lr 0.001,0.005 --layers 1000,1000 --epochs 2 \
    --accelerator host $extra --out grid2/$1-$3-$2 2>&1 | grep -E "^(sweep|best|error|done)|configuration" | tail -3
done
$ILGPUAE sweep table --rows grid2 --out grid2-table
echo "== done $(date -u +%T)"

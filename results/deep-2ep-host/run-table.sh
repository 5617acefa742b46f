#!/usr/bin/env bash
# The Table II cells as run for README (results/deep-2ep-host/table.md), reduced: one configuration per cell (lr 0.005, noise σ 0.3 / λ 0.15), EPOCHS per phase.
set -u
root="$(cd "$(dirname "$0")/../.." && pwd)"
ILGPUAE="${ILGPUAE:-dotnet $root/src/ILGPUAE.Cli/bin/Release/net10.0/ilgpuae.dll}"   # after `dotnet build -c Release`
mkdir -p "${RUNS:-runs/deep-table}" && cd "${RUNS:-runs/deep-table}"
EPOCHS=${EPOCHS:-2}
for ds in rect convex bg-rand rot mnist; do
  extra=""
  [ $ds = mnist ] && extra="--train-limit 10000"
  for cell in "L denoise --noise 0.3" "J denoise --noise 0.3" "L contract --contraction 0.15" "J contract --contraction 0.15"; do
    set -- $cell
    out=sweeps/$ds-$2-$1
    echo "== $(date -u +%T) $ds $cell"
    $ILGPUAE sweep deep --dataset $ds --scheme $1 --regularizer $2 $3 $4 --lr 0.005 --layers 1000,1000 --epochs $EPOCHS \
      --accelerator host $extra --out $out 2>&1 | grep -v "^\s*$" | tail -4
  done
done
$ILGPUAE sweep table --rows sweeps --out table
echo "== done $(date -u +%T)"

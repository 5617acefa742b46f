#!/usr/bin/env bash
# Table I (GSN setup) as run on the 2-core machine: binarised MNIST (50 000 training images), salt-and-pepper 0.4 on every
# layer's input, E epochs (per layer for L), learning rate LR; then `sample` (10 000 consecutive samples, Parzen window).
# Run with LR=0.005 and LR=0.001; each cell keeps the learning rate with the lower validation reconstruction (metrics.json's
# best_valid_loss), never the Parzen figure.
set -eu
ILGPUAE=${ILGPUAE:-ilgpuae}
E=${E:-10}
LR=${LR:-0.005}
for cell in "DAE-2L L 1000,1000" "DAE-2J J 1000,1000" "DAE-3J J 1000,1000,1000"; do
  set -- $cell
  $ILGPUAE train deep --layers $3 --scheme $2 --regularizer denoise --noise-kind salt-and-pepper --noise 0.4 --binarize \
     --epochs $E --lr $LR --accelerator host --out runs/gsn-lr$LR/$1
  $ILGPUAE sample --model runs/gsn-lr$LR/$1 --accelerator host
done

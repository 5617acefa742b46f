#!/usr/bin/env bash
# How results/labels-host was made (2-core AMD EPYC, --accelerator host, 2026-12-06). The sweep ran as two shards by model, at the
# same time, into two directories, then one command merged them and drew the pictures; one command does it all too:
#   ilgpuae sweep labels --accelerator host --out runs/labels
set -euo pipefail
ilgpuae sweep labels --models random,cnn --accelerator host --out runs/labels                                   # stopped once (SIGTERM) and resumed
ilgpuae sweep labels --models ae-mnist,sparse-ae-mnist,sparse-ae-fashion --accelerator host --out runs/labels-ae # pretrains runs/labels-ae/encoders
ilgpuae sweep labels --accelerator host --out runs/labels --import runs/labels-ae                               # nothing left to run: merges, draws
python3 results/labels-host/make-table.py runs/labels

#!/usr/bin/env bash
# Runs the BenchmarkDotNet kernel benches. Extra arguments go to BenchmarkDotNet
# (default: every bench with a short job; e.g. `./run-bench.sh --filter '*Gemm*'`).
set -euo pipefail
cd "$(dirname "$0")"
args=("$@")
[ ${#args[@]} -eq 0 ] && args=(--filter '*' --job short)
dotnet run -c Release --project bench/ILGPUAE.Bench -- "${args[@]}"

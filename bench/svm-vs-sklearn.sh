#!/usr/bin/env bash
# `ilgpuae probe svm` beside scikit-learn's LinearSVC on the same codes and C (issue 14's check that the two agree
# within the 95 % interval). Not part of CI: it needs Debian's python3-sklearn (apt-get install python3-sklearn).
#
#   bench/svm-vs-sklearn.sh --model DIR [any other `probe svm` option, e.g. --train-limit 5000 --accelerator host]
#
# Builds the CLI, runs the probe with --codes-out into a temporary folder (kept when KEEP_CODES=1), then
# bench/peers/svm_sklearn.py on those codes; prints both test errors, their intervals, and whether they agree.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
codes="$(mktemp -d)"
[[ "${KEEP_CODES:-0}" == 1 ]] || trap 'rm -rf "$codes"' EXIT
dotnet build "$root/src/ILGPUAE.Cli" -c Release -nologo -v quiet >/dev/null
dotnet "$root/src/ILGPUAE.Cli/bin/Release/net10.0/ilgpuae.dll" probe svm --codes-out "$codes" "$@"
/usr/bin/python3 "$root/bench/peers/svm_sklearn.py" "$codes"

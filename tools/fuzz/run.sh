#!/usr/bin/env bash
# Fuzzes one reader with AFL++ and SharpFuzz for a bounded session (tools/fuzz/README.md).
# usage: tools/fuzz/run.sh idx|fashion|safetensors|amat [SECONDS=600]
# Needs: afl-fuzz (apt-get install afl++) and sharpfuzz (dotnet tool install -g SharpFuzz.CommandLine --version 2.3.0).
set -euo pipefail
reader=$1
seconds=${2:-600}
here=$(cd "$(dirname "$0")" && pwd)
out=${FUZZ_OUT:-/tmp/ilgpuae-fuzz}
export PATH="$PATH:$HOME/.dotnet/tools"

rm -rf "$out/bin"
dotnet build "$here/ILGPUAE.Fuzz" -c Release -nologo -v quiet -o "$out/bin"
rm -rf "$out/seeds/$reader" "$out/findings/$reader"
mkdir -p "$out/findings"
# Seeds first: instrumented code only runs under AFL (it writes to AFL's shared memory).
dotnet "$out/bin/ILGPUAE.Fuzz.dll" seeds "$reader" "$out/seeds/$reader"
# Instrument the engine (the readers live there) in place, so AFL sees which branches each input takes.
sharpfuzz "$out/bin/ILGPUAE.Engine.dll"
# The target is `dotnet`, which AFL cannot see instrumented; SharpFuzz speaks AFL's forkserver protocol itself.
AFL_SKIP_BIN_CHECK=1 AFL_SKIP_CPUFREQ=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 AFL_NO_UI=1 \
  afl-fuzz -V "$seconds" -i "$out/seeds/$reader" -o "$out/findings/$reader" -t 10000 -m none -- dotnet "$out/bin/ILGPUAE.Fuzz.dll" "$reader"

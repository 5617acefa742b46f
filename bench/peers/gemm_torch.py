"""PyTorch CPU reference for bench/ILGPUAE.Bench/MatVec/GemmBench.cs.

Times torch.matmul on the three products of a tied autoencoder step, with the operands stored as the
engine stores them (W is [hidden, visible]; transposes are views, so BLAS gets trans flags, not copies):
encode x·Wᵀ (NT), decode y·W (NN), gradient δᵀ·x (TN). fp32, 2 threads, median of several runs.
Prints JSON. Run with Debian's interpreter: /usr/bin/python3 bench/peers/gemm_torch.py
"""
import json
import os
import re
import statistics
import time

import torch

THREADS = 2
SHAPES = [(100, 784, 1000), (1, 784, 500)]  # batch × visible × hidden
RUNS = 15


def median_seconds(fn):
    # Enough calls per run for ~50 ms, so timer resolution and call overhead do not dominate.
    for _ in range(5):
        fn()
    start = time.perf_counter()
    fn()
    calls = max(1, int(0.05 / max(time.perf_counter() - start, 1e-7)))
    samples = []
    for _ in range(RUNS):
        start = time.perf_counter()
        for _ in range(calls):
            fn()
        samples.append((time.perf_counter() - start) / calls)
    return statistics.median(samples)


def blas_info():
    """torch's BLAS_INFO build setting, and the BLAS library this process actually mapped."""
    match = re.search(r"BLAS_INFO=([^,\s]+)", torch.__config__.show())
    with open("/proc/self/maps") as maps:
        libraries = sorted({line.split()[-1] for line in maps if "blas" in line.lower() and "/" in line})
    return (match.group(1) if match else "unknown"), libraries


def main():
    torch.set_num_threads(THREADS)
    gen = torch.Generator().manual_seed(1)
    results = []
    for batch, visible, hidden in SHAPES:
        x = torch.rand(batch, visible, generator=gen) - 0.5
        w = torch.rand(hidden, visible, generator=gen) - 0.5
        y = torch.rand(batch, hidden, generator=gen) - 0.5
        products = {
            "encode x·Wᵀ (NT)": lambda: torch.matmul(x, w.t()),
            "decode y·W (NN)": lambda: torch.matmul(y, w),
            "gradient δᵀ·x (TN)": lambda: torch.matmul(y.t(), x),
        }
        flops = 2.0 * batch * visible * hidden
        for name, fn in products.items():
            seconds = median_seconds(fn)
            results.append({
                "product": name,
                "shape": f"{batch}x{visible}x{hidden}",
                "median_us": round(seconds * 1e6, 2),
                "gflops": round(flops / seconds / 1e9, 2),
            })
    blas, libraries = blas_info()
    print(json.dumps({
        "torch": torch.__version__,
        "threads": torch.get_num_threads(),
        "BLAS_INFO": blas,
        "blas_libraries": libraries,
        "OPENBLAS_CORETYPE": os.environ.get("OPENBLAS_CORETYPE"),
        "results": results,
    }, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()

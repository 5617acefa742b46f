"""PyTorch peer for W4 of bench/RESULTS.md and reference for bench/ILGPUAE.Bench/MatVec/GemmBench.cs.

Times torch.matmul on the three products of a tied autoencoder step, with the operands stored as the
engine stores them (W is [hidden, visible]; transposes are views, so BLAS gets trans flags, not copies):
encode x·Wᵀ (NT), decode y·W (NN), gradient δᵀ·x (TN); and, with --square N, one N×N×N product (NN).
fp32 (TF32 off on CUDA), median of several runs. Prints JSON.

  time   (default) the timings
  check  reads x.npy [B, V], w.npy [H, V], y.npy [B, H] from --dir and writes nt.npy = x·Wᵀ,
         nn.npy = y·W and tn.npy = yᵀ·x there, for the harness to compare with its own products

Run with Debian's interpreter: /usr/bin/python3 bench/peers/gemm_torch.py
"""
import argparse
import json
import os
import re
import statistics
import time

import torch


def parse_args():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("mode", nargs="?", default="time", choices=["time", "check"])
    p.add_argument("--shapes", default="100x784x1000,1x784x500", help="batch x visible x hidden, comma-separated")
    p.add_argument("--square", type=int, default=0, help="also time an N×N×N product")
    p.add_argument("--runs", type=int, default=15)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--device", default="cpu")
    p.add_argument("--dir", help="check mode's folder")
    return p.parse_args()


def sync(device):
    if device.startswith("cuda"):
        torch.cuda.synchronize()


def median_seconds(fn, runs, device):
    # Enough calls per run for ~50 ms, so timer resolution and call overhead do not dominate.
    for _ in range(3):
        fn()
    sync(device)
    start = time.perf_counter()
    fn()
    sync(device)
    calls = max(1, int(0.05 / max(time.perf_counter() - start, 1e-7)))
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        for _ in range(calls):
            fn()
        sync(device)
        samples.append((time.perf_counter() - start) / calls)
    return statistics.median(samples)


def blas_info():
    """torch's BLAS_INFO build setting, and the BLAS library this process actually mapped."""
    match = re.search(r"BLAS_INFO=([^,\s]+)", torch.__config__.show())
    with open("/proc/self/maps") as maps:
        libraries = sorted({line.split()[-1] for line in maps if "blas" in line.lower() and "/" in line})
    return (match.group(1) if match else "unknown"), libraries


def run_check(args):
    import numpy as np
    load = lambda name: torch.from_numpy(np.load(os.path.join(args.dir, name))).to(args.device)
    x, w, y = load("x.npy"), load("w.npy"), load("y.npy")
    for name, value in {"nt": torch.matmul(x, w.t()), "nn": torch.matmul(y, w), "tn": torch.matmul(y.t(), x)}.items():
        np.save(os.path.join(args.dir, f"{name}.npy"), value.cpu().numpy())
    return {"mode": "check", "device": args.device}


def run_time(args):
    device = args.device
    gen = torch.Generator().manual_seed(1)
    rand = lambda *shape: (torch.rand(*shape, generator=gen) - 0.5).to(device)
    results = []

    def record(name, shape, flops, fn):
        seconds = median_seconds(fn, args.runs, device)
        results.append({"product": name, "shape": shape, "median_us": round(seconds * 1e6, 2),
                        "gflops": round(flops / seconds / 1e9, 2)})

    for spec in filter(None, args.shapes.split(",")):
        batch, visible, hidden = (int(v) for v in spec.split("x"))
        x, w, y = rand(batch, visible), rand(hidden, visible), rand(batch, hidden)
        flops = 2.0 * batch * visible * hidden
        record("encode x·Wᵀ (NT)", spec, flops, lambda: torch.matmul(x, w.t()))
        record("decode y·W (NN)", spec, flops, lambda: torch.matmul(y, w))
        record("gradient δᵀ·x (TN)", spec, flops, lambda: torch.matmul(y.t(), x))
    if args.square:
        n = args.square
        a, b = rand(n, n), rand(n, n)
        record("square (NN)", f"{n}x{n}x{n}", 2.0 * n ** 3, lambda: torch.matmul(a, b))
    blas, libraries = blas_info()
    return {"torch": torch.__version__, "threads": torch.get_num_threads(), "device": device, "BLAS_INFO": blas,
            "blas_libraries": libraries, "OPENBLAS_CORETYPE": os.environ.get("OPENBLAS_CORETYPE"), "results": results}


def main():
    args = parse_args()
    torch.set_num_threads(args.threads)
    if args.device.startswith("cuda"):
        torch.backends.cuda.matmul.allow_tf32 = False
        torch.backends.cudnn.allow_tf32 = False
    out = run_check(args) if args.mode == "check" else run_time(args)
    print(json.dumps(out, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()

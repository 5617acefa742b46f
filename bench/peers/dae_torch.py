"""PyTorch peer of ILGPUAE's tied denoising autoencoder, for workloads W1-W3 of bench/RESULTS.md.

The model is the engine's (src/ILGPUAE/Models/TiedAutoencoder.cs): W [hidden, visible] stored once,
y = sigmoid(x~ W^T + b_hidden), z = sigmoid(y W + b_visible); the loss is summed over the pixels of an
example and averaged over the batch (mse = 1/2 |x - z|^2, xent = binary cross-entropy with logs clamped
at -100, as the engine's); masking noise zeroes each input pixel with probability p; the update is plain
torch.optim.SGD. Batch 1 is the per-sample loop (a view of one image per step).

Modes (each prints one JSON object on stdout):
  info   torch version, threads, BLAS build setting and the BLAS library actually loaded
  time   trains epochs over the first N MNIST images (its own shuffles and masks, initial W from a file)
         for every (hidden, threads) pair asked for, and reports seconds per epoch
  check  trains K steps on inputs the harness wrote into a folder - w0.npy [H, V], x.npy and xt.npy
         [K*B, V] (clean and masked inputs in visit order) - and writes w.npy, b_hidden.npy,
         b_visible.npy and losses.npy (mean loss of each step) there, for the harness to compare

Run with Debian's interpreter on the CPU: /usr/bin/python3 bench/peers/dae_torch.py info
The harness runs it with MALLOC_MMAP_THRESHOLD_ and MALLOC_TRIM_THRESHOLD_ raised (PeerRunner.cs): with glibc's
defaults every step's freed gradient buffers go back to the kernel and are faulted in again.
"""
import argparse
import gzip
import json
import os
import re
import statistics
import struct
import time

import numpy as np
import torch
import torch.nn.functional as F


def parse_args():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("mode", choices=["info", "time", "check"])
    p.add_argument("--device", default="cpu", help="cpu or cuda")
    p.add_argument("--threads", default="2", help="intra-op threads; time mode takes a comma list")
    p.add_argument("--mnist", help="train-images-idx3-ubyte (raw or .gz); time mode")
    p.add_argument("--count", type=int, help="first N images; time mode")
    p.add_argument("--hidden", default="1000", help="hidden units; time mode takes a comma list")
    p.add_argument("--w0", help="folder with w0_<hidden>.npy initial weights; time mode (else Glorot-sigmoid draws)")
    p.add_argument("--batch", type=int, default=100)
    p.add_argument("--loss", choices=["mse", "xent"], default="xent")
    p.add_argument("--corruption", type=float, default=0.25)
    p.add_argument("--lr", type=float, default=0.1)
    p.add_argument("--epochs", type=int, default=3, help="timed epochs; time mode")
    p.add_argument("--warmup", type=int, default=1, help="untimed epochs first; time mode")
    p.add_argument("--dir", help="check mode's folder")
    return p.parse_args()


def blas_info():
    """torch's BLAS_INFO build setting and the BLAS/LAPACK libraries this process mapped."""
    config = torch.__config__.show()
    match = re.search(r"BLAS_INFO=([^,\s]+)", config)
    blas_line = next((line.strip() for line in config.splitlines() if "BLAS" in line), "")
    with open("/proc/self/maps") as maps:
        libraries = sorted({line.split()[-1] for line in maps
                            if ("blas" in line.lower() or "lapack" in line.lower()) and "/" in line})
    return {
        "torch": torch.__version__,
        "BLAS_INFO": match.group(1) if match else "unknown",
        "blas_config_line": blas_line,
        "blas_libraries": libraries,
        "OPENBLAS_CORETYPE": os.environ.get("OPENBLAS_CORETYPE"),
        "cuda": torch.cuda.get_device_name(0) if torch.cuda.is_available() else None,
    }


def setup(device, threads):
    torch.set_num_threads(threads)
    if device.startswith("cuda"):
        # fp32 as the engine computes it: no TF32 tensor-core shortcuts.
        torch.backends.cuda.matmul.allow_tf32 = False
        torch.backends.cudnn.allow_tf32 = False


def sync(device):
    if device.startswith("cuda"):
        torch.cuda.synchronize()


def time_minibatch_epochs(args, data, make_step):
    """For each thread count of args.threads: a fresh model's step from make_step() (a function of a batch returning its mean loss,
    made after the threads are set), args.warmup + args.epochs epochs over data (on the device) in a random order at args.batch,
    each timed; the timed epochs' seconds, their median and rate, and the last epoch's mean loss, one dict per thread count."""
    device = args.device
    n, b = data.shape[0], args.batch
    results = []
    for threads in [int(t) for t in args.threads.split(",")]:
        setup(device, threads)
        step = make_step()
        seconds, loss = [], float("nan")
        for epoch in range(args.warmup + args.epochs):
            sync(device)
            start = time.perf_counter()
            order = torch.randperm(n, device=device)
            total = torch.zeros((), device=device)
            for s in range(0, n, b):
                x = data[order[s:s + b]]
                total += step(x) * x.shape[0]
            loss = total.item() / n   # the epoch's only host round-trip, as in the engine
            sync(device)
            if epoch >= args.warmup:
                seconds.append(time.perf_counter() - start)
        median = statistics.median(seconds)
        results.append({"threads": threads, "seconds": [round(s, 5) for s in seconds], "median_seconds": median,
                        "samples_per_second": n / median, "train_loss": loss})
    return results


def load_mnist_images(path, count):
    """[count, 784] float32 in [0, 1], each byte b as b / 255 in float32, as the engine's Dataset does."""
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as f:
        magic, n, rows, cols = struct.unpack(">IIII", f.read(16))
        if magic != 0x803:
            raise SystemExit(f"{path}: magic {magic:#x}, expected 0x803 (IDX images)")
        count = n if count is None else count
        if count > n:
            raise SystemExit(f"{path}: has {n} images, asked for {count}")
        pixels = np.frombuffer(f.read(count * rows * cols), dtype=np.uint8).reshape(count, rows * cols)
    return torch.from_numpy(pixels.astype(np.float32)) / np.float32(255.0)


class TiedDae:
    """Parameters, optimizer and one SGD step; a step is the whole eager forward/backward/update."""

    def __init__(self, w0, device, lr, loss):
        self.w = torch.tensor(w0, device=device, requires_grad=True)            # [H, V]
        self.bh = torch.zeros(w0.shape[0], device=device, requires_grad=True)   # [H]
        self.bv = torch.zeros(w0.shape[1], device=device, requires_grad=True)   # [V]
        self.opt = torch.optim.SGD([self.w, self.bh, self.bv], lr=lr)
        self.xent = loss == "xent"

    def step(self, x, xt):
        """x, xt [B, V]: clean targets and masked inputs. Returns the batch's mean loss (a 0-d tensor)."""
        y = torch.sigmoid(torch.addmm(self.bh, xt, self.w.t()))   # [B, H]
        z = torch.sigmoid(torch.addmm(self.bv, y, self.w))        # [B, V]
        if self.xent:
            total = F.binary_cross_entropy(z, x, reduction="sum")
        else:
            total = 0.5 * (x - z).pow(2).sum()
        loss = total / x.shape[0]
        self.opt.zero_grad(set_to_none=True)
        loss.backward()
        self.opt.step()
        return loss.detach()


def initial_weights(hidden, visible, folder, generator):
    path = os.path.join(folder, f"w0_{hidden}.npy") if folder else None
    if path and os.path.exists(path):
        w0 = np.load(path)
        if w0.shape != (hidden, visible):
            raise SystemExit(f"{path}: shape {w0.shape}, expected ({hidden}, {visible})")
        return w0
    r = 4.0 * (6.0 / (hidden + visible)) ** 0.5
    return ((torch.rand(hidden, visible, generator=generator) * 2 - 1) * r).numpy()


def time_epochs(data, w0, args, device):
    """Seconds of each timed epoch over all rows of data (already on the device), and the last mean loss."""
    n, b, p = data.shape[0], args.batch, args.corruption
    model = TiedDae(w0, device, args.lr, args.loss)
    seconds, loss = [], float("nan")
    for epoch in range(args.warmup + args.epochs):
        sync(device)
        start = time.perf_counter()
        order = torch.randperm(n, device=device)
        total = torch.zeros((), device=device)
        if b == 1:
            for i in order.tolist():
                x = data[i:i + 1]
                xt = x * (torch.rand(x.shape, device=device) >= p)
                total += model.step(x, xt)
        else:
            for s in range(0, n, b):
                x = data[order[s:s + b]]
                xt = x * (torch.rand(x.shape, device=device) >= p)
                total += model.step(x, xt) * x.shape[0]
        loss = total.item() / n   # the epoch's only host round-trip, as in the engine
        sync(device)
        if epoch >= args.warmup:
            seconds.append(time.perf_counter() - start)
    return seconds, loss


def run_time(args):
    device = args.device
    data = load_mnist_images(args.mnist, args.count).to(device)
    visible = data.shape[1]
    generator = torch.Generator().manual_seed(1)
    results = []
    for threads in [int(t) for t in args.threads.split(",")]:
        setup(device, threads)
        for hidden in [int(h) for h in args.hidden.split(",")]:
            w0 = initial_weights(hidden, visible, args.w0, generator)
            if device.startswith("cuda"):
                torch.cuda.reset_peak_memory_stats()
            seconds, loss = time_epochs(data, w0, args, device)
            median = statistics.median(seconds)
            results.append({
                "hidden": hidden,
                "threads": threads,
                "seconds": [round(s, 5) for s in seconds],
                "median_seconds": median,
                "samples_per_second": data.shape[0] / median,
                "train_loss": loss,
                "peak_device_bytes": torch.cuda.max_memory_allocated() if device.startswith("cuda") else None,
            })
    return {"mode": "time", "device": device, "count": data.shape[0], "batch": args.batch, "loss": args.loss,
            "corruption": args.corruption, "lr": args.lr, "results": results, **blas_info()}


def run_check(args):
    device = args.device
    setup(device, int(args.threads.split(",")[0]))
    folder = args.dir
    w0 = np.load(os.path.join(folder, "w0.npy"))
    x_all = torch.from_numpy(np.load(os.path.join(folder, "x.npy"))).to(device)
    xt_all = torch.from_numpy(np.load(os.path.join(folder, "xt.npy"))).to(device)
    model = TiedDae(w0, device, args.lr, args.loss)
    b = args.batch
    losses = []
    for s in range(0, x_all.shape[0], b):
        losses.append(model.step(x_all[s:s + b], xt_all[s:s + b]).item())
    np.save(os.path.join(folder, "w.npy"), model.w.detach().cpu().numpy())
    np.save(os.path.join(folder, "b_hidden.npy"), model.bh.detach().cpu().numpy())
    np.save(os.path.join(folder, "b_visible.npy"), model.bv.detach().cpu().numpy())
    np.save(os.path.join(folder, "losses.npy"), np.array(losses, dtype=np.float64))
    return {"mode": "check", "device": device, "steps": len(losses), "mean_loss": float(np.mean(losses)), **blas_info()}


def time_calls(args, load, call, fresh=lambda state: state):
    """`time` mode of a peer that times one call (W8's gradient, W9's outer iteration): for each thread count of args.threads,
    state = load(), args.warmup untimed calls, then args.runs calls, each on fresh(state) made before its clock starts and timed
    to the device's completion; prints the median and every run as the harness reads them."""
    results = []
    for threads in [int(t) for t in args.threads.split(",")]:
        setup(args.device, threads)
        state = load()
        for _ in range(args.warmup):
            call(fresh(state))
        sync(args.device)
        seconds = []
        for _ in range(args.runs):
            arguments = fresh(state)
            start = time.perf_counter()
            call(arguments)
            sync(args.device)
            seconds.append(time.perf_counter() - start)
        results.append({"threads": threads, "seconds": float(np.median(seconds)), "runs": seconds})
    print(json.dumps({"mode": "time", "torch": torch.__version__, "blas": blas_info(), "results": results}))


def main():
    args = parse_args()
    if args.mode == "info":
        setup(args.device, int(args.threads.split(",")[0]))
        out = {"mode": "info", "threads": torch.get_num_threads(), **blas_info()}
    elif args.mode == "time":
        out = run_time(args)
    else:
        out = run_check(args)
    print(json.dumps(out, ensure_ascii=False))


if __name__ == "__main__":
    main()

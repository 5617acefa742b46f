"""PyTorch peer of ILGPUAE's deep denoising autoencoder trained jointly, for workload W6 of bench/RESULTS.md.

The model is the engine's Networks.DeepAutoencoder (src/ILGPUAE/Modules/Networks.cs): layer k has W_k [d_k+1, d_k], stored
once and tied, b_hidden_k and b_visible_k; training corrupts the input of every layer with additive Gaussian noise of std
sigma (the corrupted code of layer k is what layer k+1 encodes), h_k+1 = sigmoid(h~_k W_k^T + b_hidden_k); the decoders run
down from the clean top code, z_k = sigmoid(z_k+1 W_k + b_visible_k); the loss is binary cross-entropy (logs clamped at -100)
summed over the pixels of an example and averaged over the batch; the update is torch.optim.RMSprop (alpha 0.9, eps 1e-8,
the study's rule).

Modes (each prints one JSON object on stdout):
  time   trains epochs over the first N MNIST images (its own shuffles and noise, initial W from w0_layer<k>.npy) for every
         thread count asked for, and reports seconds per epoch
  check  trains K steps, without noise, on inputs the harness wrote into a folder - w0_layer<k>.npy and x.npy [K*B, V] (the
         clean inputs in the engine's visit order) - with the single-tensor RMSprop (foreach=False, the engine's contract),
         and writes w_layer<k>.npy, b_hidden_layer<k>.npy, b_visible_layer<k>.npy and losses.npy (each step's mean loss)

Run with Debian's interpreter on the CPU: /usr/bin/python3 bench/peers/deep_dae_torch.py time ...
"""
import argparse
import json
import os

import numpy as np
import torch
import torch.nn.functional as F

from dae_torch import blas_info, load_mnist_images, setup, time_minibatch_epochs


def parse_args():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("mode", choices=["time", "check"])
    p.add_argument("--device", default="cpu", help="cpu or cuda")
    p.add_argument("--threads", default="2", help="intra-op threads; time mode takes a comma list")
    p.add_argument("--mnist", help="train-images-idx3-ubyte (raw or .gz); time mode")
    p.add_argument("--count", type=int, help="first N images; time mode")
    p.add_argument("--layers", type=int, default=2, help="how many w0_layer<k>.npy to read")
    p.add_argument("--w0", help="folder with w0_layer<k>.npy; time mode (check mode reads them from --dir)")
    p.add_argument("--batch", type=int, default=100)
    p.add_argument("--sigma", type=float, default=0.3, help="Gaussian noise on every layer's input; time mode")
    p.add_argument("--lr", type=float, default=0.001)
    p.add_argument("--alpha", type=float, default=0.9)
    p.add_argument("--eps", type=float, default=1e-8)
    p.add_argument("--epochs", type=int, default=3, help="timed epochs; time mode")
    p.add_argument("--warmup", type=int, default=1, help="untimed epochs first; time mode")
    p.add_argument("--dir", help="check mode's folder")
    return p.parse_args()


class DeepDae:
    """Parameters, optimizer and one step; a step is the whole eager forward/backward/update."""

    def __init__(self, w0s, device, args, foreach=None):
        self.w = [torch.tensor(w0, device=device, requires_grad=True) for w0 in w0s]                  # [d_k+1, d_k]
        self.bh = [torch.zeros(w0.shape[0], device=device, requires_grad=True) for w0 in w0s]         # [d_k+1]
        self.bv = [torch.zeros(w0.shape[1], device=device, requires_grad=True) for w0 in w0s]         # [d_k]
        params = [t for k in range(len(w0s)) for t in (self.w[k], self.bh[k], self.bv[k])]
        self.opt = torch.optim.RMSprop(params, lr=args.lr, alpha=args.alpha, eps=args.eps, foreach=foreach)

    def step(self, x, sigma):
        """x [B, V]: the clean inputs, also the targets. Returns the batch's mean loss (a 0-d tensor)."""
        h = x
        for w, bh in zip(self.w, self.bh):
            noisy = h + sigma * torch.randn_like(h) if sigma > 0 else h
            h = torch.sigmoid(torch.addmm(bh, noisy, w.t()))
        z = h
        for w, bv in zip(reversed(self.w), reversed(self.bv)):
            z = torch.sigmoid(torch.addmm(bv, z, w))
        loss = F.binary_cross_entropy(z, x, reduction="sum") / x.shape[0]
        self.opt.zero_grad(set_to_none=True)
        loss.backward()
        self.opt.step()
        return loss.detach()


def load_w0(folder, layers):
    return [np.load(os.path.join(folder, f"w0_layer{k}.npy")) for k in range(layers)]


def run_time(args):
    device = args.device
    data = load_mnist_images(args.mnist, args.count).to(device)
    w0s = load_w0(args.w0, args.layers)

    def make_step():
        model = DeepDae(w0s, device, args)
        return lambda x: model.step(x, args.sigma)

    results = time_minibatch_epochs(args, data, make_step)
    return {"mode": "time", "device": device, "count": data.shape[0], "batch": args.batch, "sigma": args.sigma, "lr": args.lr,
            "results": results, **blas_info()}


def run_check(args):
    device = args.device
    setup(device, int(args.threads.split(",")[0]))
    folder = args.dir
    w0s = load_w0(folder, args.layers)
    x_all = torch.from_numpy(np.load(os.path.join(folder, "x.npy"))).to(device)
    model = DeepDae(w0s, device, args, foreach=False)
    b = args.batch
    losses = [model.step(x_all[s:s + b], 0.0).item() for s in range(0, x_all.shape[0], b)]
    for k in range(args.layers):
        np.save(os.path.join(folder, f"w_layer{k}.npy"), model.w[k].detach().cpu().numpy())
        np.save(os.path.join(folder, f"b_hidden_layer{k}.npy"), model.bh[k].detach().cpu().numpy())
        np.save(os.path.join(folder, f"b_visible_layer{k}.npy"), model.bv[k].detach().cpu().numpy())
    np.save(os.path.join(folder, "losses.npy"), np.array(losses, dtype=np.float64))
    return {"mode": "check", "device": device, "steps": len(losses), "mean_loss": float(np.mean(losses)), **blas_info()}


def main():
    args = parse_args()
    out = run_time(args) if args.mode == "time" else run_check(args)
    print(json.dumps(out, ensure_ascii=False))


if __name__ == "__main__":
    main()

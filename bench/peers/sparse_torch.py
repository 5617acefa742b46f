"""PyTorch peer of ILGPUAE's KL-sparse autoencoder, for workload W8 of bench/RESULTS.md: one full-batch gradient.

The model is the engine's Networks.SparseAutoencoder (src/ILGPUAE/Modules/Networks.cs), untied: h = sigmoid(x W^T + b_hidden),
W [hidden, visible]; z = sigmoid(h W_decoder^T + b_visible), W_decoder [visible, hidden]; the objective (UFLDL's J_sparse) is
  mean over the batch of 1/2 ||x - z||^2  +  beta * sum_j KL(rho || rho_hat_j)  +  (alpha/2) (||W||^2 + ||W_decoder||^2),
rho_hat the batch's mean code, clamped to [1e-6, 1 - 1e-6] as the engine clamps it (LossMath.KlClamp). One gradient is the eager
forward and loss.backward() over the whole batch.

The harness writes a folder: x.npy [N, V], w.npy, b_hidden.npy, w_decoder.npy, b_visible.npy (our initial parameters).
Modes (each prints one JSON object on stdout):
  check  one gradient; writes loss.npy (the objective less the decay, as the engine reports it) and g_<name>.npy, each
         parameter's gradient of the whole objective (the decay's alpha*W included on the weights, as the engine's step adds it)
  time   warmup + runs gradients at each thread count, seconds per gradient
"""
import argparse
import json
import os

import numpy as np
import torch

from dae_torch import setup, sync, time_calls

NAMES = ["w", "b_hidden", "w_decoder", "b_visible"]
CLAMP = np.float32(1e-6)


def parse_args():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("mode", choices=["time", "check"])
    p.add_argument("--dir", required=True)
    p.add_argument("--rho", type=float, default=0.05)
    p.add_argument("--beta", type=float, default=3.0)
    p.add_argument("--alpha", type=float, default=1e-4)
    p.add_argument("--device", default="cpu")
    p.add_argument("--threads", default="2", help="intra-op threads; time mode takes a comma list")
    p.add_argument("--runs", type=int, default=5)
    p.add_argument("--warmup", type=int, default=1)
    return p.parse_args()


def load(args, device):
    x = torch.tensor(np.load(os.path.join(args.dir, "x.npy")), device=device)
    params = {n: torch.tensor(np.load(os.path.join(args.dir, f"{n}.npy")), device=device, requires_grad=True) for n in NAMES}
    return x, params


def objective(x, p, args):
    """(J less the decay, J)."""
    h = torch.sigmoid(x @ p["w"].T + p["b_hidden"])                    # [N, hidden]
    z = torch.sigmoid(h @ p["w_decoder"].T + p["b_visible"])          # [N, visible]
    reconstruction = 0.5 * ((x - z) ** 2).sum(dim=1).mean()
    rho_hat = h.mean(dim=0).clamp(float(CLAMP), float(np.float32(1) - CLAMP))
    rho = args.rho
    kl = (rho * torch.log(rho / rho_hat) + (1 - rho) * torch.log((1 - rho) / (1 - rho_hat))).sum()
    losses = reconstruction + args.beta * kl
    decay = args.alpha / 2 * ((p["w"] ** 2).sum() + (p["w_decoder"] ** 2).sum())
    return losses, losses + decay


def gradient(x, p, args):
    for t in p.values():
        t.grad = None
    losses, total = objective(x, p, args)
    total.backward()
    return losses


def run_check(args):
    setup(args.device, int(args.threads.split(",")[0]))
    x, p = load(args, args.device)
    losses = gradient(x, p, args)
    np.save(os.path.join(args.dir, "loss.npy"), np.array([losses.item()], dtype=np.float64))
    for n in NAMES:
        np.save(os.path.join(args.dir, f"g_{n}.npy"), p[n].grad.detach().cpu().numpy().astype(np.float32))
    print(json.dumps({"mode": "check", "loss": losses.item()}))


def run_time(args):
    time_calls(args, lambda: load(args, args.device), lambda state: gradient(state[0], state[1], args))

def main():
    args = parse_args()
    if args.mode == "check":
        run_check(args)
    else:
        run_time(args)


if __name__ == "__main__":
    main()

"""PyTorch peer of ILGPUAE's batched population fitness (src/ILGPUAE/Genetic/PopulationFitness.cs), issue 17's GA speed figure:
the reconstruction loss of every individual of a population of tied autoencoders on one minibatch, with batched matrix products.

Individual i is row i of population [N, P], P = H*V + H + V, laid out [W (H x V, row-major) | b_hidden (H) | b_visible (V)]
(TiedPopulationLayout). On a clean minibatch x [B, V]:
  H_i = sigmoid(x W_i^T + b_hidden_i)          one torch.baddbmm over the N individuals (x broadcast, not copied)
  Z_i = sigmoid(H_i W_i + b_visible_i)         one torch.baddbmm
  fitness[i] = mean over the B rows of the row loss: 1/2 sum_j (z - x)^2, or -sum_j [x log z + (1 - x) log(1 - z)] with each log
               clamped below at -100 as the engine (and PyTorch's BCELoss) clamps it.
One evaluation is those lines, no gradient.

The harness writes a folder: population.npy [N, P] float32, x.npy [B, V] float32.
Modes (each prints one JSON object on stdout):
  check  one evaluation; writes fitness.npy [N] (float32)
  time   warmup + runs evaluations at each thread count, seconds per evaluation (and individuals per second)
"""
import argparse
import json
import os

import numpy as np
import torch
import torch.nn.functional as F

from dae_torch import setup, time_calls


def parse_args():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("mode", choices=["time", "check"])
    p.add_argument("--dir", required=True)
    p.add_argument("--visible", type=int, default=784)
    p.add_argument("--hidden", type=int, default=100)
    p.add_argument("--loss", choices=["mse", "xent"], default="xent")
    p.add_argument("--device", default="cpu")
    p.add_argument("--threads", default="2", help="intra-op threads; time mode takes a comma list")
    p.add_argument("--runs", type=int, default=5)
    p.add_argument("--warmup", type=int, default=1)
    return p.parse_args()


def load(args, device):
    population = torch.tensor(np.load(os.path.join(args.dir, "population.npy")), device=device)
    x = torch.tensor(np.load(os.path.join(args.dir, "x.npy")), device=device)
    v, h = args.visible, args.hidden
    if population.shape[1] != h * v + h + v or x.shape[1] != v:
        raise SystemExit(f"population {tuple(population.shape)} / x {tuple(x.shape)} do not fit {v} -> {h} tied")
    n = population.shape[0]
    w = population[:, : h * v].view(n, h, v)                          # [N, H, V], views of the rows
    b_hidden = population[:, h * v : h * v + h].unsqueeze(1)          # [N, 1, H]
    b_visible = population[:, h * v + h :].unsqueeze(1)               # [N, 1, V]
    return x, w, b_hidden, b_visible


@torch.no_grad()
def fitness(state, loss):
    x, w, b_hidden, b_visible = state
    n = w.shape[0]
    xs = x.unsqueeze(0).expand(n, -1, -1)                             # [N, B, V], no copy
    # baddbmm adds the bias in the product's pass and sigmoid_ works in place: the fewest passes over [N, B, V] eager PyTorch offers.
    hidden = torch.baddbmm(b_hidden, xs, w.transpose(1, 2)).sigmoid_()   # [N, B, H]
    z = torch.baddbmm(b_visible, hidden, w).sigmoid_()                  # [N, B, V]
    if loss == "mse":
        rows = 0.5 * F.mse_loss(z, xs, reduction="none").sum(dim=2)
    else:
        # BCELoss clamps each log at -100, as the engine does.
        rows = F.binary_cross_entropy(z, xs, reduction="none").sum(dim=2)
    return rows.mean(dim=1)                                           # [N]


def run_check(args):
    setup(args.device, int(args.threads.split(",")[0]))
    f = fitness(load(args, args.device), args.loss)
    np.save(os.path.join(args.dir, "fitness.npy"), f.cpu().numpy().astype(np.float32))
    print(json.dumps({"mode": "check", "individuals": f.shape[0], "best": f.min().item(), "mean": f.mean().item()}))


def run_time(args):
    time_calls(args, lambda: load(args, args.device), lambda state: fitness(state, args.loss))


def main():
    args = parse_args()
    if args.mode == "check":
        run_check(args)
    else:
        run_time(args)


if __name__ == "__main__":
    main()

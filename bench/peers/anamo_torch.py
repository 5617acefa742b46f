"""PyTorch peer of ILGPUAE's ANAMO step, for workload W9 of bench/RESULTS.md: one outer iteration over a fixed slice of MNIST.

The model is the engine's AnamoNetwork (src/ILGPUAE/Training/Anamo/AnamoStep.cs), `train anamo`'s: h = sigmoid(x W_enc^T + b_enc),
W_enc [hidden, visible]; z = sigmoid(h W_dec^T + b_dec), W_dec [visible, hidden]; each example's loss 1/2 ||x - z||^2 + lam ||h||_1,
the gradient that of the minibatch's mean. Per minibatch (AnamoStep): enc_iterations FISTA iterations on (W_enc, b_enc) with the
decoder fixed, then dec_iterations on (W_dec, b_dec) with the encoder fixed, each block's momentum sequence restarted at the
minibatch (OptimizerReference.Fista: s_1 = 1, s_{k+1} = (1 + sqrt(1 + 4 s_k^2)) / 2; the parameter holds the extrapolated point
y_k while its gradient is taken, the loop's last iteration leaves x_k in it). With no L1 penalty on the weights the prox is the
identity. The decoder's loop computes the codes once (the encoder is fixed), as the engine does; autograd computes only the moving
block's gradients. The minibatch's reported losses are those of its first gradient.

The harness writes a folder: x.npy [N, V] (the slice), order.npy [N] (the engine's shuffle of it for this outer iteration),
enc_w.npy, enc_b.npy, dec_w.npy, dec_b.npy (our initial parameters).
Modes (each prints one JSON object on stdout):
  check  one outer iteration; writes loss.npy (the mean over examples of the first gradient's losses, as the trainer's epoch loss)
         and out_<name>.npy, each parameter after it
  time   warmup + runs outer iterations (each from the initial parameters, batches in order.npy's order) at each thread count,
         seconds per outer iteration
"""
import argparse
import json
import math
import os

import numpy as np
import torch

from dae_torch import setup, sync, time_calls

NAMES = ["enc_w", "enc_b", "dec_w", "dec_b"]


def parse_args():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("mode", choices=["time", "check"])
    p.add_argument("--dir", required=True)
    p.add_argument("--lam", type=float, default=0.1)
    p.add_argument("--batch", type=int, default=100)
    p.add_argument("--enc-iterations", type=int, default=5)
    p.add_argument("--dec-iterations", type=int, default=15)
    p.add_argument("--enc-step", type=float, default=1.0)
    p.add_argument("--dec-step", type=float, default=1.0)
    p.add_argument("--device", default="cpu")
    p.add_argument("--threads", default="2", help="intra-op threads; time mode takes a comma list")
    p.add_argument("--runs", type=int, default=5)
    p.add_argument("--warmup", type=int, default=1)
    return p.parse_args()


def load(args, device):
    x = torch.tensor(np.load(os.path.join(args.dir, "x.npy")), device=device)
    order = torch.tensor(np.load(os.path.join(args.dir, "order.npy")).astype(np.int64), device=device)
    initial = {n: torch.tensor(np.load(os.path.join(args.dir, f"{n}.npy")), device=device) for n in NAMES}
    return x, order, initial


def momenta(iterations):
    """(s_k - 1) / s_{k+1} for k = 1 .. iterations, in double as the engine's kernels take them from the step count."""
    s, out = 1.0, []
    for _ in range(iterations):
        s_next = (1 + math.sqrt(1 + 4 * s * s)) / 2
        out.append((s - 1) / s_next)
        s = s_next
    return out


def fista_loop(params, gradient, iterations, step, momentum):
    """iterations FISTA steps on params (a list of tensors, updated in place) from gradient(); returns the first call's losses."""
    previous = [torch.empty_like(p) for p in params]
    first = None
    for k in range(1, iterations + 1):
        losses, grads = gradient()
        if first is None:
            first = losses
        with torch.no_grad():
            for p, g, prev in zip(params, grads, previous):
                x = p - step * g
                if k == 1 or k == iterations:
                    p.copy_(x)
                else:
                    p.copy_(x + momentum[k - 1] * (x - prev))
                prev.copy_(x)
    return first


def outer_iteration(x, order, p, args):
    """One ANAMO iteration per minibatch of order; p the parameters (updated in place). Returns the first gradients' losses, [N]."""
    enc_momentum, dec_momentum = momenta(args.enc_iterations), momenta(args.dec_iterations)
    reported = []
    for start in range(0, order.shape[0], args.batch):
        xb = x[order[start:start + args.batch]]

        def encoder_gradient():
            w, b = p["enc_w"].requires_grad_(True), p["enc_b"].requires_grad_(True)
            h = torch.sigmoid(xb @ w.T + b)
            z = torch.sigmoid(h @ p["dec_w"].T + p["dec_b"])
            losses = 0.5 * ((xb - z) ** 2).sum(dim=1) + args.lam * h.abs().sum(dim=1)
            grads = torch.autograd.grad(losses.mean(), [w, b])
            w.requires_grad_(False)
            b.requires_grad_(False)
            return losses.detach(), grads

        first = None
        if args.enc_iterations > 0:
            first = fista_loop([p["enc_w"], p["enc_b"]], encoder_gradient, args.enc_iterations, args.enc_step, enc_momentum)
        with torch.no_grad():
            h = torch.sigmoid(xb @ p["enc_w"].T + p["enc_b"])
            penalty = args.lam * h.abs().sum(dim=1)

        def decoder_gradient():
            w, b = p["dec_w"].requires_grad_(True), p["dec_b"].requires_grad_(True)
            z = torch.sigmoid(h @ w.T + b)
            losses = 0.5 * ((xb - z) ** 2).sum(dim=1) + penalty
            grads = torch.autograd.grad(losses.mean(), [w, b])
            w.requires_grad_(False)
            b.requires_grad_(False)
            return losses.detach(), grads

        if args.dec_iterations > 0:
            decoder_first = fista_loop([p["dec_w"], p["dec_b"]], decoder_gradient, args.dec_iterations, args.dec_step, dec_momentum)
            first = decoder_first if first is None else first
        reported.append(first)
    return torch.cat(reported)


def run_check(args):
    setup(args.device, int(args.threads.split(",")[0]))
    x, order, initial = load(args, args.device)
    p = {n: t.clone() for n, t in initial.items()}
    losses = outer_iteration(x, order, p, args)
    np.save(os.path.join(args.dir, "loss.npy"), np.array([losses.double().mean().item()], dtype=np.float64))
    for n in NAMES:
        np.save(os.path.join(args.dir, f"out_{n}.npy"), p[n].detach().cpu().numpy().astype(np.float32))
    print(json.dumps({"mode": "check", "loss": losses.double().mean().item()}))


def run_time(args):
    # Each timed iteration starts from the initial parameters, cloned before its clock starts.
    time_calls(args, lambda: load(args, args.device), lambda state: outer_iteration(state[0], state[1], state[2], args),
               fresh=lambda state: (state[0], state[1], {n: t.clone() for n, t in state[2].items()}))

def main():
    args = parse_args()
    if args.mode == "check":
        run_check(args)
    else:
        run_time(args)


if __name__ == "__main__":
    main()

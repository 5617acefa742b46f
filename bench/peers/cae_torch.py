"""PyTorch peer of ILGPUAE's convolutional autoencoder (`ilgpuae train cae`), for workload W7 of bench/RESULTS.md.

The model is not written out here: it is built from the engine's NetworkSpec JSON (spec.json in the weights folder, what
a model file stores in __metadata__), so this peer trains whatever Networks.ConvAutoencoder is at the time. Module kinds:
  conv2d       torch.nn.functional.conv2d, 3x3, stride 1, zero padding 1; W [out, in, 3, 3] and b [out] as torch stores them;
               then its activation (identity, sigmoid, tanh, relu)
  max_pool2d   2x2 max pooling, stride 2
  upsample2d   nearest-neighbour 2x upsampling
  activity_l1  adds lambda * sum|h| of the module's input (per example) to the loss; h passes unchanged
  dense        h W^T + b, then its activation
Rows are flat NCHW images, as the engine keeps them. The objective is reconstruction of the clean input by the last module's
sigmoid output z: per example 1/2 sum (x - z)^2 (squared_error) or -sum[x log z + (1 - x) log(1 - z)] with logs clamped at
-100 (cross_entropy: torch's binary_cross_entropy), averaged over the batch as the engine averages it. The update is
torch.optim.Adam with the harness's lr, betas and eps (the engine's defaults are torch's).

Modes (each prints one JSON object on stdout):
  time   trains epochs over the first N MNIST images (its own shuffles, initial parameters from --w0) at one batch size, for
         every thread count asked for, and reports seconds per epoch and the last epoch's mean loss
  check  trains K steps on inputs the harness wrote into --dir (spec.json, <name>.npy for every parameter, x.npy [K*B, V]: the
         clean images in the engine's visit order) with the single-tensor Adam (foreach=False, the engine's contract), and
         writes <name>.final.npy for every parameter and losses.npy (each step's mean loss)

Run with Debian's interpreter on the CPU: /usr/bin/python3 bench/peers/cae_torch.py time ...
"""
import argparse
import json
import os

import numpy as np
import torch
import torch.nn.functional as F

from dae_torch import blas_info, load_mnist_images, setup, time_minibatch_epochs

ACTIVATIONS = {
    "identity": lambda h: h,
    "sigmoid": torch.sigmoid,
    "tanh": torch.tanh,
    "relu": torch.relu,
}


def parse_args():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("mode", choices=["time", "check"])
    p.add_argument("--device", default="cpu", help="cpu or cuda")
    p.add_argument("--threads", default="2", help="intra-op threads; time mode takes a comma list")
    p.add_argument("--mnist", help="train-images-idx3-ubyte (raw or .gz); time mode")
    p.add_argument("--count", type=int, help="first N images; time mode")
    p.add_argument("--w0", help="folder with spec.json and <name>.npy; time mode (check mode reads them from --dir)")
    p.add_argument("--batch", type=int, default=128)
    p.add_argument("--lr", type=float, default=0.001)
    p.add_argument("--beta1", type=float, default=0.9)
    p.add_argument("--beta2", type=float, default=0.999)
    p.add_argument("--eps", type=float, default=1e-8)
    p.add_argument("--epochs", type=int, default=3, help="timed epochs; time mode")
    p.add_argument("--warmup", type=int, default=1, help="untimed epochs first; time mode")
    p.add_argument("--dir", help="check mode's folder")
    return p.parse_args()


def parameter_names(spec):
    """Every parameter's name, in the spec's module order (weight, then bias)."""
    return [name for m in spec["modules"] if m["kind"] in ("conv2d", "dense") for name in (m["weight"], m["bias"])]


class Cae:
    """The spec's modules over flat rows, its parameters and Adam; a step is the whole eager forward/backward/update."""

    def __init__(self, spec, folder, device, args, foreach=None):
        self.spec = spec
        self.params = {name: torch.tensor(np.load(os.path.join(folder, f"{name}.npy")), device=device, requires_grad=True)
                       for name in parameter_names(spec)}
        objective = spec["objective"]
        if objective["kind"] != "reconstruction":
            raise SystemExit(f"objective {objective['kind']}: this peer trains reconstruction only")
        self.loss = objective["loss"]
        if self.loss not in ("squared_error", "cross_entropy"):
            raise SystemExit(f"reconstruction loss {self.loss}: expected squared_error or cross_entropy")
        self.opt = torch.optim.Adam(list(self.params.values()), lr=args.lr, betas=(args.beta1, args.beta2), eps=args.eps,
                                    foreach=foreach)

    def forward(self, x):
        """z for x [B, V], and the penalties' per-batch sum (a 0-d tensor, or 0)."""
        b = x.shape[0]
        h, penalty = x, 0.0
        for m in self.spec["modules"]:
            kind = m["kind"]
            if kind == "conv2d":
                image = h.view(b, m["in_channels"], m["height"], m["width"])
                h = F.conv2d(image, self.params[m["weight"]], self.params[m["bias"]], padding=1)
                h = ACTIVATIONS[m["activation"]](h).reshape(b, -1)
            elif kind == "max_pool2d":
                h = F.max_pool2d(h.view(b, m["channels"], m["height"], m["width"]), 2).reshape(b, -1)
            elif kind == "upsample2d":
                h = F.interpolate(h.view(b, m["channels"], m["height"], m["width"]), scale_factor=2, mode="nearest").reshape(b, -1)
            elif kind == "activity_l1":
                penalty = penalty + m["lambda"] * h.abs().sum()
            elif kind == "dense":
                h = ACTIVATIONS[m["activation"]](torch.addmm(self.params[m["bias"]], h, self.params[m["weight"]].t()))
            else:
                raise SystemExit(f"module kind {kind}: this peer does not build it")
        return h, penalty

    def step(self, x):
        """x [B, V]: the clean inputs, also the targets. Returns the batch's mean loss (a 0-d tensor)."""
        z, penalty = self.forward(x)
        if self.loss == "squared_error":
            total = 0.5 * ((z - x) ** 2).sum()
        else:
            total = F.binary_cross_entropy(z, x, reduction="sum")
        loss = (total + penalty) / x.shape[0]
        self.opt.zero_grad(set_to_none=True)
        loss.backward()
        self.opt.step()
        return loss.detach()


def load_spec(folder):
    with open(os.path.join(folder, "spec.json")) as f:
        return json.load(f)


def run_time(args):
    device = args.device
    data = load_mnist_images(args.mnist, args.count).to(device)
    spec = load_spec(args.w0)
    results = time_minibatch_epochs(args, data, lambda: Cae(spec, args.w0, device, args).step)
    return {"mode": "time", "device": device, "count": data.shape[0], "batch": args.batch, "lr": args.lr, "results": results, **blas_info()}


def run_check(args):
    device = args.device
    setup(device, int(args.threads.split(",")[0]))
    folder = args.dir
    spec = load_spec(folder)
    x_all = torch.from_numpy(np.load(os.path.join(folder, "x.npy"))).to(device)
    model = Cae(spec, folder, device, args, foreach=False)
    b = args.batch
    losses = [model.step(x_all[s:s + b]).item() for s in range(0, x_all.shape[0], b)]
    for name, value in model.params.items():
        np.save(os.path.join(folder, f"{name}.final.npy"), value.detach().cpu().numpy())
    np.save(os.path.join(folder, "losses.npy"), np.array(losses, dtype=np.float64))
    return {"mode": "check", "device": device, "steps": len(losses), "mean_loss": float(np.mean(losses)), **blas_info()}


def main():
    args = parse_args()
    out = run_time(args) if args.mode == "time" else run_check(args)
    print(json.dumps(out, ensure_ascii=False))


if __name__ == "__main__":
    main()

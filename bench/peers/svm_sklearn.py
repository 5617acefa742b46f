"""scikit-learn peer of `ilgpuae probe svm`: the same linear SVM on the same codes, for the issue's side-by-side check.

Reads what `ilgpuae probe svm --codes-out DIR` wrote: {train,valid,test}_codes.npy [N, width] float32,
{train,valid,test}_labels.npy [N] int32, and c.json (the C ilgpuae chose on the validation set, and its test errors).
Trains LinearSVC(C, loss='squared_hinge', penalty='l2', dual=False, intercept_scaling=1) one-vs-rest on train + valid —
LIBLINEAR's -s 2 -B 1, the objective ilgpuae minimises: per class ½‖w‖² + C·Σ max(0, 1 − y(w·x + b))², b regularised as
a feature of value 1 — with a tight tolerance, then prints both test errors, their 95 % intervals 1.96·√(p(1−p)/n), and
whether they agree within the larger interval. --c fits at another C (e.g. to compare the validation errors too).

Run with Debian's interpreter (python3-sklearn): /usr/bin/python3 bench/peers/svm_sklearn.py DIR
"""
import argparse
import json
import math
import os
import time

import numpy as np
from sklearn.svm import LinearSVC


def interval(p, n):
    return 1.96 * math.sqrt(p * (1 - p) / n)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("codes", help="the folder `probe svm --codes-out` wrote")
    ap.add_argument("--c", type=float, help="C to train at (default: the one ilgpuae chose)")
    ap.add_argument("--tol", type=float, default=1e-6)
    ap.add_argument("--max-iter", type=int, default=100000)
    args = ap.parse_args()

    def load(name):
        return np.load(os.path.join(args.codes, name))

    with open(os.path.join(args.codes, "c.json")) as f:
        ours = json.load(f)
    c = args.c if args.c is not None else ours["c"]
    x = np.concatenate([load("train_codes.npy"), load("valid_codes.npy")]).astype(np.float64)
    y = np.concatenate([load("train_labels.npy"), load("valid_labels.npy")])
    xt, yt = load("test_codes.npy").astype(np.float64), load("test_labels.npy")
    start = time.perf_counter()
    svm = LinearSVC(C=c, loss="squared_hinge", penalty="l2", dual=False, intercept_scaling=1, fit_intercept=True,
                    multi_class="ovr", tol=args.tol, max_iter=args.max_iter)
    svm.fit(x, y)
    seconds = time.perf_counter() - start
    errors = int(np.sum(svm.predict(xt) != yt))
    n = len(yt)
    p = errors / n
    result = {"c": c, "train": len(y), "test": n, "sklearn_test_errors": errors, "sklearn_test_error": p,
              "sklearn_interval95": interval(p, n), "sklearn_seconds": seconds, "sklearn_iterations": int(np.max(svm.n_iter_))}
    print(f"scikit-learn {__import__('sklearn').__version__} LinearSVC C={c:g} on {len(y)} train+valid codes of width {x.shape[1]}, "
          f"{result['sklearn_iterations']} iterations, {seconds:.1f} s")
    print(f"  scikit-learn test error {100 * p:.2f} % ± {100 * interval(p, n):.2f} % ({errors} in {n})")
    if args.c is None or args.c == ours["c"]:
        q = ours["test_errors"] / ours["test_count"]
        agree = abs(p - q) <= max(interval(p, n), interval(q, ours["test_count"]))
        print(f"  ilgpuae      test error {100 * q:.2f} % ± {100 * interval(q, ours['test_count']):.2f} % ({ours['test_errors']} in {ours['test_count']})")
        print(f"  difference {100 * abs(p - q):.2f} points: {'within' if agree else 'OUTSIDE'} the 95 % interval")
        result.update({"ilgpuae_test_errors": ours["test_errors"], "ilgpuae_test_error": q, "agree": agree})
    print(json.dumps(result))


if __name__ == "__main__":
    main()

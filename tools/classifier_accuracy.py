#!/usr/bin/env python3
"""A reader of ILGPUAE classifier checkpoints that shares no code with the engine.

Reads model.safetensors from the spec (8-byte little-endian header length, JSON header, raw little-endian
tensors), runs the classifier the checkpoint describes -- layer{i}.W [out, in], layer{i}.b_hidden for the
pretrained stack, then mlp{j}.W, mlp{j}.b, sigmoid everywhere but the last (softmax) layer -- on the MNIST
test images in double precision, and prints the test accuracy with its 95% interval.

    python3 tools/classifier_accuracy.py RUN_DIR/model.safetensors MNIST_DIR [--limit N]
"""
import argparse
import gzip
import json
import os
import struct

import numpy as np


def read_safetensors(path):
    with open(path, "rb") as f:
        blob = f.read()
    (length,) = struct.unpack("<Q", blob[:8])
    header = json.loads(blob[8:8 + length])
    body = memoryview(blob)[8 + length:]
    tensors = {}
    for name, entry in header.items():
        if name == "__metadata__":
            continue
        if entry["dtype"] != "F32":
            raise SystemExit(f"{path}: tensor {name} has dtype {entry['dtype']}, expected F32")
        start, end = entry["data_offsets"]
        tensors[name] = np.frombuffer(body[start:end], dtype="<f4").reshape(entry["shape"]).astype(np.float64)
    return tensors


def read_idx(directory, name):
    path = os.path.join(directory, name)
    opener = open
    if not os.path.exists(path):
        path += ".gz"
        opener = gzip.open
    with opener(path, "rb") as f:
        blob = f.read()
    magic, count = struct.unpack(">II", blob[:8])
    if magic == 0x801:
        return np.frombuffer(blob, dtype=np.uint8, offset=8)
    rows, cols = struct.unpack(">II", blob[8:16])
    return np.frombuffer(blob, dtype=np.uint8, offset=16).reshape(count, rows * cols)


def layers_of(tensors):
    layers = []
    i = 0
    while f"layer{i}.W" in tensors:
        layers.append((tensors[f"layer{i}.W"], tensors[f"layer{i}.b_hidden"]))
        i += 1
    j = 0
    while f"mlp{j}.W" in tensors:
        layers.append((tensors[f"mlp{j}.W"], tensors[f"mlp{j}.b"]))
        j += 1
    if not layers:
        raise SystemExit("no layer{i}.W or mlp{j}.W tensors: not a classifier checkpoint")
    return layers


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("model")
    parser.add_argument("mnist")
    parser.add_argument("--limit", type=int, default=10000)
    args = parser.parse_args()
    layers = layers_of(read_safetensors(args.model))
    x = read_idx(args.mnist, "t10k-images-idx3-ubyte")[: args.limit].astype(np.float64) / 255.0
    labels = read_idx(args.mnist, "t10k-labels-idx1-ubyte")[: args.limit]
    a = x
    for k, (w, b) in enumerate(layers):
        a = a @ w.T + b
        if k < len(layers) - 1:
            a = 1.0 / (1.0 + np.exp(-a))
    predictions = np.argmax(a, axis=1)
    n = len(labels)
    p = float(np.mean(predictions == labels))
    half = 1.96 * np.sqrt(p * (1 - p) / n)
    shapes = " ".join(f"{w.shape[1]}->{w.shape[0]}" for w, _ in layers)
    print(json.dumps({"model": args.model, "layers": shapes, "examples": n, "test_accuracy": p, "interval95": half}))


if __name__ == "__main__":
    main()

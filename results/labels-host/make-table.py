#!/usr/bin/env python3
"""The README's tables and anchor checks from a label sweep's summary.csv and rows.csv (argv[1]: the sweep directory)."""
import csv, sys, os

d = sys.argv[1]
summary = list(csv.DictReader(open(os.path.join(d, "summary.csv"))))
rows = list(csv.DictReader(open(os.path.join(d, "rows.csv"))))
models = ["ae-mnist", "sparse-ae-mnist", "sparse-ae-fashion", "random", "cnn"]
names = {"ae-mnist": "AE (MNIST)", "sparse-ae-mnist": "sparse AE (MNIST)", "sparse-ae-fashion": "sparse AE (Fashion v2)",
         "random": "random encoder", "cnn": "CNN"}
at = {(r["model"], int(r["labels"])): r for r in summary}
sizes = sorted({int(r["labels"]) for r in summary})
show = [s for s in [160, 480, 960, 1920, 4000, 8000] if s in sizes]

for test, label in [("fixed", "the fixed 350 test images"), ("test", "all 10 000 test images")]:
    print(f"\nAccuracy (%) on {label}, mean ± sd over {at[(models[0], show[0])]['runs']} seeds:\n")
    print("| labels | " + " | ".join(names[m] for m in models) + " |")
    print("|---:|" + "---:|" * len(models))
    for s in show:
        cells = []
        for m in models:
            r = at.get((m, s))
            cells.append("–" if r is None else f"{float(r[test + '_mean']):.1f} ± {float(r[test + '_sd']):.1f}")
        print(f"| {s} | " + " | ".join(cells) + " |")

print()
for test in ["fixed", "test"]:
    best = {s: max(models, key=lambda m: float(at[(m, s)][test + "_mean"]) if (m, s) in at else -1) for s in sizes}
    cnn_best = sum(1 for s in sizes if best[s] == "cnn")
    low = [float(at[("sparse-ae-mnist", s)][test + "_mean"]) for s in sizes if s <= 1000 and ("sparse-ae-mnist", s) in at]
    print(f"{test}: CNN best at {cnn_best} of {len(sizes)} sizes; others best at "
          + ", ".join(f"{s} ({best[s]})" for s in sizes if best[s] != "cnn")[:400])
    if low:
        print(f"{test}: sparse AE (MNIST) from 160 to 1000: {min(low):.1f}–{max(low):.1f} % (study: above 80 %)")
    for m in ["ae-mnist", "sparse-ae-mnist", "sparse-ae-fashion"]:
        if (m, 160) in at and (m, 8000) in at:
            print(f"{test}: {m} at 160: {float(at[(m,160)][test+'_mean']):.1f} % (study's notebooks 55–68), at 8000: {float(at[(m,8000)][test+'_mean']):.1f} % (90–93)")
    rnd = [(s, float(at[("random", s)][test + "_mean"]) - max(float(at[(m, s)][test + "_mean"]) for m in ["ae-mnist", "sparse-ae-mnist", "sparse-ae-fashion"] if (m, s) in at))
           for s in sizes if ("random", s) in at]
    ahead = [s for s, gap in rnd if gap > 0]
    print(f"{test}: random encoder above every pretrained encoder at {len(ahead)} of {len(rnd)} sizes")

secs = sum(float(r["seconds"]) for r in rows)
by = {}
for r in rows:
    by[r["model"]] = by.get(r["model"], 0) + float(r["seconds"])
print(f"\nclassifier runs: {len(rows)}, {secs/60:.1f} min in all; " + ", ".join(f"{m} {by[m]/60:.1f} min" for m in models if m in by))

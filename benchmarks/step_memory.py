"""Resident memory one training step of MultipleNegativesRankingLoss adds, by batch shape: what the recipe's
cached-loss decision (``legalsearch.training.activation_bytes``) is fitted to.

Each shape runs in a fresh interpreter: the base model (the bundled all-MiniLM-L6-v2 unless ``--base``) at the
window, ``rows`` rows of ``texts_per_row`` texts (query, positive, negatives) long enough to fill the window, one
forward and backward pass of MNRL (or, with ``cached``, CachedMultipleNegativesRankingLoss in mini-batches of 8);
the figure is the process's high-water mark after the step minus its resident set before it (``/proc``).
``tests/unit/test_recipe.py`` checks ``legalsearch.training.activation_bytes`` against the committed figures.

    python benchmarks/step_memory.py --json benchmarks/results/step-memory/minilm.json

Shapes: ``ROWS:TEXTS_PER_ROW:WINDOW[:cached]``, default the recipe's (16 rows of 5 texts at 256), the demo's
(16 of 3 at 128) and two between. Each shape is measured ``--repeats`` times (the same step varies by ~10% from
one process to the next, with where the allocator places things); ``step_mb`` is the largest, the one a memory
limit has to allow for. About 20 seconds a measurement on 2 cores.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

DEFAULT_SHAPES = ("16:3:128", "16:5:128", "16:3:256", "16:5:256", "16:5:256:cached")

ONE_STEP = """
import json, sys, time
import torch
from sentence_transformers import SentenceTransformer, losses
from legalsearch.encoders import resolve_model_name
from legalsearch.memory import release_freed_memory, resident_mb

base, rows, per_row, window, cached = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), sys.argv[5] == "1"
model = SentenceTransformer(resolve_model_name(base)[0], device="cpu")
model.max_seq_length = window
model.train()
filler = "the licensee shall indemnify the licensor against any claim arising from its use of the software "
columns = [[f"{i} {j} " + filler * (window // 8) for i in range(rows)] for j in range(per_row)]
features = [model.tokenize(column) for column in columns]
loss = (losses.CachedMultipleNegativesRankingLoss(model, mini_batch_size=8) if cached
        else losses.MultipleNegativesRankingLoss(model))
release_freed_memory("setup")
before = resident_mb()["now"]
started = time.perf_counter()
loss(features, torch.zeros(rows)).backward()
print(json.dumps({"rows": rows, "texts": rows * per_row, "window": window, "tokens": int(features[0]["input_ids"].shape[1]),
                  "cached": cached, "resident_before_mb": before,
                  "step_mb": round(resident_mb()["peak"] - before), "step_s": round(time.perf_counter() - started, 1)}))
"""


def measure(base: str, shape: str, repeats: int) -> dict:
    rows, per_row, window, *rest = shape.split(":")
    runs = []
    for _ in range(repeats):
        done = subprocess.run([sys.executable, "-c", ONE_STEP, base, rows, per_row, window, "1" if rest else "0"],
                              capture_output=True, text=True, check=True, env={**os.environ, "HF_HUB_OFFLINE": "1"})
        runs.append(json.loads(done.stdout.strip().splitlines()[-1]))
    return {**runs[0], "step_mb": max(r["step_mb"] for r in runs), "step_mb_runs": [r["step_mb"] for r in runs],
            "step_s": min(r["step_s"] for r in runs)}


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--base", default="offline-minilm")
    parser.add_argument("--shapes", default=",".join(DEFAULT_SHAPES))
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--json", type=Path, required=True)
    args = parser.parse_args(argv)
    results = []
    for shape in args.shapes.split(","):
        results.append(measure(args.base, shape, args.repeats))
        print(json.dumps(results[-1]))
    from legalsearch.bench import machine_info

    machine = machine_info()
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps({"base": args.base, "cpu": machine["cpu"], "cores": machine["cores"],
                                     "steps": results}, indent=2))


if __name__ == "__main__":
    main()

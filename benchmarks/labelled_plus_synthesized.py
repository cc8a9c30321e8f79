"""Issue 14's second acceptance line: labelled plus synthesized pairs against labelled pairs alone, over seeds.

For one dataset with labelled train queries, in one run on one machine:

* **labelled** — ``legalsearch bench -d DATASET --seeds N [BENCH FLAGS]``;
* **labelled + synthesized** — ``legalsearch data synthesize`` on the dataset's corpus (its labels unused), then
  ``legalsearch data mix --source labelled=DATASET --source synthesized=SYN`` (dev and test come whole from the
  labelled source, so epochs and fusion are chosen on real queries and both arms are scored on the same test
  queries), then the same ``bench`` command on the mix.

Both arms use the same seeds and flags. The comparison is of the fine-tuned row's test NDCG@10, mean of the seeds,
with a two-level bootstrap interval (each arm's seeds resampled on their own, the shared queries together:
:func:`legalsearch.evaluation.two_arm_seed_bootstrap`). The test split is only scored, never chosen on.

    python benchmarks/labelled_plus_synthesized.py -d ../shared/datasets/legalbenchrag_lite -o runs/lps-lbr \\
        --seeds 3 -- --epochs 2 --negatives 1 --max-seq-length 128 --no-onnx --no-speed

Flags after ``--`` go to both ``bench`` commands unchanged. Finished arms are reused (delete OUT/ARM to rerun one).
Writes OUT/comparison.json and prints the table.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

METRIC = "ndcg@10"
LABELLED = "labelled"
SYNTHESIZED = "synthesized"


def legalsearch(*args: str, log: Path) -> float:
    """Run one CLI command as a child process, its output into ``log``; the wall time in seconds."""
    started = time.time()
    with log.open("w") as out:
        completed = subprocess.run([sys.executable, "-m", "legalsearch", *args], stdout=out, stderr=subprocess.STDOUT,
                                   env={**os.environ, "HF_HUB_OFFLINE": "1"})
    if completed.returncode:
        sys.exit(f"legalsearch {' '.join(args)} failed (exit {completed.returncode}); its output: {log}")
    return round(time.time() - started, 1)


def per_seed(bench_out: Path) -> list[dict[str, float]]:
    """The fine-tuned row's per-query metric of every seed of one ``bench --seeds N`` run, query ids without the
    mix's ``labelled:`` prefix so that both arms pair."""
    results = json.loads((bench_out / "results.json").read_text())
    outputs = [Path(p) for p in results.get("per_seed_outputs", [])] or [bench_out]
    runs = []
    for seed_out in outputs:
        values = json.loads((seed_out / "results.json").read_text())["per_query"]["fine-tuned"][METRIC]
        runs.append({qid.split(":", 1)[1] if qid.startswith(f"{LABELLED}:") else qid: v for qid, v in values.items()})
    return runs


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    bench_flags = argv[argv.index("--") + 1:] if "--" in argv else []
    own = argv[:argv.index("--")] if "--" in argv else argv
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-d", "--dataset", type=Path, required=True)
    parser.add_argument("-o", "--out", type=Path, required=True)
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--base", default="offline-minilm")
    parser.add_argument("--max-queries", type=int, default=1000,
                        help="synthesized queries at most (no_labels.sh's ACORD and LegalBench-RAG lite setting)")
    parser.add_argument("--synthesized-weight", type=float, default=1.0,
                        help="share of the synthesized train queries mixed in (data mix --weight)")
    parser.add_argument("--seed", type=int, default=42)
    args = parser.parse_args(own)
    from legalsearch.evaluation import two_arm_seed_bootstrap
    from legalsearch.bench import machine_info

    args.out.mkdir(parents=True, exist_ok=True)
    walls = {}
    synthesized, mixed = args.out / "synthesized", args.out / "mixed-data"
    if not (synthesized / "synthesis_report.json").is_file():
        walls["synthesize"] = legalsearch("data", "synthesize", "-d", str(args.dataset), "-o", str(synthesized),
                                          "--max-queries", str(args.max_queries), "--seed", str(args.seed),
                                          log=args.out / "synthesize.log")
    if not (mixed / "sources.json").is_file():
        legalsearch("data", "mix", "--source", f"{LABELLED}={args.dataset}", "--source",
                    f"{SYNTHESIZED}={synthesized}", "--weight", f"{SYNTHESIZED}={args.synthesized_weight:g}",
                    "-o", str(mixed), "--seed", str(args.seed), log=args.out / "mix.log")
    arms = {LABELLED: args.dataset, f"{LABELLED}+{SYNTHESIZED}": mixed}
    runs = {}
    for arm, data in arms.items():
        out = args.out / arm
        if not (out / "results.json").is_file():
            walls[arm] = legalsearch("bench", "-d", str(data), "--base", args.base, "--seeds", str(args.seeds),
                                     "--seed", str(args.seed), *bench_flags, "-o", str(out), log=args.out / f"{arm}.log")
        runs[arm] = per_seed(out)
    reference, candidate = runs[LABELLED], runs[f"{LABELLED}+{SYNTHESIZED}"]
    gain = two_arm_seed_bootstrap(reference, candidate, seed=args.seed)
    comparison = {
        "dataset": str(args.dataset), "metric": METRIC, "seeds": args.seeds, "bench_flags": bench_flags,
        "max_queries": args.max_queries, "synthesized_weight": args.synthesized_weight,
        "arms": {arm: {"by_seed": by_seed, "mean": sum(by_seed) / len(by_seed)}
                 for arm, by_seed in ((arm, [sum(r.values()) / len(r) for r in rs]) for arm, rs in runs.items())},
        "difference": gain, "at_least_as_good": gain["mean_difference"] >= 0,
        "wall_s": walls, "machine": machine_info(), "command": " ".join([sys.argv[0], *argv]),
    }
    (args.out / "comparison.json").write_text(json.dumps(comparison, indent=2) + "\n")
    print(f"{'arm':<26} {'mean':>7}  by seed")
    for arm, row in comparison["arms"].items():
        print(f"{arm:<26} {row['mean']:7.4f}  " + " ".join(f"{v:.4f}" for v in row["by_seed"]))
    print(f"difference {gain['mean_difference']:+.4f} [{gain['ci_low']:+.4f}, {gain['ci_high']:+.4f}] over "
          f"{gain['queries']} test queries; at least as good: {comparison['at_least_as_good']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

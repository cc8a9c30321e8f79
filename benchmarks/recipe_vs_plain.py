"""The issue-12 acceptance run: the default recipe against a plain sentence-transformers fine-tune, side by side.

For each dataset, on the same machine and (for the recipe) within its default budget:

* **recipe** — ``legalsearch bench -d DATASET --base offline-minilm --seeds N`` with no other flag, in a child
  process whose peak resident memory is recorded (``ru_maxrss`` of the children);
* **plain** — MultipleNegativesRankingLoss with BM25 hard negatives (``plain_negatives``: 3 on ACORD, 1 on
  LegalBench-RAG lite), lr 3e-5, 3 epochs, batch 16, the model's own window, sentence-transformers' own
  no-duplicates sampler (no length grouping), no averaging, the best epoch on the official dev split kept; the
  same seeds; scored on test with the same MaxP retrieval and metrics as ``legalsearch bench``.

Writes ``OUT/results.json`` (every seed of both, means, worst seeds, the recipe's two-level seed × query interval,
peak RSS, wall times, the acceptance checks) and prints a summary table. The test split is only scored, never
chosen on. Run it alone on the machine (speed figures are not compared, only quality and memory):

    nice -n 5 python benchmarks/recipe_vs_plain.py --seeds 3 -o benchmarks/results/recipe_vs_plain \\
        ../shared/datasets/acord:3 ../shared/datasets/legalbenchrag_lite:1

Tens of CPU-minutes per seed and dataset (the recipe's default budget is 30 minutes of mining plus training).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

METRIC = "ndcg@10"


def run_recipe(dataset: Path, out: Path, seeds: int, base: str) -> dict:
    """``legalsearch bench`` with the defaults, as a child process; its results and the children's peak RSS."""
    out.mkdir(parents=True, exist_ok=True)
    started = time.time()
    command = [sys.executable, "-m", "legalsearch", "bench", "-d", str(dataset), "--base", base, "--seeds",
               str(seeds), "-o", str(out)]
    with (out / "bench.log").open("w") as log:
        subprocess.run(command, check=True, stdout=log, stderr=subprocess.STDOUT,
                       env={**os.environ, "HF_HUB_OFFLINE": "1"})
    results = json.loads((out / "results.json").read_text())
    return {"command": " ".join(command), "wall_s": round(time.time() - started, 1),
            "peak_rss_mb_children": round(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024, 1),
            "results": str(out / "results.json"), "seeds": results.get("seeds"),
            "single": None if results.get("seeds") else _row(results, "fine-tuned")}


def recipe_from(out: Path) -> dict:
    """A recipe run made before by the same command (``legalsearch bench ... --seeds N -o OUT``): its results and
    the peak resident memory bench recorded for itself (``peak_rss_mb``), so the plain runs can be added later."""
    results = json.loads((out / "results.json").read_text())
    return {"command": results.get("command", "see results.json"),
            "wall_s": None, "peak_rss_mb_children": results.get("peak_rss_mb"), "results": str(out / "results.json"),
            "seeds": results.get("seeds"), "single": None if results.get("seeds") else _row(results, "fine-tuned"),
            "reused": True}


def _row(results: dict, name: str) -> float:
    return next(row["metrics"][METRIC] for row in results["rows"] if row["name"] == name)


def run_plain(dataset_path: Path, out: Path, seed: int, negatives: int, base: str) -> dict:
    """One plain sentence-transformers fine-tune (see the module docstring); test NDCG@10 per query."""
    import torch
    from sentence_transformers import SentenceTransformer, SentenceTransformerTrainer, \
        SentenceTransformerTrainingArguments, losses

    from legalsearch.data import load_dataset
    from legalsearch.encoders import SentenceTransformerEncoder, load_encoder, resolve_model_name
    from legalsearch.evaluation import evaluate_dense_run
    from legalsearch.mining import MiningConfig, mine
    from legalsearch.training import _import_training, make_dev_evaluator, triplet_dataset

    started = time.time()
    torch.manual_seed(seed)
    name, _ = resolve_model_name(base)
    dataset = load_dataset(dataset_path)
    out.mkdir(parents=True, exist_ok=True)
    triplets = out / "triplets.jsonl"
    # BM25 candidates only, no false-negative guard, the whole top 30 minus judged positives.
    mine(dataset, load_encoder(name), MiningConfig(sources=("bm25",), num_negatives=negatives, rank_start=0,
                                                   rank_end=30, guard_ratio=0.0, seed=seed), triplets)
    rows = [json.loads(line) for line in triplets.read_text().splitlines() if line.strip()]
    model = SentenceTransformer(name, device="cpu")
    batch_samplers = _import_training()[4]
    evaluator = make_dev_evaluator(dataset, "dev", SentenceTransformerEncoder.from_model(model, name, None)
                                   .tokenizer_path)
    args = SentenceTransformerTrainingArguments(
        output_dir=str(out / "checkpoints"), num_train_epochs=3, per_device_train_batch_size=16, learning_rate=3e-5,
        warmup_steps=int(0.1 * 3 * -(-len(rows) // 16)), seed=seed, data_seed=seed,
        batch_sampler=batch_samplers.NO_DUPLICATES, eval_strategy="epoch", save_strategy="epoch",
        save_total_limit=2, load_best_model_at_end=True, metric_for_best_model=f"eval_{evaluator.primary_metric}",
        greater_is_better=True, report_to="none", use_cpu=True, disable_tqdm=True)
    trainer = SentenceTransformerTrainer(model=model, args=args, train_dataset=triplet_dataset(rows),
                                         loss=losses.MultipleNegativesRankingLoss(model), evaluator=evaluator)
    trainer.train()
    encoder = SentenceTransformerEncoder.from_model(trainer.model, f"plain-seed{seed}", None)
    test = evaluate_dense_run(encoder, dataset, "test", (METRIC,))
    return {"seed": seed, METRIC: test.means[METRIC], "per_query": test.per_query[METRIC],
            "dev_history": evaluator.history, "wall_s": round(time.time() - started, 1),
            "peak_rss_mb_self": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("datasets", nargs="+", help="DATASET:PLAIN_NEGATIVES, e.g. ../shared/datasets/acord:3")
    parser.add_argument("-o", "--out", type=Path, required=True)
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--base", default="offline-minilm")
    parser.add_argument("--skip-plain", action="store_true", help="Only the recipe (e.g. a second machine runs plain).")
    parser.add_argument("--recipe-from", action="append", default=[], metavar="NAME=DIR",
                        help="Reuse the bench output DIR of an earlier recipe run for dataset NAME (its results.json; "
                             "peak RSS as bench recorded it) instead of running it again.")
    args = parser.parse_args(argv)
    from legalsearch.bench import machine_info
    from legalsearch.recipe import DEFAULT

    summary = {"date": time.strftime("%Y-%m-%d %H:%M:%S %Z"), "machine": machine_info(),
               "load_average_at_start": os.getloadavg(), "recipe": DEFAULT.to_dict(), "datasets": {}}
    reuse = dict(spec.split("=", 1) for spec in args.recipe_from)
    for spec in args.datasets:
        path, _, negatives = spec.partition(":")
        name = Path(path).name
        entry = {"recipe": recipe_from(Path(reuse[name])) if name in reuse else
                 run_recipe(Path(path), args.out / name / "recipe", args.seeds, args.base)}
        if not args.skip_plain:
            plain = [run_plain(Path(path), args.out / name / f"plain-seed{42 + i}", 42 + i, int(negatives or 1),
                               args.base) for i in range(args.seeds)]
            entry["plain"] = {"by_seed": [p[METRIC] for p in plain],
                              "mean": sum(p[METRIC] for p in plain) / len(plain), "runs": plain}
        seeds = entry["recipe"]["seeds"]
        if seeds:
            tuned = seeds["rows"]["fine-tuned"]
            hybrid = seeds["rows"]["hybrid (bm25 + fine-tuned)"]
            entry["checks"] = {
                "mean_gain_at_least_35pct": (tuned["relative_gain_mean"] or 0) >= 0.35,
                "worst_seed_gain_at_least_20pct": (tuned["relative_gain_worst"] or 0) >= 0.20,
                "interval_excludes_zero": tuned["gain"]["ci_low"] > 0,
                "hybrid_at_least_best_single_every_seed": seeds["hybrid_at_least_best_single_every_seed"],
                "mean_ndcg": tuned["mean"],
                "recipe_mean_at_least_plain": ("plain" in entry and tuned["mean"] >= entry["plain"]["mean"]),
                "peak_rss_under_4gb": (entry["recipe"]["peak_rss_mb_children"] or float("inf")) < 4096}
        summary["datasets"][name] = entry
        args.out.mkdir(parents=True, exist_ok=True)
        (args.out / "results.json").write_text(json.dumps(summary, indent=2))
    summary["load_average_at_end"] = os.getloadavg()
    (args.out / "results.json").write_text(json.dumps(summary, indent=2))
    for name, entry in summary["datasets"].items():
        seeds = entry["recipe"]["seeds"] or {}
        tuned = (seeds.get("rows") or {}).get("fine-tuned", {})
        print(f"{name}: recipe mean {tuned.get('mean', float('nan')):.4f} (worst {tuned.get('worst', float('nan')):.4f})"
              + (f", plain mean {entry['plain']['mean']:.4f}" if "plain" in entry else "")
              + f", peak RSS {entry['recipe']['peak_rss_mb_children']:.0f} MB")
    return 0


if __name__ == "__main__":
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    sys.exit(main())

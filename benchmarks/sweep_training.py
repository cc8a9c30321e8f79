"""Choose fine-tuning settings without touching test: k-fold cross-validation over the train queries plus dev.

A dataset's dev split can be tiny (ACORD's has 6 queries), too few to choose a learning rate, an epoch count, the
number of hard negatives and the passage window by. Here every setting is trained k times on k-1 folds of the
train queries and scored on the held-out fold (MaxP dense retrieval over the full corpus, NDCG@10 after every
epoch), and once on all of train scored on dev. Settings are ranked by the query-weighted mean NDCG@10 over all
held-out queries (every train query once, plus dev). The test split is never loaded.

The pipeline does the work (``legalsearch.mining.mine`` and ``legalsearch.training.train``); this script only
splits, schedules and aggregates. Settings run in parallel worker processes, which pays off on a GPU where one
small model leaves the card mostly idle:

    python benchmarks/sweep_training.py -d ../shared/datasets/acord --base offline-minilm -o runs/sweep-acord \
        --epochs 2,4 --negatives 1,3 --lr 5e-5,1e-4 --max-seq-length 256,512 --folds 3 --workers 6

Writes OUT/results.jsonl (one line per training run, resumable: finished runs are skipped) and OUT/selection.json
(every setting's scores, best first, with the training-token count that predicts its CPU cost).
"""

from __future__ import annotations

import argparse
import dataclasses
import itertools
import json
import os
import random
import shutil
import sys
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from multiprocessing import get_context
from pathlib import Path

from legalsearch.recipe import DEFAULT as RECIPE  # noqa: E402  (mining settings and defaults: the recipe's)

METRIC = "ndcg@10"


@dataclasses.dataclass(frozen=True)
class Setting:
    max_seq_length: int
    negatives: int
    learning_rate: float
    epochs: int

    @property
    def key(self) -> str:
        return f"msl{self.max_seq_length}-neg{self.negatives}-lr{self.learning_rate:g}-ep{self.epochs}"


# The folds are the core's (legalsearch.splits), the same ones `legalsearch train` cross-validates with.
from legalsearch.splits import fold_dataset, fold_query_ids  # noqa: E402


def triplets_file(out: Path, max_seq_length: int, negatives: int) -> Path:
    return out / "triplets" / f"msl{max_seq_length}-neg{negatives}.jsonl"


def mine_all(args, dataset, settings: list[Setting]) -> None:
    """Mine once per (window, negatives) on the whole train split; folds filter the rows by query id.

    A query's triplets depend only on that query's judgements, so filtering is the same as mining per fold.
    Mining also fills the embedding cache with the base model's corpus vectors, which every training run's
    "before training" evaluation then reads instead of encoding again.
    """
    from legalsearch.encoders import load_encoder, resolve_model_name
    from legalsearch.mining import mine

    base, _ = resolve_model_name(args.base)
    for max_seq_length, negatives in sorted({(s.max_seq_length, s.negatives) for s in settings}):
        path = triplets_file(args.out, max_seq_length, negatives)
        if path.is_file():
            continue
        encoder = load_encoder(base, max_seq_length=max_seq_length)
        config = RECIPE.override({"negatives": negatives, "seed": args.seed}, "sweep").mining_config()
        report = mine(dataset, encoder, config, path)
        print(f"mined {report.triplets} triplets at {max_seq_length} tokens, {negatives} negatives", flush=True)


def run_one(args_dict: dict, setting: Setting, fold: int, held_out: list[str]) -> dict:
    """One training run in a worker process: train on the fold's train queries, score each epoch on held-out."""
    from legalsearch.data import load_dataset
    from legalsearch.encoders import resolve_model_name
    from legalsearch.training import TrainingConfig, train

    out = Path(args_dict["out"])
    dataset = load_dataset(args_dict["dataset"], splits=("train", "dev"))
    if held_out:  # a cross-validation fold; fold -1 is "all of train, scored on the official dev split"
        dataset = fold_dataset(dataset, held_out)
    rows = [json.loads(line) for line in
            triplets_file(out, setting.max_seq_length, setting.negatives).read_text().splitlines()]
    train_ids = set(dataset.qrels["train"])
    rows = [row for row in rows if row["query_id"] in train_ids]
    run_dir = out / "work" / f"{setting.key}-fold{fold}"
    run_dir.mkdir(parents=True, exist_ok=True)
    fold_triplets = run_dir / "triplets.jsonl"
    fold_triplets.write_text("".join(json.dumps(row) + "\n" for row in rows))
    base, _ = resolve_model_name(args_dict["base"])
    config = TrainingConfig(epochs=setting.epochs, batch_size=args_dict["batch_size"],
                            learning_rate=setting.learning_rate, max_seq_length=setting.max_seq_length,
                            seed=args_dict["seed"], eval_split="dev")
    started = time.time()
    report = train(dataset, fold_triplets, base, run_dir / "model", config)
    # Texts the model read while training: what CPU time scales with (a forward and backward pass per text).
    tokens = _training_tokens(rows, setting, base) * setting.epochs
    shutil.rmtree(run_dir, ignore_errors=True)  # models are not kept: the sweep only chooses settings
    return {"setting": dataclasses.asdict(setting), "key": setting.key, "fold": fold,
            "held_out_queries": len(dataset.qrels["dev"]), "history": report["dev_history"],
            "train_rows": len(rows), "training_tokens": tokens, "wall_s": round(time.time() - started, 1),
            "device": report["config"]["device"]}


def _training_tokens(rows: list[dict], setting: Setting, base: str) -> int:
    from legalsearch.encoders import _tokenizer_json
    from legalsearch.recipe import load_tokenizer

    tokenizer = load_tokenizer(_tokenizer_json(Path(base)))
    texts = [t for row in rows for t in (row["query"], row["positive"], *row["negatives"])]
    lengths = [min(len(e.ids), setting.max_seq_length) for e in tokenizer.encode_batch(texts)]
    return int(sum(lengths))


def aggregate(results: list[dict]) -> list[dict]:
    """Per setting and epoch: query-weighted mean held-out NDCG@10 over the CV folds and dev."""
    by_key: dict[str, list[dict]] = {}
    for r in results:
        by_key.setdefault(r["key"], []).append(r)
    table = []
    for key, runs in by_key.items():
        epochs = runs[0]["setting"]["epochs"]
        for epoch in range(epochs + 1):
            total, weight, parts = 0.0, 0, {}
            for run in runs:
                point = next((h for h in run["history"] if round(float(h["epoch"])) == epoch), None)
                if point is None:
                    continue
                n = run["held_out_queries"]
                total += point[METRIC] * n
                weight += n
                parts["dev" if run["fold"] < 0 else f"cv{run['fold']}"] = round(point[METRIC], 4)
            if weight:
                table.append({"key": key, **runs[0]["setting"], "at_epoch": epoch, METRIC: round(total / weight, 4),
                              "queries": weight, "by_fold": parts, "folds_done": len(runs),
                              "training_tokens": sum(r["training_tokens"] for r in runs if r["fold"] < 0)})
    return sorted(table, key=lambda row: -row[METRIC])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-d", "--dataset", required=True, type=Path)
    parser.add_argument("--base", default="offline-minilm")
    parser.add_argument("-o", "--out", required=True, type=Path)
    parser.add_argument("--epochs", default="2,4")
    parser.add_argument("--negatives", default="1,3")
    parser.add_argument("--lr", default="5e-5,1e-4")
    parser.add_argument("--max-seq-length", default="256,512")
    parser.add_argument("--batch-size", type=int, default=RECIPE.batch_size)
    parser.add_argument("--folds", type=int, default=3)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--seed", type=int, default=RECIPE.seed)
    parser.add_argument("--budget-s", type=float, default=0, help="Stop submitting runs after this many seconds.")
    args = parser.parse_args(argv)
    from legalsearch.data import load_dataset

    started = time.time()
    args.out.mkdir(parents=True, exist_ok=True)
    settings = [Setting(m, n, lr, e) for m, n, lr, e in itertools.product(
        [int(v) for v in args.max_seq_length.split(",")], [int(v) for v in args.negatives.split(",")],
        [float(v) for v in args.lr.split(",")], [int(v) for v in args.epochs.split(",")])]
    dataset = load_dataset(args.dataset, splits=("train", "dev"))  # test is never read
    folds = fold_query_ids(list(dataset.qrels["train"]), args.folds, args.seed)
    mine_all(args, dataset, settings)

    results_path = args.out / "results.jsonl"
    results = [json.loads(line) for line in results_path.read_text().splitlines()] if results_path.is_file() else []
    done = {(r["key"], r["fold"]) for r in results}
    jobs = [(s, f, held) for s in settings for f, held in [*enumerate(folds), (-1, [])] if (s.key, f) not in done]
    # Cheapest settings first, so a time budget still leaves a complete comparison of the cheap ones.
    jobs.sort(key=lambda job: (job[0].epochs * (2 + job[0].negatives) * job[0].max_seq_length, job[0].key))
    args_dict = {"dataset": str(args.dataset), "base": args.base, "out": str(args.out),
                 "batch_size": args.batch_size, "seed": args.seed}
    print(f"{len(jobs)} training runs to do ({len(settings)} settings x {args.folds + 1} folds)", flush=True)
    with ProcessPoolExecutor(max_workers=args.workers, mp_context=get_context("spawn")) as pool:
        pending = {}
        queue = list(jobs)
        while queue or pending:
            while queue and len(pending) < args.workers and not (args.budget_s and
                                                                 time.time() - started > args.budget_s):
                setting, fold, held = queue.pop(0)
                pending[pool.submit(run_one, args_dict, setting, fold, held)] = (setting.key, fold)
            if not pending:
                break
            future = next(as_completed(pending))
            key, fold = pending.pop(future)
            try:
                result = future.result()
            except Exception as exc:  # one failed run must not lose the others' results
                print(f"FAILED {key} fold {fold}: {exc!r}", file=sys.stderr, flush=True)
                continue
            results.append(result)
            with results_path.open("a") as handle:
                handle.write(json.dumps(result) + "\n")
            best = max(h[METRIC] for h in result["history"][1:])
            print(f"[{time.time() - started:6.0f}s] {key} fold {fold}: base {result['history'][0][METRIC]:.4f} "
                  f"best epoch {best:.4f} ({result['wall_s']}s)", flush=True)
    table = aggregate(results)
    (args.out / "selection.json").write_text(json.dumps({
        "dataset": str(args.dataset), "base": args.base, "folds": folds, "metric": METRIC,
        "note": "held-out NDCG@10, query-weighted over CV folds of train plus dev; test never loaded",
        "table": table}, indent=2))
    for row in table[:15]:
        print(f"{row['key']:<32} epoch {row['at_epoch']}  {METRIC} {row[METRIC]:.4f}  folds {row['folds_done']}  "
              f"{row['by_fold']}", flush=True)
    return 0


if __name__ == "__main__":
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    sys.exit(main())

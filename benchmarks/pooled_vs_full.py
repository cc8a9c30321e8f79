"""Does a pooled held-out check choose as the full corpus would? One training run, every epoch scored both ways.

Training's dev and fold evaluations rank, per query, a candidate pool — the judged documents plus the BM25 and
base-model top ``eval_pool_depth`` (``legalsearch.evaluation.CandidatePools``) — instead of the whole corpus, so
that a checkpoint's evaluation encodes the pools' union and cross-validation fits the budget. This script trains
the recipe once on a dataset and scores the base model and every epoch's checkpoint on the dev queries twice, on
the pools (what training chooses by) and on the whole corpus, and reports NDCG@10 both ways and how well the two
agree on what they are used for: the ranking of the epochs (Kendall tau), the best epoch (same argmax) and the
keep-the-base decision (best epoch at least as good as epoch 0).

Dev is the one training would use (``legalsearch.splits.plan_dev``): the dev split, dev carved from train, or —
where the plan is cross-validation — the first fold's held-out queries. The test split is never read.

    python benchmarks/pooled_vs_full.py -d ../shared/datasets/acord --base offline-minilm -o runs/pooled-acord

Writes OUT/pooled_vs_full.json (the command, date, CPU, the plan, the table and the agreement) and prints the
table. The run itself is one training of the recipe's epochs plus one full-corpus pass per epoch: plan for it.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import platform
import sys
import time
from pathlib import Path

METRIC = "ndcg@10"


def kendall_tau(a: list[float], b: list[float]) -> float | None:
    """Kendall's tau-b of two score lists over the same items (scipy's); None when either list is constant."""
    from scipy.stats import kendalltau

    tau = kendalltau(a, b).statistic
    return None if tau != tau else float(tau)  # NaN: no pair is ordered in one of the lists


def agreement(table: list[dict]) -> dict:
    """How the pooled and the full-corpus figures agree on the epochs of one run (epoch 0 = the base model)."""
    pooled = [row["pooled"] for row in table]
    full = [row["full"] for row in table]

    def best(values: list[float]) -> int:  # ties to the earlier epoch, as training chooses
        return max(range(len(values)), key=lambda i: (round(values[i], 6), -i))

    def keeps_tuned(values: list[float]) -> bool:
        return len(values) > 1 and round(max(values[1:]), 6) >= round(values[0], 6)

    tau = kendall_tau(pooled, full)
    return {"kendall_tau": None if tau is None else round(tau, 4),
            "best_epoch_pooled": table[best(pooled)]["epoch"], "best_epoch_full": table[best(full)]["epoch"],
            "same_best_epoch": best(pooled) == best(full),
            "keeps_tuned_pooled": keeps_tuned(pooled), "keeps_tuned_full": keeps_tuned(full),
            "same_decision": keeps_tuned(pooled) == keeps_tuned(full)}


def dev_of(dataset, recipe):
    """The dataset with the dev split training would choose on, and the plan that says which."""
    from legalsearch.splits import fold_dataset, plan_dev

    data, plan = plan_dev(dataset, recipe.dev_min_queries, recipe.cv_folds, recipe.seed)
    if plan.method == "cross-validation":
        data = fold_dataset(dataset, plan.folds[0])
    data = dataclasses.replace(data, qrels={k: v for k, v in data.qrels.items() if k in ("train", "dev")})
    return data, plan


def scored_both_ways(training_module, full_history: list[dict], seconds: dict):
    """Wrap ``training.make_dev_evaluator``: the pooled evaluator decides, as in training, and every call is
    repeated on the whole corpus (recorded in ``full_history``); ``seconds`` sums each kind's evaluation time."""
    original = training_module.make_dev_evaluator

    def both(dataset, split, tokenizer_path, metrics=None, prompts=None, pools=None):
        pooled = original(dataset, split, tokenizer_path, metrics, prompts, pools)
        full = original(dataset, split, tokenizer_path, metrics, prompts, None)

        class Both(type(pooled)):
            def __call__(self, model, output_path=None, epoch: int = -1, steps: int = -1):
                started = time.time()
                out = super().__call__(model, output_path, epoch, steps)
                seconds["pooled"] += time.time() - started
                started = time.time()
                full(model, output_path, epoch, steps)
                full_history.append(full.history[-1])
                seconds["full"] += time.time() - started
                return out

            def score(self, encoder, stats=None):
                started = time.time()
                out = super().score(encoder, stats)
                seconds["pooled"] += time.time() - started
                started = time.time()
                full_history.append({"epoch": 0, "steps": 0, **full.score(encoder)})
                seconds["full"] += time.time() - started
                return out

        return Both()

    return both


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-d", "--dataset", required=True, type=Path)
    parser.add_argument("--base", default="offline-minilm")
    parser.add_argument("-o", "--out", required=True, type=Path)
    parser.add_argument("--recipe", type=Path, default=None, help="A recipe file (docs/pipeline.md).")
    parser.add_argument("--epochs", type=int, default=None, help="Epochs (default: the recipe's).")
    parser.add_argument("--depth", type=int, default=None, help="Pool depth (default: the recipe's eval_pool_depth).")
    parser.add_argument("--device", default=None)
    args = parser.parse_args(argv)

    import legalsearch.training as training
    from legalsearch.data import load_dataset
    from legalsearch.encoders import default_device, load_encoder, resolve_model_name
    from legalsearch.finetune import evaluation_pools, fit_recipe_window
    from legalsearch.mining import mine
    from legalsearch.recipe import resolve

    started = time.time()
    device = args.device or default_device()
    base, provenance = resolve_model_name(args.base)
    recipe = resolve(args.recipe, {"epochs": args.epochs, "eval_pool_depth": args.depth})
    if recipe.eval_pool_depth <= 0:
        parser.error("the pool depth must be at least 1 (0 is the whole corpus, which this compares against)")
    dataset = load_dataset(args.dataset)
    dataset = dataclasses.replace(dataset, qrels={k: v for k, v in dataset.qrels.items() if k != "test"})
    recipe = fit_recipe_window(recipe, dataset, base)
    data, plan = dev_of(dataset, recipe)
    args.out.mkdir(parents=True, exist_ok=True)
    pools = evaluation_pools(data, base, recipe, device)  # first: the base model's corpus pass lands in the cache
    triplets = args.out / "triplets.jsonl"
    mine(data, load_encoder(base, max_seq_length=recipe.window()), recipe.mining_config(), triplets)

    full_history: list[dict] = []
    seconds = {"pooled": 0.0, "full": 0.0}
    training.make_dev_evaluator = scored_both_ways(training, full_history, seconds)
    config = recipe.training_config(eval_split="dev", device=device)
    report = training.train(data, triplets, base, args.out / "model", config, base_provenance=provenance,
                            recipe=recipe, pools=pools)
    training.clean_checkpoints(args.out / "model")
    # both histories: the base model (epoch 0), then one point per checkpoint evaluation, in the same order
    table = [{"epoch": p["epoch"], "pooled": p[METRIC], "full": f[METRIC]}
             for p, f in zip(report["dev_history"], full_history)]
    result = {
        "command": " ".join([Path(sys.argv[0]).name, *(argv if argv is not None else sys.argv[1:])]),
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "machine": {"platform": platform.platform(), "processor": platform.processor(), "device": device},
        "dataset": str(args.dataset), "base_model": provenance, "dev_plan": plan.to_dict(),
        "dev_queries": len(data.qrels["dev"]), "pool_depth": recipe.eval_pool_depth,
        "pooled_documents": len(pools.documents(data, "dev")), "corpus_documents": len(data.corpus),
        "epochs": recipe.epochs, "table": table, "agreement": agreement(table),
        "evaluation_seconds": {k: round(v, 1) for k, v in seconds.items()},
        "wall_s": round(time.time() - started, 1),
    }
    (args.out / "pooled_vs_full.json").write_text(json.dumps(result, indent=2))
    print(f"{'epoch':>5}  {'pooled':>8}  {'full':>8}")
    for row in table:
        print(f"{row['epoch']!s:>5}  {row['pooled']:8.4f}  {row['full']:8.4f}")
    print(json.dumps(result["agreement"]))
    return 0


if __name__ == "__main__":
    sys.exit(main())

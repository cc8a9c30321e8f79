"""The plain baseline: the textbook sentence-transformers fine-tune, one dataset and one seed per run.

This is what an ML engineer writes in ten lines without legalsearch, and what the default recipe has to beat:

* rows of (query, positive, one negative); each judged (query, positive) pair gets up to ``--negatives`` (3)
  negatives, each in a row of its own;
* negatives drawn from BM25's top 30 for the query (ranks 0-29) minus the documents judged relevant (or one grade
  below, "partially relevant", as mining treats them), plus the documents the annotators judged not relevant where
  the dataset has them (ACORD's grade 1, "same category, not relevant"); no false-negative guard;
* ``MultipleNegativesRankingLoss``, batch 32 with sentence-transformers' no-duplicates sampler, learning rate 3e-5,
  3 epochs, 10% linear warm-up, the model's own window (documents truncated at ``max_seq_length``);
* sentence-transformers' own ``InformationRetrievalEvaluator`` on the dev split after each epoch, and the best
  dev epoch kept (``load_best_model_at_end``).

The test split is only scored, never chosen on, with the same MaxP retrieval and metrics as ``legalsearch bench``
(:func:`legalsearch.evaluation.evaluate_dense_run`), so that its per-query figures pair with bench's rows.

One run writes ``OUT/results.json`` (settings, dev curve, best epoch, test NDCG@10 mean and per query, wall time,
machine); runs of several seeds are assembled afterwards. On a 2-core CPU, ACORD takes about 25 minutes a seed:

    python benchmarks/plain_baseline.py -d ../shared/datasets/acord --seed 42 \\
        -o benchmarks/results/plain-baseline/acord/seed-42
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import sys
import time
from pathlib import Path

METRIC = "ndcg@10"
BM25_DEPTH = 30


def negative_pool(dataset, split: str, bm25_run: dict[str, dict[str, float]]) -> dict[str, list[str]]:
    """Per query: BM25's top ``BM25_DEPTH`` minus the documents judged relevant, then the documents judged not
    relevant (grade > 0), in that order and without repeats. As in mining, a document one grade below relevant
    on a graded scale (ACORD's 2, "partially relevant") counts as relevant here: it is never a negative."""
    not_negative_from = max(1, dataset.relevant_grade - 1)
    pools = {}
    for qid, judged in dataset.qrels_for(split).items():
        relevant = {did for did, grade in judged.items() if grade >= not_negative_from}
        ranked = sorted(bm25_run.get(qid, {}).items(), key=lambda item: -item[1])[:BM25_DEPTH]
        pool = [did for did, _ in ranked if did not in relevant]
        pool += sorted(did for did, grade in judged.items() if 0 < grade < not_negative_from and did not in pool)
        pools[qid] = pool
    return pools


def training_rows(dataset, split: str, pools: dict[str, list[str]], negatives: int, seed: int,
                  max_pairs: int | None = None) -> list[dict]:
    """(anchor, positive, negative) rows: up to ``negatives`` rows per judged pair, each a different negative."""
    rng = random.Random(seed)
    rows = []
    pairs = [(qid, pid) for qid, positives in sorted(dataset.positives(split).items()) for pid in sorted(positives)]
    for qid, pid in pairs[:max_pairs]:
        drawn = rng.sample(pools[qid], min(negatives, len(pools[qid])))
        rows += [{"anchor": dataset.queries[qid], "positive": dataset.corpus[pid].full_text,
                  "negative": dataset.corpus[nid].full_text} for nid in drawn]
    return rows


def dev_evaluator(dataset, split: str):
    from sentence_transformers.evaluation import InformationRetrievalEvaluator

    return InformationRetrievalEvaluator(
        queries=dataset.split_queries(split), corpus={did: doc.full_text for did, doc in dataset.corpus.items()},
        relevant_docs=dataset.positives(split), ndcg_at_k=[10], mrr_at_k=[10], accuracy_at_k=[1],
        precision_recall_at_k=[10], map_at_k=[10], name=split, show_progress_bar=False)


def run(dataset_path: Path, out: Path, seed: int, base: str, negatives: int, epochs: int, batch_size: int,
        learning_rate: float, dev_split: str, max_pairs: int | None = None) -> dict:
    import torch
    from datasets import Dataset as HFDataset
    from sentence_transformers import SentenceTransformer, SentenceTransformerTrainer, \
        SentenceTransformerTrainingArguments
    from sentence_transformers.losses import MultipleNegativesRankingLoss
    from sentence_transformers.training_args import BatchSamplers

    from legalsearch.bench import library_versions, machine_info
    from legalsearch.data import load_dataset
    from legalsearch.encoders import SentenceTransformerEncoder, resolve_model_name
    from legalsearch.evaluation import evaluate_dense_run
    from legalsearch.retrieval import shared_bm25

    started = time.time()
    torch.manual_seed(seed)
    name, provenance = resolve_model_name(base)
    dataset = load_dataset(dataset_path)
    bm25 = shared_bm25(list(dataset.corpus.values()))
    pools = negative_pool(dataset, "train", bm25.search(dataset.split_queries("train"), k=BM25_DEPTH))
    rows = training_rows(dataset, "train", pools, negatives, seed, max_pairs)

    model = SentenceTransformer(name, device="cpu")
    evaluator = dev_evaluator(dataset, dev_split)
    dev_base = evaluator(model)[evaluator.primary_metric]
    out.mkdir(parents=True, exist_ok=True)
    steps_per_epoch = -(-len(rows) // batch_size)
    args = SentenceTransformerTrainingArguments(
        output_dir=str(out / "checkpoints"), num_train_epochs=epochs, per_device_train_batch_size=batch_size,
        learning_rate=learning_rate, warmup_steps=int(0.1 * steps_per_epoch * epochs), seed=seed, data_seed=seed,
        batch_sampler=BatchSamplers.NO_DUPLICATES, eval_strategy="epoch", save_strategy="epoch",
        save_total_limit=epochs, load_best_model_at_end=True, metric_for_best_model=f"eval_{evaluator.primary_metric}",
        greater_is_better=True, report_to="none", use_cpu=True, disable_tqdm=True)
    trainer = SentenceTransformerTrainer(
        model=model, args=args, train_dataset=HFDataset.from_list(rows),
        loss=MultipleNegativesRankingLoss(model), evaluator=evaluator)
    trainer.train()
    train_s = time.time() - started
    dev_curve = [{"epoch": round(entry["epoch"]), METRIC: entry[f"eval_{evaluator.primary_metric}"]}
                 for entry in trainer.state.log_history if f"eval_{evaluator.primary_metric}" in entry]
    best = max(dev_curve, key=lambda entry: entry[METRIC])

    encoder = SentenceTransformerEncoder.from_model(trainer.model, f"plain-seed{seed}", None)
    test = evaluate_dense_run(encoder, dataset, "test", (METRIC,))
    import shutil

    shutil.rmtree(out / "checkpoints", ignore_errors=True)  # hundreds of MB; the figures are what is kept
    return {
        "what": "plain sentence-transformers fine-tune (benchmarks/plain_baseline.py)",
        "command": " ".join([Path(sys.executable).name, *sys.argv]),
        "date": time.strftime("%Y-%m-%d %H:%M:%S %Z"), "machine": machine_info(), "libraries": library_versions(),
        "load_average_at_start": None, "dataset": str(dataset_path), "dataset_sha256": dataset.checksum(),
        "base_model": provenance, "seed": seed,
        "settings": {"loss": "MultipleNegativesRankingLoss", "rows": "(query, positive, one negative)",
                     "negatives_per_pair": negatives, "negative_pool": f"BM25 ranks 0-{BM25_DEPTH - 1} minus judged "
                     "relevant or partially relevant, plus judged not relevant (0 < grade < relevant - 1)", "guard": None, "batch_size": batch_size,
                     "batch_sampler": "no_duplicates", "learning_rate": learning_rate, "epochs": epochs,
                     "warmup_ratio": 0.1, "max_seq_length": int(model.max_seq_length),
                     "selection": f"best epoch on {dev_split} by sentence-transformers' "
                                  f"InformationRetrievalEvaluator ({evaluator.primary_metric})"},
        "training_pairs": sum(len(p) for p in dataset.positives("train").values()), "max_pairs": max_pairs, "training_rows": len(rows),
        "steps": steps_per_epoch * epochs, "dev_queries": len(dataset.qrels_for(dev_split)),
        "dev_base": dev_base, "dev_curve": dev_curve, "best_epoch": best["epoch"],
        "test": {"queries": len(test.per_query[METRIC]), METRIC: test.means[METRIC],
                 "per_query": test.per_query[METRIC]},
        "train_and_dev_s": round(train_s, 1), "wall_s": round(time.time() - started, 1),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-d", "--dataset", type=Path, required=True)
    parser.add_argument("-o", "--out", type=Path, required=True, help="Folder for this run's results.json.")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--base", default="offline-minilm")
    parser.add_argument("--negatives", type=int, default=3, help="Negatives (rows) per judged pair (default: 3).")
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--learning-rate", type=float, default=3e-5)
    parser.add_argument("--dev-split", default="dev")
    parser.add_argument("--max-pairs", type=int, default=None,
                        help="Train on the first N judged pairs only: a smoke run, not a baseline.")
    args = parser.parse_args(argv)
    load = os.getloadavg()
    result = run(args.dataset, args.out, args.seed, args.base, args.negatives, args.epochs, args.batch_size,
                 args.learning_rate, args.dev_split, args.max_pairs)
    result["load_average_at_start"] = load
    result["load_average_at_end"] = os.getloadavg()
    (args.out / "results.json").write_text(json.dumps(result, indent=2))
    print(f"{args.dataset.name} seed {args.seed}: dev {result['dev_base']:.4f} (base) -> best epoch "
          f"{result['best_epoch']}; test {METRIC} {result['test'][METRIC]:.4f} in {result['wall_s'] / 60:.1f} min")
    return 0


if __name__ == "__main__":
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    sys.exit(main())

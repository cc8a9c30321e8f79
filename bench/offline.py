"""Stage — benchmark: the before/after table people decide on, with honest intervals and speed figures.

Quality on the test split for BM25, the base model, the fine-tuned model (PyTorch and exported ONNX) and hybrid
BM25 + fine-tuned; hybrid settings tuned on the dev split only; paired bootstrap intervals for every difference
against the base model; encoder speed; optionally the same through a deployed OpenSearch index.
"""

from __future__ import annotations

import json
import logging
import platform
import resource
import shlex
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from legalsearch import __version__
from legalsearch.bench.speed import DEFAULT_ROUNDS, align_threads, measure_speed, percentile_ms  # noqa: F401
from legalsearch.data import Dataset
from legalsearch.errors import BenchError
from legalsearch.evaluation import DEFAULT_METRICS, Evaluation, evaluate_run, mean_interval, paired_bootstrap, \
    seed_query_bootstrap
from legalsearch.hybrid import TECHNIQUES, HybridConfig
from legalsearch.retrieval import DenseRetriever, Run, fuse, shared_bm25

log = logging.getLogger(__name__)

PRIMARY = "ndcg@10"
HYBRID_ROW = "hybrid (bm25 + fine-tuned)"


def onnx_row(variant: str) -> str:
    """Name of the offline row of the fine-tuned model's exported ``variant`` (int8 | fp32) graph."""
    return f"fine-tuned (onnx {variant})"

GRID_WEIGHTS = tuple(round(0.1 * i, 1) for i in range(0, 11))
GRID_TECHNIQUES = TECHNIQUES


# --- statistics ------------------------------------------------------------------------------------------------------




# --- hybrid tuning ---------------------------------------------------------------------------------------------------


def tune_hybrid(bm25_run: Run, dense_run: Run, dataset: Dataset, split: str) -> tuple[HybridConfig, list[dict]]:
    """Grid-search technique and weights on ``split`` (dev); ties go to the more even weighting."""
    qrels = dataset.qrels_for(split)
    scored: list[tuple[HybridConfig, float]] = []
    for technique in GRID_TECHNIQUES:
        for w in GRID_WEIGHTS:
            config = HybridConfig(technique, (w, round(1 - w, 1)))
            score = evaluate_run(fuse(bm25_run, dense_run, config), qrels, (PRIMARY,), dataset.relevant_grade).means
            scored.append((config, score[PRIMARY]))
    best, _ = max(scored, key=lambda item: (round(item[1], 6), -abs(item[0].weights[0] - 0.5)))
    return best, [{**config.to_dict(), PRIMARY: score} for config, score in scored]


# --- the benchmark ---------------------------------------------------------------------------------------------------


@dataclass
class BenchResult:
    data: dict = field(default_factory=dict)
    hybrid: HybridConfig | None = None  # the setting the hybrid row used (tuned on dev): what hybrid.json holds

    def save(self, out_dir: Path) -> Path:
        out_dir.mkdir(parents=True, exist_ok=True)
        path = out_dir / "results.json"
        path.write_text(json.dumps(self.data, indent=2))
        return path


def _dense_runs(encoder, dataset: Dataset, splits: list[str], k: int, show_progress: bool) -> tuple[dict, dict]:
    """Encode the corpus once, search every split; returns (runs by split, retriever info)."""
    started = time.time()
    retriever = DenseRetriever(encoder, show_progress=show_progress)
    index = retriever.build(list(dataset.corpus.values()))
    runs = {split: retriever.search(dataset.split_queries(split), k=k) for split in splits}
    info = {**retriever.describe(), "corpus_encode_and_search_s": round(time.time() - started, 1)}
    # What happened to texts longer than one passage (the report states it): documents cut into passages and
    # scored by the best (MaxP), documents that reached the passage limit, queries searched as a mean of windows.
    passages = np.diff(np.r_[index.starts, len(index.passage_texts)])
    limit = retriever.chunker.max_chunk_limit
    info["long_texts"] = {
        "documents": len(passages), "documents_over_one_passage": int((passages > 1).sum()),
        "max_passages": int(passages.max()) if len(passages) else 0,
        "documents_at_passage_limit": int((passages >= limit).sum()) if limit != -1 else 0,
        "query_windows": {split: [retriever.query_windows(text)[1] for text in dataset.split_queries(split).values()]
                          for split in splits},
    }
    return runs, info


def run_bench(
    dataset: Dataset,
    encoders: dict,  # label -> Encoder; must contain "base" and "fine-tuned", may contain onnx_row(variant)
    split: str = "test",
    dev_split: str | None = "dev",
    metrics=DEFAULT_METRICS,
    bootstrap_samples: int = 2000,
    seed: int = 0,
    k: int = 100,
    speed_encoders: dict | None = None,
    speed_queries: int = 50,
    speed_documents: int = 128,
    speed_rounds: int = DEFAULT_ROUNDS,
    show_progress: bool = False,
    extra: dict | None = None,
) -> BenchResult:
    if split not in dataset.qrels:
        raise BenchError(f"{dataset.path}: no '{split}' split (qrels/{split}.tsv) to report on; the benchmark "
                         "reports on held-out queries only")
    if dev_split is not None and dev_split not in dataset.qrels:
        log.warning("no '%s' split: hybrid settings are not tuned and fall back to the defaults", dev_split)
        dev_split = None
    for required in ("base", "fine-tuned"):
        if required not in encoders:
            raise BenchError(f"the benchmark needs a '{required}' model")
    splits = [split] + ([dev_split] if dev_split else [])
    qrels = dataset.qrels_for(split)
    if not any(q in dataset.queries for q in qrels):
        raise BenchError(f"qrels of '{split}' match no query")
    documents = list(dataset.corpus.values())

    bm25 = shared_bm25(documents)
    bm25_runs = {s: bm25.search(dataset.split_queries(s), k=k) for s in splits}
    # queries over max_terms analyzed positions are sent (and scored offline) as their key terms
    key_term_queries = {s: sum(bm25.key_terms(t)[0] is not None for t in dataset.split_queries(s).values())
                        for s in splits}
    rows: list[Evaluation] = [evaluate_run(bm25_runs[split], qrels, metrics, dataset.relevant_grade, "bm25",
                                           {**bm25.describe(), "key_term_queries": key_term_queries})]
    dense_runs = {}
    for label, encoder in encoders.items():
        runs, info = _dense_runs(encoder, dataset, splits, k, show_progress)
        dense_runs[label] = runs
        rows.append(evaluate_run(runs[split], qrels, metrics, dataset.relevant_grade, label, info))

    tuning = None
    if dev_split:
        hybrid_config, grid = tune_hybrid(bm25_runs[dev_split], dense_runs["fine-tuned"][dev_split], dataset,
                                          dev_split)
        tuning = {"split": dev_split, "chosen": hybrid_config.to_dict(), "grid": grid}
    else:
        hybrid_config = HybridConfig()
    hybrid_name = HYBRID_ROW
    rows.append(evaluate_run(fuse(bm25_runs[split], dense_runs["fine-tuned"][split], hybrid_config, k=k), qrels,
                             metrics, dataset.relevant_grade, hybrid_name,
                             {"retriever": "hybrid", **hybrid_config.to_dict()}))

    base = next(r for r in rows if r.name == "base")
    comparisons = {}
    for row in rows:
        if row is base:
            continue
        comparisons[row.name] = {
            metric: {
                "relative_change": (row.means[metric] - base.means[metric]) / base.means[metric]
                if base.means[metric] else None,
                **paired_bootstrap(row.per_query[metric], base.per_query[metric], bootstrap_samples, seed),
            }
            for metric in metrics
        }
    best_single = max((r for r in rows if r.name in ("bm25", "fine-tuned")), key=lambda r: r.means[PRIMARY])
    hybrid_row = next(r for r in rows if r.name == hybrid_name)
    bm25_row = next(r for r in rows if r.name == "bm25")

    speed, speed_conditions = {}, None
    if speed_encoders:
        query_texts = list(dataset.split_queries(split).values())[:speed_queries]
        doc_texts = [d.full_text for d in documents[:speed_documents]]
        threads = default_speed_threads(speed_encoders)
        align_threads(threads)
        measured = measure_speed(speed_encoders, query_texts, doc_texts, rounds=speed_rounds, threads=threads)
        speed, speed_conditions = measured.encoders, measured.conditions.to_dict()

    result = {
        "legalsearch_version": __version__,
        "command": " ".join(shlex.quote(a) for a in sys.argv),
        "date": time.strftime("%Y-%m-%d %H:%M:%S %Z"),
        "machine": machine_info(),
        "versions": library_versions(),
        "dataset": {
            "path": str(dataset.path),
            "sha256": dataset.checksum(),
            "documents": len(dataset.corpus),
            "relevant_grade": dataset.relevant_grade,
            "splits": {s: {"queries": len(dataset.qrels[s]),
                           "judgements": sum(len(j) for j in dataset.qrels[s].values())} for s in dataset.qrels},
        },
        "split": split,
        "metrics": list(metrics),
        "rows": [{"name": r.name, "metrics": r.means, "info": r.info,
                  "ci95": {m: mean_interval(r.per_query[m], bootstrap_samples, seed) for m in metrics}}
                 for r in rows],
        "per_query": {r.name: r.per_query for r in rows},
        "comparisons_vs_base": comparisons,
        "hybrid": {"config": hybrid_config.to_dict(), "tuning": tuning,
                   "at_least_best_single": hybrid_row.means[PRIMARY] >= best_single.means[PRIMARY],
                   "best_single": best_single.name,
                   # "above BM25" is a claim about test queries: its paired interval, not only the two means
                   "vs_bm25": paired_bootstrap(hybrid_row.per_query[PRIMARY], bm25_row.per_query[PRIMARY],
                                               bootstrap_samples, seed),
                   "vs_best_single": paired_bootstrap(hybrid_row.per_query[PRIMARY],
                                                      best_single.per_query[PRIMARY], bootstrap_samples, seed)},
        "speed": speed,
        "speed_conditions": speed_conditions,
        # Peak resident memory of this process so far (mining, training and the benchmark when run together).
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        **(extra or {}),
    }
    return BenchResult(result, hybrid_config)


def default_speed_threads(encoders: dict) -> int:
    """The ONNX sessions' thread count (what PyTorch was aligned to), for the speed figures' conditions."""
    return max((getattr(e, "threads", 0) or 0 for e in encoders.values()), default=0)


def summarize_seeds(results: list[dict], samples: int = 2000, seed: int = 0, metric: str = PRIMARY) -> dict:
    """Across training seeds (one :func:`run_bench` result each): every seed's figures, the mean, the spread and a
    two-level bootstrap interval of the gain over the base model (:func:`legalsearch.evaluation.seed_query_bootstrap`),
    for the fine-tuned and hybrid rows; plus each seed's training verdict (did it beat the base on dev/CV?)."""
    base = results[0]["per_query"]["base"][metric]
    out = {"metric": metric, "seeds": [r.get("training", {}).get("recipe", {}).get("values", {}).get("seed")
                                       for r in results], "rows": {}}
    for name in ("fine-tuned", HYBRID_ROW):
        per_seed = [r["per_query"][name][metric] for r in results]
        means = [next(row["metrics"][metric] for row in r["rows"] if row["name"] == name) for r in results]
        gain = seed_query_bootstrap(per_seed, base, samples, seed)
        base_mean = float(np.mean(list(base.values())))
        out["rows"][name] = {
            "by_seed": means, "mean": float(np.mean(means)), "worst": float(min(means)), "best": float(max(means)),
            "spread": float(np.std(means, ddof=1)) if len(means) > 1 else 0.0,
            "relative_gain_mean": gain["mean_difference"] / base_mean if base_mean else None,
            "relative_gain_worst": gain["worst_seed"] / base_mean if base_mean else None,
            "gain": gain}
    out["base"] = float(np.mean(list(base.values())))
    out["bm25"] = next(row["metrics"][metric] for row in results[0]["rows"] if row["name"] == "bm25")
    out["hybrid_at_least_best_single_every_seed"] = all(r["hybrid"]["at_least_best_single"] for r in results)
    out["training_verdicts"] = [r.get("training", {}).get("verdict") for r in results]
    out["tuned_beats_base_on_dev"] = [r.get("training", {}).get("tuned_beats_base") for r in results]
    out["kept_base_model"] = [bool(r.get("training", {}).get("kept_base_model")) for r in results]
    return out


def machine_info() -> dict:
    cpu = platform.processor()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    import os

    return {"cpu": cpu, "cores": os.cpu_count(), "platform": platform.platform(),
            "python": platform.python_version()}


def library_versions() -> dict:
    from importlib import metadata

    out = {}
    for name in ("torch", "sentence-transformers", "transformers", "onnxruntime", "onnx", "bm25s", "ir-measures",
                 "opensearch-py", "numpy"):
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = None
    return out

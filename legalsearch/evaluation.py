"""Stage — evaluation: IR metrics with ir-measures (pytrec_eval), for any run (BM25, dense, hybrid, or through OpenSearch).

Metric names are strings such as ``ndcg@10``, ``recall@20``, ``mrr@10``. NDCG uses the graded judgements as they
are; binary metrics (recall, MRR, precision, hit rate) count a document relevant from the dataset's
``relevant_grade`` (3 for ACORD, whose grade 1 means "same category, not relevant").
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from legalsearch.data import Dataset, Qrels
from legalsearch.errors import DataError
from legalsearch.retrieval import Run

DEFAULT_METRICS = ("ndcg@10", "recall@20", "mrr@10")
# Our metric name -> ir-measures measure name. NDCG is graded; the others take a relevance threshold.
_MEASURES = {"ndcg": "nDCG", "recall": "R", "mrr": "RR", "precision": "P", "hit_rate": "Success", "map": "AP"}
GRADED_METRICS = {"ndcg"}
# The export gate's non-inferiority margin on dev NDCG@10: int8 may be worse than fp32 by less than this. 0.02
# rather than 0.01: a dev split of ~100 queries cannot resolve one hundredth (on a 101-query dev split every int8
# scheme's raw loss was 0.010-0.011 while int8 was 0.002 better on test).
INT8_NDCG_MARGIN = 0.02


def validate_metrics(metrics: tuple[str, ...] | list[str]) -> tuple[str, ...]:
    for metric in metrics:
        name, _, cutoff = metric.partition("@")
        if name not in _MEASURES or (cutoff and not cutoff.isdigit()) or (not cutoff and name != "map"):
            raise ValueError(f"unknown metric {metric!r}; use names like ndcg@10, recall@20, mrr@10 "
                             f"(known: {', '.join(sorted(_MEASURES))}, each with @k except map)")
    return tuple(metrics)


def _measure(metric: str, relevant_grade: int):
    import ir_measures

    name, _, cutoff = metric.partition("@")
    text = _MEASURES[name] if name in GRADED_METRICS else f"{_MEASURES[name]}(rel={relevant_grade})"
    return ir_measures.parse_measure(text + (f"@{cutoff}" if cutoff else ""))


@dataclass
class Evaluation:
    """Metrics of one run: means and per-query values (for significance tests and scatter plots)."""

    name: str
    means: dict[str, float]
    per_query: dict[str, dict[str, float]]  # metric -> query id -> value
    info: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        return {"name": self.name, "metrics": self.means, "info": self.info, "per_query": self.per_query}


def evaluate_run(
    run: Run, qrels: Qrels, metrics=DEFAULT_METRICS, relevant_grade: int = 1, name: str = "run", info=None
) -> Evaluation:
    """Score ``run`` against ``qrels`` with ir-measures (pytrec_eval).

    A judged query that the run does not answer scores 0 (never silently dropped). Binary metrics leave out
    queries with no document at ``relevant_grade`` or above, for which recall and MRR are undefined.
    """
    import ir_measures

    metrics = validate_metrics(metrics)
    judged = {q: {d: int(g) for d, g in docs.items()} for q, docs in qrels.items() if any(g > 0 for g in docs.values())}
    if not judged:
        raise DataError("no query with a relevant judgement to evaluate")
    measures = {metric: _measure(metric, relevant_grade) for metric in metrics}
    by_measure = {measure: metric for metric, measure in measures.items()}
    values: dict[str, dict[str, float]] = {metric: {} for metric in metrics}
    answered = {q: docs for q, docs in run.items() if q in judged and docs}
    for result in ir_measures.iter_calc(list(measures.values()), judged, answered):
        values[by_measure[result.measure]][result.query_id] = float(result.value)
    means, per_query = {}, {}
    for metric in metrics:
        graded = metric.split("@")[0] in GRADED_METRICS
        defined = [q for q in judged if graded or any(g >= relevant_grade for g in judged[q].values())]
        per_query[metric] = {q: values[metric].get(q, 0.0) for q in defined}
        means[metric] = float(np.mean(list(per_query[metric].values()))) if defined else 0.0
    return Evaluation(name, means, per_query, dict(info or {}))


def evaluate_dense(encoder, dataset: Dataset, split: str, metrics=("ndcg@10",), k: int = 100,
                   stats: dict | None = None, documents: list | None = None,
                   pools: dict[str, set[str]] | None = None) -> dict[str, float]:
    """Mean metrics of a dense encoder (MaxP over passages) on ``split`` over the full corpus, over
    ``documents``, or each query over its own pool (see :func:`evaluate_dense_run`; ``stats`` receives
    ``passages`` and ``seconds``)."""
    return evaluate_dense_run(encoder, dataset, split, metrics, k, stats, documents, pools).means


def evaluate_dense_run(encoder, dataset: Dataset, split: str, metrics=("ndcg@10",), k: int = 100,
                       stats: dict | None = None, documents: list | None = None,
                       pools: dict[str, set[str]] | None = None) -> "Evaluation":
    """Metrics (means and per query) of a dense encoder (MaxP over passages) on ``split`` over the full corpus,
    over ``documents`` only (one shared :func:`candidate_pool`), or with ``pools`` (query id -> document ids,
    :meth:`CandidatePools.for_split`) each query over its own pool, encoding only the pools' union.

    ``stats``, when given, receives ``passages`` (how many texts the corpus was encoded as), ``from_cache``
    (whether the corpus embeddings came from the cache) and ``seconds``.
    """
    import time

    from legalsearch.retrieval import DenseRetriever

    started = time.time()
    retriever = DenseRetriever(encoder)
    corpus = list(dataset.corpus.values())
    if pools is not None:  # each query ranks its own pool; the pools' union is what gets encoded
        documents = _union_in_corpus_order(dataset, pools)
    index = retriever.build(corpus) if documents is None else retriever.build_within(corpus, documents)
    if stats is not None:
        stats["passages"] = len(index.passage_texts)
        stats["from_cache"] = retriever.from_cache
    queries = dataset.split_queries(split)
    run = retriever.search(queries, k=k) if pools is None else retriever.search_within(queries, pools, k=k)
    if stats is not None:
        stats["seconds"] = time.time() - started
    return evaluate_run(run, dataset.qrels_for(split), metrics, dataset.relevant_grade, name=encoder.name)


POOL_DEPTH = 100  # BM25 candidates per query in a dev evaluation's pool
POOL_MAX_SHARE = 0.5  # above this share of the corpus, a pool saves too little: rank the whole corpus


def candidate_pool(dataset: Dataset, split: str, depth: int = POOL_DEPTH,
                   max_share: float = POOL_MAX_SHARE) -> list | None:
    """One pool shared by all of ``split``'s queries: every document judged for them and each query's BM25 top
    ``depth`` (in corpus order); None — rank the whole corpus — when that is more than ``max_share`` of it.
    Training's held-out checks rank per-query pools that add the base model's top ``depth``
    (:class:`CandidatePools`); this lexical, shared one is for callers without a base model at hand.

    Every evaluation during training encodes what it ranks; over whole judgments (AILA 2019: 2,914 documents,
    53,000 passages, an hour of CPU a pass) a fold's few dev queries then cost more than the training. Ranking a
    pool is re-ranking evaluation: no judged document is left out, so a pool's NDCG can only be above the full
    corpus's (by distractors outside the pool); the base model and every checkpoint are scored on the same pool,
    so the comparisons that choose an epoch and the verdict are like for like.
    """
    from legalsearch.retrieval import shared_bm25

    documents = list(dataset.corpus.values())
    run = shared_bm25(documents).search(dataset.split_queries(split), k=depth)
    keep = {doc for ranked in run.values() for doc in ranked}
    keep |= {doc for judged in dataset.qrels.get(split, {}).values() for doc in judged}
    if len(keep) > max_share * len(documents):
        return None
    return [doc for doc in documents if doc.id in keep]


@dataclass
class CandidatePools:
    """Per query, the documents a held-out evaluation during training ranks: the BM25 top ``depth`` and the base
    model's top ``depth`` over the whole corpus, computed once per run (:func:`candidate_pools`); the judged
    documents of the split being evaluated are added by :meth:`for_split`.

    Ranking a pool is re-ranking evaluation: no judged document is left out and a checkpoint's ranking differs
    from the full corpus's only where a document outside both first stages would have entered its top 10. Each
    checkpoint's evaluation encodes only the union of its split's pools (the base model's reads the cached corpus
    it ranked once); ``benchmarks/pooled_vs_full.py`` measures how often the epoch chosen on pools is the epoch
    the full corpus would choose.
    """

    depth: int
    bm25: dict[str, list[str]]
    dense: dict[str, list[str]]

    def for_split(self, dataset: Dataset, split: str) -> dict[str, set[str]]:
        """Query id -> its pool: the documents judged for it in ``split`` ∪ its BM25 top ``depth`` ∪ its base
        model top ``depth``."""
        pools = {}
        for qid, judged in dataset.qrels_for(split).items():
            if qid not in self.bm25:
                raise DataError(f"query '{qid}' of split '{split}' has no candidate pool; the pools were computed "
                                "for other queries", dataset.path)
            pools[qid] = set(judged) | set(self.bm25[qid]) | set(self.dense.get(qid, ()))
        return pools

    def documents(self, dataset: Dataset, split: str) -> list:
        """The union of ``split``'s pools, in corpus order (what an evaluation encodes)."""
        return _union_in_corpus_order(dataset, self.for_split(dataset, split))

    def describe(self, dataset: Dataset, split: str) -> str:
        return (f"per-query pools (judged + BM25 top {self.depth}"
                + (f" + base model top {self.depth}" if self.dense else "")
                + f"), {len(self.documents(dataset, split))} of {len(dataset.corpus)} documents in all")


def _union_in_corpus_order(dataset: Dataset, pools: dict[str, set[str]]) -> list:
    union = set().union(*pools.values())
    return [doc for doc in dataset.corpus.values() if doc.id in union]


def candidate_pools(dataset: Dataset, query_ids, depth: int, base_encoder=None,
                    show_progress: bool = False) -> CandidatePools:
    """The BM25 and base-model top ``depth`` of each query in ``query_ids`` over the whole corpus.

    The base model encodes the corpus once through the embedding cache (:class:`legalsearch.retrieval.
    DenseRetriever`): mining and the base model's epoch-0 score then read the same vectors. Without
    ``base_encoder`` the pools hold the judged and BM25 documents only.
    """
    from legalsearch.retrieval import DenseRetriever, shared_bm25

    documents = list(dataset.corpus.values())
    queries = {qid: dataset.queries[qid] for qid in sorted(set(query_ids))}
    bm25 = {qid: list(ranked) for qid, ranked in shared_bm25(documents).search(queries, k=depth).items()}
    bm25 = {qid: bm25.get(qid, []) for qid in queries}
    dense: dict[str, list[str]] = {}
    if base_encoder is not None and queries:
        retriever = DenseRetriever(base_encoder, show_progress=show_progress)
        retriever.build(documents)
        dense = {qid: list(ranked) for qid, ranked in retriever.search(queries, k=depth).items()}
    return CandidatePools(depth, bm25, dense)


# --- statistics: the one home of the intervals every report shows ----------------------------------------------------


def paired_bootstrap(system: dict[str, float], baseline: dict[str, float], samples: int = 2000, seed: int = 0,
                     confidence: float = 0.95) -> dict:
    """Percentile bootstrap interval of mean(system - baseline) over queries resampled with replacement.

    Both dicts map query id -> metric value; only queries present in both are paired.
    """
    qids = sorted(set(system) & set(baseline))
    if not qids:
        raise DataError("no query is scored by both systems; cannot compare them")
    diffs = np.array([system[q] - baseline[q] for q in qids])
    rng = np.random.default_rng(seed)
    means = diffs[rng.integers(0, len(diffs), size=(samples, len(diffs)))].mean(axis=1)
    alpha = (1 - confidence) / 2
    low, high = np.quantile(means, [alpha, 1 - alpha])
    return {
        "mean_difference": float(diffs.mean()),
        "ci_low": float(low),
        "ci_high": float(high),
        "confidence": confidence,
        "samples": samples,
        "queries": len(qids),
        "significant": bool(low > 0 or high < 0),
    }


def mean_interval(values: dict[str, float], samples: int = 2000, seed: int = 0, confidence: float = 0.95) -> list:
    """Percentile bootstrap interval of a mean over queries (for the error bars of the metric plot)."""
    data = np.array(list(values.values()))
    if len(data) == 0:
        return [0.0, 0.0]
    rng = np.random.default_rng(seed)
    means = data[rng.integers(0, len(data), size=(samples, len(data)))].mean(axis=1)
    alpha = (1 - confidence) / 2
    return [float(x) for x in np.quantile(means, [alpha, 1 - alpha])]


def seed_query_bootstrap(per_seed: list[dict[str, float]], baseline: dict[str, float], samples: int = 2000,
                         seed: int = 0, confidence: float = 0.95) -> dict:
    """Interval of the mean gain over seeds that accounts for seed and query variance: a two-level bootstrap.

    ``per_seed`` holds one ``{query id: metric}`` per training seed, ``baseline`` the base model's (which does not
    depend on the seed). Each resample draws the seeds with replacement, then the queries with replacement (the
    same draw for every seed, as the queries are shared), and takes the mean over the drawn seeds of each seed's
    mean difference to the baseline. With one seed it is :func:`paired_bootstrap`'s query interval.

    Returns the mean gain, the interval, whether it excludes zero, each seed's mean gain, the spread (standard
    deviation over seeds) and the worst seed's gain.
    """
    qids = sorted(set(baseline).intersection(*[set(p) for p in per_seed])) if per_seed else []
    if not qids:
        raise DataError("no query is scored by every seed and the baseline; cannot compare them")
    diffs = np.array([[run[q] - baseline[q] for q in qids] for run in per_seed])  # seeds x queries
    rng = np.random.default_rng(seed)
    n_seeds, n_queries = diffs.shape
    seed_draw = rng.integers(0, n_seeds, size=(samples, n_seeds))
    query_draw = rng.integers(0, n_queries, size=(samples, n_queries))
    means = np.array([diffs[seed_draw[i]][:, query_draw[i]].mean() for i in range(samples)])
    alpha = (1 - confidence) / 2
    low, high = np.quantile(means, [alpha, 1 - alpha])
    by_seed = diffs.mean(axis=1)
    return {"mean_difference": float(diffs.mean()), "ci_low": float(low), "ci_high": float(high),
            "confidence": confidence, "samples": samples, "queries": n_queries, "seeds": n_seeds,
            "significant": bool(low > 0 or high < 0), "by_seed": [float(v) for v in by_seed],
            "spread": float(by_seed.std(ddof=1)) if n_seeds > 1 else 0.0, "worst_seed": float(by_seed.min())}


def two_arm_seed_bootstrap(reference: list[dict[str, float]], candidate: list[dict[str, float]],
                           samples: int = 2000, seed: int = 0, confidence: float = 0.95) -> dict:
    """Interval of mean(candidate) − mean(reference) when both are trained over several seeds on the same queries.

    Each arm is one ``{query id: metric}`` per seed. The arms' seeds are independent trainings (seed 42 of one arm
    owes nothing to seed 42 of the other), so each resample draws each arm's seeds with replacement on its own, and
    the queries once for both (they are shared). The difference is of the seed-averaged means, which is what "mean
    of N seeds" compares.
    """
    qids = sorted(set.intersection(*[set(p) for p in reference + candidate])) if reference and candidate else []
    if not qids:
        raise DataError("no query is scored by every seed of both arms; cannot compare them")
    ref = np.array([[run[q] for q in qids] for run in reference])  # seeds x queries
    cand = np.array([[run[q] for q in qids] for run in candidate])
    rng = np.random.default_rng(seed)
    means = np.empty(samples)
    for i in range(samples):
        queries = rng.integers(0, len(qids), size=len(qids))
        ref_seeds = rng.integers(0, len(ref), size=len(ref))
        cand_seeds = rng.integers(0, len(cand), size=len(cand))
        means[i] = cand[cand_seeds][:, queries].mean() - ref[ref_seeds][:, queries].mean()
    alpha = (1 - confidence) / 2
    low, high = np.quantile(means, [alpha, 1 - alpha])
    return {"mean_difference": float(cand.mean() - ref.mean()), "ci_low": float(low), "ci_high": float(high),
            "confidence": confidence, "samples": samples, "queries": len(qids),
            "seeds": [len(ref), len(cand)], "significant": bool(low > 0 or high < 0),
            "reference_by_seed": [float(v) for v in ref.mean(axis=1)],
            "candidate_by_seed": [float(v) for v in cand.mean(axis=1)]}


def non_inferiority(candidate: dict[str, float], reference: dict[str, float], margin: float, samples: int = 2000,
                    seed: int = 0, confidence: float = 0.95) -> dict:
    """Paired non-inferiority test: is mean(candidate − reference) above −``margin``?

    The one-sided lower bound of a paired bootstrap (the ``1 − confidence`` quantile of the resampled mean
    differences) must exceed ``−margin``. With few queries the bound is wide and the test cannot show
    non-inferiority for a real loss, and it does not fail a candidate for a difference within noise.
    """
    test = paired_bootstrap(candidate, reference, samples, seed, confidence=1 - 2 * (1 - confidence))
    lower = test["ci_low"]
    return {"mean_difference": test["mean_difference"], "lower_bound": lower, "margin": margin,
            "confidence": confidence, "queries": test["queries"], "samples": samples,
            "non_inferior": bool(lower > -margin)}


@dataclass
class ResultsTable:
    """Rows of evaluations with a relative change against a baseline row (e.g. the base model)."""

    rows: list[Evaluation]
    baseline: str | None = None
    split: str = "test"

    def _base(self) -> Evaluation | None:
        return next((r for r in self.rows if r.name == self.baseline), None)

    def to_dict(self) -> dict:
        base = self._base()
        out = {"split": self.split, "baseline": self.baseline, "rows": []}
        for row in self.rows:
            entry = {"name": row.name, "metrics": row.means, "info": row.info}
            if base is not None and row is not base:
                entry["relative_change"] = {
                    m: (row.means[m] - base.means[m]) / base.means[m] if base.means.get(m) else None
                    for m in row.means
                }
            out["rows"].append(entry)
        return out

    def to_table(self) -> str:
        if not self.rows:
            return "(no results)"
        metrics = list(self.rows[0].means)
        base = self._base()
        header = ["model"] + metrics + ([f"Δ {metrics[0]} vs {self.baseline}"] if base else [])
        lines = []
        for row in self.rows:
            cells = [row.name] + [f"{row.means[m]:.4f}" for m in metrics]
            if base:
                ref = base.means[metrics[0]]
                cells.append("—" if row is base or not ref else f"{(row.means[metrics[0]] - ref) / ref:+.1%}")
            lines.append(cells)
        widths = [max(len(h), *(len(c[i]) for c in lines)) for i, h in enumerate(header)]
        fmt = lambda cells: "  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(cells, widths)))
        return "\n".join([fmt(header), fmt(["-" * w for w in widths])] + [fmt(c) for c in lines])

    def to_markdown(self) -> str:
        metrics = list(self.rows[0].means)
        base = self._base()
        head = "| model | " + " | ".join(metrics) + (" | Δ NDCG@10 vs base |" if base else " |")
        sep = "|---|" + "---:|" * (len(metrics) + (1 if base else 0))
        body = []
        for row in self.rows:
            cells = [f"{row.means[m]:.4f}" for m in metrics]
            if base:
                ref = base.means[metrics[0]]
                cells.append("—" if row is base or not ref else f"{(row.means[metrics[0]] - ref) / ref:+.1%}")
            body.append(f"| {row.name} | " + " | ".join(cells) + " |")
        return "\n".join([head, sep, *body])

    def save(self, path: str | Path) -> Path:
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(self.to_dict(), indent=2))
        return path

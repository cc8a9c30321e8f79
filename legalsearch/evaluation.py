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


def evaluate_dense(encoder, dataset: Dataset, split: str, metrics=("ndcg@10",), k: int = 100) -> dict[str, float]:
    """Mean metrics of a dense encoder (MaxP over passages) on ``split`` over the full corpus."""
    from legalsearch.retrieval import DenseRetriever

    retriever = DenseRetriever(encoder)
    retriever.build(list(dataset.corpus.values()))
    run = retriever.search(dataset.split_queries(split), k=k)
    return evaluate_run(run, dataset.qrels_for(split), metrics, dataset.relevant_grade, name=encoder.name).means


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

"""Run several retrievers on one split and tabulate them: BM25, dense models, and hybrid BM25 + dense.

Shared by ``legalsearch eval``, ``demo`` and ``bench`` so that every number in the project is computed one way.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field

from legalsearch.data import Dataset
from legalsearch.evaluation import DEFAULT_METRICS, Evaluation, ResultsTable, evaluate_run
from legalsearch.hybrid import HybridConfig
from legalsearch.retrieval import BM25Retriever, DenseRetriever, Run, fuse

log = logging.getLogger(__name__)


@dataclass
class Comparison:
    table: ResultsTable
    runs: dict[str, Run] = field(default_factory=dict)

    def evaluation(self, name: str) -> Evaluation:
        return next(row for row in self.table.rows if row.name == name)


def compare(
    dataset: Dataset,
    split: str,
    encoders: dict,  # label -> Encoder, in table order
    include_bm25: bool = True,
    hybrid_of: str | None = None,  # label of the dense encoder to fuse with BM25
    hybrid: HybridConfig | None = None,
    metrics=DEFAULT_METRICS,
    baseline: str | None = None,
    k: int = 100,
    show_progress: bool = False,
) -> Comparison:
    queries = dataset.split_queries(split)
    qrels = dataset.qrels_for(split)
    documents = list(dataset.corpus.values())
    rows, runs = [], {}

    def add(name: str, run: Run, info: dict) -> None:
        runs[name] = run
        rows.append(evaluate_run(run, qrels, metrics, dataset.relevant_grade, name=name, info=info))

    if include_bm25 or hybrid_of:
        bm25 = BM25Retriever(documents)
        bm25_run = bm25.search(queries, k=k)
        if include_bm25:
            add("bm25", bm25_run, bm25.describe())
    for label, encoder in encoders.items():
        started = time.time()
        retriever = DenseRetriever(encoder, show_progress=show_progress)
        retriever.build(documents)
        run = retriever.search(queries, k=k)
        add(label, run, {**retriever.describe(), "seconds": round(time.time() - started, 1)})
    if hybrid_of:
        config = hybrid or HybridConfig()
        add(f"hybrid (bm25 + {hybrid_of})", fuse(bm25_run, runs[hybrid_of], config, k=k),
            {"retriever": "hybrid", **config.to_dict()})
    return Comparison(ResultsTable(rows, baseline=baseline, split=split), runs)

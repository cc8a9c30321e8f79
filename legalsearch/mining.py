"""Stage 2 — hard-negative mining: for each (query, positive) pick documents that look relevant but are not.

Candidates come from BM25 and/or the base dense model (and, when the qrels grade below the relevance threshold,
from the judged "same category but not relevant" documents). Three guards keep labels honest:

* a document judged relevant — or one grade below relevant, i.e. partially relevant — is never a negative;
* the false-negative guard drops candidates that the base model scores above ``guard_ratio`` × the positive's score
  (unjudged near-duplicates of the answer are usually unlabelled positives, not negatives); a candidate the
  annotators judged not relevant for the query is a known negative, not a suspected positive, and is kept;
* only ranks inside ``[rank_start, rank_end)`` are used: the very top of an unjudged list is where missed positives
  hide, the tail is too easy to teach anything.

Texts are passages: a long document contributes the passage the base model finds best for the query (MaxP), so
training sees what evaluation scores. Output is JSONL, one triplet row per (query, positive).
"""

from __future__ import annotations

import json
import logging
import random
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from legalsearch.data import Dataset, iter_text_lines, parse_json_object
from legalsearch.errors import DataError
from legalsearch.passages import max_per_document
from legalsearch.recipe import DEFAULT as RECIPE
from legalsearch.retrieval import DenseRetriever, shared_bm25

log = logging.getLogger(__name__)

SOURCES = ("bm25", "dense", "judged")


@dataclass
class MiningConfig:
    """Mining settings; the defaults are the recipe's (:data:`legalsearch.recipe.DEFAULT`), the one place they live."""

    sources: tuple[str, ...] = RECIPE.negative_sources
    num_negatives: int = RECIPE.negatives
    rank_start: int = RECIPE.rank_start  # 0-based: skip the top 3 of each candidate list
    rank_end: int = RECIPE.rank_end
    guard_ratio: float = RECIPE.guard_ratio  # drop candidates above this fraction of the positive's score; 0: off
    seed: int = RECIPE.seed
    split: str = "train"

    def __post_init__(self):
        unknown = set(self.sources) - set(SOURCES)
        if unknown or not self.sources:
            raise ValueError(f"sources must be a non-empty subset of {SOURCES}, got {self.sources}")
        if not 0 <= self.rank_start < self.rank_end:
            raise ValueError(f"rank window [{self.rank_start}, {self.rank_end}) is empty")
        if self.num_negatives < 1:
            raise ValueError("num_negatives must be at least 1")


@dataclass
class MiningReport:
    config: dict
    triplets: int = 0
    queries: int = 0
    candidates_by_source: Counter = field(default_factory=Counter)
    excluded_judged: int = 0
    dropped_by_guard: int = 0
    judged_kept_by_guard: int = 0  # candidates above the guard's threshold kept because judged not relevant
    filled_randomly: int = 0  # negatives drawn at random (any document not judged relevant) when a window held too few candidates

    def to_dict(self) -> dict:
        data = asdict(self)
        data["candidates_by_source"] = dict(self.candidates_by_source)
        return data


def mine(dataset: Dataset, encoder, config: MiningConfig, out_path: str | Path,
         show_progress: bool = False) -> MiningReport:
    """Mine hard negatives for ``config.split`` of ``dataset`` with the base ``encoder``; write triplets JSONL."""
    positives = dataset.positives(config.split)
    queries = {qid: dataset.queries[qid] for qid in positives}
    if not queries:
        raise DataError(f"split '{config.split}' has no positive judgement to mine for")
    documents = list(dataset.corpus.values())
    # Passages (and so the positive and negative texts) are cut to the encoder's window: record it with the config.
    report = MiningReport(config={**asdict(config), "max_seq_length": encoder.max_seq_length})
    judged = dataset.qrels_for(config.split)
    exclude_from = max(1, dataset.relevant_grade - 1)

    dense = DenseRetriever(encoder, show_progress=show_progress)
    index = dense.build(documents)
    query_vectors = encoder.encode_queries([queries[q] for q in queries])
    passage_scores = query_vectors @ index.embeddings.T
    doc_scores = max_per_document(passage_scores, index.starts)
    position = {doc_id: i for i, doc_id in enumerate(index.doc_ids)}
    ends = np.append(index.starts[1:], len(index.passage_texts))

    def best_passage(row: int, doc_id: str) -> str:
        i = position[doc_id]
        start, end = index.starts[i], ends[i]
        return index.passage_texts[start + int(np.argmax(passage_scores[row, start:end]))]

    ranked: dict[str, dict[str, list[str]]] = {q: {} for q in queries}
    depth = config.rank_end
    if "bm25" in config.sources:
        bm25_run = shared_bm25(documents).search(queries, k=depth)
        for qid, scores in bm25_run.items():
            ranked[qid]["bm25"] = list(scores)
    if "dense" in config.sources:
        for row, qid in enumerate(queries):
            order = np.argsort(-doc_scores[row])[:depth]
            ranked[qid]["dense"] = [index.doc_ids[i] for i in order]

    rng = random.Random(config.seed)
    all_ids = [doc.id for doc in documents]
    out_path = Path(out_path)
    out_path.parent.mkdir(parents=True, exist_ok=True)
    tmp_path = out_path.with_suffix(out_path.suffix + ".tmp")
    with tmp_path.open("w", encoding="utf-8") as handle:
        for row, qid in enumerate(queries):
            report.queries += 1
            not_negative = {d for d, grade in judged.get(qid, {}).items() if grade >= exclude_from}
            judged_negative = {d for d, grade in judged.get(qid, {}).items() if grade < exclude_from}
            pools: list[str] = []
            for source in ("bm25", "dense"):
                window = ranked[qid].get(source, [])[config.rank_start:config.rank_end]
                for doc_id in window:
                    report.candidates_by_source[source] += 1
                    pools.append(doc_id)
            if "judged" in config.sources:
                hard_judged = sorted(d for d, grade in judged.get(qid, {}).items() if 0 < grade < exclude_from)
                report.candidates_by_source["judged"] += len(hard_judged)
                pools.extend(hard_judged)
            candidates = list(dict.fromkeys(pools))  # keep first-seen order, drop repeats
            kept = [d for d in candidates if d not in not_negative]
            report.excluded_judged += len(candidates) - len(kept)
            for pos_id in sorted(positives[qid]):
                pos_score = float(doc_scores[row, position[pos_id]])
                if config.guard_ratio > 0:
                    threshold = config.guard_ratio * pos_score
                    above = {d for d in kept if doc_scores[row, position[d]] > threshold}
                    safe = [d for d in kept if d not in above or d in judged_negative]
                    report.dropped_by_guard += len(kept) - len(safe)
                    report.judged_kept_by_guard += len(above & judged_negative)
                else:
                    safe = kept
                chosen = rng.sample(safe, min(config.num_negatives, len(safe)))
                if len(chosen) < config.num_negatives and len(all_ids) - len(not_negative) < config.num_negatives:
                    raise DataError(f"query '{qid}': the corpus has fewer than {config.num_negatives} documents "
                                    "not judged relevant to it; mine with fewer negatives (-n)", dataset.path)
                while len(chosen) < config.num_negatives:
                    # any document not judged relevant: unjudged ones, and the known negatives the annotators graded
                    extra = rng.choice(all_ids)
                    if extra not in not_negative and extra not in chosen:
                        chosen.append(extra)
                        report.filled_randomly += 1
                triplet = {
                    "query_id": qid,
                    "query": queries[qid],
                    "positive_id": pos_id,
                    "positive": best_passage(row, pos_id),
                    "negative_ids": chosen,
                    "negatives": [best_passage(row, d) for d in chosen],
                }
                handle.write(json.dumps(triplet, ensure_ascii=False) + "\n")
                report.triplets += 1
    tmp_path.replace(out_path)
    out_path.with_suffix(".report.json").write_text(json.dumps(report.to_dict(), indent=2))
    log.info("wrote %d triplets for %d queries to %s", report.triplets, report.queries, out_path)
    return report


def read_triplets(path: str | Path) -> list[dict]:
    """Read and check a triplets file written by :func:`mine` (or by hand in the same format)."""
    path = Path(path)
    if not path.is_file():
        raise DataError("triplets file not found; run `legalsearch mine` first", path)
    rows = []
    width = None
    for lineno, raw, error in iter_text_lines(path):  # UTF-8 (optional BOM), LF or CRLF: legalsearch.data's rules
        if error is not None:
            raise DataError(error, path, lineno)
        if not raw.strip():
            continue
        try:
            row = parse_json_object(raw)
        except ValueError as exc:
            raise DataError(str(exc), path, lineno) from None
        for key in ("query", "positive", "negatives"):
            if key not in row:
                raise DataError(f"missing field '{key}'", path, lineno)
        if not isinstance(row["query"], str) or not isinstance(row["positive"], str):
            raise DataError("'query' and 'positive' must be texts", path, lineno)
        if not isinstance(row["negatives"], list) or not row["negatives"]:
            raise DataError("'negatives' must be a non-empty list of texts", path, lineno)
        if not all(isinstance(text, str) for text in row["negatives"]):
            raise DataError("'negatives' must be a non-empty list of texts", path, lineno)
        if width is None:
            width = len(row["negatives"])
        elif len(row["negatives"]) != width:
            raise DataError(f"every row needs the same number of negatives ({width}), this one has "
                            f"{len(row['negatives'])}", path, lineno)
        rows.append(row)
    if not rows:
        raise DataError("triplets file is empty", path)
    return rows


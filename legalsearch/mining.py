"""Stage 2 — hard-negative mining: for each (query, positive) pick documents that look relevant but are not.

Candidates come from BM25 and/or the base dense model (and, when the qrels grade below the relevance threshold,
from the judged "same category but not relevant" documents). Three guards keep labels honest:

* a document judged relevant — or one grade below relevant, i.e. partially relevant — is never a negative;
* the false-negative guard drops candidates that the base model scores above ``guard_ratio`` × the positive's score
  (unjudged near-duplicates of the answer are usually unlabelled positives, not negatives); a candidate the
  annotators judged not relevant for the query is a known negative, not a suspected positive, and is kept. Where
  it would drop ``guard_off_share`` (80%) or more of a query's candidates, it is switched off for that query: the
  base model then scores the positive below most candidates, so the guard is telling nothing about them (AILA
  casedocs: 1,194 of 1,366 dropped, negatives mostly random fills) — the report lists those queries;
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
    guard_off_share: float = 0.8  # a query whose candidates the guard would drop at this share or more: guard off
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
    guard_checked: int = 0  # candidate slots (query-positive pair x candidate) the guard looked at
    dropped_by_guard: int = 0
    encoded_documents: int = 0  # documents the base model encoded here (0: all read from the embedding cache)
    judged_kept_by_guard: int = 0  # candidates above the guard's threshold kept because judged not relevant
    filled_randomly: int = 0  # negatives drawn at random (any document not judged relevant) when a window held too few candidates
    guard_off_queries: list = field(default_factory=list)  # queries the guard was switched off for (guard_off_share)
    guard_off_would_drop: int = 0  # candidate slots the guard would have dropped in those queries (not counted above)

    def to_dict(self) -> dict:
        data = asdict(self)
        data["candidates_by_source"] = dict(self.candidates_by_source)
        return data

    def guard_note(self, share: float = 0.8) -> str | None:
        """A plain sentence when the guard was switched off for some queries, or dropped most of the candidates
        it looked at; else None.

        The guard compares each candidate with the positive's base-model score; where the base model scores the
        positives below most candidates (AILA casedocs: 1,194 of about 1,350 slots dropped), it discards nearly
        every hard negative, and the triplets' negatives become mostly random fills.
        """
        notes = []
        if self.guard_off_queries:
            shown = ", ".join(self.guard_off_queries[:10]) + (", ..." if len(self.guard_off_queries) > 10 else "")
            notes.append(f"the false-negative guard was switched off for {len(self.guard_off_queries):,} "
                         f"quer{'y' if len(self.guard_off_queries) == 1 else 'ies'} ({shown}), where it would have "
                         f"dropped {self.config.get('guard_off_share', 0.8):.0%} or more of the candidates "
                         f"({self.guard_off_would_drop:,} in all): the base model scores their positives below most "
                         "candidates, so their hard negatives are kept rather than replaced at random")
        if self.guard_checked and self.dropped_by_guard >= share * self.guard_checked:
            notes.append(f"the false-negative guard dropped {self.dropped_by_guard:,} of the {self.guard_checked:,} "
                         f"candidates it checked ({self.dropped_by_guard / self.guard_checked:.0%}): the base model "
                         f"scores the positives below most candidates, so few negatives are hard ones "
                         f"({self.filled_randomly:,} were filled at random)")
        if not notes:
            return None
        return "; ".join(notes) + "; the recipe's guard_ratio sets the guard (0: off)"


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

    ranked: dict[str, dict[str, list[str]]] = {q: {} for q in queries}
    depth = config.rank_end
    if "bm25" in config.sources:
        bm25_run = shared_bm25(documents).search(queries, k=depth)
        for qid, scores in bm25_run.items():
            ranked[qid]["bm25"] = list(scores)
    # The base model scores the guard and picks each document's best passage. Without dense candidates it only
    # needs the positives and the lexical/judged candidates: on a corpus of long judgments that is a fraction of
    # the passages (the whole corpus is read from the embedding cache when an earlier stage encoded it).
    needed = None
    if "dense" not in config.sources:
        needed = set().union(*positives.values())
        for qid in queries:
            needed.update(ranked[qid].get("bm25", [])[config.rank_start:config.rank_end])
            if "judged" in config.sources:
                needed.update(d for d, grade in judged.get(qid, {}).items() if 0 < grade < exclude_from)
    base_scores = _BaseScores(encoder, documents, [queries[q] for q in queries], needed, show_progress)
    if "dense" in config.sources:
        for row, qid in enumerate(queries):
            ranked[qid]["dense"] = base_scores.top(row, depth)

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
            guarded = {pos_id: _guard(base_scores, row, pos_id, kept, judged_negative, config.guard_ratio)
                       for pos_id in sorted(positives[qid])}
            checked = len(kept) * len(guarded) if config.guard_ratio > 0 else 0
            dropped = sum(len(kept) - len(safe) for safe, _ in guarded.values())
            if checked and dropped >= config.guard_off_share * checked:
                # the guard would leave this query mostly random fills: it says nothing here, so it is off
                report.guard_off_queries.append(qid)
                report.guard_off_would_drop += dropped
                guarded = {pos_id: (kept, 0) for pos_id in guarded}
            else:
                report.guard_checked += checked
                report.dropped_by_guard += dropped
                report.judged_kept_by_guard += sum(judged for _, judged in guarded.values())
            for pos_id, (safe, _) in guarded.items():
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
                base_scores.add([dataset.corpus[d] for d in chosen])  # random fills may be outside the index
                triplet = {
                    "query_id": qid,
                    "query": queries[qid],
                    "positive_id": pos_id,
                    "positive": base_scores.best_passage(row, pos_id),
                    "negative_ids": chosen,
                    "negatives": [base_scores.best_passage(row, d) for d in chosen],
                }
                handle.write(json.dumps(triplet, ensure_ascii=False) + "\n")
                report.triplets += 1
    report.encoded_documents = base_scores.encoded_documents
    tmp_path.replace(out_path)
    out_path.with_suffix(".report.json").write_text(json.dumps(report.to_dict(), indent=2))
    log.info("wrote %d triplets for %d queries to %s", report.triplets, report.queries, out_path)
    return report


def _guard(base_scores, row: int, pos_id: str, kept: list[str], judged_negative: set[str],
           guard_ratio: float) -> tuple[list[str], int]:
    """The candidates the false-negative guard keeps for one (query, positive), and how many of them it kept only
    because they are judged not relevant; ``guard_ratio`` 0 keeps all."""
    if guard_ratio <= 0:
        return kept, 0
    threshold = guard_ratio * base_scores.score(row, pos_id)
    above = {d for d in kept if base_scores.score(row, d) > threshold}
    return [d for d in kept if d not in above or d in judged_negative], len(above & judged_negative)


class _BaseScores:
    """The base model's MaxP scores of the mined queries against the documents mining looks at.

    ``needed`` (document ids) limits the index to those documents, ``None`` means the whole corpus; :meth:`add`
    encodes documents that turn up later (random fills). A document's score does not depend on which others are in
    the index, so the triplets are those of a whole-corpus index.
    """

    def __init__(self, encoder, corpus: list, query_texts: list[str], needed: set[str] | None, show_progress: bool):
        self.encoder = encoder
        self.query_vectors = encoder.encode_queries(query_texts)
        dense = DenseRetriever(encoder, show_progress=show_progress)
        # the whole corpus when it is needed or cached (then random fills need no encoding either)
        whole = needed is None or dense.cached(corpus)
        index = dense.build(corpus if whole else [doc for doc in corpus if doc.id in needed])
        self.encoded_documents = 0 if dense.from_cache else len(index.doc_ids)
        self.scores: dict[str, np.ndarray] = {}  # doc id -> MaxP score per query
        self.passages: dict[str, tuple[list[str], np.ndarray]] = {}  # doc id -> (passages, scores [queries, n])
        self._keep(index)

    def _keep(self, index) -> None:
        passage_scores = self.query_vectors @ index.embeddings.T
        ends = np.append(index.starts[1:], len(index.passage_texts))
        for i, doc_id in enumerate(index.doc_ids):
            start, end = int(index.starts[i]), int(ends[i])
            block = passage_scores[:, start:end]
            self.passages[doc_id] = (index.passage_texts[start:end], block)
            self.scores[doc_id] = block.max(axis=1)

    def add(self, documents: list) -> None:
        missing = [doc for doc in documents if doc.id not in self.scores]
        if missing:
            self._keep(DenseRetriever(self.encoder).build(missing))
            self.encoded_documents += len(missing)

    def score(self, row: int, doc_id: str) -> float:
        return float(self.scores[doc_id][row])

    def best_passage(self, row: int, doc_id: str) -> str:
        texts, block = self.passages[doc_id]
        return texts[int(np.argmax(block[row]))]

    def top(self, row: int, k: int) -> list[str]:
        """The ``k`` best documents for query ``row`` (meaningful with the whole corpus: dense candidates)."""
        ids = list(self.scores)
        order = np.argsort(-np.array([self.scores[d][row] for d in ids]), kind="stable")[:k]
        return [ids[i] for i in order]

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


"""Long queries — a page of facts, or a whole judgment, as the query — handled one way offline and in the cluster.

A short query is sent as it is: a ``match`` query on ``content`` (one clause per analyzed position) and one vector.
A long one breaks both halves: a ``match`` query over thousands of words becomes thousands of clauses, over
OpenSearch's ``indices.query.bool.max_clause_count`` (1,024 by default), and an encoder reads only its first
``max_seq_length`` tokens (sentence-transformers and ML Commons both truncate silently). So a query longer than
the policy's bounds is planned:

* **Lexical: key terms.** A ``match`` query scores a term once per occurrence in the query, so the same score is a
  sum over the query's *distinct* terms of ``query frequency × BM25(term)``. That form stays exact however long the
  query is; only when the query has more distinct terms than :attr:`LongQueryPolicy.max_terms` are terms dropped,
  keeping those with the highest ``query frequency × idf`` (BM25's idf over the index's documents). The cluster
  receives them as ``term`` clauses boosted by their query frequency (one clause per term, under the clause limit);
  offline BM25 scores exactly those terms with exactly those weights (:meth:`legalsearch.retrieval.BM25Retriever
  .scores_for_terms`). A term at the same position as another (a citation unit and its parts) counts as a term of
  its own here, where a ``match`` query would merge them into one synonym clause.
* **Dense: windows.** The query is cut into the same passages documents are cut into
  (:class:`~legalsearch.passages.PassageChunker`, the ingest pipeline's ``text_chunking``), every window is
  embedded, and the query's vector is the normalized mean of the window vectors: one vector that reads the whole
  text, searched like any query (MaxP over the documents' passages). In the cluster it is one ``knn`` clause with
  that vector; with server-side vectors the windows are embedded by the deployed model itself (ML Commons
  ``_predict``) and averaged by the client, so the vectors come from the graph that embedded the passages. With
  more windows than :attr:`LongQueryPolicy.max_windows`, evenly spaced windows are kept, so every part of the text
  is represented. (Measured on AILA 2019's train queries against truncation and against the best window per
  document: docs/pipeline.md "Long queries".)

Nothing is cut without saying so: :class:`QueryPlan` records what was kept and dropped, and ``legalsearch search``
prints it.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from typing import Mapping

from legalsearch.errors import DataError

# What the defaults are and where they come from: docs/pipeline.md "Long queries" and
# benchmarks/results/long-queries/ (chosen on AILA 2019's train queries only).
DEFAULT_MAX_TERMS = 256
DEFAULT_MAX_WINDOWS = 32
# Longest query text accepted at all: a bound on work per request (about 40 pages), not on what is searched.
MAX_QUERY_CHARS = 200_000


@dataclass(frozen=True)
class LongQueryPolicy:
    """How a query longer than the encoder's window or the clause budget is searched.

    Args:
        max_terms: most distinct lexical terms sent (and scored offline); above it, the highest
            ``query frequency × idf`` are kept. Also the bound on positions below which a plain ``match`` is sent.
        max_windows: most dense windows embedded per query; above it, evenly spaced windows are kept.
    """

    max_terms: int = DEFAULT_MAX_TERMS
    max_windows: int = DEFAULT_MAX_WINDOWS

    def __post_init__(self):
        if self.max_terms < 1 or self.max_terms > 1000:
            raise ValueError(f"max_terms must be in 1..1000 (the cluster's clause limit is 1,024), got {self.max_terms}")
        if self.max_windows < 1:
            raise ValueError(f"max_windows must be at least 1, got {self.max_windows}")

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass
class QueryPlan:
    """What is sent for one query: the key terms (``None`` = a plain ``match``) and the dense windows."""

    positions: int
    terms: list[tuple[str, int]] | None = None  # (term, query frequency), highest tf·idf first
    distinct_terms: int = 0
    windows: list[str] = field(default_factory=list)
    window_count: int = 0  # windows the text has; len(windows) of them are searched

    @property
    def lexical_pruned(self) -> int:
        return self.distinct_terms - len(self.terms) if self.terms is not None else 0

    @property
    def is_long(self) -> bool:
        return self.terms is not None or self.window_count > 1

    def describe(self) -> str:
        """One line for ``legalsearch search``: how the query was searched, and what was left out."""
        parts = []
        if self.terms is not None:
            parts.append(f"BM25 on {len(self.terms)} of {self.distinct_terms} distinct terms (highest query "
                         "frequency × idf)" if self.lexical_pruned else
                         f"BM25 on all {self.distinct_terms} distinct terms, weighted by query frequency")
        if self.window_count > 1:
            parts.append(f"dense on the mean of {len(self.windows)} of {self.window_count} windows"
                         if len(self.windows) < self.window_count else
                         f"dense on the mean of all {self.window_count} windows")
        return f"long query ({self.positions:,} terms): " + "; ".join(parts) if parts else ""


def check_query_text(text: str) -> str:
    """The query as it will be searched; :class:`DataError` for an empty or absurdly long one."""
    if not isinstance(text, str) or not text.strip():
        raise DataError("the query is empty; give the words to search for")
    if len(text) > MAX_QUERY_CHARS:
        raise DataError(
            f"the query is {len(text):,} characters long; the limit is {MAX_QUERY_CHARS:,} (about 40 pages): "
            "search with the facts or the part of the document that matters"
        )
    return text


def bm25_idf(doc_freq: int, doc_count: int) -> float:
    """Lucene BM25's idf (the weight the index gives a term), used to rank a long query's terms."""
    return math.log(1 + (doc_count - doc_freq + 0.5) / (doc_freq + 0.5))


def select_key_terms(term_freqs: Mapping[str, int], doc_freqs: Mapping[str, int], doc_count: int,
                     max_terms: int) -> list[tuple[str, int]]:
    """The query's terms that can match (document frequency > 0), highest ``tf × idf`` first, at most ``max_terms``.

    Ties go to the term that sorts first, so the offline and the cluster path pick the same terms.
    """
    scored = []
    for term, tf in term_freqs.items():
        df = int(doc_freqs.get(term, 0))
        if df > 0 and tf > 0:
            scored.append((-tf * bm25_idf(df, doc_count), term, int(tf)))
    scored.sort()
    return [(term, tf) for _, term, tf in scored[:max_terms]]


def spread(items: list, keep: int) -> list:
    """``keep`` evenly spaced items of ``items`` (all of them when there are no more than ``keep``)."""
    if len(items) <= keep:
        return list(items)
    if keep == 1:
        return [items[0]]
    step = (len(items) - 1) / (keep - 1)
    return [items[round(i * step)] for i in range(keep)]


def mean_of_windows(window_vectors, starts):
    """One L2-normalized vector per query: the mean of its consecutive window vectors (``starts``: each query's first
    row). A query with one window keeps its own vector."""
    import numpy as np

    vectors = np.add.reduceat(np.asarray(window_vectors, dtype=np.float32), starts, axis=0)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors / np.where(norms > 0, norms, 1.0)


def term_frequencies(analyzer, text: str) -> tuple[dict[str, int], int]:
    """(query frequency of every analyzed term, number of positions) — what a ``match`` query would send."""
    freqs: dict[str, int] = {}
    positions, last = 0, None
    for token in analyzer.analyze(text):
        freqs[token.term] = freqs.get(token.term, 0) + 1
        if token.position != last:
            positions += 1
            last = token.position
    return freqs, positions

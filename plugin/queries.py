"""Query DSL that legalsearch (and any application) sends: BM25, dense (neural or knn) and hybrid.

Dense retrieval always targets the nested ``passages.knn`` vectors with ``score_mode: max``: a document scores as its
best passage (MaxP), like the offline evaluation. ``neural`` lets the cluster embed the query with the deployed model;
``knn`` carries a vector computed by our ONNX encoder (``--vectors client``). A ``hybrid`` query holds the BM25 clause
first and the dense clause second; the index's default search pipeline normalizes and combines them with weights
``[bm25, dense]`` in that order.
"""

from __future__ import annotations

from typing import Any, Sequence

from legalsearch.citations import CITATION_BOOST

MODES = ("bm25", "neural", "hybrid")
VECTOR_FIELD = "passages.knn"
NESTED_PATH = "passages"
DEFAULT_CANDIDATES = 100  # k of the dense clause: HNSW candidates per query (>= size)
EXACT_BOOST = 0.0  # > 0 adds the unstemmed content.exact field; offline BM25 (retrieval.BM25Retriever) has no such clause
SOURCE_EXCLUDES = ["passages", "passage_chunks"]


def bm25_clause(text: str, citations: Sequence[str] | None = None, exact_boost: float = EXACT_BOOST) -> dict[str, Any]:
    """Lexical clause: BM25 on ``content`` (legal analyzer: citations are single tokens), plus a ``terms`` boost on
    the normalized ``citations`` keyword field when the query cites something, and optionally the unstemmed
    ``content.exact`` subfield."""
    should: list[dict[str, Any]] = [{"match": {"content": {"query": text}}}]
    if exact_boost:
        should.append({"match": {"content.exact": {"query": text, "boost": exact_boost}}})
    if citations:
        should.append({"terms": {"citations": list(citations), "boost": CITATION_BOOST}})
    return {"bool": {"should": should}}


def neural_clause(text: str, model_id: str | None, k: int = DEFAULT_CANDIDATES) -> dict[str, Any]:
    """Server-side embedding of the query (``model_id`` may be None when the pipeline's enricher supplies it)."""
    inner: dict[str, Any] = {"query_text": text, "k": k}
    if model_id:
        inner["model_id"] = model_id
    return {"nested": {"path": NESTED_PATH, "score_mode": "max", "query": {"neural": {VECTOR_FIELD: inner}}}}


def knn_clause(vector: Sequence[float], k: int = DEFAULT_CANDIDATES) -> dict[str, Any]:
    """Client-side vector (from our ONNX encoder) against the same nested passage vectors."""
    values = [float(x) for x in vector]
    return {"nested": {"path": NESTED_PATH, "score_mode": "max", "query": {"knn": {VECTOR_FIELD: {"vector": values, "k": k}}}}}


def dense_clause(
    text: str, model_id: str | None = None, vector: Sequence[float] | None = None, k: int = DEFAULT_CANDIDATES
) -> dict[str, Any]:
    if vector is not None:
        return knn_clause(vector, k)
    return neural_clause(text, model_id, k)


def search_body(
    mode: str,
    text: str,
    size: int = 10,
    model_id: str | None = None,
    vector: Sequence[float] | None = None,
    citations: Sequence[str] | None = None,
    candidates: int = DEFAULT_CANDIDATES,
) -> dict[str, Any]:
    """The full ``_search`` body for ``mode`` (one of :data:`MODES`)."""
    if mode not in MODES:
        raise ValueError(f"mode must be one of {', '.join(MODES)}, got '{mode}'")
    k = max(size, candidates)
    if mode == "bm25":
        query = bm25_clause(text, citations)
    elif mode == "neural":
        query = dense_clause(text, model_id, vector, k)
    else:
        query = {"hybrid": {"queries": [bm25_clause(text, citations), dense_clause(text, model_id, vector, k)]}}
    return {"size": size, "query": query, "_source": {"excludes": SOURCE_EXCLUDES}}

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


def key_terms_clause(terms: Sequence[tuple[str, int]], citations: Sequence[str] | None = None) -> dict[str, Any]:
    """Lexical clause of a long query (:mod:`legalsearch.long_queries`): one ``term`` clause per key term on
    ``content``, boosted by its frequency in the query (the score a ``match`` query gives the same terms), plus the
    citations ``terms`` boost. The terms are analyzed already: ``term`` does not analyze them again."""
    should: list[dict[str, Any]] = [{"term": {"content": {"value": term, "boost": float(boost)}}}
                                    for term, boost in terms]
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
    """knn with a vector computed outside the query (ours, or a long query's mean of windows), else neural."""
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
    terms: Sequence[tuple[str, int]] | None = None,
) -> dict[str, Any]:
    """The full ``_search`` body for ``mode`` (one of :data:`MODES`).

    ``terms`` are a long query's key terms (:mod:`legalsearch.long_queries`); without them the text is sent whole.
    A long query's dense side arrives as ``vector`` (the mean of its windows' vectors).
    """
    if mode not in MODES:
        raise ValueError(f"mode must be one of {', '.join(MODES)}, got '{mode}'")
    k = max(size, candidates)
    lexical = key_terms_clause(terms, citations) if terms is not None else bm25_clause(text, citations)
    if mode == "bm25":
        query = lexical
    else:
        dense = dense_clause(text, model_id, vector, k)
        query = dense if mode == "neural" else {"hybrid": {"queries": [lexical, dense]}}
    return {"size": size, "query": query, "_source": {"excludes": SOURCE_EXCLUDES}}

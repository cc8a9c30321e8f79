"""Searching a deployed alias: one query (``legalsearch search``) or a whole query set (the benchmark).

The dense side is the cluster's ``neural`` query when the index was deployed with server-side vectors, or a ``knn``
clause carrying our encoder's vector otherwise (or whenever an encoder is passed). Hybrid queries rely on the index's
default search pipeline unless ``pipeline`` names another one (e.g. ``<alias>-rrf``).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Sequence

from legalsearch.errors import DataError, OpenSearchError

from . import index as idx
from .citations import extract_citations
from .connection import Cluster
from .queries import DEFAULT_CANDIDATES, MODES, search_body


# Longest query `search` sends. The text goes into a `match` query (never parsed as query syntax), whose terms each
# become a clause: 1,000 characters stay under the default indices.query.bool.max_clause_count (1,024) even when
# every character is a token of its own (CJK); 2,000 did not (tests/integration/test_query_text.py). It is also
# more than the encoder reads (its max_seq_length).
MAX_QUERY_CHARS = 1000


def check_query_text(text: str) -> str:
    """The query as it will be sent; :class:`DataError` for an empty or over-long one."""
    if not isinstance(text, str) or not text.strip():
        raise DataError("the query is empty; give the words to search for")
    if len(text) > MAX_QUERY_CHARS:
        raise DataError(
            f"the query is {len(text):,} characters long; the limit is {MAX_QUERY_CHARS:,}: shorten it to the words "
            "that matter (a pasted document is better searched by its key passage)"
        )
    return text


@dataclass
class Hit:
    doc_id: str
    score: float
    title: str
    text: str
    citations: list[str]


@dataclass
class DeploymentInfo:
    """What deploy wrote into the index's ``_meta`` (model id, vectors mode, dimension, hybrid setting, ingest)."""

    index: str
    model_id: str | None
    vectors: str
    dimension: int | None
    encoder: str | None = None  # export/model directory the deploy encoded with (client-side vectors)
    variant: str | None = None  # int8 | fp32: the graph that embedded the documents, hence must embed the queries
    hybrid: dict | None = None  # the setting of the index's default search pipeline (HybridConfig.to_dict())
    ingest: dict | None = None  # the deploy's ingest report (documents, seconds, docs_per_second, batch_size)
    chunking: dict | None = None  # text_chunking's fixed_token_length settings the passages were cut with

    @classmethod
    def read(cls, cluster: Cluster, alias: str) -> "DeploymentInfo":
        targets = idx.alias_targets(cluster, alias) or [alias]
        meta = idx.index_meta(cluster, targets[0]).get("legalsearch", {})
        return cls(targets[0], meta.get("model_id"), meta.get("vectors", "client"), meta.get("dimension"),
                   meta.get("encoder"), meta.get("variant"), meta.get("hybrid"), meta.get("ingest"),
                   meta.get("chunking"))

    def load_encoder(self):
        """The deploy's own encoder when its directory exists here; None otherwise."""
        if self.encoder and Path(self.encoder).is_dir():
            from .deploy import load_encoder

            return load_encoder(Path(self.encoder), self.variant)
        return None


def as_cluster(client: Any) -> Cluster:
    """Accept a :class:`Cluster`, an ``opensearchpy.OpenSearch`` client, or a bare transport."""
    if isinstance(client, Cluster):
        return client
    if hasattr(client, "transport"):
        return Cluster(client.transport)
    return Cluster(client)


def build_query(
    mode: str,
    text: str,
    k: int,
    info: DeploymentInfo,
    vector: Sequence[float] | None = None,
    candidates: int = DEFAULT_CANDIDATES,
) -> dict[str, Any]:
    if mode not in MODES:
        raise ValueError(f"mode must be one of {', '.join(MODES)}")
    if mode != "bm25" and vector is None and not (info.vectors == "server" and info.model_id):
        raise OpenSearchError(
            f"index {info.index} was deployed with client-side vectors: {mode} search needs our encoder "
            "(pass --export DIR)"
        )
    return search_body(mode, text, k, model_id=info.model_id, vector=vector, citations=extract_citations(text),
                       candidates=candidates)


def execute(cluster: Cluster, index: str, body: dict[str, Any], pipeline: str | None = None) -> list[Hit]:
    params = {"search_pipeline": pipeline} if pipeline else None
    response = cluster.request("POST", f"/{index}/_search", body=body, params=params, what=f"searching {index}")
    hits = []
    for hit in response.get("hits", {}).get("hits", []):
        source = hit.get("_source", {})
        hits.append(Hit(hit["_id"], float(hit.get("_score") or 0.0), source.get("title", ""), source.get("text", ""),
                        list(source.get("citations", []))))
    return hits


def search(
    cluster: Cluster,
    index: str,
    text: str,
    mode: str = "hybrid",
    k: int = 10,
    encoder=None,
    pipeline: str | None = None,
    info: DeploymentInfo | None = None,
) -> tuple[list[Hit], dict[str, Any]]:
    """Run one query; returns the hits and the exact DSL body that was sent. The text is data, never query syntax:
    it is sent as the value of ``match`` / ``neural`` clauses, and bounded by :data:`MAX_QUERY_CHARS`."""
    check_query_text(text)
    info = info or DeploymentInfo.read(cluster, index)
    vector = None
    if mode != "bm25" and encoder is not None:
        vector = encoder.encode_queries([text])[0]
    body = build_query(mode, text, k, info, vector)
    return execute(cluster, index, body, pipeline), body


def run_queries(
    client: Any,
    index: str,
    queries: dict[str, str],
    mode: str,
    k: int,
    encoder=None,
    pipeline: str | None = None,
    latencies: list[float] | None = None,
) -> dict[str, dict[str, float]]:
    """Search every query; returns ``{query_id: {doc_id: score}}`` (the run format of ranx / the evaluator).

    ``latencies``, when given, receives the wall time in seconds of each ``_search`` request (query encoding
    excluded, so server-side and client-side vectors are compared on the cluster's work).
    """
    cluster = as_cluster(client)
    info = DeploymentInfo.read(cluster, index)
    if mode != "bm25" and encoder is None and info.vectors == "client":
        encoder = info.load_encoder()  # the same encoder the documents were embedded with
    ids = list(queries)
    vectors = None
    if mode != "bm25" and encoder is not None:
        vectors = encoder.encode_queries([queries[q] for q in ids])
    run: dict[str, dict[str, float]] = {}
    for i, qid in enumerate(ids):
        body = build_query(mode, queries[qid], k, info, None if vectors is None else vectors[i])
        start = time.perf_counter()
        hits = execute(cluster, index, body, pipeline)
        if latencies is not None:
            latencies.append(time.perf_counter() - start)
        run[qid] = {hit.doc_id: hit.score for hit in hits}
    return run

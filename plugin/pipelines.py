"""Ingest and search pipeline bodies, built from the JSON files in ``mappings/``.

The ingest pipeline (server-side vectors) chunks ``passage_text`` into ``passage_chunks`` with ``text_chunking`` (the
cut :class:`legalsearch.passages.PassageChunker` reproduces offline and for client-side vectors) and embeds each chunk into the nested ``passages`` field with ``text_embedding``. The search pipeline combines a hybrid
query's two sub-queries (BM25 first, dense second): ``normalization-processor`` (min_max or l2, then a weighted
arithmetic mean) or ``score-ranker-processor`` (reciprocal rank fusion), as a :class:`legalsearch.hybrid.HybridConfig`
says (from ``--weights`` / ``--technique`` or the benchmark's ``hybrid.json``).

What OpenSearch computes (neural-search ``MinMaxScoreNormalizationTechnique``, ``ArithmeticMeanScoreCombination``):
per sub-query, over the top ``size`` hits it returned (across all shards), ``n = (s - min) / (max - min)``, with
``n = 0.001`` where that gives 0 and ``n = 1.0`` when the sub-query has a single distinct score; then
``combined = sum(w_i * n_i) / sum(w_i)`` over both sub-queries, a document absent from a sub-query counting ``n_i = 0``
with its weight still in the denominator (weights must sum to 1, so ``combined = w_bm25 * n_bm25 + w_dense * n_dense``).
RRF: ``sum(w_i / (rank_constant + rank_i))`` with 1-based ranks, absent documents adding nothing.
"""

from __future__ import annotations

import copy
from typing import Any

from legalsearch.hybrid import HybridConfig
from legalsearch.passages import PassageChunker


def _load(name: str) -> dict[str, Any]:
    from legalsearch.mappings import load

    return copy.deepcopy(load(name))


def ingest_pipeline_body(model_id: str, chunker: PassageChunker | None = None,
                         embedding_batch_size: int | None = None) -> dict[str, Any]:
    """``mappings/ingest-pipeline.json`` with the model filled in and ``chunker``'s settings (default: the file's)
    as the ``fixed_token_length`` parameters; offline and client-side passages are cut by the same ``chunker``.
    ``embedding_batch_size`` sets ``text_embedding``'s ``batch_size`` (documents of one bulk request embedded per
    ML Commons predict call; the processor's default is 1)."""
    body = _load("ingest-pipeline")
    for processor in body["processors"]:
        if "text_chunking" in processor and chunker is not None:
            processor["text_chunking"]["algorithm"]["fixed_token_length"] = chunker.pipeline_params()
        if "text_embedding" in processor:
            processor["text_embedding"]["model_id"] = model_id
            if embedding_batch_size:
                processor["text_embedding"]["batch_size"] = int(embedding_batch_size)
    return body


def search_pipeline_body(config: HybridConfig, default_model_id: str | None = None) -> dict[str, Any]:
    """The hybrid search pipeline for ``config``; with ``default_model_id``, ``neural`` queries may omit model_id."""
    if config.technique == "rrf":
        body = _load("search-pipeline-rrf")
        combination = body["phase_results_processors"][0]["score-ranker-processor"]["combination"]
        combination["rank_constant"] = int(config.rank_constant)
        if not config.default_weights:
            combination["parameters"] = {"weights": [float(w) for w in config.weights]}
    else:
        body = _load("search-pipeline-normalization")
        processor = body["phase_results_processors"][0]["normalization-processor"]
        processor["normalization"]["technique"] = config.technique
        processor["combination"]["technique"] = config.combination
        processor["combination"]["parameters"] = {"weights": [float(w) for w in config.weights]}
    if default_model_id:
        body["request_processors"] = [{"neural_query_enricher": {"default_model_id": default_model_id}}]
    return body


def pipeline_features(config: HybridConfig, vectors: str) -> list[str]:
    """Names (keys of ``connection.FEATURES``) of what these pipelines need from the cluster."""
    features = ["index.search.default_pipeline", "hybrid query with normalization-processor"]
    if config.technique == "rrf":
        features.append("score-ranker-processor (RRF)")
        if not config.default_weights:
            features.append("weights in score-ranker-processor (RRF)")
    if vectors == "server":
        features += ["text_chunking ingest processor", "neural query and neural_query_enricher"]
    return features

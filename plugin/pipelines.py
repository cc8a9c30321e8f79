"""Ingest and search pipeline bodies, built from the JSON files in ``mappings/``.

The ingest pipeline (server-side vectors) chunks ``passage_text`` into ``passage_chunks`` with ``text_chunking`` and
embeds each chunk into the nested ``passages`` field with ``text_embedding``. The search pipeline combines a hybrid
query's two sub-queries (BM25 first, dense second): ``normalization-processor`` (min_max or l2, then a weighted
arithmetic mean) or ``score-ranker-processor`` (reciprocal rank fusion). Weights come from ``--weights`` or from the
benchmark's ``hybrid.json``::

    {"technique": "min_max", "combination": "arithmetic_mean", "weights": [0.3, 0.7], "rank_constant": 60}

What OpenSearch computes (neural-search ``MinMaxScoreNormalizationTechnique``, ``ArithmeticMeanScoreCombination``):
per sub-query, over the top ``size`` hits it returned (across all shards), ``n = (s - min) / (max - min)``, with
``n = 0.001`` where that gives 0 and ``n = 1.0`` when the sub-query has a single distinct score; then
``combined = sum(w_i * n_i) / sum(w_i)`` over both sub-queries, a document absent from a sub-query counting ``n_i = 0``
with its weight still in the denominator (weights must sum to 1, so ``combined = w_bm25 * n_bm25 + w_dense * n_dense``).
RRF: ``sum(w_i / (rank_constant + rank_i))`` with 1-based ranks, absent documents adding nothing.
"""

from __future__ import annotations

import copy
import json
import math
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from legalsearch.errors import DataError

TECHNIQUES = ("min_max", "l2", "rrf")
COMBINATIONS = ("arithmetic_mean", "geometric_mean", "harmonic_mean")
WEIGHT_TOLERANCE = 0.01  # neural-search ScoreCombinationUtil: weights in [0, 1] summing to 1 within 0.01


@dataclass
class HybridConfig:
    """How the search pipeline combines BM25 and dense scores (weights are ``[bm25, dense]``)."""

    technique: str = "min_max"
    combination: str = "arithmetic_mean"
    weights: list[float] = field(default_factory=lambda: [0.5, 0.5])
    rank_constant: int = 60

    def __post_init__(self) -> None:
        self.validate()

    def validate(self) -> None:
        if self.technique not in TECHNIQUES:
            raise DataError(f"hybrid technique '{self.technique}' is not one of {', '.join(TECHNIQUES)}")
        if self.technique != "rrf" and self.combination not in COMBINATIONS:
            raise DataError(f"hybrid combination '{self.combination}' is not one of {', '.join(COMBINATIONS)}")
        if len(self.weights) != 2:
            raise DataError(f"hybrid weights must be two numbers [bm25, dense], got {self.weights}")
        if any(not (0.0 <= w <= 1.0) or math.isnan(w) for w in self.weights):
            raise DataError(f"hybrid weights must each be in [0, 1], got {self.weights}")
        if abs(sum(self.weights) - 1.0) > WEIGHT_TOLERANCE:
            raise DataError(f"hybrid weights must sum to 1 (OpenSearch requires it), got {self.weights}")
        if int(self.rank_constant) < 1:
            raise DataError(f"rank_constant must be >= 1, got {self.rank_constant}")

    @classmethod
    def from_dict(cls, data: dict[str, Any], source: str | Path | None = None) -> "HybridConfig":
        known = {"technique", "combination", "weights", "rank_constant"}
        unknown = set(data) - known - {"comment", "metrics", "ndcg@10", "source"}
        if unknown:
            raise DataError(f"unknown hybrid setting(s) {sorted(unknown)}; expected {sorted(known)}", path=source)
        try:
            return cls(
                technique=str(data.get("technique", "min_max")),
                combination=str(data.get("combination", "arithmetic_mean")),
                weights=[float(w) for w in data.get("weights", [0.5, 0.5])],
                rank_constant=int(data.get("rank_constant", 60)),
            )
        except (TypeError, ValueError) as exc:
            raise DataError(f"bad hybrid setting ({exc})", path=source) from None

    @classmethod
    def from_file(cls, path: str | Path) -> "HybridConfig":
        path = Path(path)
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise DataError("hybrid config file not found", path=path) from None
        except json.JSONDecodeError as exc:
            raise DataError(f"not valid JSON ({exc.msg})", path=path, line=exc.lineno) from None
        if not isinstance(data, dict):
            raise DataError("hybrid config must be a JSON object", path=path)
        try:
            return cls.from_dict(data, source=path)
        except DataError as exc:
            if exc.path is None:
                raise DataError(exc.reason, path=path) from None
            raise

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def parse_weights(text: str) -> list[float]:
    """'0.3,0.7' -> [0.3, 0.7] (bm25, dense)."""
    try:
        weights = [float(part) for part in text.split(",")]
    except ValueError:
        raise DataError(f"--weights takes two comma-separated numbers like 0.3,0.7, got '{text}'") from None
    HybridConfig(weights=weights)  # validates
    return weights


def _load(name: str) -> dict[str, Any]:
    from legalsearch.mappings import load

    return copy.deepcopy(load(name))


def ingest_pipeline_body(
    model_id: str, token_limit: int = 192, overlap_rate: float = 0.0, max_chunk_limit: int = 100
) -> dict[str, Any]:
    """``mappings/ingest-pipeline.json`` with the model and chunking parameters filled in."""
    body = _load("ingest-pipeline")
    for processor in body["processors"]:
        if "text_chunking" in processor:
            params = processor["text_chunking"]["algorithm"]["fixed_token_length"]
            params.update(token_limit=int(token_limit), overlap_rate=float(overlap_rate), max_chunk_limit=int(max_chunk_limit))
        if "text_embedding" in processor:
            processor["text_embedding"]["model_id"] = model_id
    return body


def chunking_params(body: dict[str, Any]) -> dict[str, Any]:
    """The ``fixed_token_length`` parameters of an ingest pipeline body (for the client-side mirror)."""
    for processor in body.get("processors", []):
        if "text_chunking" in processor:
            return dict(processor["text_chunking"]["algorithm"]["fixed_token_length"])
    raise KeyError("no text_chunking processor")


def search_pipeline_body(config: HybridConfig, default_model_id: str | None = None) -> dict[str, Any]:
    """The hybrid search pipeline for ``config``; with ``default_model_id``, ``neural`` queries may omit model_id."""
    if config.technique == "rrf":
        body = _load("search-pipeline-rrf")
        combination = body["phase_results_processors"][0]["score-ranker-processor"]["combination"]
        combination["rank_constant"] = int(config.rank_constant)
        if config.weights != [0.5, 0.5]:
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
        if config.weights != [0.5, 0.5]:
            features.append("weights in score-ranker-processor (RRF)")
    if vectors == "server":
        features += ["text_chunking ingest processor", "neural query and neural_query_enricher"]
    return features

"""Post-deploy probe: does the cluster embed what the local encoder (and so the offline benchmark) embeds?

A prompt applied offline but not in the cluster, a pooling mode ML Commons reads differently, another tokenizer or
another truncation all leave search working and quietly lose much of the fine-tuning gain. The probe embeds a few
texts both ways and compares them:

* ``query`` / ``passage``: ``_predict`` on the deployed model (with ``content_type`` for a model registered with
  prompts, as neural-search sends it from neural queries and from the ingest pipeline) against
  ``encode_queries`` / ``encode_documents``;
* ``stored``: the passage vectors the ingest pipeline actually wrote for a few documents of the new index, against
  the local encoding of the same passages (``passage_chunks``).

Every cosine must reach :data:`MIN_COSINE` (0.99); otherwise :class:`~legalsearch.errors.ProbeError` names the
likely cause, from the model's registered ``model_config`` and from which texts disagree (see :func:`diagnose`).
``legalsearch deploy`` runs it before the alias moves, ``legalsearch doctor`` on a live deployment.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any, Iterable, Sequence

import numpy as np

from legalsearch.errors import ProbeError

from . import ml_commons
from .connection import Cluster

log = logging.getLogger(__name__)

MIN_COSINE = 0.99
PROBE_DOCS = 3
QUERY_WORDS = 12


@dataclass
class ProbeCheck:
    kind: str  # query | passage | stored
    text: str
    cosine: float
    tokens: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "text": self.text[:80], "cosine": round(self.cosine, 6), "tokens": self.tokens}


@dataclass
class ProbeResult:
    """The probe's cosines (cluster vs local encoder) and, when one is below ``threshold``, the likely cause."""

    checks: list[ProbeCheck]
    threshold: float = MIN_COSINE
    causes: list[str] = field(default_factory=list)

    @property
    def min_cosine(self) -> float:
        return min((c.cosine for c in self.checks), default=1.0)

    @property
    def passed(self) -> bool:
        return bool(self.checks) and self.min_cosine >= self.threshold

    def summary(self) -> str:
        kinds = sorted({c.kind for c in self.checks})
        worst = {k: min(c.cosine for c in self.checks if c.kind == k) for k in kinds}
        figures = ", ".join(f"{k} {v:.4f}" for k, v in worst.items())
        verdict = "passed" if self.passed else "FAILED"
        return f"probe {verdict}: lowest cosine cluster vs local encoder {figures} (need ≥ {self.threshold})"

    def to_dict(self) -> dict[str, Any]:
        return {"passed": self.passed, "min_cosine": self.min_cosine, "threshold": self.threshold,
                "causes": self.causes, "checks": [c.to_dict() for c in self.checks]}


def _cosines(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    if a.shape != b.shape:
        raise ProbeError(f"the cluster returned vectors of shape {a.shape}, the local encoder {b.shape}; "
                         "the deployed model is not the export's (dimension)")
    norms = np.linalg.norm(a, axis=1) * np.linalg.norm(b, axis=1)
    return (a * b).sum(axis=1) / np.clip(norms, 1e-12, None)


def probe_texts(records: Iterable, count: int = PROBE_DOCS) -> tuple[list[str], list[str], list[str]]:
    """``(doc_ids, queries, passages)`` from corpus records: the shortest, median and longest of the first 200
    documents (long ones exercise truncation), a query-like head of each (its title, else its first words)."""
    rows = []
    for number, record in enumerate(records):
        if number >= 200:
            break
        rows.append(record)
    rows = [r for r in rows if getattr(r, "error", None) is None and r.full_text.strip()]
    if not rows:
        return [], [], []
    rows.sort(key=lambda r: len(r.full_text))
    picks = {0, len(rows) // 2, len(rows) - 1}
    chosen = [rows[i] for i in sorted(picks)][:count]
    queries = [(r.title or " ".join(r.text.split()[:QUERY_WORDS])).strip() for r in chosen]
    passages = [r.full_text for r in chosen]
    return [r.doc_id for r in chosen], queries, passages


def _token_count(encoder, text: str) -> int | None:
    tokenizer = getattr(encoder, "_tokenizer", None)
    if tokenizer is None:
        return None
    try:
        return len(tokenizer.encode(text).ids)
    except Exception:  # tokenizers raise their own types; the count is only a hint
        return None


def stored_passages(cluster: Cluster, index: str, doc_ids: Sequence[str]) -> list[tuple[str, list[float]]]:
    """``(passage text, stored vector)`` pairs that the ingest pipeline wrote for ``doc_ids`` in ``index``."""
    if not doc_ids:
        return []
    # the whole _source: with k-NN's derived source (3.x), a filtered _source returns each vector as the number 1
    body = {"query": {"ids": {"values": list(doc_ids)}}, "size": len(doc_ids)}
    response = cluster.request("POST", f"/{index}/_search", body=body, what=f"reading probe documents of {index}")
    pairs = []
    for hit in response.get("hits", {}).get("hits", []):
        source = hit.get("_source", {})
        chunks = source.get("passage_chunks") or []
        vectors = [p.get("knn") for p in source.get("passages") or []]
        if len(chunks) != len(vectors) or any(v is None for v in vectors):
            log.info("document %s: %d chunks, %d stored vectors; not probed", hit.get("_id"), len(chunks),
                     len(vectors))
            continue
        pairs += list(zip(chunks, vectors))
    return pairs


def diagnose(model_config: dict[str, Any], encoder, checks: list[ProbeCheck], threshold: float) -> list[str]:
    """Likely causes of a mismatch, most specific first: the registered config against the export's facts, then
    the pattern of disagreeing texts (long ones only: truncation; all: tokenizer or graph)."""
    causes = []
    spec = getattr(encoder, "spec", None)
    prompts = getattr(encoder, "prompts", None)
    if spec is not None and model_config:
        pooling = str(model_config.get("pooling_mode", "")).lower()
        if pooling and pooling != spec.ml_commons_pooling:
            causes.append(f"pooling: the cluster's model pools with {pooling!r}, the export with "
                          f"{spec.ml_commons_pooling!r} (re-register the export's ml-commons/register.json)")
        if model_config.get("model_type") and model_config["model_type"] != spec.model_type:
            causes.append(f"tokenizer/architecture: the cluster's model_type is {model_config['model_type']!r}, "
                          f"the export's {spec.model_type!r} (ML Commons feeds token_type_ids for bert only)")
    if prompts is not None and model_config:
        for role, key, local in (("query", "query_prefix", prompts.query), ("passage", "passage_prefix",
                                                                             prompts.document)):
            remote = model_config.get(key) or ""
            if remote != local:
                causes.append(f"prompt: the cluster prepends {remote!r} to each {role}, the local encoder "
                              f"{local!r} (register the model with {key}, as `legalsearch export` writes it)")
        if (prompts.query or prompts.document) and spec is not None and not spec.include_prompt:
            causes.append("prompt: the model leaves its prompt out of pooling (include_prompt=false), which ML "
                          "Commons cannot do: deploy with --vectors client")
    if causes:
        return causes
    bad = [c for c in checks if c.cosine < threshold]
    good = [c for c in checks if c.cosine >= threshold]
    max_length = getattr(encoder, "max_seq_length", None)
    if bad and good and all(c.tokens is not None for c in checks) and max_length:
        if min(c.tokens for c in bad) >= max(c.tokens for c in good):
            return [f"truncation: only the longest texts disagree ({min(c.tokens for c in bad)}+ tokens); the "
                    f"cluster's tokenizer.json truncates elsewhere than the local {max_length} tokens"]
    return ["tokenizer or graph: every kind of text disagrees though pooling and prompts match; the deployed zip "
            "is not this export's (compare model_content_hash_value with ml-commons/register.json)"]


def run_probe(
    cluster: Cluster,
    model_id: str | None,
    encoder,
    queries: Sequence[str],
    passages: Sequence[str],
    index: str | None = None,
    doc_ids: Sequence[str] = (),
    threshold: float = MIN_COSINE,
) -> ProbeResult:
    """Embed ``queries`` and ``passages`` with the deployed model and with ``encoder``; with ``index``, also compare
    the vectors the ingest pipeline stored for ``doc_ids`` (without ``model_id``, a client-side index: the stored
    vectors only). Returns the result; never raises for a mismatch (:func:`check` does)."""
    config = (ml_commons.get_model(cluster, model_id).get("model_config") or {}) if model_id else {}
    asymmetric = ml_commons.is_asymmetric(config)
    checks: list[ProbeCheck] = []
    for kind, texts, local_encode, content_type in (
        ("query", list(queries), encoder.encode_queries, "query"),
        ("passage", list(passages), encoder.encode_documents, "passage"),
    ):
        if not texts or not model_id:
            continue
        remote = np.array(ml_commons.predict(cluster, model_id, texts, content_type if asymmetric else None))
        local = local_encode(texts)
        for text, cosine in zip(texts, _cosines(remote, local)):
            checks.append(ProbeCheck(kind, text, float(cosine), _token_count(encoder, text)))
    if index:
        pairs = stored_passages(cluster, index, doc_ids)
        if pairs:
            texts = [text for text, _ in pairs]
            local = encoder.encode_documents(texts)
            for text, cosine in zip(texts, _cosines(np.array([v for _, v in pairs]), local)):
                checks.append(ProbeCheck("stored", text, float(cosine), _token_count(encoder, text)))
    result = ProbeResult(checks, threshold)
    if not result.passed:
        result.causes = diagnose(config, encoder, checks, threshold)
    return result


def check(result: ProbeResult, where: str) -> None:
    """Raise :class:`ProbeError` (naming the likely cause) unless ``result`` passed."""
    if result.passed:
        return
    if not result.checks:
        raise ProbeError(f"{where}: the probe had no text to embed (empty corpus?)")
    worst = min(result.checks, key=lambda c: c.cosine)
    raise ProbeError(
        f"{where}: the cluster embeds differently from the local encoder ({worst.kind} cosine {worst.cosine:.4f} "
        f"< {result.threshold}, on {worst.text[:40]!r}); likely cause: {result.causes[0] if result.causes else '?'}",
        hint="; ".join(result.causes[1:]) or None,
    )


# -- legalsearch doctor ------------------------------------------------------------------------------------------
@dataclass
class DoctorCheck:
    name: str
    ok: bool
    detail: str

    def line(self) -> str:
        return f"{'ok  ' if self.ok else 'FAIL'}  {self.name}: {self.detail}"


@dataclass
class DoctorReport:
    """What ``legalsearch doctor`` found on a deployment: one line per check, and the probe's figures."""

    alias: str
    index: str | None
    checks: list[DoctorCheck] = field(default_factory=list)
    probe: ProbeResult | None = None

    @property
    def ok(self) -> bool:
        return all(c.ok for c in self.checks)

    def to_dict(self) -> dict[str, Any]:
        return {"alias": self.alias, "index": self.index, "ok": self.ok,
                "checks": [c.__dict__ for c in self.checks],
                "probe": self.probe.to_dict() if self.probe is not None else None}


def _index_records(cluster: Cluster, index: str, size: int = 50) -> list:
    from .ingest import CorpusRecord

    body = {"size": size, "query": {"match_all": {}}, "_source": ["title", "content", "text"], "sort": ["_doc"]}
    hits = cluster.request("POST", f"/{index}/_search", body=body, what=f"reading documents of {index}")
    records = []
    for number, hit in enumerate(hits.get("hits", {}).get("hits", [])):
        source = hit.get("_source", {})
        records.append(CorpusRecord(number, hit["_id"], source.get("title", "") or "",
                                    source.get("text") or source.get("content") or ""))
    return records


def doctor(cluster: Cluster, alias: str, encoder=None, threshold: float = MIN_COSINE) -> DoctorReport:
    """Check a live deployment: version and plugins, the model, the ingest pipeline, and the probe.

    Args:
        alias: the alias (or index) ``legalsearch deploy`` built.
        encoder: the local encoder to compare with; default the export the deploy recorded in the index ``_meta``
            (a failed check when that directory is not on this machine).

    Raises:
        NotFoundError: no such alias or index (the connection layer's two-line message).
    """
    from legalsearch.errors import LegalsearchError
    from legalsearch.hybrid import HybridConfig

    from . import pipelines
    from .search import DeploymentInfo

    info = DeploymentInfo.read(cluster, alias)
    report = DoctorReport(alias, info.index)
    version = ".".join(str(v) for v in cluster.version)
    hybrid = HybridConfig.from_dict(info.hybrid) if info.hybrid else HybridConfig()
    features = ["k-NN lucene HNSW knn_vector", "nested knn_vector passages (score_mode max)",
                *pipelines.pipeline_features(hybrid, info.vectors)]
    try:
        cluster.require(*features)
        report.checks.append(DoctorCheck("cluster", True, f"OpenSearch {version} has every feature this "
                                                          f"{info.vectors}-side deployment uses"))
    except LegalsearchError as exc:
        report.checks.append(DoctorCheck("cluster", False, str(exc).splitlines()[0]))
    if info.vectors == "server":
        if not info.model_id:
            report.checks.append(DoctorCheck("model", False, f"{info.index} records no model_id in its _meta"))
        else:
            model = ml_commons.get_model(cluster, info.model_id)
            state = model.get("model_state")
            report.checks.append(DoctorCheck("model", state == "DEPLOYED", f"{info.model_id} is {state}"
                                             + ("" if state == "DEPLOYED" else "; redeploy it (legalsearch deploy)")))
            pipeline_name = f"{info.index}-ingest"
            body = cluster.request("GET", f"/_ingest/pipeline/{pipeline_name}", what="reading the ingest pipeline",
                                   ignore=(404,)) or {}
            processors = (body.get(pipeline_name) or {}).get("processors", [])
            ids = [p["text_embedding"].get("model_id") for p in processors if "text_embedding" in p]
            report.checks.append(DoctorCheck("ingest pipeline", ids == [info.model_id],
                                             f"{pipeline_name} embeds with {ids or 'no model'}"))
    if encoder is None:
        encoder = info.load_encoder()
    if encoder is None:
        report.checks.append(DoctorCheck("probe", False, f"the export the deploy used ({info.encoder}) is not on "
                                                         "this machine: pass --export DIR"))
        return report
    doc_ids, queries, passages = probe_texts(_index_records(cluster, info.index))
    model_id = info.model_id if info.vectors == "server" else None
    result = run_probe(cluster, model_id, encoder, queries, passages, index=info.index, doc_ids=doc_ids,
                       threshold=threshold)
    report.probe = result
    detail = result.summary().split(": ", 1)[1]
    if result.causes:
        detail += f"; likely cause: {result.causes[0]}"
    report.checks.append(DoctorCheck("probe", result.passed, detail))
    return report

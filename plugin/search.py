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

from legalsearch import long_queries
from legalsearch.errors import OpenSearchError, PartialResultsError
from legalsearch.long_queries import (
    LongQueryPolicy,
    QueryPlan,
    mean_of_windows,
    select_key_terms,
    spread,
    term_frequencies,
)

from . import index as idx
from .citations import extract_citations
from .connection import Cluster
from .queries import DEFAULT_CANDIDATES, MODES, search_body


# The query text is data, never query syntax. A long one (a statement of facts, a judgment) is planned by
# legalsearch.long_queries: key terms under the clause limit for BM25, windows for the dense side; only text past
# its MAX_QUERY_CHARS (about 40 pages) is refused.
MAX_QUERY_CHARS = long_queries.MAX_QUERY_CHARS
check_query_text = long_queries.check_query_text


@dataclass
class Hit:
    doc_id: str
    score: float
    title: str
    text: str
    citations: list[str]


@dataclass(frozen=True)
class ShardReport:
    """What a search response says about its own completeness: ``_shards`` and ``timed_out``.

    OpenSearch answers a search that lost shards with HTTP 200 and the hits of the shards that did answer; only
    ``_shards`` and ``timed_out`` say that hits may be missing. A shard that threw is counted in ``failed`` with its
    reason; a shard with no started copy (unassigned: the cluster is red) is, in OpenSearch 3.6, in neither
    ``successful`` nor ``failed``, only in ``total``. Skipped shards are not a loss: the pre-filter skipped them
    because they cannot match the query, and OpenSearch counts them as successful too.
    """

    total: int = 0
    successful: int = 0
    skipped: int = 0
    failed: int = 0
    timed_out: bool = False
    reasons: tuple[str, ...] = ()  # "index[shard]: type: reason" of each failure the response lists

    @classmethod
    def from_response(cls, response: dict[str, Any]) -> "ShardReport":
        shards = response.get("_shards") or {}
        reasons = []
        for failure in shards.get("failures") or []:
            reason = failure.get("reason")
            if isinstance(reason, dict):
                text = f"{reason.get('type', 'error')}: {reason.get('reason', '')}".rstrip(": ")
            else:
                text = str(reason or "no reason given")
            where = f"{failure.get('index', '?')}[{failure.get('shard', '?')}]" if "index" in failure else "a shard"
            reasons.append(f"{where}: {' '.join(text.split())}")
        return cls(int(shards.get("total", 0)), int(shards.get("successful", 0)), int(shards.get("skipped", 0)),
                   int(shards.get("failed", 0)), bool(response.get("timed_out", False)), tuple(reasons))

    @property
    def unsearched(self) -> int:
        """Shards neither successful nor failed: they had no started copy to search."""
        return max(0, self.total - self.successful - self.failed)

    @property
    def partial(self) -> bool:
        """True when hits may be missing: a shard failed or was not searched, or the search hit its time limit."""
        return self.failed > 0 or self.unsearched > 0 or self.timed_out

    def summary(self) -> str:
        """What was lost, e.g. ``1 of 2 shards failed (idx[0]: no_shard_available_action_exception: …)``."""
        parts = []
        if self.failed:
            first = self.reasons[0] if self.reasons else "the response gives no reason"
            parts.append(f"{self.failed} of {self.total} shards failed ({first[:300]})")
        if self.unsearched:
            parts.append(f"{self.unsearched} of {self.total} shards not searched (no started copy)")
        if self.timed_out:
            parts.append("the search timed out")
        return "; ".join(parts) or "complete"

    def to_dict(self) -> dict[str, Any]:
        return {"total": self.total, "successful": self.successful, "skipped": self.skipped, "failed": self.failed,
                "unsearched": self.unsearched, "timed_out": self.timed_out, "failures": list(self.reasons),
                "partial": self.partial}


class SearchHits(list):
    """The hits of one search (a ``list`` of :class:`Hit`) with the response's :class:`ShardReport`:
    ``hits.partial`` is True when some shards did not answer or the search timed out."""

    def __init__(self, hits=(), shards: ShardReport | None = None):
        super().__init__(hits)
        self.shards = shards or ShardReport()

    @property
    def partial(self) -> bool:
        return self.shards.partial


# What to do about partial results, for every message that reports them.
PARTIAL_HINT = ("check the cluster (GET _cluster/health, GET _cat/shards) and search again once every shard of "
                "the index is started")


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

    def chunker(self):
        """How the deploy cut documents into passages (long queries are cut into windows the same way)."""
        from legalsearch.passages import PassageChunker

        if self.chunking:
            return PassageChunker(**{k: self.chunking[k] for k in ("token_limit", "overlap_rate", "max_chunk_limit",
                                                                   "tokenizer") if k in self.chunking})
        return PassageChunker()

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


def plan_query(cluster: Cluster, info: DeploymentInfo, text: str, mode: str,
               policy: LongQueryPolicy | None = None) -> QueryPlan:
    """How ``text`` is searched (:mod:`legalsearch.long_queries`), the way offline BM25 and MaxP search it.

    The key terms are chosen with the index's own statistics: a ``_termvectors`` request for the query as an
    artificial document returns its terms as the node analyzes them, with their document frequencies. With more
    than one shard those frequencies are one shard's, so the chosen terms can differ a little from offline ones.
    """
    from legalsearch.analysis import legal_analyzer

    policy = policy or LongQueryPolicy()
    plan = QueryPlan(positions=0)
    if mode != "neural":
        freqs, plan.positions = term_frequencies(legal_analyzer(), text)
        plan.distinct_terms = len(freqs)
        if plan.positions > policy.max_terms:
            node_freqs, doc_freqs, doc_count = term_statistics(cluster, info.index, text)
            plan.terms = select_key_terms(node_freqs, doc_freqs, doc_count, policy.max_terms)
            plan.distinct_terms = sum(1 for term in node_freqs if doc_freqs.get(term, 0) > 0)
    if mode != "bm25":
        windows = info.chunker().split_text(text)
        plan.window_count = max(1, len(windows))
        plan.windows = spread(windows, policy.max_windows) if len(windows) > 1 else [text]
    return plan


def term_statistics(cluster: Cluster, index: str, text: str) -> tuple[dict[str, int], dict[str, int], int]:
    """(query frequency, document frequency of each term, documents with ``content``) from ``_termvectors``."""
    response = cluster.request(
        "POST", f"/{index}/_termvectors",
        body={"doc": {"content": text}, "fields": ["content"], "term_statistics": True, "field_statistics": True,
              "positions": False, "offsets": False, "payloads": False},
        what=f"reading term statistics of {index} for a long query",
    )
    field = response.get("term_vectors", {}).get("content", {})
    terms = field.get("terms", {})
    freqs = {term: int(stats.get("term_freq", 0)) for term, stats in terms.items()}
    doc_freqs = {term: int(stats.get("doc_freq", 0)) for term, stats in terms.items()}
    return freqs, doc_freqs, int(field.get("field_statistics", {}).get("doc_count", 0))


def build_query(
    mode: str,
    text: str,
    k: int,
    info: DeploymentInfo,
    vector: Sequence[float] | None = None,
    candidates: int = DEFAULT_CANDIDATES,
    plan: QueryPlan | None = None,
) -> dict[str, Any]:
    if mode not in MODES:
        raise ValueError(f"mode must be one of {', '.join(MODES)}")
    if mode != "bm25" and vector is None and not (info.vectors == "server" and info.model_id):
        raise OpenSearchError(
            f"index {info.index} was deployed with client-side vectors: {mode} search needs our encoder "
            "(pass --export DIR)"
        )
    return search_body(mode, text, k, model_id=info.model_id, vector=vector, citations=extract_citations(text),
                       candidates=candidates, terms=plan.terms if plan is not None else None)


def query_vector(cluster: Cluster, info: DeploymentInfo, plan: QueryPlan, text: str, encoder=None):
    """The dense side's vector, or None to let the cluster embed a short query itself (``neural``).

    A long query is the mean of its windows' vectors, embedded by ``encoder`` or, with server-side vectors and no
    local encoder, by the deployed model (``_predict``): the graph that embedded the passages."""
    if plan.window_count > 1:
        if encoder is not None:
            windows = encoder.encode_queries(plan.windows)
        else:
            from .ml_commons import get_model, is_asymmetric, predict

            # a model registered with prompts (query_prefix) embeds a query only when told it is one
            config = get_model(cluster, info.model_id).get("model_config") or {}
            windows = predict(cluster, info.model_id, plan.windows, "query" if is_asymmetric(config) else None)
        return mean_of_windows(windows, [0])[0]
    return encoder.encode_queries([text])[0] if encoder is not None else None


# A search in flight when a data node dies can fail in its fetch phase with one of these (HTTP 500) although every
# shard has a live copy; the same search sent again is answered from the copies (tests/integration/test_cluster.py).
NODE_LOSS_ERRORS = ("node_disconnected_exception", "node_not_connected_exception")
SEARCH_ATTEMPTS = 3


def execute(cluster: Cluster, index: str, body: dict[str, Any], pipeline: str | None = None,
            sleep=time.sleep) -> SearchHits:
    """Send one search; the hits come with the response's :class:`ShardReport` (``.partial``), never dropped."""
    params = {"search_pipeline": pipeline} if pipeline else None
    for attempt in range(1, SEARCH_ATTEMPTS + 1):
        try:
            response = cluster.request("POST", f"/{index}/_search", body=body, params=params,
                                       what=f"searching {index}")
            break
        except OpenSearchError as exc:  # a search is read-only: sending it again after a node loss is safe
            if attempt == SEARCH_ATTEMPTS or not any(name in str(exc) for name in NODE_LOSS_ERRORS):
                raise
            sleep(0.5 * attempt)
    hits = SearchHits(shards=ShardReport.from_response(response))
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
    policy: LongQueryPolicy | None = None,
) -> tuple[SearchHits, dict[str, Any], QueryPlan]:
    """Run one query; returns the hits, the exact DSL body that was sent and how the query was planned. The text is
    data, never query syntax: it is sent as the value of ``match`` / ``neural`` clauses (or, for a long query, as
    analyzed key terms and windows: :mod:`legalsearch.long_queries`). ``hits.partial`` / ``hits.shards`` say
    whether every shard answered; partial hits are returned, not refused."""
    check_query_text(text)
    info = info or DeploymentInfo.read(cluster, index)
    plan = plan_query(cluster, info, text, mode, policy)
    vector = query_vector(cluster, info, plan, text, encoder) if mode != "bm25" else None
    body = build_query(mode, text, k, info, vector, plan=plan)
    return execute(cluster, index, body, pipeline), body, plan


def run_queries(
    client: Any,
    index: str,
    queries: dict[str, str],
    mode: str,
    k: int,
    encoder=None,
    pipeline: str | None = None,
    latencies: list[float] | None = None,
    policy: LongQueryPolicy | None = None,
    partial: dict[str, ShardReport] | None = None,
) -> dict[str, dict[str, float]]:
    """Search every query; returns ``{query_id: {doc_id: score}}`` (the run format of ranx / the evaluator).

    ``latencies``, when given, receives the wall time in seconds of each ``_search`` request (query encoding
    excluded, so server-side and client-side vectors are compared on the cluster's work). Long queries are planned
    as :func:`search` plans them, so the run equals offline BM25 and MaxP on the same queries.

    A run is for computing figures, and a figure from partial hits is wrong without saying so: a response that
    lost shards or timed out raises :class:`~legalsearch.errors.PartialResultsError` naming the query, unless
    ``partial`` is given, which then receives ``{query_id: ShardReport}`` of each partial response.
    """
    cluster = as_cluster(client)
    info = DeploymentInfo.read(cluster, index)
    if mode != "bm25" and encoder is None and info.vectors == "client":
        encoder = info.load_encoder()  # the same encoder the documents were embedded with
    ids = list(queries)
    plans = {qid: plan_query(cluster, info, queries[qid], mode, policy) for qid in ids}
    short = [qid for qid in ids if plans[qid].window_count <= 1]
    short_vectors = {}
    if mode != "bm25" and encoder is not None and short:
        short_vectors = dict(zip(short, encoder.encode_queries([queries[q] for q in short])))
    run: dict[str, dict[str, float]] = {}
    for qid in ids:
        vector = None
        if mode != "bm25":
            vector = short_vectors[qid] if qid in short_vectors else \
                query_vector(cluster, info, plans[qid], queries[qid], encoder)
        body = build_query(mode, queries[qid], k, info, vector, plan=plans[qid])
        start = time.perf_counter()
        hits = execute(cluster, index, body, pipeline)
        if latencies is not None:
            latencies.append(time.perf_counter() - start)
        if hits.partial:
            if partial is None:
                raise PartialResultsError(
                    f"query {qid}: the search of {index} returned partial results ({hits.shards.summary()}); "
                    "no figure is computed from them", query_id=qid, shards=hits.shards, hint=PARTIAL_HINT)
            partial[qid] = hits.shards
        run[qid] = {hit.doc_id: hit.score for hit in hits}
    return run

"""The benchmark's cluster half: the same test queries through a deployed OpenSearch index.

Quality per mode (bm25, neural, hybrid) beside the offline number for the same retriever — a disagreement beyond
0.01 NDCG@10 is flagged — search latency p50/p99 per mode, measured on the ``_search`` round trip, and the ingest
throughput that ``legalsearch deploy`` measured and kept in the index's ``_meta``. No figure is reported from a
partial response (a shard that did not answer, a search that timed out): the benchmark stops naming the query.

:func:`parity` is the strict form (``benchmarks/parity.py``): the offline half is computed for exactly what the index
serves — the deployed encoder variant, the passages cut with the index's chunking settings, the hybrid setting of its
default search pipeline — so offline and cluster must agree within :data:`PARITY_TOLERANCE`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from legalsearch.bench.offline import HYBRID_ROW, onnx_row, percentile_ms
from legalsearch.data import Dataset
from legalsearch.errors import BenchError, OpenSearchError, PartialResultsError
from legalsearch.evaluation import DEFAULT_METRICS, evaluate_run
from legalsearch.hybrid import HybridConfig

AGREEMENT_TOLERANCE = 0.01
PARITY_TOLERANCE = 0.005  # issue 19's acceptance: the cluster equals offline within this NDCG@10
MODES = ("bm25", "neural", "hybrid")


def offline_row(mode: str, variant: str | None) -> str:
    """The offline row a cluster mode should reproduce: neural is the ONNX row of the variant the index serves."""
    if mode == "bm25":
        return "bm25"
    if mode == "hybrid":
        return HYBRID_ROW
    return onnx_row(variant) if variant else "fine-tuned"


def agrees(cluster_value: float, offline_value: float, tolerance: float = AGREEMENT_TOLERANCE) -> bool:
    """True when the cluster reproduces the offline number; anything further apart is flagged in the report."""
    return abs(cluster_value - offline_value) <= tolerance


@dataclass
class ClusterTarget:
    """A deployed index, opened before the offline half so that a wrong URL or index fails in seconds, not after
    the whole offline benchmark."""

    cluster: Any  # legalsearch.plugin.connection.Cluster
    info: Any  # legalsearch.plugin.search.DeploymentInfo

    @classmethod
    def open(cls, settings, index: str) -> "ClusterTarget":
        from legalsearch.plugin.connection import connect
        from legalsearch.plugin.search import DeploymentInfo

        cluster = connect(settings)
        try:
            return cls(cluster, DeploymentInfo.read(cluster, index))
        except OpenSearchError as exc:
            if exc.status != 404:
                raise
            # one message, not the connection layer's two lines wrapped in another sentence
            raise BenchError(f"{cluster.display_url} has no index or alias '{index}'\n  deploy the model first "
                             "(legalsearch deploy DATASET --export DIR --index NAME) or pass its --index") from None

    def check_dimension(self, dimension: int) -> None:
        """The index must hold vectors of the benchmarked model; otherwise every dense number would be noise."""
        if self.info.dimension is not None and int(self.info.dimension) != int(dimension):
            raise BenchError(f"index {self.info.index} holds {self.info.dimension}-dimensional vectors but the "
                             f"benchmarked model makes {dimension}: deploy this model first (legalsearch deploy)")

    @property
    def variant(self) -> str | None:
        """int8 | fp32: the graph that embedded the index's documents, as deploy recorded it (None: not an export's
        ONNX graph, or an index deployed before the variant was recorded)."""
        return self.info.variant

    def deployed_encoder(self, fallback) -> tuple[Any, str | None]:
        """(encoder, variant) that embedded the index's documents, loaded from the export deploy recorded when it
        exists here (client-side vectors); otherwise ``(fallback, None)``. For ``bench --url --no-onnx``."""
        encoder = self.info.load_encoder() if self.info.vectors == "client" else None
        return (encoder, self.variant) if encoder is not None else (fallback, None)


def _run(target: ClusterTarget, queries: dict[str, str], mode: str, k: int, **kwargs) -> dict:
    """One mode's run; a query answered by only some shards (or timed out) stops the benchmark, naming the mode and
    the query: its figure would be lower than the index's real quality, and nothing would say so."""
    from legalsearch.plugin.search import PARTIAL_HINT, run_queries

    try:
        return run_queries(target.cluster, target.info.index, queries, mode, k, **kwargs)
    except PartialResultsError as exc:
        raise PartialResultsError(f"bench --url, {mode} mode, {exc.reason}", query_id=exc.query_id,
                                  shards=exc.shards, hint=PARTIAL_HINT + ", then rerun the benchmark") from None


def cluster_bench(target: ClusterTarget, dataset: Dataset, split: str, offline: dict, query_encoder,
                  variant: str | None = None, metrics=DEFAULT_METRICS, k: int = 100) -> dict:
    """Run ``split``'s queries through every mode; ``offline`` is the offline half's results (``run_bench``).

    ``query_encoder`` embeds the queries for client-side vectors: it must be the graph the documents were embedded
    with, ``variant`` of the export (:attr:`ClusterTarget.variant`; bench loads it); its offline row is the one the
    neural mode is compared with. Server-side vectors: the cluster embeds the queries with its deployed model.
    """
    target.check_dimension(query_encoder.dimension)
    info = target.info
    queries = dataset.split_queries(split)
    qrels = dataset.qrels_for(split)
    offline_rows = {row["name"]: row for row in offline["rows"]}
    # Client-side vectors: queries carry our encoder's vector; server-side: the cluster embeds the query itself.
    encoder = query_encoder if info.vectors == "client" else None
    if info.vectors == "server":
        variant = info.variant or variant
    modes = {}
    for mode in MODES:
        latencies: list[float] = []
        run = _run(target, queries, mode, k, encoder=encoder, latencies=latencies)
        result = evaluate_run(run, qrels, metrics, dataset.relevant_grade, name=f"opensearch {mode}")
        reference = offline_rows.get(offline_row(mode, variant)) or offline_rows["fine-tuned"]
        offline_ndcg = reference["metrics"]["ndcg@10"]
        modes[mode] = {
            "metrics": result.means,
            "offline_row": reference["name"],
            "offline_ndcg@10": offline_ndcg,
            "agrees": agrees(result.means["ndcg@10"], offline_ndcg),
            "latency": percentile_ms(latencies),
        }
    # The hybrid query goes through the index's default search pipeline, which has the setting deploy was given;
    # the offline hybrid row has the one tuned on dev. Only the same setting makes the two comparable.
    deployed = HybridConfig.from_dict(info.hybrid) if info.hybrid else None
    tuned = HybridConfig.from_dict(offline["hybrid"]["config"])
    # display_url has any user:password removed: results.json must not carry credentials.
    return {"url": getattr(target.cluster, "display_url", None), "index": info.index,
            "vectors": info.vectors, "model_id": info.model_id, "deployed_encoder": info.encoder,
            "deployed_variant": info.variant,
            # what embedded the queries: our encoder (client-side vectors) or the cluster's model (server-side)
            "query_encoder": {"variant": variant,
                              "name": getattr(encoder, "name", None) if encoder is not None else "the cluster's model"},
            "modes": modes, "tolerance": AGREEMENT_TOLERANCE,
            "hybrid_config": deployed.to_dict() if deployed else None,
            "hybrid_same_as_offline": deployed == tuned if deployed else None,
            "ingest": info.ingest}


def parity(target: ClusterTarget, dataset: Dataset, split: str = "test", encoder=None, k: int = 100,
           metric: str = "ndcg@10") -> dict:
    """``metric`` of every mode offline and through the cluster, offline set up as the index is.

    Offline: :class:`~legalsearch.retrieval.BM25Retriever`; :class:`~legalsearch.retrieval.DenseRetriever` with the
    graph that embedded the documents (``encoder``, by default the export and variant deploy recorded) over passages
    cut by :class:`~legalsearch.passages.PassageChunker` with the index's chunking settings; their top-``k`` fused by
    :func:`~legalsearch.retrieval.fuse` with the index's hybrid setting. Cluster: the same queries as ``bm25``,
    ``neural`` (server-side vectors: the cluster embeds the query; client-side: ``encoder`` does) and ``hybrid``
    (the default search pipeline) with ``k`` results.

    Returns ``{"dataset", "vectors", "modes": {mode: {"offline", "cluster", "difference", "agrees"}}, ...}``.
    """
    from legalsearch.passages import PassageChunker
    from legalsearch.retrieval import BM25Retriever, DenseRetriever, fuse

    info = target.info
    if encoder is None:
        encoder = info.load_encoder()
        if encoder is None:
            raise BenchError(f"index {info.index} records no encoder directory that exists here ({info.encoder}); "
                             "pass the export it was deployed with")
    target.check_dimension(encoder.dimension)
    if info.hybrid is None:
        raise BenchError(f"index {info.index} records no hybrid setting: deploy it with legalsearch deploy")
    hybrid = HybridConfig.from_dict(info.hybrid)
    chunker = PassageChunker(**info.chunking) if info.chunking else PassageChunker.for_model(encoder.max_seq_length)
    queries, qrels = dataset.split_queries(split), dataset.qrels_for(split)
    documents = list(dataset.corpus.values())

    bm25 = BM25Retriever(documents).search(queries, k=k)
    dense_retriever = DenseRetriever(encoder, chunker=chunker)
    dense_retriever.build(documents)
    dense = dense_retriever.search(queries, k=k)
    offline = {"bm25": bm25, "neural": dense, "hybrid": fuse(bm25, dense, hybrid, k=k)}

    query_encoder = encoder if info.vectors == "client" else None
    modes = {}
    for mode in MODES:
        run = _run(target, queries, mode, k, encoder=query_encoder)
        values = [evaluate_run(r, qrels, (metric,), dataset.relevant_grade).means[metric] for r in (offline[mode], run)]
        modes[mode] = {"offline": round(values[0], 4), "cluster": round(values[1], 4),
                       "difference": round(values[1] - values[0], 4),
                       "agrees": agrees(values[1], values[0], PARITY_TOLERANCE)}
    return {"dataset": dataset.path.name, "vectors": info.vectors, "modes": modes, "split": split, "metric": metric,
            "k": k, "tolerance": PARITY_TOLERANCE, "queries": len(queries), "documents": len(documents),
            "passages": len(dense_retriever.index.passage_texts), "index": info.index, "variant": info.variant,
            "chunking": chunker.pipeline_params(), "hybrid": hybrid.to_dict(),
            "query_encoder": getattr(encoder, "name", None) if query_encoder is not None else "the cluster's model"}

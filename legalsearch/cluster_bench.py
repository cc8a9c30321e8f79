"""The benchmark's cluster half: the same test queries through a deployed OpenSearch index.

Quality per mode (bm25, neural, hybrid) beside the offline number for the same retriever — a disagreement beyond
0.01 NDCG@10 is flagged — search latency p50/p99 per mode, measured on the ``_search`` round trip, and the ingest
throughput that ``legalsearch deploy`` measured and kept in the index's ``_meta``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from legalsearch.bench import percentile_ms
from legalsearch.data import Dataset
from legalsearch.errors import BenchError, OpenSearchError
from legalsearch.evaluation import evaluate_run
from legalsearch.hybrid import HybridConfig

AGREEMENT_TOLERANCE = 0.01
MODES = ("bm25", "neural", "hybrid")
# cluster mode -> offline row it should reproduce
OFFLINE_ROW = {"bm25": "bm25", "neural": "fine-tuned (onnx int8)", "hybrid": "hybrid (bm25 + fine-tuned)"}


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
            raise BenchError(f"{cluster.display_url} has no index or alias '{index}' ({exc.root_cause or exc}): "
                             "deploy the model first (legalsearch deploy --index NAME) or pass its --index") from None

    def check_dimension(self, dimension: int) -> None:
        """The index must hold vectors of the benchmarked model; otherwise every dense number would be noise."""
        if self.info.dimension is not None and int(self.info.dimension) != int(dimension):
            raise BenchError(f"index {self.info.index} holds {self.info.dimension}-dimensional vectors but the "
                             f"benchmarked model makes {dimension}: deploy this model first (legalsearch deploy)")


def cluster_bench(target: ClusterTarget, dataset: Dataset, split: str, offline: dict, tuned_encoder,
                  metrics=("ndcg@10", "recall@20", "mrr@10"), k: int = 100) -> dict:
    """Run ``split``'s queries through every mode; ``offline`` is the offline half's results (``run_bench``)."""
    from legalsearch.plugin.search import run_queries

    target.check_dimension(tuned_encoder.dimension)
    info = target.info
    queries = dataset.split_queries(split)
    qrels = dataset.qrels_for(split)
    offline_rows = {row["name"]: row for row in offline["rows"]}
    # Client-side vectors: queries carry our encoder's vector; server-side: the cluster embeds the query itself.
    encoder = tuned_encoder if info.vectors == "client" else None
    modes = {}
    for mode in MODES:
        latencies: list[float] = []
        run = run_queries(target.cluster, info.index, queries, mode, k, encoder=encoder, latencies=latencies)
        result = evaluate_run(run, qrels, metrics, dataset.relevant_grade, name=f"opensearch {mode}")
        reference = offline_rows.get(OFFLINE_ROW[mode]) or offline_rows["fine-tuned"]
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
            "modes": modes, "tolerance": AGREEMENT_TOLERANCE,
            "hybrid_config": deployed.to_dict() if deployed else None,
            "hybrid_same_as_offline": deployed == tuned if deployed else None,
            "ingest": info.ingest}

"""The benchmark's cluster half: the same test queries through a deployed OpenSearch index.

Quality per mode (bm25, neural, hybrid) beside the offline number for the same retriever — a disagreement beyond
0.01 NDCG@10 is flagged — and search latency p50/p99 per mode, measured on the ``_search`` round trip.
"""

from __future__ import annotations

from legalsearch.bench import percentile_ms
from legalsearch.data import Dataset
from legalsearch.errors import BenchError
from legalsearch.evaluation import evaluate_run

AGREEMENT_TOLERANCE = 0.01
# cluster mode -> offline row it should reproduce
OFFLINE_ROW = {"bm25": "bm25", "neural": "fine-tuned (onnx int8)", "hybrid": "hybrid (bm25 + fine-tuned)"}


def cluster_bench(url: str, index: str, dataset: Dataset, split: str, offline: dict, tuned_encoder,
                  metrics=("ndcg@10", "recall@20", "mrr@10"), k: int = 100, settings=None) -> dict:
    from legalsearch.plugin.connection import connect, resolve_settings
    from legalsearch.plugin.search import DeploymentInfo, run_queries

    cluster = connect(settings or resolve_settings(url=url))
    info = DeploymentInfo.read(cluster, index)
    if info.dimension is not None and int(info.dimension) != int(tuned_encoder.dimension):
        raise BenchError(f"index {info.index} holds {info.dimension}-dimensional vectors but the model makes "
                         f"{tuned_encoder.dimension}: deploy this model first (legalsearch deploy)")
    queries = dataset.split_queries(split)
    qrels = dataset.qrels_for(split)
    offline_rows = {row["name"]: row for row in offline["rows"]}
    # Client-side vectors: queries carry our encoder's vector; server-side: the cluster embeds the query itself.
    encoder = tuned_encoder if info.vectors == "client" else None
    modes = {}
    for mode in ("bm25", "neural", "hybrid"):
        latencies: list[float] = []
        run = run_queries(cluster, index, queries, mode, k, encoder=encoder, latencies=latencies)
        result = evaluate_run(run, qrels, metrics, dataset.relevant_grade, name=f"opensearch {mode}")
        reference = offline_rows.get(OFFLINE_ROW[mode]) or offline_rows.get("fine-tuned")
        offline_ndcg = reference["metrics"]["ndcg@10"]
        modes[mode] = {
            "metrics": result.means,
            "offline_row": reference["name"],
            "offline_ndcg@10": offline_ndcg,
            "agrees": abs(result.means["ndcg@10"] - offline_ndcg) <= AGREEMENT_TOLERANCE,
            "latency": percentile_ms(latencies),
        }
    return {"url_host": cluster.display_url if hasattr(cluster, "display_url") else None, "index": info.index,
            "vectors": info.vectors, "model_id": info.model_id, "modes": modes,
            "tolerance": AGREEMENT_TOLERANCE}

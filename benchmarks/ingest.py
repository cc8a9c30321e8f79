"""Ingest throughput (server-side vs client-side vectors) and hybrid search latency on a real OpenSearch cluster.

Runs on any BEIR dataset directory and any `legalsearch export` output::

    python benchmarks/ingest.py DATASET_DIR EXPORT_DIR [--url URL] [--modes server,client] [--split test]
        [--weights 0.3,0.7 | --hybrid-config hybrid.json] [--batch-size 64] [--limit N] [--out results.json]
        [--encoder-baseline] [--no-search]

For each vectors mode it deploys DATASET into a fresh alias (``bench-<mode>``) exactly as ``legalsearch deploy``
does, timing the bulk ingest (docs/s; model registration is timed apart), then sends every query of ``--split``
as a hybrid search, sequentially, and reports p50/p99 latency of the ``_search`` request (plus, for client-side
vectors, query encoding) and NDCG@10 of the hybrid run. The aliases are removed afterwards unless ``--keep``.
Connection options follow the CLI (``LEGALSEARCH_OPENSEARCH_URL`` / ``_USER`` / ``_PASSWORD``).

``--encoder-baseline`` first times the client-side encoder alone on the same corpus texts (read, cut into the
deploy's passages, encoded in the deploy's batches; only the encoder calls are timed), then the deploys, and
reports side by side ``encoder_docs_per_s`` and ``deploy_docs_per_s`` (documents / the whole client-side deploy's
wall time, from reading the corpus to the alias swap) with their ratio, the CPU and the load average around each
phase: the streaming deploy's aim is to run at the encoder's speed (``benchmarks/results/ingest/``).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

from legalsearch.bench import machine_info


def load_average() -> list[float]:
    import os

    return [round(x, 2) for x in os.getloadavg()]


def cpu_seconds() -> float:
    """CPU time of this process, all its threads (the encoder's, the deploy's stages); the node's is not in it."""
    import resource

    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def encoder_baseline(corpus: Path, encoder, batch_size: int, token_limit: int | None) -> dict:
    """The encoder's own throughput on the corpus texts: the passages deploy would cut, in deploy's batches."""
    from legalsearch.passages import PassageChunker
    from legalsearch.plugin.ingest import read_corpus

    chunker = PassageChunker.for_model(getattr(encoder, "max_seq_length", None), token_limit, None)
    documents = passages = 0
    seconds = 0.0
    batch: list[str] = []
    before = load_average()
    cpu_before = cpu_seconds()

    def flush() -> None:
        nonlocal seconds
        if batch:
            started = time.perf_counter()
            encoder.encode_documents(batch)
            seconds += time.perf_counter() - started
            batch.clear()

    pending_docs = 0
    for record in read_corpus(corpus):
        chunks = chunker.split_text(record.full_text)
        batch.extend(chunks)
        documents += 1
        passages += len(chunks)
        pending_docs += 1
        if pending_docs >= batch_size:
            flush()
            pending_docs = 0
    flush()
    return {"documents": documents, "passages": passages, "encode_seconds": round(seconds, 2),
            "encoder_docs_per_s": round(documents / seconds, 2), "cpu_seconds": round(cpu_seconds() - cpu_before, 2),
            "load_average_before": before, "load_average_after": load_average()}


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile (q in [0, 100])."""
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    rank = max(1, min(len(ordered), int(-(-q * len(ordered) // 100))))
    return ordered[rank - 1]


def _limited_corpus(dataset: Path, limit: int | None, work: Path) -> Path:
    source = dataset / "corpus.jsonl" if dataset.is_dir() else dataset
    if not limit:
        return source
    work.mkdir(parents=True, exist_ok=True)
    out = work / "corpus.jsonl"
    with source.open(encoding="utf-8") as src, out.open("w", encoding="utf-8") as dst:
        for i, line in enumerate(src):
            if i >= limit:
                break
            dst.write(line)
    return out


def run_mode(cluster, mode: str, args, corpus: Path, queries: dict[str, str], qrels, encoder) -> dict:
    from legalsearch.plugin.deploy import DeployOptions, deploy, undeploy_everything
    from legalsearch.plugin.search import run_queries

    alias = f"bench-{mode}"
    undeploy_everything(cluster, alias)
    options = DeployOptions(
        alias=alias, vectors=mode, export_dir=Path(args.export), hybrid=args.hybrid, batch_size=args.batch_size,
        concurrency=args.bulk_concurrency, embedding_batch_size=args.embedding_batch_size,
        progress=not args.quiet, state_dir=Path(args.state_dir) / mode, configure_ml=args.configure_ml,
    )
    before = load_average()
    cpu_before = cpu_seconds()
    started = time.perf_counter()
    result = deploy(cluster, corpus, options, encoder=encoder if mode == "client" else None,
                    echo=lambda m: print(f"[{mode}] {m}", file=sys.stderr))
    total_s = time.perf_counter() - started
    documents = result.report.indexed + result.report.already_present
    out = {
        "vectors": mode,
        "documents": documents,
        "failed": result.report.failed,
        "bulk_requests": result.report.bulk_requests,
        "ingest_seconds": round(result.report.seconds, 2),
        "ingest_docs_per_s": round(result.report.docs_per_second, 2),
        "deploy_seconds_total": round(total_s, 2),
        "deploy_docs_per_s": round(documents / total_s, 2),
        "cpu_seconds": round(cpu_seconds() - cpu_before, 2),
        "load_average_before": before,
        "load_average_after": load_average(),
        "model_id": result.model_id,
        "index": result.index,
    }
    if queries and not args.no_search:
        search_encoder = encoder if mode == "client" else None
        run_queries(cluster, alias, dict(list(queries.items())[:3]), "hybrid", args.k, encoder=search_encoder)  # warm
        latencies: list[float] = []
        encode_s = 0.0
        if search_encoder is not None:
            t = time.perf_counter()
            for text in queries.values():
                search_encoder.encode_queries([text])
            encode_s = (time.perf_counter() - t) / len(queries)
        run = run_queries(cluster, alias, queries, "hybrid", args.k, encoder=search_encoder, latencies=latencies)
        out.update(
            queries=len(queries),
            hybrid_p50_ms=round(percentile(latencies, 50) * 1000, 2),
            hybrid_p99_ms=round(percentile(latencies, 99) * 1000, 2),
            hybrid_mean_ms=round(statistics.fmean(latencies) * 1000, 2),
            query_encode_ms=round(encode_s * 1000, 2),
        )
        if qrels:
            from legalsearch.evaluation import evaluate_run

            out["hybrid_ndcg@10"] = round(evaluate_run(run, qrels, metrics=("ndcg@10",)).means["ndcg@10"], 4)
    if not args.keep:
        undeploy_everything(cluster, alias)
        if result.model_registered:  # uploaded by this run: remove it again (a reused model stays)
            from legalsearch.plugin import ml_commons

            ml_commons.delete_model(cluster, result.model_id)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("dataset", help="BEIR dataset directory (corpus.jsonl, queries.jsonl, qrels/)")
    parser.add_argument("export", help="output directory of `legalsearch export`")
    parser.add_argument("--url", default=None)
    parser.add_argument("--insecure", action="store_true", default=None)
    parser.add_argument("--ca-certs", default=None)
    parser.add_argument("--modes", default="server,client", help="comma-separated: server, client")
    parser.add_argument("--split", default="test")
    parser.add_argument("-k", type=int, default=10, help="hits per hybrid query (default: 10)")
    parser.add_argument("--weights", default=None, help="BM25,DENSE weights (default 0.5,0.5)")
    parser.add_argument("--hybrid-config", default=None, help="hybrid.json from the benchmark")
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--bulk-concurrency", type=int, default=1, help="bulk requests in flight (default: 1)")
    parser.add_argument("--embedding-batch-size", type=int, default=None,
                        help="server-side: text_embedding batch_size (default: the processor's, 1)")
    parser.add_argument("--limit", type=int, default=None, help="ingest only the first N corpus lines")
    parser.add_argument("--configure-ml", action="store_true", help="let the cluster take an uploaded model")
    parser.add_argument("--state-dir", default="/tmp/legalsearch-bench-state")
    parser.add_argument("--keep", action="store_true", help="keep the benchmark aliases and indices")
    parser.add_argument("--quiet", action="store_true")
    parser.add_argument("--out", default=None, help="write the results as JSON here")
    parser.add_argument("--encoder-baseline", action="store_true",
                        help="first time the client-side encoder alone on the corpus texts (see above)")
    parser.add_argument("--no-search", action="store_true", help="ingest only: no hybrid queries afterwards")
    args = parser.parse_args(argv)

    from legalsearch.hybrid import HybridConfig, parse_weights
    from legalsearch.plugin.connection import connect, resolve_settings
    from legalsearch.plugin.deploy import load_encoder

    args.hybrid = (HybridConfig.from_file(args.hybrid_config) if args.hybrid_config else HybridConfig()).with_overrides(
        weights=parse_weights(args.weights) if args.weights else None)
    dataset = Path(args.dataset)
    corpus = _limited_corpus(dataset, args.limit, Path(args.state_dir) / "corpus")
    queries, qrels = {}, None
    if (dataset / "qrels").is_dir():
        from legalsearch.data import load_dataset

        data = load_dataset(dataset)
        try:
            qrels = data.qrels_for(args.split)
            queries = data.split_queries(args.split)
        except Exception as exc:  # no such split: ingest only
            print(f"no queries for split {args.split}: {exc}", file=sys.stderr)
    if args.limit:
        qrels = None  # a partial corpus makes NDCG meaningless
    cluster = connect(resolve_settings(url=args.url, insecure=args.insecure, ca_certs=args.ca_certs))
    modes = [m.strip() for m in args.modes.split(",") if m.strip()]
    encoder = load_encoder(Path(args.export)) if "client" in modes or args.encoder_baseline else None
    machine = machine_info()
    results = {
        "dataset": str(dataset),
        "export": str(args.export),
        "encoder": getattr(encoder, "name", None),
        "cluster_version": ".".join(map(str, cluster.version)),
        "cpu": machine["cpu"],
        "cores": machine["cores"],
        "corpus_limit": args.limit,
        "batch_size": args.batch_size,
        "bulk_concurrency": args.bulk_concurrency,
        "embedding_batch_size": args.embedding_batch_size,
        "hybrid": args.hybrid.to_dict(),
        "k": args.k,
        "split": args.split,
        "modes": [],
    }
    if args.encoder_baseline:
        baseline = encoder_baseline(corpus, encoder, args.batch_size, None)
        print(json.dumps(baseline), file=sys.stderr)
        results.update(encoder_docs_per_s=baseline["encoder_docs_per_s"], documents=baseline["documents"],
                       encoder=dict(baseline, name=getattr(encoder, "name", None)))
    for mode in modes:
        results["modes"].append(run_mode(cluster, mode, args, corpus, queries, qrels, encoder))
        print(json.dumps(results["modes"][-1]), file=sys.stderr)
        if mode == "client" and args.encoder_baseline:
            client = results["modes"][-1]
            results.update(deploy_docs_per_s=client["deploy_docs_per_s"],
                           ingest_docs_per_s=client["ingest_docs_per_s"],
                           deploy_vs_encoder=round(client["deploy_docs_per_s"] / results["encoder_docs_per_s"], 3),
                           # load-independent: this process's CPU per document, encoder alone vs whole deploy
                           cpu_per_doc_encoder=round(results["encoder"]["cpu_seconds"] / results["documents"], 4),
                           cpu_per_doc_deploy=round(client["cpu_seconds"] / client["documents"], 4),
                           load_average=[results["encoder"]["load_average_before"], client["load_average_after"]])
    text = json.dumps(results, indent=2)
    if args.out:
        Path(args.out).write_text(text + "\n", encoding="utf-8")
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())

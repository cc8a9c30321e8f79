"""PyTorch sentence-transformers vs ONNX fp32 vs ONNX int8, side by side in one run.

Measures, on the same CPU threads and the same texts:

* query latency: batch 1, each legal query encoded alone (median and p90 over rounds, after warm-up);
* corpus throughput: batches of 32 clauses truncated at the model's max_seq_length (docs/s, median over rounds);
* agreement: mean/min cosine of each ONNX variant to PyTorch on those queries and clauses;
* optionally NDCG@10 over the full corpus on a split (``--ndcg``), with the lead's MaxP dense retriever.

Timing is ``legalsearch.bench.speed.measure_speed``, the same function ``legalsearch bench`` uses for its speed
table (warm-up at both shapes, interleaved rounds, medians), so the two agree on the same machine.

Usage::

    python benchmarks/encode_speed.py --model MODEL_DIR --export EXPORT_DIR \\
        --dataset ../shared/datasets/acord --ndcg test --json out/encode_speed.json

``--export`` is a ``legalsearch export`` output for ``--model``; without it the model is exported to a temporary
directory first (with the quality gate on the bundled sample).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from legalsearch.bench import machine_info
from legalsearch.bench.speed import align_threads, measure_speed


def load_texts(dataset: Path, n_queries: int, n_docs: int, seed: int) -> tuple[list[str], list[str]]:
    """Queries and clauses read from a BEIR dataset (never copied)."""
    queries = [json.loads(line)["text"] for line in (dataset / "queries.jsonl").open(encoding="utf-8") if line.strip()]
    docs = []
    for line in (dataset / "corpus.jsonl").open(encoding="utf-8"):
        if line.strip():
            row = json.loads(line)
            docs.append(f"{row['title']}\n{row['text']}" if row.get("title") else row["text"])
    rng = random.Random(seed)
    rng.shuffle(queries)
    rng.shuffle(docs)
    return queries[:n_queries], docs[:n_docs]


def cosine(a: np.ndarray, b: np.ndarray) -> tuple[float, float]:
    c = (a * b).sum(axis=1) / (np.linalg.norm(a, axis=1) * np.linalg.norm(b, axis=1))
    return float(c.mean()), float(c.min())


def ndcg(encoders: dict, dataset_path: Path, split: str) -> dict[str, float]:
    from legalsearch.data import load_dataset
    from legalsearch.evaluation import evaluate_dense

    dataset = load_dataset(dataset_path, splits=(split,))
    scores = {}
    for label, encoder in encoders.items():
        start = time.perf_counter()
        scores[label] = evaluate_dense(encoder, dataset, split, metrics=("ndcg@10",))["ndcg@10"]
        print(f"  ndcg@10 {label}: {scores[label]:.4f} ({time.perf_counter() - start:.0f} s)", file=sys.stderr)
    return scores


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", required=True, help="sentence-transformers model directory (or offline-minilm)")
    parser.add_argument("--export", type=Path, help="legalsearch export output for --model (default: export now)")
    parser.add_argument("--dataset", type=Path, default=Path(__file__).resolve().parents[2] / "shared/datasets/acord")
    parser.add_argument("--queries", type=int, default=64, help="queries timed per round (batch 1)")
    parser.add_argument("--docs", type=int, default=128, help="clauses encoded per round (batches of 32)")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--threads", type=int, default=None, help="threads for all three (default: all cores)")
    parser.add_argument("--ndcg", metavar="SPLIT", default=None, help="also compute NDCG@10 on this split")
    parser.add_argument("--ndcg-variants", default="pytorch,fp32,int8", help="which encoders get the NDCG run")
    parser.add_argument("--all-schemes", action="store_true",
                        help="also time every other int8 scheme (quantized on the fly from the export's fp32)")
    parser.add_argument("--variant", action="append", default=[], metavar="LABEL=DIR",
                        help="also time this ONNX variant directory (any graph OnnxEncoder loads); repeatable")
    parser.add_argument("--cpu-time", action="store_true",
                        help="time with process CPU time instead of wall clock (use with --threads 1 on a busy "
                        "machine: other processes' load then does not count)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--json", type=Path, default=None, help="write the results here")
    args = parser.parse_args(argv)
    os.environ.setdefault("HF_HUB_OFFLINE", "1")

    import torch  # noqa: F401  (loaded before align_threads, which sets its thread count)

    from legalsearch.encoders import SentenceTransformerEncoder, resolve_model_name
    from legalsearch.exporter.encoder import OnnxEncoder, default_threads, load_onnx_encoder

    threads = args.threads or default_threads()
    align_threads(threads)  # PyTorch and onnxruntime on the same threads
    model_path, _ = resolve_model_name(args.model)
    export_dir = args.export
    tmp = None
    if export_dir is None:
        from legalsearch.exporter.pipeline import export_model

        tmp = tempfile.TemporaryDirectory(prefix="encode-speed-")
        export_dir = Path(tmp.name) / "export"
        export_model(model_path, export_dir, allow_degraded=True)
    from legalsearch.exporter.report import ExportReport, is_export_dir

    chosen = (ExportReport.from_export_dir(export_dir).int8_scheme if is_export_dir(export_dir) else None) \
        or "unknown (no export_report.json)"

    encoders = {
        "pytorch": SentenceTransformerEncoder(model_path),
        "fp32": load_onnx_encoder(export_dir, "fp32", threads=threads),
        "int8": load_onnx_encoder(export_dir, "int8", threads=threads),
    }
    if args.all_schemes:
        from legalsearch.exporter.quantize import SCHEMES, quantize_int8

        schemes_dir = tempfile.TemporaryDirectory(prefix="encode-speed-schemes-")
        for scheme in SCHEMES:
            if scheme.name != chosen:
                target = Path(schemes_dir.name) / scheme.name
                quantize_int8(export_dir / "fp32", target, scheme)
                encoders[f"int8:{scheme.name}"] = OnnxEncoder(target, threads=threads)
    for spec in args.variant:
        label, _, directory = spec.partition("=")
        if not directory:
            parser.error(f"--variant needs LABEL=DIR, got {spec!r}")
        encoders[label] = OnnxEncoder(Path(directory), threads=threads)
    queries, docs = load_texts(args.dataset, args.queries, args.docs, args.seed)
    tokenizer = encoders["fp32"]._tokenizer
    doc_tokens = [len(e.ids) for e in tokenizer.encode_batch(docs)]

    # the same measurement `legalsearch bench` makes (legalsearch.bench.speed): warm-up at both shapes,
    # interleaved rounds, settled thread pools, medians
    clock = time.process_time if args.cpu_time else time.perf_counter
    measured = measure_speed(encoders, queries, docs, rounds=args.rounds, threads=threads, clock=clock)
    figures, conditions = measured.encoders, measured.conditions

    ref_q = encoders["pytorch"].encode_queries(queries)
    ref_d = encoders["pytorch"].encode_documents(docs)
    rows = []
    for label, encoder in encoders.items():
        figure = figures[label]
        q_cos = cosine(encoder.encode_queries(queries), ref_q)
        d_cos = cosine(encoder.encode_documents(docs), ref_d)
        rows.append({
            "encoder": label,
            "query_ms_median": round(figure["query_latency"]["p50_ms"], 2),
            "query_ms_p90": round(figure["query_latency"]["p90_ms"], 2),
            "query_speedup": round(figure["query_speedup"], 2),
            "docs_per_s": round(figure["documents_per_second"], 1),
            "throughput_ratio": round(figure["throughput_ratio"], 2),
            "cos_queries_mean": round(q_cos[0], 4), "cos_queries_min": round(q_cos[1], 4),
            "cos_docs_mean": round(d_cos[0], 4), "cos_docs_min": round(d_cos[1], 4),
        })
    result = {
        "model": str(model_path), "export": str(export_dir), "int8_scheme": chosen,
        "cpu": machine_info()["cpu"], "cores": os.cpu_count(), "threads": threads,
        "clock": conditions.clock,
        "load_average_at_start": conditions.load_average_at_start,
        "load_average_at_end": conditions.load_average_at_end,
        "queries": len(queries), "docs": len(docs), "rounds": args.rounds,
        "doc_tokens_mean": round(float(np.mean(doc_tokens)), 1), "max_seq_length": encoders["fp32"].max_seq_length,
        "rows": rows,
    }
    if args.ndcg:
        wanted = [v.strip() for v in args.ndcg_variants.split(",") if v.strip()]
        scores = ndcg({k: encoders[k] for k in wanted}, args.dataset, args.ndcg)
        result["ndcg@10"] = {"split": args.ndcg, **{k: round(v, 4) for k, v in scores.items()}}
        for row in rows:
            if row["encoder"] in scores:
                row["ndcg@10"] = round(scores[row["encoder"]], 4)
                if "pytorch" in scores:
                    row["ndcg_loss_vs_pytorch"] = round(scores["pytorch"] - scores[row["encoder"]], 4)

    print(to_markdown(result))
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(result, indent=2) + "\n")
    if tmp is not None:
        tmp.cleanup()
    return result


def to_markdown(result: dict) -> str:
    has_ndcg = any("ndcg@10" in r for r in result["rows"])
    head = ("| encoder | query ms (median) | p90 | speed-up | docs/s (batch 32) | × PyTorch | cos q mean/min "
            "| cos docs mean/min |" + (" NDCG@10 | Δ vs PyTorch |" if has_ndcg else ""))
    lines = [
        f"CPU: {result['cpu']} ({result['threads']} threads, {result['clock']}, load average "
        f"{result['load_average_at_start'][0]:.1f} → {result['load_average_at_end'][0]:.1f}); "
        f"{result['queries']} queries × {result['rounds']} rounds, "
        f"{result['docs']} clauses (mean {result['doc_tokens_mean']} tokens, max {result['max_seq_length']}) × "
        f"{result['rounds']} rounds; int8 scheme {result['int8_scheme']}",
        "", head, "|" + "---|" * (head.count("|") - 1),
    ]
    for r in result["rows"]:
        line = (f"| {r['encoder']} | {r['query_ms_median']} | {r['query_ms_p90']} | {r['query_speedup']}× | "
                f"{r['docs_per_s']} | {r['throughput_ratio']}× | {r['cos_queries_mean']} / {r['cos_queries_min']} | "
                f"{r['cos_docs_mean']} / {r['cos_docs_min']} |")
        if has_ndcg:
            line += f" {r.get('ndcg@10', '—')} | {r.get('ndcg_loss_vs_pytorch', '—')} |"
        lines.append(line)
    return "\n".join(lines)


if __name__ == "__main__":
    main()

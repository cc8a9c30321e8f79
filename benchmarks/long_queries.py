"""Long queries: which plan (legalsearch.long_queries) to use, measured on training queries only.

For each AILA 2019 task (long fact descriptions as queries), NDCG@10 on the **train** split of:

* lexical: BM25 over the query's key terms for several ``max_terms`` (what the cluster can send stays under the
  1,024-clause limit), against all distinct terms (a ``match`` query's score, which the cluster would refuse);
* dense (``--dense``, statutes by default: encoding 2,914 whole judgments takes hours on 2 cores): the encoder's
  truncation of the whole query (its first ``max_seq_length`` tokens), the best window (max over windows of
  MaxP, what ``legalsearch search`` sends as a ``dis_max``), and the mean of the window vectors, for several
  ``max_windows``.

The test split is not read. Usage::

    python benchmarks/long_queries.py --dataset ../shared/datasets/aila2019/statutes \\
        --dataset ../shared/datasets/aila2019/casedocs --dense ../shared/datasets/aila2019/statutes \\
        --json benchmarks/results/long-queries/aila2019-train.json
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

import numpy as np

MAX_TERMS = (16, 32, 64, 128, 256, 512, 1000)
MAX_WINDOWS = (4, 8, 16, 32, 64)
SPLIT = "train"


def ndcg10(run, dataset, split) -> tuple[float, dict]:
    from legalsearch.evaluation import evaluate_run

    row = evaluate_run(run, dataset.qrels_for(split), ["ndcg@10"], dataset.relevant_grade, "x", {})
    return row.means["ndcg@10"], row.per_query["ndcg@10"]


def lexical(dataset, queries) -> dict:
    from legalsearch.long_queries import LongQueryPolicy, term_frequencies
    from legalsearch.retrieval import BM25Retriever, _top_k

    started = time.time()
    bm25 = BM25Retriever(list(dataset.corpus.values()))
    built = time.time() - started
    out = {"index_s": round(built, 1), "rows": []}
    lengths = [term_frequencies(bm25.analyzer, q) for q in queries.values()]
    out["query_positions"] = sorted(p for _, p in lengths)
    out["query_distinct_terms"] = sorted(len(f) for f, _ in lengths)

    def all_terms_run():
        run = {}
        for qid, text in queries.items():
            freqs, _ = term_frequencies(bm25.analyzer, text)
            scores = bm25.scores_for_terms(sorted(freqs.items()), text)
            run[qid] = {bm25.doc_ids[i]: float(scores[i]) for i in _top_k(scores, 100) if scores[i] > 0}
        return run

    score, _ = ndcg10(all_terms_run(), dataset, SPLIT)
    out["rows"].append({"max_terms": "all (match; over the clause limit for long queries)", "ndcg@10": round(score, 4)})
    for max_terms in MAX_TERMS:
        bm25.long_queries = LongQueryPolicy(max_terms=max_terms)
        score, _ = ndcg10(bm25.search(queries), dataset, SPLIT)
        out["rows"].append({"max_terms": max_terms, "ndcg@10": round(score, 4)})
    return out


def dense(dataset, queries, model: str) -> dict:
    from legalsearch.encoders import SentenceTransformerEncoder, resolve_model_name
    from legalsearch.long_queries import LongQueryPolicy
    from legalsearch.retrieval import DenseRetriever, _top_k

    name, _ = resolve_model_name(model)
    encoder = SentenceTransformerEncoder(name)
    retriever = DenseRetriever(encoder)
    started = time.time()
    retriever.build(list(dataset.corpus.values()))
    out = {"model": model, "max_seq_length": encoder.max_seq_length, "encode_corpus_s": round(time.time() - started, 1),
           "chunking": retriever.chunker.pipeline_params(), "rows": []}
    # truncation: the whole query to the encoder, which keeps its first max_seq_length tokens
    qids = list(queries)
    vectors = encoder.encode_queries([queries[q] for q in qids])
    scores = retriever.doc_scores(vectors)
    run = {q: {retriever.index.doc_ids[i]: float(scores[r, i]) for i in _top_k(scores[r], 100)}
           for r, q in enumerate(qids)}
    out["rows"].append({"strategy": "truncate (first max_seq_length tokens)", "ndcg@10": round(ndcg10(run, dataset, SPLIT)[0], 4)})
    windows_per_query = [len(retriever.chunker.split_text(queries[q])) for q in qids]
    out["windows_per_query"] = sorted(windows_per_query)
    for max_windows in MAX_WINDOWS:
        retriever.long_queries = LongQueryPolicy(max_windows=max_windows)
        out["rows"].append({"strategy": "max over windows", "max_windows": max_windows,
                            "ndcg@10": round(ndcg10(retriever.search(queries), dataset, SPLIT)[0], 4)})
        # mean of the window vectors: one vector per query
        run = {}
        for q in qids:
            windows, _ = retriever.query_windows(queries[q])
            v = encoder.encode_queries(windows).mean(axis=0, keepdims=True)
            v /= np.linalg.norm(v)
            s = retriever.doc_scores(v)[0]
            run[q] = {retriever.index.doc_ids[i]: float(s[i]) for i in _top_k(s, 100)}
        out["rows"].append({"strategy": "mean of window vectors", "max_windows": max_windows,
                            "ndcg@10": round(ndcg10(run, dataset, SPLIT)[0], 4)})
    return out


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--dataset", type=Path, action="append", required=True)
    parser.add_argument("--dense", type=Path, action="append", default=[])
    parser.add_argument("--model", default="offline-minilm")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    from legalsearch.bench import machine_info
    from legalsearch.data import load_dataset

    result = {"split": SPLIT, "machine": machine_info(), "load_average_at_start": os.getloadavg(),
              "command": " ".join(sys.argv), "date": time.strftime("%Y-%m-%d %H:%M:%S %Z"), "datasets": {}}
    for path in args.dataset:
        dataset = load_dataset(path)
        queries = dataset.split_queries(SPLIT)
        entry = {"queries": len(queries), "documents": len(dataset.corpus), "lexical": lexical(dataset, queries)}
        if path in args.dense:
            entry["dense"] = dense(dataset, queries, args.model)
        result["datasets"][str(path)] = entry
        print(json.dumps({str(path): entry}, indent=1), file=sys.stderr)
    result["load_average_at_end"] = os.getloadavg()
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(result, indent=2) + "\n")
    return result


if __name__ == "__main__":
    main()

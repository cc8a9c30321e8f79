"""Offline BM25 against the cluster's BM25 on a whole dataset: NDCG@10 of both and per-document score agreement.

    python benchmarks/bm25_parity.py DATASET_DIR [--url URL] [--split test] [--out results.json]

Creates a throw-away index from ``mappings/index.json`` (no vectors), bulk-loads the corpus as ingest writes it
(``title``, ``text``, ``citations``), sends every query of ``--split`` as the deployed ``bm25`` query
(``legalsearch.plugin.queries.search_body`` with the query's citations) and runs
``legalsearch.retrieval.BM25Retriever`` on the same queries. Reports both NDCG@10 and how many of the cluster's
top-10 hits got a different score offline (relative tolerance 1e-5). The index is deleted afterwards.
"""

from __future__ import annotations

import argparse
import json
import time
import uuid
from pathlib import Path

SIZE = 10
REL_TOL = 1e-5


def _only_ties(offline: dict[str, float], cluster: dict[str, float]) -> bool:
    if list(offline) == list(cluster):
        return False
    off, clu = list(offline.values()), list(cluster.values())
    if len(off) != len(clu) or any(abs(a - b) > REL_TOL * max(b, 1e-9) for a, b in zip(off, clu)):
        return False
    # the same score at every rank; documents may swap only among equal scores (or at the cut-off)
    return all(doc in cluster or abs(score - clu[-1]) <= REL_TOL * clu[-1] for doc, score in offline.items())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("dataset", type=Path)
    parser.add_argument("--url", default="http://127.0.0.1:9200")
    parser.add_argument("--split", default="test")
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()

    from opensearchpy import OpenSearch

    from legalsearch.analysis import index_definition
    from legalsearch.citations import extract_citations
    from legalsearch.data import load_dataset
    from legalsearch.evaluation import evaluate_run
    from legalsearch.plugin.queries import search_body
    from legalsearch.retrieval import BM25Retriever

    dataset = load_dataset(args.dataset)
    documents = list(dataset.corpus.values())
    queries = dataset.split_queries(args.split)
    qrels = dataset.qrels_for(args.split)

    started = time.time()
    bm25 = BM25Retriever(documents)
    build_s = time.time() - started
    offline = bm25.search(queries, k=SIZE)

    client = OpenSearch(hosts=[args.url], timeout=300)
    index = f"bm25-parity-{uuid.uuid4().hex[:8]}"
    client.transport.perform_request("PUT", f"/{index}", body=index_definition())
    try:
        for start in range(0, len(documents), 500):
            lines = []
            for doc in documents[start:start + 500]:
                lines.append({"index": {"_index": index, "_id": doc.id}})
                lines.append({"doc_id": doc.id, "title": doc.title, "text": doc.text,
                              "citations": extract_citations(doc.full_text)})
            response = client.bulk(body=lines)
            if response["errors"]:
                raise SystemExit(f"bulk errors: {response['items'][:3]}")
        client.indices.refresh(index=index)
        cluster, compared, differing = {}, 0, []
        position = {doc_id: i for i, doc_id in enumerate(bm25.doc_ids)}
        for qid, text in queries.items():
            body = search_body("bm25", text, SIZE, citations=extract_citations(text))
            hits = client.transport.perform_request("POST", f"/{index}/_search", body=body)["hits"]["hits"]
            cluster[qid] = {hit["_id"]: float(hit["_score"]) for hit in hits}
            scores = bm25.scores(text)
            for doc_id, score in cluster[qid].items():
                compared += 1
                if abs(float(scores[position[doc_id]]) - score) > REL_TOL * score:
                    differing.append({"query": qid, "doc": doc_id, "cluster": score,
                                      "offline": float(scores[position[doc_id]])})
    finally:
        client.transport.perform_request("DELETE", f"/{index}")

    def ndcg(run):
        return round(evaluate_run(run, qrels, ("ndcg@10",), dataset.relevant_grade).means["ndcg@10"], 4)

    result = {
        "dataset": args.dataset.name, "split": args.split, "queries": len(queries), "documents": len(documents),
        "ndcg@10": {"offline": ndcg(offline), "cluster": ndcg(cluster)},
        "top10_hits_compared": compared, "top10_scores_differing": len(differing), "differences": differing[:20],
        "identical_top10_order": sum(1 for q in queries if list(offline.get(q, {})) == list(cluster.get(q, {}))),
        # a query whose top 10 differs only by the order of documents with the same score: Lucene breaks ties by
        # internal document id (segment order), offline by corpus order
        "top10_differing_only_in_ties": sum(1 for q in queries if _only_ties(offline.get(q, {}), cluster.get(q, {}))),
        "offline_index_build_s": round(build_s, 1), "retriever": bm25.describe(),
    }
    text = json.dumps(result, indent=2)
    print(text)
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(text + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()

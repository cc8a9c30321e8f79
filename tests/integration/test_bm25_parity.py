"""Offline BM25 = the cluster's BM25: the same scores, document by document, for the query deploy sends.

An index is created from ``mappings/index.json`` and filled with documents the way ingest writes them (``title``,
``text``, ``citations`` from :func:`legalsearch.citations.extract_citations`); the query is
:func:`legalsearch.plugin.queries.search_body` in ``bm25`` mode with the query's citations. For every hit the node
returns, :class:`legalsearch.retrieval.BM25Retriever` must give the same score (float32 precision), and it must
rank nothing above the node's last hit that the node left out. Data: every query of the bundled sample, every
ACORD query against a slice of its corpus, and the citation ranking table.
"""

from __future__ import annotations

import uuid

import pytest

from _support import shared_dataset
from citation_cases import CROSS_FORM, RANKING, RANKING_CORPUS
from legalsearch.analysis import index_definition
from legalsearch.citations import extract_citations
from legalsearch.data import Document, load_dataset
from legalsearch.plugin.queries import search_body
from legalsearch.retrieval import BM25Retriever

pytestmark = pytest.mark.opensearch

SIZE = 10
REL_TOL = 1e-5  # Lucene sums clause scores in a different order; float32 rounding


def _index_documents(client, documents: list[Document]) -> str:
    name = f"it-bm25-{uuid.uuid4().hex[:8]}"
    client.transport.perform_request("PUT", f"/{name}", body=index_definition())
    lines = []
    for doc in documents:
        lines.append({"index": {"_index": name, "_id": doc.id}})
        lines.append({"doc_id": doc.id, "title": doc.title, "text": doc.text,
                      "citations": extract_citations(doc.full_text)})
    response = client.bulk(body=lines, refresh=True)
    assert not response["errors"], response
    return name


def _node_hits(client, index: str, query: str) -> list[tuple[str, float]]:
    body = search_body("bm25", query, SIZE, citations=extract_citations(query))
    hits = client.transport.perform_request("POST", f"/{index}/_search", body=body)["hits"]["hits"]
    return [(hit["_id"], float(hit["_score"])) for hit in hits]


def _mismatches(client, index: str, bm25: BM25Retriever, queries: dict[str, str]) -> list[str]:
    position = {doc_id: i for i, doc_id in enumerate(bm25.doc_ids)}
    out = []
    for qid, text in queries.items():
        scores = bm25.scores(text)
        hits = _node_hits(client, index, text)
        for doc_id, node_score in hits:
            offline = float(scores[position[doc_id]])
            if abs(offline - node_score) > REL_TOL * max(node_score, 1e-9):
                out.append(f"{qid} {doc_id}: node {node_score:.7g} offline {offline:.7g}")
        if len(hits) == SIZE:  # nothing the node left out may score above its last hit offline
            floor = hits[-1][1] * (1 + REL_TOL)
            returned = {doc_id for doc_id, _ in hits}
            above = [d for d, i in position.items() if d not in returned and scores[i] > floor]
            if above:
                out.append(f"{qid}: offline ranks {above[:3]} above the node's last hit ({hits[-1][1]:.7g})")
        elif sum(1 for s in scores if s > 0) != len(hits):
            out.append(f"{qid}: node matched {len(hits)} documents, offline {int((scores > 0).sum())}")
    return out


def test_bm25_scores_on_the_sample_equal_the_nodes(opensearch_client, sample_path):
    dataset = load_dataset(sample_path)
    documents = list(dataset.corpus.values())
    index = _index_documents(opensearch_client, documents)
    try:
        mismatches = _mismatches(opensearch_client, index, BM25Retriever(documents), dataset.queries)
    finally:
        opensearch_client.transport.perform_request("DELETE", f"/{index}")
    assert not mismatches, f"{len(mismatches)} differences:\n" + "\n".join(mismatches[:20])


ACORD_DOCUMENTS = 800  # a slice of ACORD's 3,931 clauses keeps the test under a minute; the whole corpus is in
#                       benchmarks/results/bm25-parity/acord.json (python benchmarks/bm25_parity.py)


def test_bm25_scores_on_acord_equal_the_nodes(opensearch_client):
    dataset = load_dataset(shared_dataset("acord"))
    documents = list(dataset.corpus.values())[:ACORD_DOCUMENTS]
    index = _index_documents(opensearch_client, documents)
    try:
        mismatches = _mismatches(opensearch_client, index, BM25Retriever(documents), dataset.queries)
    finally:
        opensearch_client.transport.perform_request("DELETE", f"/{index}")
    assert not mismatches, f"{len(mismatches)} differences:\n" + "\n".join(mismatches[:20])


def test_citation_queries_rank_the_cited_document_first_on_the_node(opensearch_client):
    documents = [Document(doc_id, "", text) for doc_id, text in RANKING_CORPUS.items()]
    index = _index_documents(opensearch_client, documents)
    try:
        failures = []
        for query, cited in RANKING:
            hits = _node_hits(opensearch_client, index, query)
            if not hits or hits[0][0] != cited:
                failures.append(f"{query!r}: node ranks {[d for d, _ in hits[:3]]}, expected {cited} first")
        for query, cited, below in CROSS_FORM:  # an EU act and its CELEX number, through the citations keywords
            scores = dict(_node_hits(opensearch_client, index, query))
            if not (scores.get(cited, 0.0) >= 2.0 and scores[cited] > scores.get(below, 0.0)):
                failures.append(f"{query!r}: node scores {scores}, expected {cited} boosted above {below}")
        queries = [query for query, _ in RANKING] + [query for query, _, _ in CROSS_FORM]
        mismatches = _mismatches(opensearch_client, index, BM25Retriever(documents), {q: q for q in queries})
    finally:
        opensearch_client.transport.perform_request("DELETE", f"/{index}")
    assert not failures, "\n".join(failures)
    assert not mismatches, "\n".join(mismatches)

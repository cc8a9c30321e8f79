"""Offline BM25 = the deployed lexical query: Lucene's BM25 over the ``legal`` analyzer plus the citations boost.

The three-document scores below are the node's (``_search?explain=true`` on OpenSearch 3.6.0 / Lucene 10.4.0 with
``mappings/index.json``); ``tests/integration/test_bm25_parity.py`` compares whole rankings with the node.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from citation_cases import CROSS_FORM, RANKING, RANKING_CORPUS, distractor_of
from legalsearch.analysis import AnalysisError, index_definition
from legalsearch.data import Document
from legalsearch.retrieval import BM25Retriever, lucene_bm25_parameters, lucene_norm_length

THREE = [
    Document("1", "Civil rights", "Claims under 42 U.S.C. § 1983 require state action. The court held."),
    Document("2", "History", "In 1983 there were 42 claims about state action."),
    Document("3", "Other", "Nothing relevant here at all, contract law."),
]


def test_scores_equal_the_nodes_explain():
    run = BM25Retriever(THREE).search({"q": "42 U.S.C. § 1983 state action"})["q"]
    # node: doc 1 = Synonym(42_usc_1983 42 usc 1983) freq 4 dl 10 + state + action + citations terms boost 2.0
    assert list(run) == ["1", "2"]
    assert run["1"] == pytest.approx(2.7722714, rel=1e-6)
    assert run["2"] == pytest.approx(0.7598455, rel=1e-6)


def test_formula_is_lucene_bm25_without_the_k1_plus_1_factor():
    bm25 = BM25Retriever(THREE, citation_boost=0.0)
    # "state": n = 2 of N = 3 documents; doc 2 has dl 8 (title 1 + text 7 tokens), avgdl = 28 tokens / 3 with the
    # citation's three stacked parts counted in the total but not in doc 1's own length (discount_overlaps)
    assert bm25.avgdl == np.float32(28 / 3)
    idf = math.log(1 + (3 - 2 + 0.5) / (2 + 0.5))
    tf = 1 / (1 + 1.2 * (1 - 0.75 + 0.75 * 8 / (28 / 3)))
    assert bm25.scores("state")[1] == pytest.approx(idf * tf, rel=1e-6)
    assert bm25.scores("state")[2] == 0.0


def test_stacked_citation_parts_score_as_one_synonym_term():
    bm25 = BM25Retriever(THREE, citation_boost=0.0)
    # one position holding 42_usc_1983, 42, usc, 1983: frequencies summed (4 in doc 1, 2 in doc 2), idf of the
    # most frequent of them (n = 2), once, not once per part
    idf = math.log(1 + (3 - 2 + 0.5) / (2 + 0.5))
    norm = 1.2 * (1 - 0.75 + 0.75 * 10 / (28 / 3))
    assert bm25.scores("42 U.S.C. § 1983")[0] == pytest.approx(idf * 4 / (4 + norm), rel=1e-6)


@pytest.mark.parametrize(
    "length, stored",
    [(0, 0), (1, 1), (23, 23), (24, 24), (40, 40), (41, 40), (42, 42), (100, 96), (1000, 984)],
)
def test_document_length_goes_through_lucenes_one_byte_norm(length, stored):
    assert lucene_norm_length(length) == stored


def test_k1_and_b_come_from_the_index_definition():
    assert lucene_bm25_parameters(index_definition()) == {"k1": 1.2, "b": 0.75, "discount_overlaps": True}
    tuned = {"settings": {"index": {"similarity": {"default": {"type": "BM25", "k1": 0.9, "b": 0.4}}}}}
    assert lucene_bm25_parameters(tuned) == {"k1": 0.9, "b": 0.4, "discount_overlaps": True}
    boolean = {"settings": {}, "mappings": {"properties": {"content": {"similarity": "boolean"}}}}
    with pytest.raises(AnalysisError, match="only BM25"):
        lucene_bm25_parameters(boolean)


def test_a_citation_alone_matches_through_the_terms_boost():
    docs = [Document("a", "", "Liability under 42 U.S.C. § 1983."), Document("b", "", "Nothing here.")]
    bm25 = BM25Retriever(docs)
    # "42 USC 1983" analyzes to the same unit; the query's citation keyword equals document a's: + 2.0
    assert bm25.scores("42 USC 1983")[0] == pytest.approx(BM25Retriever(docs, citation_boost=0).scores(
        "42 USC 1983")[0] + 2.0, rel=1e-6)


@pytest.fixture(scope="module")
def ranking_corpus() -> list[Document]:
    return [Document(doc_id, "", text) for doc_id, text in RANKING_CORPUS.items()]


@pytest.mark.parametrize("query, cited", RANKING)
def test_a_citation_query_ranks_the_cited_document_first(ranking_corpus, query, cited):
    run = BM25Retriever(ranking_corpus).search({"q": query}, k=5)["q"]
    assert next(iter(run)) == cited, run
    distractor = distractor_of(cited)
    if query != "32016R0679":  # a bare CELEX number is one token, which no distractor contains
        assert run.get(distractor, 0) > 0, f"{distractor} should compete: it repeats the citation's numbers"


@pytest.mark.parametrize("query, cited", RANKING)
def test_the_analyzer_units_alone_rank_the_cited_document_first(ranking_corpus, query, cited):
    """Without the citations boost too: the unit and its parts outscore the same numbers scattered in prose."""
    run = BM25Retriever(ranking_corpus, citation_boost=0.0).search({"q": query}, k=5)["q"]
    assert next(iter(run)) == cited, run


@pytest.mark.parametrize("query, cited, below", CROSS_FORM)
def test_an_eu_act_and_its_celex_number_find_each_other_through_the_citations_boost(ranking_corpus, query, cited,
                                                                                       below):
    run = BM25Retriever(ranking_corpus).search({"q": query}, k=10)["q"]
    assert run[cited] >= 2.0 and run[cited] > run.get(below, 0.0), run
    assert cited not in BM25Retriever(ranking_corpus, citation_boost=0.0).search({"q": query}, k=10)["q"]

"""legalsearch.long_queries: key terms and windows, offline (the cluster side: tests/integration/test_long_queries.py)."""

from __future__ import annotations

import numpy as np
import pytest

from legalsearch.data import Document
from legalsearch.errors import DataError
from legalsearch.long_queries import (
    MAX_QUERY_CHARS,
    LongQueryPolicy,
    QueryPlan,
    check_query_text,
    select_key_terms,
    spread,
    term_frequencies,
)
from legalsearch.retrieval import BM25Retriever, DenseRetriever

DOCS = [
    Document("d1", "Bail", "The accused applied for bail after the arrest; bail was refused by the magistrate."),
    Document("d2", "Murder", "The accused was convicted of murder and sentenced; the appeal against conviction failed."),
    Document("d3", "Contract", "The contract was terminated for convenience with thirty days notice to the supplier."),
    Document("d4", "Evidence", "The witness statement was recorded by the police officer during the investigation."),
]


def test_key_terms_rank_by_query_frequency_times_idf_and_skip_unknown_terms():
    freqs = {"bail": 3, "the": 9, "accus": 2, "unseen": 5}
    doc_freqs = {"bail": 1, "the": 4, "accus": 2}
    terms = select_key_terms(freqs, doc_freqs, doc_count=4, max_terms=2)
    assert terms == [("bail", 3), ("accus", 2)]  # "the" is everywhere (low idf); "unseen" cannot match
    assert select_key_terms(freqs, doc_freqs, 4, max_terms=10)[-1] == ("the", 9)


def test_ties_break_by_term_so_offline_and_cluster_pick_the_same():
    freqs = {"b": 1, "a": 1, "c": 1}
    assert select_key_terms(freqs, {"a": 1, "b": 1, "c": 1}, 10, max_terms=2) == [("a", 1), ("b", 1)]


def test_spread_keeps_evenly_spaced_items_including_both_ends():
    items = list(range(10))
    assert spread(items, 4) == [0, 3, 6, 9]
    assert spread(items, 20) == items and spread(items, 1) == [0]


def test_key_term_scores_equal_the_match_query_when_nothing_is_dropped():
    # a match query scores each occurrence: the sum over distinct terms of tf x BM25 is the same number
    bm25 = BM25Retriever(DOCS)
    query = "the accused asked for bail, bail again, and the magistrate refused bail to the accused"
    freqs, positions = term_frequencies(bm25.analyzer, query)
    as_match = bm25.scores(query)  # short: positions <= max_terms, the plain match path
    assert positions <= bm25.long_queries.max_terms
    as_terms = bm25.scores_for_terms(sorted(freqs.items()), query)
    np.testing.assert_allclose(as_terms, as_match, rtol=1e-6)


def test_a_query_longer_than_max_terms_is_scored_on_its_key_terms_only():
    bm25 = BM25Retriever(DOCS, long_queries=LongQueryPolicy(max_terms=3))
    query = "bail bail bail accused accused magistrate refused contract witness police notice"
    terms, positions, distinct = bm25.key_terms(query)
    assert positions > 3 and len(terms) == 3 and distinct > 3
    np.testing.assert_allclose(bm25.scores(query), bm25.scores_for_terms(terms, query), rtol=1e-7)
    ranked = bm25.search({"q": query}, k=4)["q"]
    assert next(iter(ranked)) == "d1"  # the bail document: the query's dominant terms were kept


class _WordCountEncoder:
    """A deterministic encoder that sees only its first 8 words (like a model's truncation)."""

    name = "word-count"
    max_seq_length = 16
    dimension = 3
    VOCAB = ("bail", "contract", "witness")

    def _encode(self, texts, batch_size=32, show_progress=False):
        rows = []
        for text in texts:
            words = text.lower().split()[:8]
            v = np.array([sum(w.startswith(k) for w in words) for k in self.VOCAB], dtype=np.float32) + 1e-3
            rows.append(v / np.linalg.norm(v))
        return np.stack(rows)

    encode_queries = encode_documents = _encode


def test_a_long_query_is_searched_by_the_mean_of_its_windows_not_truncated():
    encoder = _WordCountEncoder()  # its chunker cuts windows of a few words (max_seq_length 16)
    dense = DenseRetriever(encoder)
    dense.build(DOCS)
    # the only "contract" words come after the first 8 words: truncation would never see them
    query = "the matter concerns many things " * 3 + "contract contract terminated for convenience notice " * 4
    windows, count = dense.query_windows(query)
    assert count > 1 and len(windows) == count
    ranked = dense.search({"q": query}, k=4)["q"]
    assert next(iter(ranked)) == "d3"
    truncated = dense.doc_scores(encoder.encode_queries([query]))[0]
    assert truncated[2] <= truncated.max() - 0.1  # truncation alone reads no "contract" and would not prefer d3


def test_windows_above_the_cap_are_spread_over_the_whole_query():
    dense = DenseRetriever(_WordCountEncoder(), long_queries=LongQueryPolicy(max_windows=3))
    dense.build(DOCS)
    text = " ".join(f"w{i}" for i in range(120))
    chunks = dense.chunker.split_text(text)
    windows, count = dense.query_windows(text)
    assert count == len(chunks) > 3 and len(windows) == 3
    assert windows == [chunks[0], chunks[round((len(chunks) - 1) / 2)], chunks[-1]]


def test_plan_says_what_was_kept():
    plan = QueryPlan(positions=5930, terms=[("a", 1)] * 256, distinct_terms=1212,
                     windows=["x"] * 32, window_count=41)
    line = plan.describe()
    assert "256 of 1212 distinct terms" in line and "mean of 32 of 41 windows" in line
    assert QueryPlan(positions=4, windows=["q"], window_count=1).describe() == ""


def test_query_text_bounds():
    with pytest.raises(DataError, match="empty"):
        check_query_text("  ")
    with pytest.raises(DataError, match="characters long"):
        check_query_text("x" * (MAX_QUERY_CHARS + 1))
    with pytest.raises(ValueError, match="clause limit"):
        LongQueryPolicy(max_terms=5000)

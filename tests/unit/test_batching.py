"""Training batches: every row once per epoch, no text twice in a batch, similar lengths together."""

from __future__ import annotations

import numpy as np
from _support import require

require("sentence_transformers", "train")
datasets = require("datasets", "train")

from legalsearch.batching import LengthGroupedNoDuplicatesBatchSampler, group_batches, row_lengths  # noqa: E402


def make_rows(n_queries: int = 12, per_query: int = 3, seed: int = 0) -> dict[str, list[str]]:
    """Several positives per query (so the same query text recurs) and documents of skewed lengths."""
    rng = np.random.default_rng(seed)
    columns: dict[str, list[str]] = {"anchor": [], "positive": [], "negative_1": []}
    for q in range(n_queries):
        for p in range(per_query):
            columns["anchor"].append(f"query {q}")
            columns["positive"].append(f"clause {q}-{p} " + "word " * int(rng.lognormal(4, 1)))
            columns["negative_1"].append(f"other {q}-{p} " + "word " * int(rng.lognormal(4, 1)))
    return columns


def padded_cost(columns, batches) -> int:
    """Characters a batch pays for when each column is padded to its longest text."""
    return sum(len(batch) * max(len(columns[c][i]) for i in batch) for batch in batches for c in columns)


def sampler_for(columns, batch_size=4, seed=3):
    return LengthGroupedNoDuplicatesBatchSampler(datasets.Dataset.from_dict(columns), batch_size=batch_size,
                                                 drop_last=False, seed=seed)


def test_every_row_once_and_no_text_twice_in_a_batch():
    columns = make_rows()
    sampler = sampler_for(columns)
    for epoch in range(3):
        sampler.set_epoch(epoch)
        batches = list(sampler)
        assert sorted(i for batch in batches for i in batch) == list(range(len(columns["anchor"])))
        for batch in batches:
            texts = [columns[c][i] for i in batch for c in columns]
            assert len(texts) == len(set(texts)), batch
        # Three positives share each query text, so no batch can hold two rows of one query.
        assert all(len({columns["anchor"][i] for i in batch}) == len(batch) for batch in batches)


def test_grouping_by_length_cuts_padding_against_random_batches():
    columns = make_rows(n_queries=40, per_query=2)
    values = [frozenset(columns[c][i] for c in columns) for i in range(len(columns["anchor"]))]
    rng = np.random.default_rng(0)
    random_cost = np.mean([padded_cost(columns, group_batches(values, rng.permutation(len(values)), 8, False))
                           for _ in range(5)])
    grouped_cost = padded_cost(columns, list(sampler_for(columns, batch_size=8)))
    assert grouped_cost < 0.8 * random_cost


def test_batch_order_changes_with_the_epoch_and_repeats_with_the_seed():
    columns = make_rows()
    first, again = sampler_for(columns, seed=5), sampler_for(columns, seed=5)
    epoch0 = list(first)
    assert epoch0 == list(again)
    first.set_epoch(1)
    assert list(first) != epoch0


def test_group_batches_defers_a_conflicting_row_instead_of_dropping_it():
    values = [frozenset({"q1", "a"}), frozenset({"q1", "b"}), frozenset({"q2", "c"}), frozenset({"q3", "d"})]
    batches = group_batches(values, np.arange(4), batch_size=2, drop_last=False)
    assert batches == [[0, 2], [1, 3]]
    assert group_batches(values, np.arange(4), batch_size=3, drop_last=True) == [[0, 2, 3]]


def test_row_length_is_the_longest_document_column_not_the_query():
    columns = {"anchor": ["a very long query text indeed", "q"], "positive": ["ab", "abcdef"], "negative_1": ["a", "b"]}
    assert row_lengths(columns).tolist() == [2, 6]

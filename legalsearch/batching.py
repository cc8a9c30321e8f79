"""Training batches: no text twice in a batch, and optionally rows of similar length together.

Why group by length: a batch is padded to its longest text, column by column. Legal clauses are skewed (on ACORD
the median clause is 145 tokens and one in ten exceeds 512), so a random batch of 16 almost always contains one
long clause and pays for 16 × 512 tokens. Sorting rows by length before cutting batches spends the compute on
real tokens. The order of the batches is still shuffled every epoch, and ties in length are broken at random.

The no-duplicates rule is the same as sentence-transformers' NoDuplicatesBatchSampler: a row whose query,
positive or negatives already occur in the batch is deferred to a later batch, because MultipleNegativesRankingLoss
would otherwise treat the same text as its own negative.

Imported by ``legalsearch.training`` only: it needs torch and sentence-transformers.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

try:
    from sentence_transformers.base.sampler import DefaultBatchSampler
except ImportError:  # sentence-transformers < 6
    from sentence_transformers.sampler import DefaultBatchSampler

# Columns that are not texts (sentence-transformers' own label and dataset-name columns).
_NON_TEXT_COLUMNS = {"label", "score", "dataset_name"}


def row_lengths(columns: dict[str, list[str]], anchor_column: str = "anchor") -> np.ndarray:
    """Per row, the longest document text in characters (the query column is short and left out).

    ``columns`` holds text columns only.

    Characters stand in for tokens, as in sentence-transformers' own length sorting at inference: the ranking is
    what matters, and it needs no tokenizer.
    """
    doc_columns = [c for c in columns if c != anchor_column]
    if not doc_columns:
        doc_columns = [anchor_column]
    return np.array([max(len(columns[c][i]) for c in doc_columns) for i in range(len(columns[doc_columns[0]]))])


def group_batches(values: list[frozenset[str]], order: np.ndarray, batch_size: int, drop_last: bool) -> list[list[int]]:
    """Cut ``order`` into batches of ``batch_size`` rows whose texts (``values[row]``) do not repeat in a batch.

    Rows are taken in ``order``; a row that would repeat a text is deferred and tried again first for the next
    batch, so deferral moves a row by one batch at most in the common case.
    """
    batches: list[list[int]] = []
    deferred: list[int] = []
    position = 0
    while deferred or position < len(order):
        batch: list[int] = []
        seen: set[str] = set()
        still_deferred: list[int] = []
        for row in deferred:
            if len(batch) < batch_size and seen.isdisjoint(values[row]):
                batch.append(row)
                seen |= values[row]
            else:
                still_deferred.append(row)
        while len(batch) < batch_size and position < len(order):
            row = int(order[position])
            position += 1
            if seen.isdisjoint(values[row]):
                batch.append(row)
                seen |= values[row]
            else:
                still_deferred.append(row)
        deferred = still_deferred
        if len(batch) == batch_size or not drop_last:
            batches.append(batch)
    return batches


class LengthGroupedNoDuplicatesBatchSampler(DefaultBatchSampler):
    """Batches of rows with similar document lengths, no text twice in a batch, batch order shuffled per epoch.

    Pass the class (not an instance) as ``batch_sampler`` to SentenceTransformerTrainingArguments. The number of
    batches it announces (``len``) is torch's BatchSampler's, from the dataset's length: a deferred row can add a
    batch at the end, as with sentence-transformers' own no-duplicates sampler.
    """

    def __init__(self, dataset, batch_size: int, drop_last: bool, valid_label_columns=None, generator=None,
                 seed: int = 0) -> None:
        super().__init__(dataset, batch_size=batch_size, drop_last=drop_last,
                         valid_label_columns=valid_label_columns, generator=generator, seed=seed)
        text_columns = [c for c in dataset.column_names
                        if c not in _NON_TEXT_COLUMNS and c not in set(valid_label_columns or [])]
        columns = dataset.select_columns(text_columns).to_dict()  # plain lists: one Arrow conversion, not one per row
        self.values = [frozenset(columns[c][i] for c in text_columns) for i in range(len(dataset))]
        self.lengths = row_lengths(columns, anchor_column=text_columns[0])

    def __iter__(self) -> Iterator[list[int]]:
        rng = np.random.default_rng(self.seed + self.epoch)
        shuffled = rng.permutation(len(self.values))
        # A stable sort keeps the random order among rows of equal length: ties are broken differently each epoch.
        order = shuffled[np.argsort(-self.lengths[shuffled], kind="stable")]
        batches = group_batches(self.values, order, self.batch_size, self.drop_last)
        for index in rng.permutation(len(batches)):
            yield batches[index]

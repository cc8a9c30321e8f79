"""Long documents: cut into overlapping passages that fit the model, scored as their best passage (MaxP).

A contract or statute is often longer than the encoder reads (256 tokens for MiniLM, 512 for BGE); without
splitting, everything past the limit is invisible to dense retrieval. Windows are cut on the model's own tokens
(so each passage fits exactly) and mapped back to character spans (so passages are real substrings of the text).
The same splitter feeds training-data building, offline evaluation and, in spirit, OpenSearch's ``text_chunking``.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from legalsearch.data import Document


@dataclass(frozen=True)
class Passage:
    doc_id: str
    index: int  # position of the passage within its document
    text: str


@lru_cache(maxsize=8)
def _load_tokenizer(tokenizer_path: str):
    from tokenizers import Tokenizer

    tokenizer = Tokenizer.from_file(tokenizer_path)
    tokenizer.no_truncation()
    tokenizer.no_padding()
    return tokenizer


class PassageSplitter:
    """Split texts into windows of at most ``max_tokens`` model tokens overlapping by ``stride`` tokens.

    Args:
        tokenizer_path: the model's ``tokenizer.json``.
        max_tokens: the model's max sequence length; two positions are kept for [CLS]/[SEP].
        stride: tokens shared by consecutive windows, so a clause cut at a boundary is whole in one of them.
    """

    def __init__(self, tokenizer_path: str | Path, max_tokens: int, stride: int = 32):
        self.tokenizer = _load_tokenizer(str(tokenizer_path))
        self.window = max(8, max_tokens - 2)
        self.stride = min(stride, self.window // 2)

    def split_text(self, text: str) -> list[str]:
        encoding = self.tokenizer.encode(text, add_special_tokens=False)
        offsets = encoding.offsets
        if len(offsets) <= self.window:
            return [text]
        pieces = []
        step = self.window - self.stride
        for start in range(0, len(offsets), step):
            window = offsets[start:start + self.window]
            pieces.append(text[window[0][0]:window[-1][1]])
            if start + self.window >= len(offsets):
                break
        return pieces

    def split(self, documents: list[Document]) -> list[Passage]:
        return [
            Passage(doc.id, i, piece)
            for doc in documents
            for i, piece in enumerate(self.split_text(doc.full_text))
        ]


def max_per_document(passage_scores: np.ndarray, starts: np.ndarray) -> np.ndarray:
    """MaxP, the one definition: a document scores as its best passage.

    Args:
        passage_scores: ``[n_queries, n_passages]``, the passages of each document contiguous.
        starts: index of each document's first passage (ascending, one per document).

    Returns:
        ``[n_queries, n_documents]``.
    """
    return np.maximum.reduceat(passage_scores, starts, axis=1)

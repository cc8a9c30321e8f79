"""Long documents: cut into the passages the cluster indexes, scored as their best passage (MaxP).

A contract or statute is often longer than the encoder reads (256 tokens for MiniLM, 512 for BGE); without
splitting, everything past the limit is invisible to dense retrieval. There is one way to cut: the one the deployed
index uses. With server-side vectors the ingest pipeline's ``text_chunking`` processor cuts ``passage_text`` on the
cluster, and it can only count words of an OpenSearch tokenizer, not the model's tokens; so offline evaluation,
mining, training and client-side deploys cut with :class:`PassageChunker`, a port of that processor, and every path
embeds the same passages. The processor's settings are read from ``mappings/ingest-pipeline.json``, the body deploy
sends, so changing the JSON changes both.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from legalsearch.data import Document

INGEST_PIPELINE = "ingest-pipeline"  # mappings/ingest-pipeline.json
TOKEN_LIMIT_PER_MODEL_TOKEN = 0.75  # words per passage for each token the model reads (the text_chunking docs' rule)


@dataclass(frozen=True)
class Passage:
    doc_id: str
    index: int  # position of the passage within its document
    text: str


def pipeline_chunking() -> dict[str, Any]:
    """The ``fixed_token_length`` settings of ``mappings/ingest-pipeline.json``'s ``text_chunking`` processor."""
    from legalsearch.mappings import load

    for processor in load(INGEST_PIPELINE)["processors"]:
        if "text_chunking" in processor:
            return dict(processor["text_chunking"]["algorithm"]["fixed_token_length"])
    raise KeyError(f"mappings/{INGEST_PIPELINE}.json has no text_chunking processor")


def default_token_limit(max_seq_length: int | None) -> int:
    """Words per passage for a model reading ``max_seq_length`` tokens: 0.75 of it (at least 16); without a known
    length, the ``token_limit`` of ``mappings/ingest-pipeline.json``."""
    if max_seq_length:
        return max(16, int(max_seq_length * TOKEN_LIMIT_PER_MODEL_TOKEN))
    return int(pipeline_chunking()["token_limit"])


@dataclass(frozen=True)
class PassageChunker:
    """neural-search's ``text_chunking`` with the ``fixed_token_length`` algorithm, reproduced offline.

    Read from ``FixedTokenLengthChunker.chunk`` (neural-search 3.6): the text is tokenized by the ``standard``
    tokenizer (:func:`legalsearch.analysis.standard_token_spans`, the same port of Lucene's ``StandardTokenizer`` as
    offline BM25; no char filter, no lowercasing: only token offsets matter). Passage ``i`` starts at the start offset
    of token ``i * (token_limit - floor(token_limit * overlap_rate))`` — the first one at character 0 — and ends where
    the token ``token_limit`` later starts, so the white space and punctuation between two passages stay with the
    earlier one; the last passage runs to the end of the text. Once ``max_chunk_limit`` - 1 passages are cut (one
    string per document is chunked), the rest of the text is the last passage; ``-1`` disables the limit. Passages
    are substrings of the text; a text with no token gives no passage (the cluster then holds no vector for it).

    Args:
        token_limit: words per passage.
        overlap_rate: share of ``token_limit`` that a passage repeats from the previous one, in [0, 0.5].
        max_chunk_limit: most passages per document (the processor's default 100), ``-1`` for no limit.
        tokenizer: ``standard``, the only word tokenizer reproduced offline.
    """

    token_limit: int = 192
    overlap_rate: float = 0.0
    max_chunk_limit: int = 100
    tokenizer: str = "standard"

    def __post_init__(self):
        if int(self.token_limit) < 1:
            raise ValueError(f"token_limit must be a positive integer, got {self.token_limit}")
        if not 0.0 <= float(self.overlap_rate) <= 0.5:
            raise ValueError(f"overlap_rate must be between 0.0 and 0.5, got {self.overlap_rate}")
        if int(self.max_chunk_limit) < 1 and int(self.max_chunk_limit) != -1:
            raise ValueError(f"max_chunk_limit must be a positive integer or -1, got {self.max_chunk_limit}")
        if self.tokenizer != "standard":
            raise ValueError(f"tokenizer '{self.tokenizer}' is not reproduced offline; use 'standard' in "
                             f"mappings/{INGEST_PIPELINE}.json")

    @classmethod
    def for_model(cls, max_seq_length: int | None, token_limit: int | None = None,
                  overlap_rate: float | None = None) -> "PassageChunker":
        """The chunker a deploy of a model reading ``max_seq_length`` tokens uses: the pipeline file's settings,
        ``token_limit`` 0.75 x ``max_seq_length`` unless given."""
        settings = pipeline_chunking()
        return cls(
            token_limit=int(token_limit or default_token_limit(max_seq_length)),
            overlap_rate=float(settings.get("overlap_rate", 0.0) if overlap_rate is None else overlap_rate),
            max_chunk_limit=int(settings.get("max_chunk_limit", 100)),
            tokenizer=settings.get("tokenizer", "standard"),
        )

    def pipeline_params(self) -> dict[str, Any]:
        """The processor's ``fixed_token_length`` body for these settings."""
        return {"token_limit": int(self.token_limit), "overlap_rate": float(self.overlap_rate),
                "tokenizer": self.tokenizer, "max_chunk_limit": int(self.max_chunk_limit)}

    def split_text(self, text: str) -> list[str]:
        from legalsearch.analysis import standard_token_spans

        starts = [start for start, _ in standard_token_spans(text)]
        limit, step = int(self.token_limit), int(self.token_limit) - math.floor(self.token_limit * self.overlap_rate)
        chunks: list[str] = []
        token = 0
        while token < len(starts):
            begin = 0 if token == 0 else starts[token]
            if self.max_chunk_limit != -1 and len(chunks) + 1 >= self.max_chunk_limit:
                chunks.append(text[begin:])
                break
            if token + limit >= len(starts):
                chunks.append(text[begin:])
                break
            chunks.append(text[begin:starts[token + limit]])
            token += step
        return chunks

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

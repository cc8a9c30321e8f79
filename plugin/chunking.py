"""Client-side mirror of neural-search's ``text_chunking`` ``fixed_token_length`` algorithm.

With ``--vectors client`` the passages are cut here and encoded by our ONNX encoder, so they must be the same
passages that the ingest pipeline's ``text_chunking`` processor would cut on the server. This follows
``FixedTokenLengthChunker.chunk`` (neural-search): passage i starts at the start offset of token
``i * (token_limit - floor(token_limit * overlap_rate))`` (the first passage at 0) and ends where the token
``token_limit`` later starts (the last passage at the end of the text); past ``max_chunk_limit`` passages the rest
of the text goes into the last one.

The server tokenizes with Lucene's ``standard`` tokenizer (Unicode UAX#29 word breaks); :func:`standard_token_spans`
approximates it with a regular expression (letters/digits, joined across "." "'" ":" inside words and numbers). The
two agree on ordinary prose; on unusual punctuation a chunk boundary can move by a token, which only matters for
documents longer than ``token_limit`` words.
"""

from __future__ import annotations

import math
import re

_TOKEN = re.compile(r"[^\W_]+(?:(?:[.'’:]|_+)[^\W_]+)*", re.UNICODE)


def standard_token_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) character offsets of the words Lucene's standard tokenizer would emit (approximately)."""
    return [m.span() for m in _TOKEN.finditer(text)]


def fixed_token_length_chunks(
    text: str, token_limit: int = 384, overlap_rate: float = 0.0, max_chunk_limit: int = 100
) -> list[str]:
    """Split ``text`` into passages of ``token_limit`` words exactly as the server's processor does."""
    if token_limit < 1:
        raise ValueError(f"token_limit must be >= 1, got {token_limit}")
    if not 0.0 <= overlap_rate <= 0.5:
        raise ValueError(f"overlap_rate must be in [0, 0.5], got {overlap_rate}")
    tokens = standard_token_spans(text)
    chunks: list[str] = []
    overlap = math.floor(token_limit * overlap_rate)
    start_token = 0
    while start_token < len(tokens):
        start_pos = 0 if start_token == 0 else tokens[start_token][0]
        if max_chunk_limit > 0 and len(chunks) + 1 >= max_chunk_limit:
            chunks.append(text[start_pos:])
            break
        if start_token + token_limit >= len(tokens):
            chunks.append(text[start_pos:])
            break
        end_pos = tokens[start_token + token_limit][0]
        chunks.append(text[start_pos:end_pos])
        start_token += token_limit - overlap
    return chunks

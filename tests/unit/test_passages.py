"""Passages: neural-search's text_chunking (fixed_token_length) reproduced offline, the one cut of every path.

``tests/integration/test_parity.py`` compares the chunker with the node's own ``text_chunking`` on whole corpora;
these tables pin the algorithm read from ``FixedTokenLengthChunker.chunk`` (neural-search 3.6).
"""

from __future__ import annotations

import json

import numpy as np
import pytest

from legalsearch.analysis import standard_token_spans, standard_tokenize
from legalsearch.data import Document
from legalsearch.mappings import load
from legalsearch.passages import PassageChunker, default_token_limit, pipeline_chunking
from legalsearch.retrieval import DenseRetriever

WORDS = "one two three four five six seven"


@pytest.mark.parametrize(
    "text, settings, expected",
    [
        # passages start at tokens 0, 3, 6; the gap after a passage's last word stays with it
        (WORDS, {"token_limit": 3}, ["one two three ", "four five six ", "seven"]),
        # overlap floor(3 * 0.34) = 1 token
        (WORDS, {"token_limit": 3, "overlap_rate": 0.34}, ["one two three ", "three four five ", "five six seven"]),
        # floor(3 * 0.3) = 0: no overlap
        (WORDS, {"token_limit": 3, "overlap_rate": 0.3}, ["one two three ", "four five six ", "seven"]),
        # max_chunk_limit 2: after one passage the rest of the text is the last one
        (WORDS, {"token_limit": 2, "max_chunk_limit": 2}, ["one two ", "three four five six seven"]),
        # -1: no limit
        (WORDS, {"token_limit": 1, "max_chunk_limit": -1}, [w + " " for w in WORDS.split()[:-1]] + ["seven"]),
        # exactly token_limit words: one passage (the next start would be past the end)
        ("one two three", {"token_limit": 3}, ["one two three"]),
        # the first passage starts at character 0, leading white space and punctuation included
        ("  (a) one two", {"token_limit": 2}, ["  (a) one ", "two"]),
        # words are the standard tokenizer's: "U.S.C" is one, "§" and "." are none, "1983(b)" is two
        ("See 42 U.S.C. § 1983(b) now.", {"token_limit": 3}, ["See 42 U.S.C. § ", "1983(b) now."]),
        ("Title\nBody text here", {"token_limit": 2}, ["Title\nBody ", "text here"]),
        # no word: no passage (the cluster stores no vector)
        ("", {"token_limit": 3}, []),
        ("§ — ...", {"token_limit": 3}, []),
        ("short", {"token_limit": 384}, ["short"]),
    ],
)
def test_fixed_token_length_table(text, settings, expected):
    chunks = PassageChunker(**settings).split_text(text)
    assert chunks == expected
    if chunks and not settings.get("overlap_rate"):
        assert "".join(chunks) == text  # without overlap the passages tile the text


@pytest.mark.parametrize(
    "text, words",
    [("U.S. law", ["U.S", "law"]), ("It's 3.5 kg", ["It's", "3.5", "kg"]), ("a_b c", ["a_b", "c"]),
     ("§ 1983(b)", ["1983", "b"]), ("Zürich’s Straße", ["Zürich’s", "Straße"]), ("x" * 300, ["x" * 255, "x" * 45])],
)
def test_standard_token_spans_table(text, words):
    assert [text[s:e] for s, e in standard_token_spans(text)] == words


def test_token_spans_are_the_tokens_of_offline_bm25(sample_path):
    """One tokenizer port: the spans the chunker cuts at slice out exactly the tokens the analyzer starts from."""
    texts = []
    for line in (sample_path / "corpus.jsonl").read_text(encoding="utf-8").splitlines():
        if line.strip():
            row = json.loads(line)
            texts.append(f"{row.get('title', '')}\n{row['text']}")
    texts += ["Zürich’s § 823 BGB — «Art. 6(1)(f)» 東京 ２０２０ café", "\u00a0non-breaking\u2009thin space"]
    for text in texts:
        assert [text[s:e] for s, e in standard_token_spans(text)] == [t for t, _ in standard_tokenize(text)]


def test_settings_come_from_the_ingest_pipeline_file():
    (chunking,) = [p["text_chunking"] for p in load("ingest-pipeline")["processors"] if "text_chunking" in p]
    params = chunking["algorithm"]["fixed_token_length"]
    assert pipeline_chunking() == params and params["tokenizer"] == "standard"
    chunker = PassageChunker.for_model(256)
    assert chunker.token_limit == 192 == default_token_limit(256)  # 0.75 x the model's window
    assert (chunker.overlap_rate, chunker.max_chunk_limit) == (params["overlap_rate"], params["max_chunk_limit"])
    assert PassageChunker.for_model(None).token_limit == params["token_limit"]
    assert PassageChunker.for_model(16).token_limit == 16  # never fewer than 16 words
    assert PassageChunker.for_model(512, token_limit=100, overlap_rate=0.2).pipeline_params() == {
        "token_limit": 100, "overlap_rate": 0.2, "tokenizer": "standard", "max_chunk_limit": params["max_chunk_limit"]}


@pytest.mark.parametrize(
    "settings, message",
    [({"token_limit": 0}, "token_limit must be a positive integer"),
     ({"overlap_rate": 0.6}, "overlap_rate must be between 0.0 and 0.5"),
     ({"max_chunk_limit": 0}, "max_chunk_limit must be a positive integer or -1"),
     ({"tokenizer": "whitespace"}, "tokenizer 'whitespace' is not reproduced offline")],
)
def test_settings_the_processor_refuses_are_refused(settings, message):
    with pytest.raises(ValueError, match=message):
        PassageChunker(**settings)


class _LengthEncoder:
    """Embeds a text as (number of characters, 1), normalized: enough to see which passages were encoded."""

    name = "length"
    max_seq_length = 8  # -> 16 words per passage (the floor)
    tokenizer_path = None

    def __init__(self):
        self.encoded: list[str] = []

    def encode_documents(self, texts, batch_size=32, show_progress=False):
        self.encoded.extend(texts)
        vectors = np.array([[len(t), 1.0] for t in texts], dtype=np.float32)
        return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


def test_dense_retriever_indexes_the_passages_a_deploy_indexes():
    encoder = _LengthEncoder()
    long_text = " ".join(f"w{i}" for i in range(40))
    documents = [Document("long", "", long_text), Document("short", "Title", "a clause"), Document("empty", "", "§")]
    retriever = DenseRetriever(encoder)
    index = retriever.build(documents)
    chunker = PassageChunker.for_model(encoder.max_seq_length)
    assert chunker.token_limit == 16
    expected = chunker.split_text(long_text) + ["Title\na clause", "§"]  # a text with no word keeps itself
    assert len(expected) == 5 and index.passage_texts == expected == encoder.encoded
    assert index.starts.tolist() == [0, 3, 4]
    assert retriever.describe()["chunking"] == chunker.pipeline_params()

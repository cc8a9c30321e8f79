"""The ``legal`` analyzer run offline (legalsearch.analysis), as (input, expected) tables.

Expected tokens and positions were read from the node's ``_analyze`` (OpenSearch 3.6.0, Lucene 10.4.0); the
integration test ``test_analysis_parity.py`` repeats the comparison on the node for these tables and for more than
a thousand texts of the sample and ACORD.
"""

from __future__ import annotations

import json

import pytest

from citation_cases import ANALYZED, CITATION_FORMS, STEMS
from legalsearch.analysis import Analyzer, AnalysisError, index_definition, legal_analyzer, standard_tokenize
from legalsearch.porter2 import stem

@pytest.mark.parametrize("text, expected", ANALYZED)
def test_legal_analyzer_tokens_and_positions(text, expected):
    assert [(t.term, t.position) for t in legal_analyzer().analyze(text)] == expected


@pytest.mark.parametrize("text, unit, _keywords", CITATION_FORMS)
def test_citation_is_one_unstemmed_token_with_its_parts_at_the_same_position(text, unit, _keywords):
    tokens = legal_analyzer().analyze(f"as held in {text}, the claim")
    units = [t for t in tokens if t.term == unit]
    assert len(units) == 1, [t.term for t in tokens]
    position = units[0].position
    stacked = [t.term for t in tokens if t.position == position]
    parts = [p for p in unit.split("_") if p]
    assert stacked[0] == unit
    if len(parts) > 1:  # the parts, stemmed like any word ("regulation" -> "regul"), share the unit's position
        assert stacked[1:] == [stem(p) for p in parts]


@pytest.mark.parametrize("word, expected", STEMS)
def test_snowball_english_matches_lucene(word, expected):
    assert stem(word) == expected


def test_ascii_shortcut_and_cache_agree_with_the_full_uax29_grammar(sample_path):
    """The tokenizer's fast path (ASCII chunks, cache) gives what the full JFlex-rule grammar gives."""
    texts = [json.loads(line)["text"] for line in (sample_path / "corpus.jsonl").read_text().splitlines()]
    texts += ["Excite@Home's “quoted” text — naïve café 1,000.50 a_b _x_ ___ 日本語 カタカナ 한국어 😀👍🏽 ١٢٣"]
    analyzer = legal_analyzer()
    for text in texts:
        filtered = analyzer.char_filtered(text)
        assert standard_tokenize(filtered) == standard_tokenize(filtered, full_grammar=True), text[:80]


def test_tokens_longer_than_255_are_cut():
    assert standard_tokenize("a" * 600) == [("a" * 255, 1), ("a" * 255, 1), ("a" * 90, 1)]


def test_legal_exact_is_the_unstemmed_chain():
    assert legal_analyzer("legal_exact").terms("The Courts held 42 USC 1983") == [
        "the", "courts", "held", "42_usc_1983", "42", "usc", "1983"]


@pytest.mark.parametrize(
    "change, message",
    [
        (lambda a: a["filter"].update(legal_stemmer={"type": "stemmer", "language": "light_english"}),
         "legal_stemmer.*not supported offline"),
        (lambda a: a["analyzer"]["legal"].update(tokenizer="whitespace"), "tokenizer 'whitespace'"),
        (lambda a: a["char_filter"].update(legal_ucc={"type": "mapping", "mappings": ["a=>b"]}), "type 'mapping'"),
        (lambda a: a["char_filter"]["legal_rules"].update(flags="CASE_INSENSITIVE"), "flags"),
        (lambda a: a["char_filter"]["legal_rules"].update(pattern="[a-z&&[^aeiou]]"), "intersection"),
        (lambda a: a["char_filter"]["legal_rules"].update(pattern="\\p{L}+"), "does not compile in Python"),
    ],
)
def test_a_component_that_cannot_be_reproduced_exactly_is_refused(change, message):
    analysis = index_definition()["settings"]["analysis"]
    change(analysis)
    with pytest.raises(AnalysisError, match=message):
        Analyzer(analysis, "legal")


def test_unknown_analyzer_names_the_defined_ones():
    with pytest.raises(AnalysisError, match="legal, legal_exact"):
        legal_analyzer("english")

"""The index's ``legal`` analyzer, run in Python: the same tokens offline as OpenSearch indexes.

The analyzer is defined once, in ``mappings/index.json`` (``settings.analysis``). :func:`legal_analyzer` reads that
definition and builds the same chain from it — char filters, tokenizer, token filters in their order — so that
offline BM25 (mining, eval, hybrid tuning, bench) and the cluster see the same terms at the same positions.
Changing the JSON changes both; a component this module cannot reproduce exactly raises :class:`AnalysisError`
rather than being approximated.

Each supported component is a port of the Lucene class OpenSearch uses for it:

========================  ==========================================  ==========================================
component                 Lucene                                      here
========================  ==========================================  ==========================================
``pattern_replace``       ``PatternReplaceCharFilter`` (whole input)  ``re.sub`` with ASCII ``\\b \\d \\w \\s``,
                                                                      as ``java.util.regex`` without flags
``standard`` tokenizer    ``StandardTokenizer`` (UAX#29 JFlex         the JFlex rules as ``regex`` patterns
                          grammar, longest match)                     over Unicode Word_Break properties,
                                                                      leftmost-longest
``lowercase``             ``LowerCaseFilter`` (per code point)        ``str.lower`` per code point
``stemmer``               ``EnglishPossessiveFilter``                 strips ``'s`` / ``’s`` / ``＇s``
(possessive_english)
``pattern_capture``       ``PatternCaptureGroupTokenFilter``          same loop, parts at position increment 0
``stop``                  ``StopFilter`` (``_english_`` set)          same set; removed tokens' positions kept
``keyword_marker``        ``KeywordMarkerFilter``                     marks, so the stemmer skips the token
``snowball`` (English)    ``SnowballFilter`` + Snowball English       :mod:`legalsearch.porter2` (Snowball
                          (Snowball 2.x script in Lucene 10.4)        2.x; PyStemmer 3 differs)
========================  ==========================================  ==========================================

The real-node test ``tests/integration/test_analysis_parity.py`` compares this module's output with the node's
``_analyze`` token for token and position for position.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any, Callable, NamedTuple

from legalsearch.errors import LegalsearchError

# Lucene EnglishAnalyzer.ENGLISH_STOP_WORDS_SET, which OpenSearch's "_english_" names.
ENGLISH_STOP_WORDS = frozenset(
    "a an and are as at be but by for if in into is it no not of on or such that the their then there these they "
    "this to was will with".split()
)
DEFAULT_MAX_TOKEN_LENGTH = 255  # StandardTokenizer.DEFAULT_MAX_TOKEN_LENGTH


class AnalysisError(LegalsearchError):
    """An analyzer (or a similarity, for offline BM25) in the index definition that cannot be reproduced exactly."""


class Token(NamedTuple):
    """One analyzed token: its term and its position (what ``_analyze`` reports as ``token`` and ``position``)."""

    term: str
    position: int


# --- char filters ------------------------------------------------------------------------------------------------

_JAVA_GROUP_REF = re.compile(r"\$(\d+)|\$\{(\w+)\}|\\(.)")


def _java_replacement(replacement: str) -> str:
    """``$1`` / ``${name}`` / ``\\$`` of java.util.regex.Matcher.replaceAll as a Python ``re.sub`` template."""

    def convert(match: re.Match) -> str:
        if match.group(1):
            return f"\\g<{match.group(1)}>"
        if match.group(2):
            return f"\\g<{match.group(2)}>"
        return match.group(3).replace("\\", "\\\\")

    out, last = [], 0
    for match in _JAVA_GROUP_REF.finditer(replacement):
        out.append(replacement[last:match.start()].replace("\\", "\\\\"))
        out.append(convert(match))
        last = match.end()
    out.append(replacement[last:].replace("\\", "\\\\"))
    return "".join(out)


def _java_pattern(pattern: str, flags: str | None = None) -> re.Pattern:
    """A java.util.regex pattern as a Python one. Without flags Java's ``\\b``, ``\\w``, ``\\d`` and ``\\s`` are ASCII
    (JDK 19+ for ``\\b``), which is ``re.ASCII``; the patterns in the mapping use no syntax the two read differently."""
    if flags:
        raise AnalysisError(f"pattern flags '{flags}' are not supported offline; remove them or extend analysis.py")
    for java_only, meaning in (("&&", "character class intersection"), ("\\Z", "end before a final line break")):
        if java_only in pattern:
            raise AnalysisError(f"pattern {pattern!r} uses {java_only} ({meaning}), which Python's re reads "
                                "differently; rewrite it without")
    try:
        return re.compile(pattern, re.ASCII)
    except re.error as exc:
        raise AnalysisError(f"pattern {pattern!r} does not compile in Python: {exc}") from exc


def _char_filter(name: str, spec: dict[str, Any]) -> Callable[[str], str]:
    kind = spec.get("type")
    if kind != "pattern_replace":
        raise AnalysisError(f"char_filter '{name}' has type '{kind}'; supported offline: pattern_replace")
    pattern = _java_pattern(spec["pattern"], spec.get("flags"))
    template = _java_replacement(spec.get("replacement", ""))
    return lambda text: pattern.sub(template, text)


# --- standard tokenizer (UAX#29, Lucene's JFlex grammar) ---------------------------------------------------------

def _group(pattern: str) -> str:
    return f"(?:{pattern})"


def _standard_tokenizer_pattern():
    """Lucene's ``StandardTokenizerImpl.jflex`` rules, one alternative each, matched leftmost-longest (as JFlex
    does). Characters no rule covers (spaces, punctuation, symbols such as § and $) are skipped."""
    import regex

    efz = r"[\p{WB=Format}\p{WB=Extend}\p{WB=ZWJ}]*"
    efz_sans_pres = r"[[\p{WB=Format}\p{WB=Extend}\p{WB=ZWJ}]--[\uFE0E\uFE0F]]*"
    hangul = _group(r"[\p{Script=Hangul}&&[\p{WB=ALetter}\p{WB=Hebrew_Letter}]]" + efz)
    ah_letter = _group(r"[\p{WB=ALetter}\p{WB=Hebrew_Letter}]" + efz)
    numeric = _group(r"[\p{WB=Numeric}[\p{Block=Halfwidth_And_Fullwidth_Forms}&&\p{Nd}]]" + efz)
    katakana = _group(r"\p{WB=Katakana}" + efz)
    mid_letter = _group(r"[\p{WB=MidLetter}\p{WB=MidNumLet}\p{WB=Single_Quote}]" + efz)
    mid_numeric = _group(r"[\p{WB=MidNum}\p{WB=MidNumLet}\p{WB=Single_Quote}]" + efz)
    ext_num_let = _group(r"\p{WB=ExtendNumLet}" + efz)
    han = _group(r"\p{Script=Han}" + efz)
    hiragana = _group(r"\p{Script=Hiragana}" + efz)
    single_quote = _group(r"\p{WB=Single_Quote}" + efz)
    double_quote = _group(r"\p{WB=Double_Quote}" + efz)
    hebrew = _group(r"\p{WB=Hebrew_Letter}" + efz)
    regional = _group(r"\p{WB=Regional_Indicator}" + efz)
    complex_context = _group(r"\p{Line_Break=Complex_Context}" + efz)

    keycap_base = r"[0-9#*]"
    rkam = r"\p{WB=Regional_Indicator}[0-9#*]\u00A9\u00AE\u2122\u3030\u303D\p{Emoji_Modifier}"
    emoji_char = rf"[\p{{Extended_Pictographic}}[\p{{Emoji}}--[{rkam}]]]"
    emoji_char_ex = _group(emoji_char + efz_sans_pres)
    modifier_base_ex = _group(r"\p{Emoji_Modifier_Base}" + efz_sans_pres)
    modifier_ex = _group(r"\p{Emoji_Modifier}" + efz_sans_pres)
    zwj = r"\p{WB=ZWJ}"
    seq = rf"(?:(?:{zwj}*{emoji_char_ex}\uFE0F?)|(?:(?:{zwj}*{modifier_base_ex})?{modifier_ex}))"
    emoji = (rf"{seq}(?:(?:{zwj}{seq})*|[\U000E0020-\U000E007E]+\U000E007F)"
             rf"|{keycap_base}{efz_sans_pres}\uFE0F?\u20E3{efz_sans_pres}"
             rf"|{regional}{regional}")

    number = rf"{ext_num_let}*{numeric}(?:(?:{ext_num_let}*|{mid_numeric}){numeric})*{ext_num_let}*"
    unit = (rf"(?:{katakana}(?:{ext_num_let}*{katakana})*"
            rf"|(?:{hebrew}(?:{single_quote}|{double_quote}{hebrew})"
            rf"|{numeric}(?:(?:{ext_num_let}*|{mid_numeric}){numeric})*"
            rf"|{ah_letter}(?:(?:{ext_num_let}*|{mid_letter}){ah_letter})*)+)")
    word = rf"{ext_num_let}*{unit}(?:{ext_num_let}+{unit})*{ext_num_let}*"
    rules = [emoji, number, rf"{hangul}+", rf"{katakana}+", word, rf"{complex_context}+", han, hiragana]
    return regex.compile("(?V1p)" + "|".join(f"(?:{rule})" for rule in rules))


@lru_cache(maxsize=1)
def _standard_pattern():
    return _standard_tokenizer_pattern()


# For ASCII the grammar reduces to this: letters and digits, joined by "_" anywhere (ExtendNumLet), by one of
# ":.'" between two letters (MidLetter, MidNumLet, Single_Quote) and by one of ",;.'" between two digits (MidNum,
# MidNumLet, Single_Quote); a run of "_" alone is no token. tests/unit/test_analysis.py checks it against the full
# grammar on the bundled sample.
_ASCII_TOKEN = re.compile(r"_*[A-Za-z0-9](?:[A-Za-z0-9_]|(?<=[A-Za-z])[:.'](?=[A-Za-z])|(?<=[0-9])[,;.'](?=[0-9]))*")
_WHITESPACE_RUN = re.compile(r"[^ \t\n\r\f\v]+")  # no rule of the grammar matches across ASCII white space
_CHUNK_CACHE: dict[str, tuple[str, ...]] = {}
_CHUNK_CACHE_SIZE = 200_000


def _utf16_len(text: str) -> int:
    return len(text) + sum(1 for ch in text if ord(ch) > 0xFFFF)


def _chunk_tokens(chunk: str) -> tuple[str, ...]:
    cached = _CHUNK_CACHE.get(chunk)
    if cached is None:
        if chunk.isascii():
            cached = tuple(_ASCII_TOKEN.findall(chunk))
        else:
            cached = tuple(match.group() for match in _standard_pattern().finditer(chunk))
        if len(_CHUNK_CACHE) >= _CHUNK_CACHE_SIZE:
            _CHUNK_CACHE.clear()
        _CHUNK_CACHE[chunk] = cached
    return cached


def standard_tokenize(text: str, max_token_length: int = DEFAULT_MAX_TOKEN_LENGTH,
                      full_grammar: bool = False) -> list[tuple[str, int]]:
    """(token, position increment) pairs of Lucene's StandardTokenizer.

    A token longer than ``max_token_length`` (in UTF-16 units, as Java counts) is cut into pieces of that length,
    which is what the JFlex scanner does with a buffer of that size. ``full_grammar`` skips the ASCII shortcut and
    the cache (for testing them).
    """
    if full_grammar:
        raw = [match.group() for match in _standard_pattern().finditer(text)]
    else:
        raw = [token for chunk in _WHITESPACE_RUN.findall(text) for token in _chunk_tokens(chunk)]
    out = []
    for token in raw:
        if len(token) <= max_token_length and _utf16_len(token) <= max_token_length:
            out.append((token, 1))
            continue
        piece = ""
        for ch in token:  # split on UTF-16 length, never inside a surrogate pair
            if _utf16_len(piece + ch) > max_token_length:
                out.append((piece, 1))
                piece = ""
            piece += ch
        if piece:
            out.append((piece, 1))
    return out


def standard_token_spans(text: str, max_token_length: int = DEFAULT_MAX_TOKEN_LENGTH) -> list[tuple[int, int]]:
    """``(start, end)`` offsets in ``text`` of the tokens :func:`standard_tokenize` returns, in the same order.

    What ``_analyze`` reports as ``start_offset`` / ``end_offset`` (Java counts UTF-16 units, Python code points:
    the spans slice the Python string to the same text). neural-search's ``text_chunking`` cuts passages at these
    offsets (:class:`legalsearch.passages.PassageChunker`).
    """
    spans = []
    for run in _WHITESPACE_RUN.finditer(text):
        chunk, base = run.group(), run.start()
        pattern = _ASCII_TOKEN if chunk.isascii() else _standard_pattern()
        for match in pattern.finditer(chunk):
            start, end = base + match.start(), base + match.end()
            token = match.group()
            if len(token) <= max_token_length and _utf16_len(token) <= max_token_length:
                spans.append((start, end))
                continue
            piece_start, units = start, 0
            for i, ch in enumerate(token):  # the same cut as standard_tokenize's
                width = 2 if ord(ch) > 0xFFFF else 1
                if units + width > max_token_length:
                    spans.append((piece_start, start + i))
                    piece_start, units = start + i, 0
                units += width
            if piece_start < end:
                spans.append((piece_start, end))
    return spans


# --- token filters: each maps a list of _Tok to a list of _Tok -----------------------------------------------------

@dataclass
class _Tok:
    term: str
    increment: int
    keyword: bool = False


def _lowercase(tokens: list[_Tok]) -> list[_Tok]:
    for tok in tokens:
        # Java lowercases code point by code point (no final-sigma context, U+0130 -> 'i').
        tok.term = "".join("i" if ch == "\u0130" else ch.lower() for ch in tok.term)
    return tokens


def _possessive(tokens: list[_Tok]) -> list[_Tok]:
    for tok in tokens:
        term = tok.term
        if len(term) >= 2 and term[-2] in "'\u2019\uff07" and term[-1] in "sS":
            tok.term = term[:-2]
    return tokens


def _pattern_capture(patterns: list[re.Pattern], preserve_original: bool) -> Callable[[list[_Tok]], list[_Tok]]:
    """PatternCaptureGroupTokenFilter: after each token (kept when ``preserve_original``), every non-empty capture
    group of every match of every pattern, earliest start first, at position increment 0; a capture equal to the
    whole token is not repeated when the original is kept. A token nothing captures from passes through."""

    def captures(term: str) -> list[str]:
        matchers = [p.finditer(term) for p in patterns]
        current: list[re.Match | None] = [None] * len(patterns)
        group = [-1] * len(patterns)
        out = []
        while True:
            best, best_start = -1, None
            i = 0
            while i < len(patterns):
                if group[i] == -1:
                    current[i] = next(matchers[i], None)
                    group[i] = 1 if current[i] is not None else 0
                if group[i] != 0:
                    match = current[i]
                    while group[i] < match.re.groups + 1:
                        start, end = match.span(group[i])
                        if start == end or (preserve_original and start == 0 and end == len(term)):
                            group[i] += 1
                            continue
                        if best_start is None or start < best_start:
                            best, best_start = i, start
                        break
                    if group[i] == match.re.groups + 1:
                        group[i] = -1
                        continue  # the same pattern again, from its next match
                i += 1
            if best == -1:
                return out
            out.append(current[best].group(group[best]))
            group[best] += 1

    def run(tokens: list[_Tok]) -> list[_Tok]:
        out = []
        for tok in tokens:
            parts = captures(tok.term)
            if preserve_original or not parts:
                out.append(tok)
                out.extend(_Tok(part, 0, tok.keyword) for part in parts)
            else:
                out.append(_Tok(parts[0], tok.increment, tok.keyword))
                out.extend(_Tok(part, 0, tok.keyword) for part in parts[1:])
        return out

    return run


def _stop(words: frozenset[str], ignore_case: bool) -> Callable[[list[_Tok]], list[_Tok]]:
    def run(tokens: list[_Tok]) -> list[_Tok]:
        out, skipped = [], 0
        for tok in tokens:
            if (tok.term.lower() if ignore_case else tok.term) in words:
                skipped += tok.increment  # FilteringTokenFilter keeps the removed token's position increment
                continue
            tok.increment += skipped
            skipped = 0
            out.append(tok)
        return out

    return run


def _keyword_marker(pattern: re.Pattern | None, keywords: frozenset[str]) -> Callable[[list[_Tok]], list[_Tok]]:
    def run(tokens: list[_Tok]) -> list[_Tok]:
        for tok in tokens:
            if tok.term in keywords or (pattern is not None and pattern.fullmatch(tok.term)):
                tok.keyword = True
        return tokens

    return run


def _snowball_english() -> Callable[[list[_Tok]], list[_Tok]]:
    from legalsearch.porter2 import stem

    def run(tokens: list[_Tok]) -> list[_Tok]:
        for tok in tokens:
            if not tok.keyword:
                tok.term = stem(tok.term)
        return tokens

    return run


def _stopword_set(spec: dict[str, Any], name: str) -> frozenset[str]:
    words = spec.get("stopwords", "_english_")
    if words == "_english_":
        return ENGLISH_STOP_WORDS
    if words == "_none_":
        return frozenset()
    if isinstance(words, list):
        return frozenset(words)
    raise AnalysisError(f"filter '{name}': stopwords {words!r} not supported offline (use _english_ or a list)")


def _token_filter(name: str, spec: dict[str, Any]) -> Callable[[list[_Tok]], list[_Tok]]:
    kind = spec.get("type")
    language = str(spec.get("language", spec.get("name", ""))).lower()
    if kind == "lowercase" and not spec.get("language"):
        return _lowercase
    if kind == "stemmer" and language == "possessive_english":
        return _possessive
    if kind == "snowball" and language == "english":
        return _snowball_english()
    if kind == "pattern_capture":
        patterns = [_java_pattern(p) for p in spec["patterns"]]
        return _pattern_capture(patterns, bool(spec.get("preserve_original", True)))
    if kind == "stop":
        return _stop(_stopword_set(spec, name), bool(spec.get("ignore_case", False)))
    if kind == "keyword_marker":
        if spec.get("ignore_case"):
            raise AnalysisError(f"filter '{name}': keyword_marker ignore_case is not supported offline")
        pattern = spec.get("keywords_pattern")
        return _keyword_marker(_java_pattern(pattern) if pattern else None, frozenset(spec.get("keywords", [])))
    raise AnalysisError(
        f"token filter '{name}' ({kind}{', ' + language if language else ''}) is not supported offline; supported: "
        "lowercase, stemmer (possessive_english), snowball (English), pattern_capture, stop, keyword_marker"
    )


# --- the analyzer -----------------------------------------------------------------------------------------------

class Analyzer:
    """A ``custom`` analyzer from index settings, run in Python.

    Args:
        analysis: the index's ``settings.analysis`` object.
        name: the analyzer's name in it.

    Example:
        >>> legal_analyzer().terms("Claims under 42 U.S.C. § 1983")
        ['claim', 'under', '42_usc_1983', '42', 'usc', '1983']
    """

    def __init__(self, analysis: dict[str, Any], name: str):
        spec = analysis.get("analyzer", {}).get(name)
        if spec is None:
            raise AnalysisError(f"no analyzer '{name}' in the analysis settings; defined: "
                                f"{', '.join(analysis.get('analyzer', {})) or 'none'}")
        if spec.get("type", "custom") != "custom":
            raise AnalysisError(f"analyzer '{name}' has type '{spec.get('type')}'; only custom analyzers run offline")
        self.name = name
        char_filters = analysis.get("char_filter", {})
        filters = analysis.get("filter", {})
        self._char_filters = [_char_filter(n, self._lookup(char_filters, n, "char_filter"))
                              for n in spec.get("char_filter", [])]
        tokenizer = spec.get("tokenizer")
        if tokenizer != "standard":
            raise AnalysisError(f"analyzer '{name}' uses tokenizer '{tokenizer}'; supported offline: standard")
        self._max_token_length = DEFAULT_MAX_TOKEN_LENGTH
        self._filters = []
        for filter_name in spec.get("filter", []):
            if filter_name in filters:
                self._filters.append(_token_filter(filter_name, filters[filter_name]))
            else:  # a built-in filter named directly
                self._filters.append(_token_filter(filter_name, {"type": filter_name}))
        self._token_cache: dict[str, tuple[tuple[str, int], ...]] = {}

    @staticmethod
    def _lookup(table: dict[str, Any], name: str, what: str) -> dict[str, Any]:
        if name not in table:
            raise AnalysisError(f"{what} '{name}' is not defined in the analysis settings (built-in {what}s are not "
                                "supported offline)")
        return table[name]

    def char_filtered(self, text: str) -> str:
        for char_filter in self._char_filters:
            text = char_filter(text)
        return text

    def analyze(self, text: str) -> list[Token]:
        """Tokens with positions, numbered from 0 like ``_analyze`` does for one text."""
        out, position, carry = [], -1, 0
        for raw, increment in standard_tokenize(self.char_filtered(text), self._max_token_length):
            expanded = self._filter_token(raw)
            carry += increment - 1
            for term, token_increment in expanded:
                position += token_increment + carry
                carry = 0
                out.append(Token(term, max(position, 0)))
            # a token the stop filter removed hands its position increment on to the next token kept
            carry += 1 - sum(token_increment for _, token_increment in expanded)
        return out

    def _filter_token(self, raw: str) -> tuple[tuple[str, int], ...]:
        """The token filters applied to one token: (term, position increment) of what comes out.

        Every supported filter works token by token (``stop`` passes a removed token's increment on, which
        :meth:`analyze` carries across tokens), so the result depends on the token alone and is cached.
        """
        cached = self._token_cache.get(raw)
        if cached is None:
            tokens = [_Tok(raw, 1)]
            for token_filter in self._filters:
                tokens = token_filter(tokens)
            cached = tuple((tok.term, tok.increment) for tok in tokens)
            if len(self._token_cache) >= _CHUNK_CACHE_SIZE:
                self._token_cache.clear()
            self._token_cache[raw] = cached
        return cached

    def terms(self, text: str) -> list[str]:
        return [tok.term for tok in self.analyze(text)]

    def positions(self, text: str) -> list[list[str]]:
        """Terms grouped by position: the groups a ``match`` query turns into one term (or synonym) clause each."""
        groups: list[list[str]] = []
        last = None
        for tok in self.analyze(text):
            if tok.position != last:
                groups.append([])
                last = tok.position
            groups[-1].append(tok.term)
        return groups


def index_definition() -> dict[str, Any]:
    """``mappings/index.json``: the index settings and mappings deploy creates."""
    text = resources.files("legalsearch.mappings").joinpath("index.json").read_text(encoding="utf-8")
    return json.loads(text)


@lru_cache(maxsize=4)
def legal_analyzer(name: str = "legal") -> Analyzer:
    """The analyzer ``name`` of ``mappings/index.json`` (default: ``legal``, the analyzer of ``content``)."""
    return Analyzer(index_definition()["settings"]["analysis"], name)

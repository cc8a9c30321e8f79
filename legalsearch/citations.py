"""Legal citations found in a text, normalized for the index's ``citations`` keyword field.

US case and statute citations are found by eyecite ("123 F.3d 456", "42 U.S.C. § 1983", "550 U.S. 544") and
written in eyecite's corrected form, so "410 U. S. 113" and "410 U.S. 113" become the same keyword. eyecite does
not know the federal rules of procedure and evidence, nor "USC" written without dots, nor citations from outside
the United States, so patterns here add those:

==============================  =========================================  ==================================
family                          written                                    keyword
==============================  =========================================  ==================================
US federal rules                Fed. R. Civ. P. 12(b)(6), Fed R Evid 702   Fed. R. Civ. P. 12(b)(6)
US Code without dots            42 USC 1983                                42 U.S.C. § 1983
UK / Commonwealth neutral       [2020] UKSC 12, [2019] EWCA Civ 1010,      [2020] UKSC 12
                                [1992] HCA 23 (Australia)
Canadian neutral                2019 SCC 65, 2020 ONCA 123                 2019 SCC 65
EU acts                         Regulation (EU) 2016/679,                  Regulation (EU) 2016/679 and
                                                                           CELEX 32016R0679
                                Regulation (EC) No 1049/2001,              Regulation (EC) 1049/2001 and
                                                                           CELEX 32001R1049
                                Directive 95/46/EC                         Directive 95/46/EC and
                                                                           CELEX 31995L0046
EU CELEX numbers                32016R0679, CELEX:31995L0046               CELEX 32016R0679
Indian statutes                 Section 302 IPC, S. 482 CrPC               Section 302 IPC
Indian reporters                AIR 1973 SC 1461, (2017) 10 SCC 1          AIR 1973 SC 1461
Code articles and sections      Article 709, Art. 6(1)(f) GDPR, § 823 BGB  Art. 709, Art. 6(1)(f) GDPR
==============================  =========================================  ==================================

The ``legal`` analyzer in ``mappings/index.json`` joins the same forms into single tokens (``2020_uksc_12``,
``art_6_1_f_gdpr``, ``bgb_823``); ``tests/unit/test_citations.py`` checks that every keyword found here is a unit
of the analyzer too. Short forms (Id., supra, "Jones, 123 F.3d at 460") name no new authority and are left out.

The same function runs on documents at ingest and on queries at search time (on the cluster, and offline in
:class:`legalsearch.retrieval.BM25Retriever`), so a query that cites "42 USC § 1983" matches documents that cite
"42 U.S.C. § 1983".
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Callable

# "Fed. R. Civ. P. 12(b)(6)", "Fed R Evid 702", "Fed. R. App. P. 4(a)(1)(A)", "Fed. R. Crim. P. 11"
_FED_RULE = re.compile(
    r"\bFed\.?\s*R\.?\s*(Civ|Crim|App|Evid|Bankr)\.?\s*(?:(P)\.?\s*)?(\d+(?:\.\d+)?)((?:\([0-9A-Za-z]{1,4}\))*)"
)
# "42 USC 1983", "42 U.S.C.A. § 1983" (eyecite finds the dotted forms; this catches the rest)
_USC = re.compile(r"\b(\d{1,3})\s*U\.?\s?S\.?\s?C\.?\s?(?:A\.?|S\.?)?\s*(?:§+\s*)?(\d+[a-z]?(?:-\d+[a-z]?)?)\b")
_SPACES = re.compile(r"\s+")
_DIGIT = re.compile(r"\d")

# Boost of the deployed query's ``terms`` clause on the ``citations`` field (a constant score for a document that
# shares a citation with the query, added to its BM25 score); offline BM25 adds the same.
CITATION_BOOST = 2.0

# Courts whose neutral citations carry the year in square brackets (UK, Ireland, Australia, New Zealand,
# Singapore) and Canadian courts, whose neutral citations do not.
BRACKETED_COURTS = (
    "UKSC", "UKPC", "UKHL", "UKUT", "UKFTT", "UKEAT", "EWCA", "EWHC", "EWCOP", "EWFC", "CSIH", "CSOH", "NICA",
    "NIQB", "IESC", "IECA", "IEHC", "HCA", "FCAFC", "NSWSC", "NSWCA", "VSC", "VSCA", "QCA", "WASC", "NZSC", "NZCA",
    "SGCA", "SGHC",
)
CANADIAN_COURTS = ("SCC", "ONCA", "BCCA", "ABCA", "QCCA", "FCA", "FC", "TCC", "SKCA", "MBCA", "NSCA", "NBCA")
UK_DIVISIONS = ("Civ", "Crim", "Admin")
EU_INSTITUTION_TAGS = ("EU", "EC", "EEC", "Euratom", "CFSP")
INDIAN_ACTS = ("IPC", "CrPC", "CPC", "BNS", "BNSS", "BSA")
INDIAN_REPORTERS = ("SCC", "SCR", "SCALE")
ARTICLE_CODES = ("GDPR", "TFEU", "TEU", "ECHR", "DSGVO", "BGB", "HGB", "StGB", "GG")
PARAGRAPH_CODES = ("BGB", "HGB", "StGB", "StPO", "ZPO", "GG", "AktG", "GmbHG", "UWG", "VwVfG", "AO", "ABGB", "InsO")


def _alternation(names) -> str:
    return "|".join(sorted(names, key=len, reverse=True))


_NEUTRAL = re.compile(
    rf"(?<![0-9])(\[)?(\d{{4}})\]?\s?({_alternation(BRACKETED_COURTS + CANADIAN_COURTS)})"
    rf"(?:\s({_alternation(UK_DIVISIONS)}))?\s(\d{{1,5}})\b"
)
_EU_ACT = re.compile(
    rf"\b(Regulation|Directive|Decision)\s\(({_alternation(EU_INSTITUTION_TAGS)})\)\s(?:No\.?\s)?(\d{{1,4}})/(\d{{1,4}})\b"
)
_EU_OLD_ACT = re.compile(
    rf"\b(Regulation|Directive|Decision)\s(\d{{2,4}})/(\d{{1,4}})/({_alternation(EU_INSTITUTION_TAGS + ('CE',))})\b"
)
_CELEX = re.compile(r"\b(?:CELEX:?\s?)?([0-9CE]\d{4}[A-Z]{1,2}\d{4}(?:\(\d{2}\))?)\b")
_INDIAN_SECTION = re.compile(
    rf"\b(?:Section|Sec\.?|S\.)\s?(\d{{1,4}}[A-Z]{{0,2}})\s(?:of\s(?:the\s)?)?({_alternation(INDIAN_ACTS)}|Cr\.?\s?P\.?\s?C)\b\.?"
)
_AIR = re.compile(r"\bAIR\s(\d{4})\s(SC|[A-Z][A-Za-z]{1,5})\s(\d{1,5})\b")
_INDIAN_REPORTER = re.compile(rf"\((\d{{4}})\)\s(\d{{1,3}})\s({_alternation(INDIAN_REPORTERS)})\s(\d{{1,5}})\b")
_SUBDIVISIONS = r"(?:\([0-9A-Za-z]{1,4}\))*"
_ARTICLE = re.compile(
    rf"\b(?:Article|Arts?\.?)\s?(\d{{1,4}}[a-z]?{_SUBDIVISIONS})(?!\.\d)(?:\s({_alternation(ARTICLE_CODES)}))?\b"
)
_PARAGRAPH = re.compile(rf"§\s?(\d{{1,5}}[a-z]?{_SUBDIVISIONS})\s({_alternation(PARAGRAPH_CODES)})\b")


def _canonical_rule(match: re.Match) -> str:
    family, _p, number, subdivisions = match.groups()
    if family == "Evid":
        return f"Fed. R. Evid. {number}{subdivisions}"
    return f"Fed. R. {family}. P. {number}{subdivisions}"


def _neutral(match: re.Match) -> str:
    _bracket, year, court, division, number = match.groups()
    body = f"{court} {division} {number}" if division else f"{court} {number}"
    return f"{year} {body}" if court in CANADIAN_COURTS else f"[{year}] {body}"


def _indian_section(match: re.Match) -> str:
    act = match.group(2)
    return f"Section {match.group(1)} {'CrPC' if act.startswith('Cr') else act}"


def _article(match: re.Match) -> str:
    number, code = match.groups()
    return f"Art. {number} {code}" if code else f"Art. {number}"


# (pattern, keyword) pairs beyond eyecite, in one table so ingest, search and offline BM25 share them.
PATTERNS: list[tuple[re.Pattern, Callable[[re.Match], str]]] = [
    (_FED_RULE, _canonical_rule),
    (_USC, lambda m: f"{m.group(1)} U.S.C. § {m.group(2)}"),
    (_NEUTRAL, _neutral),
    (_EU_ACT, lambda m: f"{m.group(1)} ({m.group(2)}) {m.group(3)}/{m.group(4)}"),
    (_EU_OLD_ACT, lambda m: f"{m.group(1)} {m.group(2)}/{m.group(3)}/{m.group(4)}"),
    (_CELEX, lambda m: f"CELEX {m.group(1)}"),
    (_INDIAN_SECTION, _indian_section),
    (_AIR, lambda m: f"AIR {m.group(1)} {m.group(2)} {m.group(3)}"),
    (_INDIAN_REPORTER, lambda m: f"({m.group(1)}) {m.group(2)} {m.group(3)} {m.group(4)}"),
    (_ARTICLE, _article),
    (_PARAGRAPH, lambda m: f"§ {m.group(1)} {m.group(2)}"),
]


@lru_cache(maxsize=1)
def _eyecite():
    try:
        from eyecite import get_citations
        from eyecite.models import FullCaseCitation, FullLawCitation
    except ImportError as exc:  # pragma: no cover - core dependency
        from legalsearch.errors import DependencyError

        raise DependencyError("eyecite", "all") from exc
    return get_citations, (FullCaseCitation, FullLawCitation)


def normalize_citation(text: str) -> str:
    """One spelling per authority: single spaces, one section sign, no trailing punctuation."""
    text = _SPACES.sub(" ", text.strip())
    text = re.sub(r"§§\s*", "§ ", text)
    text = re.sub(r"§\s*", "§ ", text)
    return text.rstrip(".,;: ")


def find_citations(text: str) -> list[tuple[int, int, str]]:
    """Every full citation in ``text`` as ``(start, end, keyword)``, in order of position (repeats included).

    >>> find_citations("under Section 302 IPC")
    [(6, 21, 'Section 302 IPC')]
    """
    if not text or not _DIGIT.search(text):  # every form above, and every full citation eyecite finds, has a digit
        return []
    get_citations, full_types = _eyecite()
    found: list[tuple[int, int, str]] = []
    for cite in get_citations(text):
        if not isinstance(cite, full_types):
            continue
        try:
            value = cite.corrected_citation()
            start, end = cite.span()
        except Exception:  # eyecite edge cases must never stop an ingest
            continue
        found.append((start, end, normalize_citation(value)))
    for pattern, keyword in PATTERNS:
        for match in pattern.finditer(text):
            found.append((match.start(), match.end(), keyword(match)))
    return sorted((item for item in found if item[2]), key=lambda item: item[0])  # stable: eyecite's first


def extract_citations(text: str) -> list[str]:
    """Normalized citations in ``text``, in order of first appearance, without duplicates.

    An EU act is followed by its CELEX number, so a query citing either form boosts documents citing the other.

    >>> extract_citations("See 42 U.S.C. § 1983, [2019] EWCA Civ 1010 and Art. 6(1)(f) GDPR.")
    ['42 U.S.C. § 1983', '[2019] EWCA Civ 1010', 'Art. 6(1)(f) GDPR']
    >>> extract_citations("Regulation (EU) 2016/679")
    ['Regulation (EU) 2016/679', 'CELEX 32016R0679']
    """
    out: list[str] = []
    seen: set[str] = set()
    for _start, _end, value in find_citations(text):
        for keyword in (value, celex_of(value)):
            if keyword and keyword not in seen:
                seen.add(keyword)
                out.append(keyword)
    return out


_CELEX_TYPE = {"Regulation": "R", "Directive": "L", "Decision": "D"}
_ACT_KEYWORD = re.compile(r"^(Regulation|Directive|Decision) (?:\((\w+)\) (\d+)/(\d+)|(\d+)/(\d+)/\w+)$")


def _full_year(value: str) -> int:
    return int(value) + 1900 if len(value) == 2 else int(value)


def _plausible_year(value: str) -> bool:
    return len(value) == 2 or (len(value) == 4 and 1950 <= int(value) <= 2035)


def celex_of(keyword: str) -> str | None:
    """The CELEX keyword of an EU act keyword ("Regulation (EU) 2016/679" -> "CELEX 32016R0679"), else None.

    Acts numbered since 2015 read year/number ("(EU) 2016/679"); older regulations number/year ("(EC) No
    1049/2001", "(EEC) No 1408/71"); directives and decisions with the tag at the end year/number ("95/46/EC").
    Two-digit years are 19xx (the four-digit form began in 1999).
    """
    match = _ACT_KEYWORD.match(keyword)
    if not match:
        return None
    kind, tag, first, second, year, number = match.groups()
    if first is not None:
        if (tag == "EU" and _plausible_year(first) and int(first) >= 2015) or not _plausible_year(second):
            year, number = first, second
        else:
            number, year = first, second
    if len(number) > 4:
        return None
    return f"CELEX 3{_full_year(year)}{_CELEX_TYPE[kind]}{int(number):04d}"

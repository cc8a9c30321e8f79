"""Legal citations found in a text, normalized for the index's ``citations`` keyword field.

Case and statute citations are found by eyecite ("123 F.3d 456", "42 U.S.C. § 1983", "550 U.S. 544") and
written in eyecite's corrected form, so "410 U. S. 113" and "410 U.S. 113" become the same keyword. eyecite does
not know the federal rules of procedure and evidence, nor "USC" written without dots, so two small patterns add
those ("Fed. R. Civ. P. 12(b)(6)", "42 USC 1983"). Short forms (Id., supra, "Jones, 123 F.3d at 460") name no new
authority and are left out.

The same function runs on documents at ingest and on queries at search time, so a query that cites
"42 USC § 1983" matches documents that cite "42 U.S.C. § 1983".
"""

from __future__ import annotations

import re
from functools import lru_cache

# "Fed. R. Civ. P. 12(b)(6)", "Fed R Evid 702", "Fed. R. App. P. 4(a)(1)(A)", "Fed. R. Crim. P. 11"
_FED_RULE = re.compile(
    r"\bFed\.?\s*R\.?\s*(Civ|Crim|App|Evid|Bankr)\.?\s*(?:(P)\.?\s*)?(\d+(?:\.\d+)?)((?:\([0-9A-Za-z]{1,4}\))*)"
)
# "42 USC 1983", "42 U.S.C.A. § 1983" (eyecite finds the dotted forms; this catches the rest)
_USC = re.compile(r"\b(\d{1,3})\s*U\.?\s?S\.?\s?C\.?\s?(?:A\.?|S\.?)?\s*(?:§+\s*)?(\d+[a-z]?(?:-\d+[a-z]?)?)\b")
_SPACES = re.compile(r"\s+")


def _canonical_rule(match: re.Match) -> str:
    family, _p, number, subdivisions = match.groups()
    if family == "Evid":
        return f"Fed. R. Evid. {number}{subdivisions}"
    return f"Fed. R. {family}. P. {number}{subdivisions}"


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


def extract_citations(text: str) -> list[str]:
    """Normalized citations in ``text``, in order of first appearance, without duplicates.

    >>> extract_citations("See 42 U.S.C. § 1983 and Fed. R. Civ. P. 12(b)(6).")
    ['42 U.S.C. § 1983', 'Fed. R. Civ. P. 12(b)(6)']
    """
    if not text:
        return []
    get_citations, full_types = _eyecite()
    found: list[tuple[int, str]] = []
    for cite in get_citations(text):
        if not isinstance(cite, full_types):
            continue
        try:
            value = cite.corrected_citation()
            start = cite.span()[0]
        except Exception:  # eyecite edge cases must never stop an ingest
            continue
        found.append((start, normalize_citation(value)))
    for match in _FED_RULE.finditer(text):
        found.append((match.start(), _canonical_rule(match)))
    for match in _USC.finditer(text):
        found.append((match.start(), f"{match.group(1)} U.S.C. § {match.group(2)}"))
    out: list[str] = []
    seen: set[str] = set()
    for _start, value in sorted(found, key=lambda item: item[0]):
        if value and value not in seen:
            seen.add(value)
            out.append(value)
    return out

"""Legal-text behaviour as (input, expected) tables: citation extraction and the index analyzer's citation units.

The analyzer tables run the analyzers of ``mappings/index.json`` through :mod:`legalsearch.analysis` (the offline
chain that offline BM25 uses); the integration tests check the same tables with ``_analyze`` on a real node.
"""

from __future__ import annotations

import pytest

from legalsearch.analysis import legal_analyzer
from legalsearch.plugin.citations import extract_citations, normalize_citation

EXTRACTION = [
    ("Plaintiff sues under 42 U.S.C. § 1983.", ["42 U.S.C. § 1983"]),
    ("42 USC 1983 claims", ["42 U.S.C. § 1983"]),
    ("42 U.S.C. §1983", ["42 U.S.C. § 1983"]),
    ("Smith v. Jones, 123 F.3d 456, 460 (9th Cir. 1997)", ["123 F.3d 456"]),
    ("Roe v. Wade, 410 U. S. 113 (1973)", ["410 U.S. 113"]),
    ("Bell Atl. Corp. v. Twombly, 550 U.S. 544 (2007)", ["550 U.S. 544"]),
    ("motion to dismiss under Fed. R. Civ. P. 12(b)(6)", ["Fed. R. Civ. P. 12(b)(6)"]),
    ("Fed R Civ P 56", ["Fed. R. Civ. P. 56"]),
    ("expert testimony, Fed. R. Evid. 702", ["Fed. R. Evid. 702"]),
    ("29 C.F.R. § 1630.2(g)", ["29 C.F.R. § 1630.2"]),
    ("17 U.S.C. §§ 101-102", ["17 U.S.C. § 101-102"]),
    ("Id. at 460.", []),
    ("The parties agree to arbitrate.", []),
    ("", []),
    ("See 42 U.S.C. § 1983; 42 U.S.C. § 1983.", ["42 U.S.C. § 1983"]),
    ("Fed. R. Civ. P. 12(b)(6) and 123 F.3d 456", ["Fed. R. Civ. P. 12(b)(6)", "123 F.3d 456"]),
]


@pytest.mark.parametrize("text, expected", EXTRACTION)
def test_extract_citations(text, expected):
    assert extract_citations(text) == expected


@pytest.mark.parametrize(
    "raw, expected",
    [("42  U.S.C.  §§ 1983", "42 U.S.C. § 1983"), ("123 F.3d 456,", "123 F.3d 456"), ("§1983", "§ 1983")],
)
def test_normalize_citation(raw, expected):
    assert normalize_citation(raw) == expected


def _python_analyze(text: str, exact: bool = True) -> list[str]:
    """The index's analyzer run offline (legalsearch.analysis reads mappings/index.json; the node agrees token for
    token, see tests/integration/test_analysis_parity.py)."""
    return legal_analyzer("legal_exact" if exact else "legal").terms(text)


ANALYZER_UNITS = [
    ("42 U.S.C. § 1983", "42_usc_1983"),
    ("42 USC 1983", "42_usc_1983"),
    ("42 U.S.C. 1983", "42_usc_1983"),
    ("123 F.3d 456", "123_f3d_456"),
    ("123 F. 3d 456", "123_f3d_456"),
    ("Fed. R. Civ. P. 12(b)(6)", "fed_r_civ_p_12_b_6"),
    ("Fed R Civ P 12(b)(6)", "fed_r_civ_p_12_b_6"),
    ("550 U.S. 544", "550_us_544"),
    ("129 S. Ct. 1937", "129_sct_1937"),
    ("173 L. Ed. 2d 868", "173_led2d_868"),
    ("123 F. Supp. 2d 456", "123_fsupp2d_456"),
    ("29 C.F.R. § 1630.2(g)", "29_cfr_1630.2_g"),
    ("U.C.C. § 2-316", "ucc_2_316"),
    ("UCC 2-207", "ucc_2_207"),
    ("15 U.S.C. § 78j(b)", "15_usc_78j_b"),
]


@pytest.mark.parametrize("text, unit", ANALYZER_UNITS)
def test_analyzer_keeps_citation_as_unit_and_parts(text, unit):
    tokens = _python_analyze(f"as held in {text}, the claim")
    assert unit in tokens
    for part in unit.split("_"):
        assert part in tokens


@pytest.mark.parametrize(
    "text, expected",
    [
        ("The Court. It held", ["the", "court", "it", "held"]),
        ("Mr. Smith signed", ["mr", "smith", "signed"]),
        ("clause (a) applies", ["clause", "a", "applies"]),
    ],
)
def test_analyzer_leaves_prose_alone(text, expected):
    assert _python_analyze(text) == expected

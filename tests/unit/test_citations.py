"""Citations beyond the United States, as (input, expected) tables: the ``citations`` keyword and the analyzer unit.

Every keyword :func:`legalsearch.citations.extract_citations` writes for a form is matched by a single token of the
``legal`` analyzer, so the two halves of the deployed lexical query (``match`` on ``content`` and ``terms`` on
``citations``) treat the same spans as citations.
"""

from __future__ import annotations

import pytest

from citation_cases import CITATION_FORMS
from legalsearch.analysis import legal_analyzer
from legalsearch.citations import celex_of, extract_citations


@pytest.mark.parametrize("text, unit, keywords", CITATION_FORMS)
def test_each_family_gives_its_keywords_and_one_unit(text, unit, keywords):
    sentence = f"As held in {text}, the claim fails."
    assert extract_citations(sentence) == list(keywords)
    assert unit in legal_analyzer().terms(sentence)


EXTRACTION = [
    # spellings of one authority give one keyword
    ("[2019] EWCA Civ 1010 and 2019 EWCA Civ 1010", ["[2019] EWCA Civ 1010"]),
    ("Regulation (EC) No. 1049/2001", ["Regulation (EC) 1049/2001", "CELEX 32001R1049"]),
    ("CELEX:31995L0046", ["CELEX 31995L0046"]),
    ("Sec. 302 IPC and S. 302 IPC", ["Section 302 IPC"]),
    ("Article 709 and Art. 709", ["Art. 709"]),
    ("§823 BGB", ["§ 823 BGB"]),
    # several families in one text, in order of appearance
    ("Art. 17 GDPR, Regulation (EU) 2016/679 and [2020] UKSC 12",
     ["Art. 17 GDPR", "Regulation (EU) 2016/679", "CELEX 32016R0679", "[2020] UKSC 12"]),
    # numbers and words that only look like citations
    ("Section 5.2 of this Agreement", []),
    ("Article 5.2 of this Agreement", []),
    ("In 2019 the SCC released 65 decisions", []),
    ("the EU regulation of 2016 set 679 rules", []),
    ("the directive has 95 recitals and 46 EC articles", []),
    ("Section 302 of the Companies Act", []),
    ("The BGB has more than 823 sections", []),
    ("In 1992 the HCA delivered 23 judgments", []),
]


@pytest.mark.parametrize("text, expected", EXTRACTION)
def test_extract_citations_beyond_the_us(text, expected):
    assert extract_citations(text) == expected


@pytest.mark.parametrize(
    "act, celex",
    [
        ("Regulation (EU) 2016/679", "CELEX 32016R0679"),  # since 2015: year/number
        ("Regulation (EC) 1049/2001", "CELEX 32001R1049"),  # before: number/year
        ("Regulation (EEC) 1408/71", "CELEX 31971R1408"),  # two-digit years are 19xx
        ("Regulation (EU) 1303/2013", "CELEX 32013R1303"),  # an EU act of 2013 still reads number/year
        ("Regulation (EU) 2015/2120", "CELEX 32015R2120"),
        ("Directive 95/46/EC", "CELEX 31995L0046"),
        ("Directive 2000/31/EC", "CELEX 32000L0031"),
        ("Directive (EU) 2019/790", "CELEX 32019L0790"),
        ("Decision 2010/87/EU", "CELEX 32010D0087"),
        ("Art. 17 GDPR", None),
    ],
)
def test_an_eu_act_keyword_has_its_celex_number(act, celex):
    assert celex_of(act) == celex

"""Legal-text tables shared by the unit tests and the real-node tests (imported as ``citation_cases``).

``ANALYZED``: (text, [(term, position), ...]) of the ``legal`` analyzer, as the node's ``_analyze`` gives them.
``STEMS``: (word, stem) of the ``snowball`` English filter as the node (Lucene 10.4) stems them.
``CITATION_FORMS``: (text, unit token of the ``legal`` analyzer, keywords of the ``citations`` field) per family.
``RANKING``: a corpus where each cited document has distractors that repeat the citation's numbers and words, and
(query, expected first document) pairs: what "a citation query ranks the cited document first" means.
"""

from __future__ import annotations

CITATION_FORMS = [
    # United States
    ("42 U.S.C. § 1983", "42_usc_1983", ("42 U.S.C. § 1983",)),
    ("42 USC 1983", "42_usc_1983", ("42 U.S.C. § 1983",)),
    ("123 F.3d 456", "123_f3d_456", ("123 F.3d 456",)),
    ("Fed. R. Civ. P. 12(b)(6)", "fed_r_civ_p_12_b_6", ("Fed. R. Civ. P. 12(b)(6)",)),
    # UK and Commonwealth neutral citations
    ("[2020] UKSC 12", "2020_uksc_12", ("[2020] UKSC 12",)),
    ("[2019] EWCA Civ 1010", "2019_ewca_civ_1010", ("[2019] EWCA Civ 1010",)),
    ("[2021] EWHC 123", "2021_ewhc_123", ("[2021] EWHC 123",)),
    ("[1992] HCA 23", "1992_hca_23", ("[1992] HCA 23",)),
    # Canada
    ("2019 SCC 65", "2019_scc_65", ("2019 SCC 65",)),
    ("2020 ONCA 123", "2020_onca_123", ("2020 ONCA 123",)),
    # European Union
    ("Regulation (EU) 2016/679", "regulation_eu_2016_679", ("Regulation (EU) 2016/679", "CELEX 32016R0679")),
    ("Regulation (EC) No 1049/2001", "regulation_ec_1049_2001", ("Regulation (EC) 1049/2001", "CELEX 32001R1049")),
    ("Directive 95/46/EC", "directive_95_46_ec", ("Directive 95/46/EC", "CELEX 31995L0046")),
    ("Directive (EU) 2019/790", "directive_eu_2019_790", ("Directive (EU) 2019/790", "CELEX 32019L0790")),
    ("CELEX 32016R0679", "32016r0679", ("CELEX 32016R0679",)),
    # India
    ("Section 302 IPC", "section_302_ipc", ("Section 302 IPC",)),
    ("S. 482 CrPC", "section_482_crpc", ("Section 482 CrPC",)),
    ("Section 498A of the IPC", "section_498a_ipc", ("Section 498A IPC",)),
    ("AIR 1973 SC 1461", "air_1973_sc_1461", ("AIR 1973 SC 1461",)),
    ("(2017) 10 SCC 1", "2017_10_scc_1", ("(2017) 10 SCC 1",)),
    # code articles and sections
    ("Article 709", "art_709", ("Art. 709",)),
    ("Art. 6(1)(f) GDPR", "art_6_1_f_gdpr", ("Art. 6(1)(f) GDPR",)),
    ("Art. 17 GDPR", "art_17_gdpr", ("Art. 17 GDPR",)),
    ("§ 823 BGB", "bgb_823", ("§ 823 BGB",)),
]

# doc id -> text. "c-..." documents cite; "x-..." documents repeat the numbers and words of a citation without it.
RANKING_CORPUS = {
    "c-usc": "Claims under 42 U.S.C. § 1983 require action under color of state law.",
    "x-usc": "In 1983 the state paid 42 claims under the code, and 1983 was a year of reform.",
    "c-f3d": "The court of appeals followed Smith v. Jones, 123 F.3d 456, on the pleading standard.",
    "x-f3d": "The F3d volume lists 123 cases and 456 pages on pleading standards of the court.",
    "c-rule": "The complaint was dismissed under Fed. R. Civ. P. 12(b)(6) for failure to state a claim.",
    "x-rule": "Civil rule 12 has parts b and 6; the federal rules of civil procedure allow a motion.",
    "c-uksc": "In Smith v Jones [2020] UKSC 12 the court held that the duty of care applies.",
    "x-uksc": "In 2020 the UKSC sat 12 times; the court held that no duty of care applies in 2020.",
    "c-ewca": "The appeal in Brown v Green [2019] EWCA Civ 1010 concerned a contractual penalty.",
    "x-ewca": "The EWCA Civ division listed 1010 appeals in 2019, many on a contractual penalty.",
    "c-hca": "Mabo v Queensland (No 2) [1992] HCA 23 recognised native title.",
    "x-hca": "In 1992 the HCA delivered 23 judgments; none on native title in 1992.",
    "c-scc": "Canada v Vavilov, 2019 SCC 65, set the standard of review for administrative decisions.",
    "x-scc": "In 2019 the SCC released 65 decisions on the standard of review in administrative law.",
    "c-gdpr": "Processing of personal data must comply with Regulation (EU) 2016/679 on data protection.",
    "x-gdpr": "The EU regulation adopted in 2016 set 679 rules; EU data regulation of personal data.",
    "c-dir": "The transfer rules of Directive 95/46/EC were repealed.",
    "x-dir": "The directive has 95 recitals and 46 EC articles on transfer rules; a directive repealed.",
    "c-celex": "The consolidated text is CELEX 32016R0679 in the official journal.",
    "x-celex": "CELEX lists 2016 texts; number 0679 in the official journal is consolidated.",
    "c-ipc": "The accused was charged under Section 302 IPC for murder.",
    "x-ipc": "Section 302 of the Companies Act and the IPC section on murder were both cited.",
    "c-air": "Kesavananda Bharati v State of Kerala, AIR 1973 SC 1461, settled the basic structure.",
    "x-air": "In 1973 the SC heard 1461 cases on AIR pollution and the basic structure of the state.",
    "c-scc-in": "Puttaswamy v Union of India (2017) 10 SCC 1 recognised the right to privacy.",
    "x-scc-in": "In 2017 the SCC reported 10 judgments in volume 1 on the right to privacy.",
    "c-art": "Under Article 709 of the Civil Code, a person who negligently infringes a right is liable.",
    "x-art": "The civil code has 709 articles; this article makes a person liable who infringes a right.",
    "c-art-gdpr": "Processing is lawful under Art. 6(1)(f) GDPR where legitimate interests prevail.",
    "x-art-gdpr": "GDPR art 6 lists 1 lawful basis (f) among six; legitimate interests under the GDPR.",
    "c-bgb": "Liability in tort for damage to property arises under § 823 BGB.",
    "x-bgb": "The BGB has more than 823 sections; tort liability for damage to property is in the BGB.",
    "f-1": "The parties agree that this agreement is governed by the laws of the State of New York.",
    "f-2": "Either party may terminate this agreement on 30 days written notice to the other party.",
    "f-3": "The licensee shall indemnify the licensor against all claims arising from its use of the software.",
    "f-4": "Confidential information excludes information that is publicly available at the time of disclosure.",
}

RANKING = [
    ("42 U.S.C. § 1983", "c-usc"),
    ("123 F.3d 456", "c-f3d"),
    ("Fed. R. Civ. P. 12(b)(6)", "c-rule"),
    ("[2020] UKSC 12", "c-uksc"),
    ("[2019] EWCA Civ 1010", "c-ewca"),
    ("[1992] HCA 23", "c-hca"),
    ("2019 SCC 65", "c-scc"),
    ("Regulation (EU) 2016/679", "c-gdpr"),
    ("Directive 95/46/EC", "c-dir"),
    ("CELEX 32016R0679", "c-celex"),
    ("32016R0679", "c-celex"),
    ("Section 302 IPC", "c-ipc"),
    ("AIR 1973 SC 1461", "c-air"),
    ("(2017) 10 SCC 1", "c-scc-in"),
    ("Article 709", "c-art"),
    ("Art. 6(1)(f) GDPR", "c-art-gdpr"),
    ("§ 823 BGB", "c-bgb"),
    # with words around the citation, as users type them
    ("duty of care [2020] UKSC 12", "c-uksc"),
    ("legitimate interests Art. 6(1)(f) GDPR", "c-art-gdpr"),
    ("murder Section 302 IPC", "c-ipc"),
]


# (query in one form of an EU act, document citing it in the other form, document that must rank below it): only
# the citations keywords (an act and its CELEX number) connect the two forms, through the terms boost.
CROSS_FORM = [
    ("CELEX 31995L0046", "c-dir", "x-celex"),  # x-celex shares the word "CELEX" with the query
    ("Regulation (EU) 2016/679", "c-celex", "x-celex"),  # x-celex shares "2016"
    ("32016R0679", "c-gdpr", "x-gdpr"),
]


def distractor_of(doc_id: str) -> str:
    return "x-" + doc_id[2:]


ANALYZED = [
    # stop words are removed but keep their positions; the citation's parts are stacked on its position
    ("Claims under 42 U.S.C. § 1983", [("claim", 0), ("under", 1), ("42_usc_1983", 2), ("42", 2), ("usc", 2),
                                       ("1983", 2)]),
    ("The contract is void", [("contract", 1), ("void", 3)]),
    # possessive before stemming; one-letter tokens survive (bm25s' default pattern dropped them)
    ("the Court's holding in part (b)", [("court", 1), ("hold", 2), ("part", 4), ("b", 5)]),
    ("Fed. R. Civ. P. 12(b)(6)", [("fed_r_civ_p_12_b_6", 0), ("fed", 0), ("r", 0), ("civ", 0), ("p", 0), ("12", 0),
                                  ("b", 0), ("6", 0)]),
    # UAX#29: numbers keep their inner punctuation, e-mail splits at the hyphen, curly apostrophe is possessive
    ("Section 3.14, e-mail, the party’s $1,000.50", [("section", 0), ("3.14", 1), ("e", 2), ("mail", 3),
                                                     ("parti", 5), ("1,000.50", 6)]),
    # ideographs are one token each
    ("中华人民共和国", [("中", 0), ("华", 1), ("人", 2), ("民", 3), ("共", 4), ("和", 5), ("国", 6)]),
    ("", []),
]


# Snowball English as Lucene 10.4 runs it (the 2.x script), not PyStemmer 3's Snowball 3.0
STEMS = [
    ("international", "intern"), ("internal", "intern"), ("organization", "organ"), ("university", "univers"),
    ("emergency", "emerg"), ("interstate", "interst"), ("added", "add"), ("erred", "err"), ("ebbed", "ebb"),
    ("biologist", "biologist"), ("evening", "even"), ("pasted", "past"), ("laterally", "later"),
    ("generously", "generous"), ("running", "run"), ("hoped", "hope"), ("skies", "sky"), ("dying", "die"),
    ("proceeding", "proceed"), ("innings", "inning"), ("cried", "cri"), ("ties", "tie"), ("agreed", "agre"),
    ("employees", "employe"), ("saying", "say"), ("eyed", "eye"), ("indemnified", "indemnifi"),
    ("liability", "liabil"), ("reasonable", "reason"), ("arbitration", "arbitr"), ("governing", "govern"),
]

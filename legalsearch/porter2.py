"""Snowball English ("Porter2") as Lucene 10.4's ``SnowballFilter(language="English")`` runs it.

Lucene 10.4 (OpenSearch 3.6) ships ``org.tartarus.snowball.ext.EnglishStemmer`` generated from the Snowball 2.x
``english.sbl``: three exceptional R1 prefixes (gener, commun, arsen), the exception1 word list, the exception2
list (inning, outing, canning, herring, earring, proceed, exceed, succeed), and a double consonant is kept after
a lone a/e/o ("added" -> "add", where the 2006 script gave "ad"). Snowball 3.0 (PyStemmer 3.x, and
Lucene's main branch) changed the algorithm — more R1 prefixes (inter, organ, univers, emerg, later, past), new
Step 1b cases, ``-ogist`` — so "international" is ``intern`` on the node and ``internat`` in PyStemmer 3. This
module follows the 2.x script rule by rule; ``tests/integration/test_analysis_parity.py`` checks it against the node.
"""

from __future__ import annotations

from functools import lru_cache

_V = frozenset("aeiouy")
_V_WXY = _V | frozenset("wxY")
_VALID_LI = frozenset("cdeghkmnrt")
_R1_PREFIXES = ("gener", "commun", "arsen")
_EXCEPTION1 = {
    "skis": "ski", "skies": "sky", "dying": "die", "lying": "lie", "tying": "tie",
    "idly": "idl", "gently": "gentl", "ugly": "ugli", "early": "earli", "only": "onli", "singly": "singl",
    "sky": "sky", "news": "news", "howe": "howe", "atlas": "atlas", "cosmos": "cosmos", "bias": "bias",
    "andes": "andes",
}
_EXCEPTION2 = frozenset({"inning", "outing", "canning", "herring", "earring", "proceed", "exceed", "succeed"})

_STEP2 = [  # (suffix, replacement); None = special rule
    ("ization", "ize"), ("ational", "ate"), ("fulness", "ful"), ("ousness", "ous"), ("iveness", "ive"),
    ("tional", "tion"), ("biliti", "ble"), ("lessli", "less"), ("entli", "ent"), ("ation", "ate"),
    ("alism", "al"), ("aliti", "al"), ("ousli", "ous"), ("iviti", "ive"), ("fulli", "ful"), ("enci", "ence"),
    ("anci", "ance"), ("abli", "able"), ("izer", "ize"), ("ator", "ate"), ("alli", "al"), ("bli", "ble"),
    ("ogi", None), ("li", None),
]
_STEP3 = [("ational", "ate"), ("tional", "tion"), ("alize", "al"), ("icate", "ic"), ("iciti", "ic"),
          ("ative", None), ("ical", "ic"), ("ness", ""), ("ful", "")]
_STEP4 = ["ement", "ance", "ence", "able", "ible", "ment", "ant", "ent", "ism", "ate", "iti", "ous", "ive", "ize",
          "ion", "al", "er", "ic"]


def _longest(word: str, suffixes):
    """Snowball ``among`` in backward mode: the longest listed suffix the word ends with."""
    best = None
    for item in suffixes:
        suffix = item[0] if isinstance(item, tuple) else item
        if word.endswith(suffix) and (best is None or len(suffix) > len(best[0] if isinstance(best, tuple) else best)):
            best = item
    return best


def _regions(word: str) -> tuple[int, int]:
    def gopast(start: int) -> int | None:
        i = start
        while i < len(word) and word[i] not in _V:
            i += 1
        if i >= len(word):
            return None
        i += 1
        while i < len(word) and word[i] in _V:
            i += 1
        if i >= len(word):
            return None
        return i + 1

    limit = len(word)
    for prefix in _R1_PREFIXES:
        if word.startswith(prefix):
            p1 = len(prefix)
            break
    else:
        p1 = gopast(0)
        if p1 is None:
            return limit, limit
    p2 = gopast(p1)
    return p1, limit if p2 is None else p2


def _short_syllable_before(word: str, end: int) -> bool:
    """``shortv`` with the cursor at ``end``: non-v_WXY v non-v, or non-v v at the word's start."""
    if end >= 3 and word[end - 1] not in _V_WXY and word[end - 2] in _V and word[end - 3] not in _V:
        return True
    return end == 2 and word[1] not in _V and word[0] in _V


def _has_vowel(text: str) -> bool:
    return any(ch in _V for ch in text)


def _step_1a(word: str) -> str:
    for suffix in ("'s'", "'s", "'"):
        if word.endswith(suffix):
            word = word[: -len(suffix)]
            break
    if word.endswith("sses"):
        return word[:-2]
    if word.endswith("ied") or word.endswith("ies"):
        return word[:-3] + ("i" if len(word) - 3 >= 2 else "ie")
    if word.endswith("us") or word.endswith("ss"):
        return word
    if word.endswith("s"):
        # next (skip the letter before the s), gopast v: a vowel somewhere before that letter
        if len(word) >= 2 and _has_vowel(word[:-2]):
            return word[:-1]
    return word


def _step_1b(word: str, p1: int) -> str:
    suffix = _longest(word, ["eedly", "ingly", "edly", "eed", "ing", "ed"])
    if suffix is None:
        return word
    stem = word[: -len(suffix)]
    if suffix in ("eed", "eedly"):
        return stem + "ee" if len(stem) >= p1 else word
    if not _has_vowel(stem):
        return word
    word = stem
    if word.endswith(("at", "bl", "iz")):
        return word + "e"
    if word.endswith(("bb", "dd", "ff", "gg", "mm", "nn", "pp", "rr", "tt")):
        # a/e/o plus the double is a whole word: "added" -> "add", "erred" -> "err" (Snowball 2.x, not 2006's)
        return word if len(word) == 3 and word[0] in "aeo" else word[:-1]
    if len(word) == p1 and _short_syllable_before(word, len(word)):
        return word + "e"
    return word


def _step_1c(word: str) -> str:
    if len(word) >= 3 and word[-1] in "yY" and word[-2] not in _V:
        return word[:-1] + "i"
    return word


def _step_2(word: str, p1: int) -> str:
    found = _longest(word, _STEP2)
    if found is None:
        return word
    suffix, replacement = found
    start = len(word) - len(suffix)
    if start < p1:
        return word
    if suffix == "ogi":
        return word[:start] + "og" if start >= 1 and word[start - 1] == "l" else word
    if suffix == "li":
        return word[:start] if start >= 1 and word[start - 1] in _VALID_LI else word
    return word[:start] + replacement


def _step_3(word: str, p1: int, p2: int) -> str:
    found = _longest(word, _STEP3)
    if found is None:
        return word
    suffix, replacement = found
    start = len(word) - len(suffix)
    if start < p1:
        return word
    if suffix == "ative":
        return word[:start] if start >= p2 else word
    return word[:start] + replacement


def _step_4(word: str, p2: int) -> str:
    suffix = _longest(word, _STEP4)
    if suffix is None:
        return word
    start = len(word) - len(suffix)
    if start < p2:
        return word
    if suffix == "ion":
        return word[:start] if start >= 1 and word[start - 1] in "st" else word
    return word[:start]


def _step_5(word: str, p1: int, p2: int) -> str:
    if word.endswith("e"):
        start = len(word) - 1
        if start >= p2 or (start >= p1 and not _short_syllable_before(word, start)):
            return word[:start]
        return word
    if word.endswith("l"):
        start = len(word) - 1
        if start >= p2 and start >= 1 and word[start - 1] == "l":
            return word[:start]
    return word


@lru_cache(maxsize=200_000)
def stem(word: str) -> str:
    """The Snowball 2.x English stem of a lower-case ``word``.

    >>> [stem(w) for w in ("international", "organization", "university", "running", "generously")]
    ['intern', 'organ', 'univers', 'run', 'generous']
    """
    if word in _EXCEPTION1:
        return _EXCEPTION1[word]
    if len(word) < 3:
        return word
    # prelude
    if word.startswith("'"):
        word = word[1:]
    y_found = False
    chars = list(word)
    if chars and chars[0] == "y":
        chars[0] = "Y"
        y_found = True
    for i in range(1, len(chars)):
        if chars[i] == "y" and chars[i - 1] in _V:
            chars[i] = "Y"
            y_found = True
    word = "".join(chars)
    p1, p2 = _regions(word)
    word = _step_1a(word)
    if word not in _EXCEPTION2:
        word = _step_1b(word, p1)
        word = _step_1c(word)
        word = _step_2(word, p1)
        word = _step_3(word, p1, p2)
        word = _step_4(word, p2)
        word = _step_5(word, p1, p2)
    return word.replace("Y", "y") if y_found else word

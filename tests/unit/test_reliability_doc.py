"""docs/reliability.md stays true: every fault row names tests that exist, a row that calls something a known gap
(xfail) names tests that still carry an xfail, and there are at least 25 rows."""

from __future__ import annotations

import ast
import re

from _support import REPO_ROOT

DOC = REPO_ROOT / "docs" / "reliability.md"


def _rows() -> list[list[str]]:
    text = DOC.read_text(encoding="utf-8")
    table = text.split("## Faults and bad inputs", 1)[1].split("\n## ", 1)[0]
    rows = [line for line in table.splitlines() if re.match(r"\| *\d+ *\|", line)]
    return [[cell.strip() for cell in row.strip("|").split("|")] for row in rows]


def _defined_tests() -> set[str]:
    names = set()
    for path in (REPO_ROOT / "tests").rglob("test_*.py"):
        names |= set(re.findall(r"^def (test_\w+)", path.read_text(encoding="utf-8"), flags=re.M))
    return names


def _xfails_in(source: str) -> set[str]:
    """Tests in ``source`` that carry an xfail: a marker on the function or one of its parameters, or an imperative
    ``pytest.xfail(...)`` in its body."""
    def names_xfail(nodes) -> bool:  # ``pytest.mark.xfail`` / ``pytest.xfail``, not the word in a string
        return any(isinstance(sub, ast.Attribute) and sub.attr == "xfail" for node in nodes for sub in ast.walk(node))

    return {node.name for node in ast.walk(ast.parse(source))
            if isinstance(node, ast.FunctionDef) and node.name.startswith("test_")
            and (names_xfail(node.decorator_list) or names_xfail(node.body))}


def _xfail_tests() -> set[str]:
    names = set()
    for path in (REPO_ROOT / "tests").rglob("test_*.py"):
        names |= _xfails_in(path.read_text(encoding="utf-8"))
    return names


def _stale_xfails(rows: list[list[str]], xfailing: set[str]) -> list[tuple[str, set[str]]]:
    """(row number, named tests) of each row that says "xfail" although none of the tests it names carries one.
    A row without a test name of its own ("same test", "…[param]") names the tests of the row above."""
    stale, named = [], set()
    for number, _fault, outcome, tests in rows:
        named = set(re.findall(r"\b(test_\w+)\b(?!\.py)", tests)) or named
        if "xfail" in (outcome + tests).lower() and not named & xfailing:
            stale.append((number, named))
    return stale


def test_at_least_25_distinct_faults_numbered_in_order():
    rows = _rows()
    assert len(rows) >= 25
    assert [int(row[0]) for row in rows] == list(range(1, len(rows) + 1))
    assert len({row[1] for row in rows}) == len(rows)  # distinct faults


def test_every_row_names_tests_that_exist():
    defined = _defined_tests()
    for number, fault, outcome, tests in _rows():
        named = set(re.findall(r"\b(test_\w+)\b(?!\.py)", tests))
        assert named or tests in ("same test",) or tests.startswith(("`…[", "same test")), (number, tests)
        missing = {name for name in named if name not in defined}
        assert not missing, f"row {number} ({fault}) names tests that do not exist: {missing}"


def test_no_row_names_an_xfail_that_does_not_exist():
    assert _stale_xfails(_rows(), _xfail_tests()) == []


def test_the_xfail_check_reads_markers_and_same_test_rows():
    rows = [["1", "a", "**known gap** (strict xfail): a traceback", "`test_a`"],
            ["2", "b", "**known gap** (xfail)", "same test"],
            ["3", "c", "works", "`test_b`"],
            ["4", "d", "known gap (xfail)", "`…[param]`"]]
    assert _stale_xfails(rows, {"test_a"}) == [("4", {"test_b"})]
    assert _stale_xfails(rows, set()) == [("1", {"test_a"}), ("2", {"test_a"}), ("4", {"test_b"})]
    source = (
        "@pytest.mark.xfail(strict=True)\ndef test_marked(): pass\n"
        "@pytest.mark.parametrize('x', [1, pytest.param(2, marks=pytest.mark.xfail)])\ndef test_param(x): pass\n"
        "def test_imperative():\n    if True:\n        pytest.xfail('known gap')\n"
        "def test_plain():\n    assert 'xfail' not in 'fixed'\n"
    )
    assert _xfails_in(source) == {"test_marked", "test_param", "test_imperative"}

"""docs/reliability.md stays true: every fault row names tests that exist, and there are at least 25 rows."""

from __future__ import annotations

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

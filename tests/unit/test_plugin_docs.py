"""docs/deploy.md stays in step with the commands and the mappings it documents."""

from __future__ import annotations

import json
import re
from pathlib import Path

import click
import pytest

from legalsearch.mappings import load

DOC = Path(__file__).resolve().parents[2] / "docs" / "deploy.md"


@pytest.mark.parametrize("command", ["deploy", "search"])
def test_every_option_is_documented(command):
    from legalsearch.plugin import cli

    text = DOC.read_text(encoding="utf-8")
    missing = []
    for param in getattr(cli, command).params:
        if isinstance(param, click.Option):
            longest = max(param.opts, key=len)
            if longest.startswith("--") and longest not in ("--help", "--json", "--quiet") and longest not in text:
                missing.append(longest)
    if command == "deploy":
        # options only `deploy --help` lists in full; the doc must at least mention the behaviour-changing ones
        missing = [m for m in missing if m in ("--prune", "--vectors", "--weights", "--hybrid-config", "--max-failed",
                                               "--skip-invalid", "--configure-ml", "--insecure", "--ca-certs",
                                               "--aws-region", "--state-dir", "--token-limit")]
    assert not missing, f"undocumented options of {command}: {missing}"


def test_documented_analyzer_table_matches_the_mapping():
    analysis = load("index")["settings"]["analysis"]
    text = DOC.read_text(encoding="utf-8")
    for unit in re.findall(r"`(\w+_\w+(?:\.\w+)?(?:_\w+)*)`,", text):
        if unit.count("_") >= 2:
            assert unit == unit.lower()
    assert "legal_citation_parts" in analysis["filter"] and "keyword_marker" in json.dumps(analysis["filter"])


def test_documented_dsl_is_what_the_builders_send():
    from legalsearch.plugin.queries import search_body

    text = DOC.read_text(encoding="utf-8")
    neural = search_body("neural", "termination for convenience", 10, model_id="MODEL_ID")
    inner = neural["query"]["nested"]["query"]["neural"]["passages.knn"]
    assert '"path": "passages", "score_mode": "max"' in text
    assert json.dumps(inner["query_text"]) in text and f'"k": {inner["k"]}' in text
    assert json.dumps(neural["_source"]) in text

"""The real node's answers a newcomer meets first, as the CLI prints them (see tests/unit/test_cli_errors.py).

A search of an alias nobody deployed is a 404 from the node: one error naming the alias and `legalsearch deploy`,
no opensearch-py WARNING line and no traceback.
"""

from __future__ import annotations

import pytest

from cli_support import assert_short_and_helpful, run_cli

pytestmark = pytest.mark.opensearch


def test_search_of_an_alias_that_was_never_deployed(opensearch_url, tmp_path):
    result = run_cli("search", "x", "--url", opensearch_url, "--index", "legalsearch-never-deployed", home=tmp_path)
    assert_short_and_helpful(result, "no index or alias 'legalsearch-never-deployed'", "legalsearch deploy")
    assert "WARNING" not in result.stderr


"""The test tiers' rule for optional dependencies: absent ones skip locally and fail under CI=true."""

from __future__ import annotations

import pytest
from _pytest.outcomes import Failed, Skipped
from _support import require


def test_a_present_module_is_returned():
    import json

    assert require("json", "test") is json


@pytest.mark.parametrize("ci, outcome", [("", Skipped), ("true", Failed)])
def test_a_missing_module_skips_locally_and_fails_under_ci(monkeypatch, ci, outcome):
    monkeypatch.setenv("CI", ci)
    with pytest.raises(outcome, match=r"pip install 'legalsearch\[onnx\]'"):
        require("legalsearch_no_such_module", "onnx")

"""What `scripts/demo` shows a newcomer: no third-party warnings, the gate's figures, a reading of the table and
the next commands. Run end to end on the bundled sample with a tiny model (one epoch), in a subprocess so that the
output is exactly what a terminal gets."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from _support import REPO_ROOT

# What the libraries print when they are not kept quiet (setuptools' BuildBackendWarning, transformers' and
# sentence-transformers' loading, saving and model-card bars, Python warnings).
CHATTER = re.compile(r"Warning|WARNING|warnings\.warn|Loading weights|Writing model shards|Computing widget examples"
                     r"|\{'loss'")


def test_demo_output_is_quiet_and_explains_itself(tiny_model_dir, tmp_path):
    out = tmp_path / "demo"
    result = subprocess.run(
        [sys.executable, "-m", "legalsearch", "demo", "--base", str(tiny_model_dir), "--epochs", "1", "--out",
         str(out)], capture_output=True, text=True, cwd=REPO_ROOT, timeout=900,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert not CHATTER.search(output), CHATTER.search(output).group(0) + "\n" + output
    assert "quality gate: int8 vs PyTorch mean cosine queries" in result.stdout
    assert re.search(r"int8 (passed \(scheme |failed the gate \()", result.stdout)
    assert re.search(r"Reading: on these 30 test queries .+ leads \(ndcg@10 \d\.\d{3}\)\.", result.stdout)
    assert re.search(r"Fine-tuning (raised|lowered) the base model from \d\.\d{3} to \d\.\d{3}", result.stdout)
    assert f"Results: {out / 'results.json'}" in result.stdout
    assert "Next: " in result.stdout and "legalsearch deploy" in result.stdout and "legalsearch bench" in result.stdout


def test_the_environment_script_is_silent_on_reuse():
    # a reused environment (the one scripts/test runs in) reinstalls only this checkout, without a word
    venv = os.environ.get("LEGALSEARCH_VENV")
    if not venv or not (Path(venv) / ".complete").is_file():
        # env.sh would build a fresh environment there: never do that to a user's own one
        message = "runs inside the cached environment of scripts/env.sh (scripts/test sets LEGALSEARCH_VENV)"
        pytest.fail(message) if os.environ.get("CI") else pytest.skip(message)
    env = dict(os.environ)
    result = subprocess.run(["bash", "-c", 'source scripts/env.sh && legalsearch --version'], capture_output=True,
                            text=True, cwd=REPO_ROOT, env=env, timeout=300)
    assert result.returncode == 0, result.stderr
    assert result.stderr == "", result.stderr
    assert result.stdout.startswith("legalsearch")

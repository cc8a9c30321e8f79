"""Slow tier (`scripts/test -m slow`): the real fine-tuning run behind docs/benchmarks.md, on one dataset.

Tens of minutes on two CPU cores, so it is excluded from the default run (and from CI); it checks the claims the
benchmark document makes: the fine-tuned model beats the base model on test NDCG@10 with a bootstrap interval
that excludes zero, and the tuned hybrid is at least as good as the better single retriever.
"""

from __future__ import annotations

import json
import os
import subprocess

import pytest

from _support import REPO_ROOT, shared_dataset

pytestmark = [pytest.mark.slow, pytest.mark.dataset]


@pytest.mark.parametrize("name", ["legalbenchrag_lite", "acord"])
def test_fine_tuning_beats_the_base_model(name, tmp_path):
    dataset = shared_dataset(name)
    out = tmp_path / name
    subprocess.run(["bash", str(REPO_ROOT / "benchmarks" / "finetune_real.sh"), str(dataset), str(out)],
                   check=True, env={**os.environ, "HF_HUB_OFFLINE": "1"})
    results = json.loads((out / "bench" / "results.json").read_text())
    ndcg = results["comparisons_vs_base"]["fine-tuned"]["ndcg@10"]
    assert ndcg["mean_difference"] > 0 and ndcg["significant"], ndcg
    assert results["hybrid"]["at_least_best_single"], results["hybrid"]

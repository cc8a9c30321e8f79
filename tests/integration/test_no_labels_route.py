"""The no-labels route end to end through the real node: a corpus with no queries at all → data synthesize →
mine → train → export → deploy → search, each step the CLI a user runs (tiny model, a few training steps)."""

from __future__ import annotations

import json
import shutil
import uuid

import pytest
from click.testing import CliRunner

from legalsearch.cli import cli
from legalsearch.data import sample_dataset_path

pytestmark = pytest.mark.opensearch


def _run(*args: str) -> str:
    result = CliRunner().invoke(cli, list(args))
    assert result.exit_code == 0, f"legalsearch {' '.join(args)}\n{result.output}"
    return result.output


def test_corpus_only_to_a_searchable_deployment(opensearch_url, tiny_model_dir, tmp_path):
    from legalsearch.plugin.connection import connect, resolve_settings
    from legalsearch.plugin.deploy import undeploy_everything

    corpus = tmp_path / "firm" / "corpus.jsonl"  # documents only: no queries.jsonl, no qrels
    corpus.parent.mkdir()
    shutil.copyfile(sample_dataset_path() / "corpus.jsonl", corpus)
    synthesized = tmp_path / "syn"
    output = _run("data", "synthesize", "-d", str(corpus), "-o", str(synthesized))
    assert "held out" not in output  # nothing labelled to hold out
    report = json.loads((synthesized / "synthesis_report.json").read_text())
    assert all(report["generators"][g]["kept"] > 0 for g in ("citation", "structure", "span"))

    triplets = tmp_path / "triplets.jsonl"
    _run("mine", "-d", str(synthesized), "--base", str(tiny_model_dir), "-n", "1", "-o", str(triplets))
    model = tmp_path / "model"
    _run("train", "-d", str(synthesized), "--base", str(tiny_model_dir), "--triplets", str(triplets),
         "--max-steps", "3", "-o", str(model))
    training = json.loads((model / "training_report.json").read_text())
    assert training["data"]["triplet_rows"] > 0 and training["data"]["sources"] is None  # one source, no mix
    export = tmp_path / "export"
    _run("export", str(model), "-o", str(export), "--allow-degraded")

    alias = f"it-nolabels-{uuid.uuid4().hex[:8]}"
    try:
        _run("deploy", str(corpus), "--export", str(export), "--vectors", "client", "--index", alias,
             "--url", opensearch_url, "--quiet")
        found = _run("search", "motion to dismiss for failure to state a claim", "--index", alias, "--mode",
                     "hybrid", "--export", str(export), "--url", opensearch_url, "--json")
        assert len(json.loads(found)["hits"]) == 10
    finally:
        undeploy_everything(connect(resolve_settings(url=opensearch_url)), alias)

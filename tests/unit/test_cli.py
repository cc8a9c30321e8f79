"""The CLI: every command has --help, core errors become clear messages (exit 1), bad options exit 2."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from click.testing import CliRunner

from legalsearch.cli import COMMANDS, cli


@pytest.fixture
def runner():
    return CliRunner()


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_every_command_has_help(runner, command):
    result = runner.invoke(cli, [command, "--help"])
    assert result.exit_code == 0, result.output
    assert "Usage:" in result.output


def test_top_level_help_does_not_import_torch():
    code = "import sys; from legalsearch.cli import cli; cli(['--help'], standalone_mode=False); " \
           "print('torch' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip().endswith("False")


def test_python_dash_m_works():
    result = subprocess.run([sys.executable, "-m", "legalsearch", "--version"], capture_output=True, text=True)
    assert result.returncode == 0 and "legalsearch" in result.stdout


def test_validate_sample_prints_counts(runner):
    result = runner.invoke(cli, ["data", "validate", "--json"])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.output)
    assert summary["counts"]["documents"] >= 200 and summary["skipped_total"] == 0


def test_malformed_corpus_line_is_a_clear_error(runner, tmp_path):
    from test_data import make_dataset

    root = make_dataset(tmp_path, corpus=['{"_id": "d1", "text": "a"}\n', "oops\n"], qrels={"test": "q1\td1\t1\n"})
    result = runner.invoke(cli, ["data", "validate", "-d", str(root)])
    assert result.exit_code == 1
    assert f"{root / 'corpus.jsonl'}:2: malformed JSON" in result.output
    assert "--skip-invalid" in result.output
    skipped = runner.invoke(cli, ["data", "validate", "-d", str(root), "--skip-invalid"])
    assert skipped.exit_code == 0 and "Skipped 1 invalid rows" in skipped.output


def test_bad_option_values_exit_2(runner):
    assert runner.invoke(cli, ["eval", "--metrics", "ndcg10"]).exit_code == 2
    assert runner.invoke(cli, ["eval", "--weights", "0.5,0.7"]).exit_code == 2
    assert runner.invoke(cli, ["data", "validate", "-d", "/no/such/dir"]).exit_code == 2


def test_eval_command_on_sample_with_tiny_model(runner, tiny_model_dir, tmp_path):
    out = tmp_path / "eval.json"
    result = runner.invoke(cli, ["eval", "-m", str(tiny_model_dir), "--json", str(out)])
    assert result.exit_code == 0, result.output
    data = json.loads(out.read_text())
    names = [row["name"] for row in data["rows"]]
    assert names[0] == "bm25" and names[-1].startswith("hybrid")
    assert all(0 <= row["metrics"]["ndcg@10"] <= 1 for row in data["rows"])


def test_from_pairs_builds_a_valid_dataset(runner, tmp_path, sample_path):
    pairs = tmp_path / "clicks.jsonl"
    docs = [json.loads(line)["_id"] for line in (sample_path / "corpus.jsonl").read_text().splitlines()[:20]]
    pairs.write_text("".join(json.dumps({"query": f"question {i}", "doc_id": d, "clicks": 2}) + "\n"
                             for i, d in enumerate(docs)))
    out = tmp_path / "beir"
    result = runner.invoke(cli, ["data", "from-pairs", str(sample_path / "corpus.jsonl"), str(pairs), "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert runner.invoke(cli, ["data", "validate", "-d", str(out)]).exit_code == 0


def test_dataset_argument_takes_sample_and_deploy_takes_a_corpus_file(sample_path, tmp_path):
    import click

    from legalsearch.commands.options import DatasetPath

    assert DatasetPath().convert("sample", None, None) == sample_path
    corpus = sample_path / "corpus.jsonl"
    assert DatasetPath(file_okay=True).convert(str(corpus), None, None) == corpus  # what deploy accepts
    with pytest.raises(click.BadParameter, match="is a file"):
        DatasetPath().convert(str(corpus), None, None)  # training commands need the whole BEIR directory
    with pytest.raises(click.BadParameter, match="does not exist"):
        DatasetPath(file_okay=True).convert(str(tmp_path / "missing"), None, None)

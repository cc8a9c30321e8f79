"""The rough edges of a first hour: options a message suggests exist, eval rows never collapse, validate warns
about splits later commands need."""

from __future__ import annotations

import json
import shutil

import click
import pytest
from click.testing import CliRunner

from legalsearch.cli import COMMANDS, cli
from legalsearch.commands.eval_cmd import model_label


def _leaf_commands():
    ctx = click.Context(cli)
    for name in sorted(COMMANDS):
        command = cli.get_command(ctx, name)
        if isinstance(command, click.Group):
            for sub in sorted(command.list_commands(ctx)):
                yield f"{name} {sub}", command.get_command(ctx, sub)
        else:
            yield name, command


def _reads_a_dataset(command: click.Command) -> bool:
    from legalsearch.commands.options import DatasetPath

    return any(isinstance(param.type, DatasetPath) for param in command.params)


@pytest.mark.parametrize("name,command", list(_leaf_commands()), ids=lambda v: v if isinstance(v, str) else "")
def test_every_command_that_reads_a_dataset_takes_skip_invalid(name, command):
    # the readers' errors say "pass --skip-invalid": every command that reaches them must have it
    if _reads_a_dataset(command):
        assert "--skip-invalid" in {opt for param in command.params for opt in param.opts}, name


def test_an_empty_document_points_at_an_option_bench_has(tmp_path):
    from legalsearch.data import sample_dataset_path

    data = tmp_path / "data"
    shutil.copytree(sample_dataset_path(), data)
    with (data / "corpus.jsonl").open("a", encoding="utf-8") as corpus:
        corpus.write(json.dumps({"_id": "scanned-without-ocr", "title": "", "text": ""}) + "\n")
    result = CliRunner().invoke(cli, ["bench", "-d", str(data), "--out", str(tmp_path / "bench"), "--no-onnx"])
    assert result.exit_code == 1 and "--skip-invalid" in result.output, result.output
    skipped = CliRunner().invoke(cli, ["data", "validate", "-d", str(data), "--skip-invalid"])
    assert skipped.exit_code == 0 and "Skipped 1 invalid rows" in skipped.output, skipped.output


def test_eval_labels_models_by_relative_path_or_name(tmp_path, monkeypatch):
    for run in ("a", "b"):
        (tmp_path / run / "model").mkdir(parents=True)
    monkeypatch.chdir(tmp_path)
    assert model_label("a/model")[0] != model_label("b/model")[0]
    assert model_label("a/model") == ("a/model", "a/model")
    assert model_label("tuned=a/model") == ("tuned", "a/model")
    assert model_label("offline-minilm") == ("offline-minilm", "offline-minilm")


def test_eval_refuses_two_models_with_one_label(tmp_path, monkeypatch):
    (tmp_path / "m").mkdir()
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli, ["eval", "-m", "m", "-m", "./m"])
    assert result.exit_code == 2 and "NAME=PATH" in result.output, result.output


def test_validate_warns_about_a_missing_test_split(tmp_path):
    from legalsearch.data import sample_dataset_path

    data = tmp_path / "data"
    shutil.copytree(sample_dataset_path(), data)
    (data / "qrels" / "test.tsv").unlink()
    result = CliRunner().invoke(cli, ["data", "validate", "-d", str(data)])
    assert result.exit_code == 0
    assert "warning: no 'test' split" in result.output and "`eval` and `bench` report on it" in result.output
    as_json = CliRunner().invoke(cli, ["data", "validate", "-d", str(data), "--json"])
    assert any("'test'" in w for w in json.loads(as_json.stdout)["warnings"])

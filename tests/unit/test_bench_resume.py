"""Resumable `bench --seeds N`: a run killed during its second seed, rerun, reuses the first and ends with the same
figures as a run never stopped; a seed finished with other inputs is refused; the completion marker itself."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time

import pytest
from click.testing import CliRunner

from legalsearch.bench.resume import MARKER, check_seed, differences, model_identity, write_marker
from legalsearch.cli import cli
from legalsearch.errors import BenchError

# One epoch, one negative: each seed trains a few steps of the tiny model (dev is carved from the sample's train).
FAST_RECIPE = {"epochs": 1, "negatives": 1, "batch_size": 16, "learning_rate": 1e-3}


def _args(base, recipe, out, *extra):
    return ["bench", "--base", str(base), "--recipe", str(recipe), "--seeds", "2", "--no-onnx", "--bootstrap", "200",
            "-o", str(out), *extra]


def _env():
    env = {k: v for k, v in os.environ.items() if k != "LEGALSEARCH_OPENSEARCH_URL"}  # offline only
    return {**env, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "LEGALSEARCH_OFFLINE": "1"}


def _bench_process(args, cwd, kill_when=None):
    """``legalsearch bench`` in a process of its own (the same conditions for every run compared here); with
    ``kill_when`` (a path), SIGKILL it as soon as that path appears. Returns (exit code, output)."""
    process = subprocess.Popen([sys.executable, "-m", "legalsearch", *args], cwd=cwd, env=_env(), text=True,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    if kill_when is not None:
        deadline = time.time() + 300
        while not kill_when.exists() and process.poll() is None and time.time() < deadline:
            time.sleep(0.02)
        if process.poll() is None:
            process.send_signal(signal.SIGKILL)
    output, _ = process.communicate(timeout=600)
    return process.returncode, output


def _figures(results: dict) -> dict:
    """What a results.json reports, without what depends on the moment (date, timings, memory, speed)."""
    return {"rows": [{k: row[k] for k in ("name", "metrics", "ci95")} for row in results["rows"]],
            "per_query": results["per_query"], "comparisons_vs_base": results["comparisons_vs_base"],
            "hybrid": results["hybrid"], "seeds": results.get("seeds"), "dataset": results["dataset"],
            "per_seed_outputs": [os.path.basename(p) for p in results.get("per_seed_outputs", [])]}


@pytest.fixture(scope="module")
def runs(tiny_model_dir, tmp_path_factory):
    """An uninterrupted `bench --seeds 2`, and the same command killed during seed 43 then run again."""
    root = tmp_path_factory.mktemp("resume")
    recipe = root / "fast.json"
    recipe.write_text(json.dumps(FAST_RECIPE))
    reference, resumed = root / "reference", root / "resumed"
    code, output = _bench_process(_args(tiny_model_dir, recipe, reference), root)
    assert code == 0, output
    code, killed_output = _bench_process(_args(tiny_model_dir, recipe, resumed), root,
                                         kill_when=resumed / "seed-43" / "triplets.jsonl")
    assert code == -signal.SIGKILL, killed_output
    first_marker = (resumed / "seed-42" / MARKER).read_bytes()
    weights = sorted((resumed / "seed-42" / "model").glob("*.safetensors"))
    first_files = {p: p.stat().st_mtime_ns for p in [*weights, resumed / "seed-42" / "triplets.jsonl"]}
    killed_state = {"seed_43_marker": (resumed / "seed-43" / MARKER).exists(),
                    "aggregate": (resumed / "results.json").exists()}
    code, output = _bench_process(_args(tiny_model_dir, recipe, resumed), root)
    assert code == 0, output
    return {"base": tiny_model_dir, "recipe": recipe, "reference": reference, "resumed": resumed, "output": output,
            "killed": killed_state, "first_marker": first_marker, "first_files": first_files}


def test_a_run_killed_in_its_second_seed_reuses_the_first_and_reports_what_an_uninterrupted_run_does(runs):
    resumed, output = runs["resumed"], runs["output"]
    # the kill came during seed 43: seed 42 was marked finished, seed 43 and the aggregate were not
    assert runs["killed"] == {"seed_43_marker": False, "aggregate": False}
    marker = json.loads((resumed / "seed-42" / MARKER).read_text())
    assert f"seed 42: reused {resumed / 'seed-42'}, finished {marker['finished']}" in output.splitlines()
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}", marker["finished"])
    assert f"seed 43: {resumed / 'seed-43'} did not finish (no {MARKER}): computing it again" in output
    # seed 42 was not trained again: no training line for it, its files untouched since the killed run
    assert "(seed 42, 1 of 2)" not in output and output.count("(seed 43, 2 of 2)") == 1
    assert (resumed / "seed-42" / MARKER).read_bytes() == runs["first_marker"]
    assert {p: p.stat().st_mtime_ns for p in runs["first_files"]} == runs["first_files"]
    # the aggregate equals the uninterrupted run's, and so does each seed's own table
    reference = json.loads((runs["reference"] / "results.json").read_text())
    final = json.loads((resumed / "results.json").read_text())
    assert _figures(final) == _figures(reference)
    assert final["seeds"]["seeds"] == [42, 43]
    assert final["reused_seeds"] == [{"seed": 42, "output": str(resumed / "seed-42"), "finished": marker["finished"]}]
    assert reference["reused_seeds"] == []
    for seed in ("seed-42", "seed-43"):
        assert _figures(json.loads((resumed / seed / "results.json").read_text())) == \
            _figures(json.loads((runs["reference"] / seed / "results.json").read_text()))
    # the first seed's duty (speed) came with it, reused; the second seed never measures speed
    assert set(final["speed"]) == {"pytorch"}
    assert json.loads((resumed / "seed-43" / "results.json").read_text())["speed"] == {}
    assert (resumed / "hybrid.json").read_text() == (resumed / "seed-42" / "hybrid.json").read_text()
    assert (f"- Reused from an earlier run of this command: seed 42 (`{resumed / 'seed-42'}`, finished "
            f"{marker['finished']})") in (resumed / "report.md").read_text()


def test_a_finished_run_run_again_reuses_every_seed_and_trains_nothing(runs, monkeypatch, tmp_path):
    import shutil

    from legalsearch.commands import bench_cmd

    again = tmp_path / "again"
    shutil.copytree(runs["reference"], again)
    monkeypatch.setattr(bench_cmd, "fine_tune_first", lambda *a, **k: pytest.fail("a finished seed was retrained"))
    result = CliRunner().invoke(cli, _args(runs["base"], runs["recipe"], again),
                                env={"LEGALSEARCH_OPENSEARCH_URL": None})
    assert result.exit_code == 0, result.output
    for seed in (42, 43):
        finished = json.loads((again / f"seed-{seed}" / MARKER).read_text())["finished"]
        assert f"seed {seed}: reused {again / f'seed-{seed}'}, finished {finished}" in result.output
    assert _figures(json.loads((again / "results.json").read_text())) == \
        _figures(json.loads((runs["reference"] / "results.json").read_text()))


def test_a_seed_finished_with_another_recipe_is_refused_in_one_line(runs, monkeypatch, tmp_path):
    import shutil

    from legalsearch.commands import bench_cmd

    other = tmp_path / "other"
    shutil.copytree(runs["reference"], other)
    before = {p: p.read_bytes() for p in other.rglob("*") if p.is_file()}
    monkeypatch.setattr(bench_cmd, "fine_tune_first", lambda *a, **k: pytest.fail("trained before refusing"))
    result = CliRunner().invoke(cli, _args(runs["base"], runs["recipe"], other, "--lr", "1e-4"),
                                env={"LEGALSEARCH_OPENSEARCH_URL": None})
    assert result.exit_code == 1
    finished = json.loads((other / "seed-42" / MARKER).read_text())["finished"]
    seed_dir = other / "seed-42"
    assert result.output.splitlines()[-1] == (
        f"Error: {seed_dir} holds seed 42 finished {finished} with other inputs (recipe.learning_rate: 0.001 → "
        f"0.0001), whose results must not be mixed with this run's: rerun with another --out, or delete {seed_dir} "
        "to compute that seed again")
    assert {p: p.read_bytes() for p in other.rglob("*") if p.is_file()} == before


# --- the marker alone ---------------------------------------------------------------------------------------------


def _finished_seed(directory):
    directory.mkdir(parents=True)
    (directory / "results.json").write_text('{"rows": []}')
    (directory / "hybrid.json").write_text('{"technique": "rrf"}')
    return directory


def test_the_marker_is_written_last_and_whole_and_names_its_files(tmp_path):
    seed_dir = _finished_seed(tmp_path / "seed-7")
    inputs = {"recipe": {"seed": 7, "learning_rate": 0.001}, "dataset": {"sha256": "a" * 64}}
    path = write_marker(seed_dir, 7, inputs)
    assert sorted(p.name for p in seed_dir.iterdir()) == ["hybrid.json", "results.json", MARKER]  # no temporary left
    marker = json.loads(path.read_text())
    assert marker["seed"] == 7 and marker["inputs"] == inputs and set(marker["files"]) == {"results.json",
                                                                                          "hybrid.json"}
    assert check_seed(seed_dir, 7, inputs).describe() == f"seed 7: reused {seed_dir}, finished {marker['finished']}"
    assert check_seed(tmp_path / "seed-8", 8, inputs) is None  # never started
    with pytest.raises(BenchError, match=r"cannot mark the seed finished, hybrid.json missing"):
        (seed_dir / "hybrid.json").unlink()
        write_marker(seed_dir, 7, inputs)


def test_a_changed_file_or_another_dataset_is_refused(tmp_path):
    seed_dir = _finished_seed(tmp_path / "seed-7")
    inputs = {"recipe": {"seed": 7}, "dataset": {"sha256": "a" * 64}}
    write_marker(seed_dir, 7, inputs)
    with pytest.raises(BenchError, match=r"other inputs \(dataset.sha256: aaaaaaaaaaaa… → bbbbbbbbbbbb…\)"):
        check_seed(seed_dir, 7, {**inputs, "dataset": {"sha256": "b" * 64}})
    with pytest.raises(BenchError, match=r"holds seed 7 in marker format 1, not seed 8"):
        check_seed(seed_dir, 8, inputs)
    (seed_dir / "results.json").write_text('{"rows": [1]}')
    with pytest.raises(BenchError, match=r"results.json was changed or removed after seed 7 finished"):
        check_seed(seed_dir, 7, inputs)


def test_differences_name_nested_keys_and_count_the_rest():
    old = {"recipe": {"lr": 0.001, "epochs": 1, "seed": 42, "negatives": 1}, "split": "test"}
    new = {"recipe": {"lr": 0.002, "epochs": 2, "seed": 43, "negatives": 2}, "split": "test", "extra": True}
    assert differences(old, new) == ["extra: (absent) → true", "recipe.epochs: 1 → 2", "recipe.lr: 0.001 → 0.002",
                                     "2 more"]


def test_a_model_is_identified_by_its_files_not_its_path(tiny_model_dir, tmp_path):
    import shutil

    copy = tmp_path / "copy"
    shutil.copytree(tiny_model_dir, copy)
    assert model_identity(copy) == model_identity(tiny_model_dir)
    assert model_identity("org/some-model") == {"name": "org/some-model"} and model_identity(None) is None
    (copy / "config.json").write_text((copy / "config.json").read_text().replace("2", "3", 1))
    assert model_identity(copy) != model_identity(tiny_model_dir)

"""Slow tier (`scripts/test -m slow tests/slow/test_distributed_training.py`): ``legalsearch train`` under
``torchrun --nproc_per_node 2`` (DistributedDataParallel over gloo, on CPU).

Two processes train the session's tiny model for a few steps; the result must be what a single process makes: a
model directory that loads and encodes, and a ``training_report.json`` with the same keys, written once (by rank 0),
with the command's JSON printed once. 3.4-3.7 min on the 2-core machine at load average 13 (others' jobs), most of it
the interpreters importing torch and the dev evaluations, hence this tier; the device choice is in
tests/unit/test_device_selection.py.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from legalsearch.data import load_dataset
from legalsearch.encoders import SentenceTransformerEncoder
from legalsearch.mining import MiningConfig, mine

pytestmark = pytest.mark.slow


def _keys(value, prefix=""):
    """Every key path of a report (list items by position of the first one), to compare two reports' format."""
    if isinstance(value, dict):
        out = set()
        for key, item in value.items():
            out |= {f"{prefix}{key}"} | _keys(item, f"{prefix}{key}.")
        return out
    if isinstance(value, list) and value and isinstance(value[0], dict):
        return _keys(value[0], f"{prefix}[].")
    return set()


@pytest.fixture(scope="module")
def triplets(tmp_path_factory, sample_path, tiny_model_dir):
    path = tmp_path_factory.mktemp("ddp-mine") / "triplets.jsonl"
    mine(load_dataset(sample_path), SentenceTransformerEncoder(str(tiny_model_dir), device="cpu"),
         MiningConfig(num_negatives=2, seed=7), path)
    return path


def test_two_process_ddp_training_makes_the_model_and_report_of_a_single_process(
        sample_path, tiny_model_dir, triplets, tmp_path):
    from legalsearch.training import TrainingConfig, train

    single_out = tmp_path / "single"
    single = train(load_dataset(sample_path), triplets, str(tiny_model_dir), single_out,
                   TrainingConfig(batch_size=8, max_steps=4, learning_rate=1e-3, device="cpu"))

    out = tmp_path / "ddp"
    env = {k: v for k, v in os.environ.items() if k not in ("WORLD_SIZE", "RANK", "LOCAL_RANK", "LEGALSEARCH_DEVICE")}
    env.update(CUDA_VISIBLE_DEVICES="", OMP_NUM_THREADS="1", TOKENIZERS_PARALLELISM="false")
    command = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node", "2",
               "-m", "legalsearch", "train", "-d", str(sample_path), "--base", str(tiny_model_dir),
               "--triplets", str(triplets), "-o", str(out), "--max-steps", "4", "--batch-size", "8",
               "--lr", "1e-3", "--device", "cpu"]
    run = subprocess.run(command, capture_output=True, text=True, env=env, timeout=600)
    assert run.returncode == 0, run.stderr[-4000:]

    # stdout: rank 0's JSON summary, once (the other rank prints nothing)
    summary = json.loads(run.stdout)
    assert set(summary) == {"dev_before_training", "dev_history", "kept_base_model", "wall_time_s"}
    assert run.stderr.count("Saved the fine-tuned model to") == 1

    report = json.loads((out / "training_report.json").read_text())
    assert _keys(report) == _keys(single)  # the same report format as a single process
    assert report["machine"]["processes"] == 2 and single["machine"]["processes"] == 1
    assert report["global_steps"] == single["global_steps"] == 4
    # each optimizer step took one batch per process: the 4 steps went about twice as far through the epoch
    # (accelerate shards the batches between the processes; a last odd batch makes it not exactly twice)
    ddp_epoch, single_epoch = report["dev_history"][-1]["epoch"], single["dev_history"][-1]["epoch"]
    assert 1.8 * single_epoch < ddp_epoch < 2.2 * single_epoch, (ddp_epoch, single_epoch)
    # the base model is scored once, by rank 0, as in a single process (same model, same dev split)
    assert report["dev_before_training"] == pytest.approx(single["dev_before_training"])
    assert report["dev_history"][0]["steps"] == 0 and len(report["dev_history"]) == len(single["dev_history"])

    # the same model files, and the model loads and encodes like the single-process one
    listing = {p.name for p in out.iterdir()} - {"checkpoints"}
    assert listing == {p.name for p in single_out.iterdir()} - {"checkpoints"}
    ddp_vectors = SentenceTransformerEncoder(str(out), device="cpu").encode_queries(["indemnification cap"])
    single_vectors = SentenceTransformerEncoder(str(single_out), device="cpu").encode_queries(["indemnification cap"])
    assert ddp_vectors.shape == single_vectors.shape == (1, single_vectors.shape[1])

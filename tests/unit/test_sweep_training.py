"""benchmarks/sweep_training.py: folds never leak a held-out query into training, and scores are query-weighted."""

import importlib.util
import sys

import pytest

from _support import REPO_ROOT


@pytest.fixture(scope="module")
def sample(sample_path):
    from legalsearch.data import load_dataset

    return load_dataset(sample_path)


@pytest.fixture(scope="module")
def sweep():
    spec = importlib.util.spec_from_file_location("sweep_training", REPO_ROOT / "benchmarks" / "sweep_training.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def test_folds_partition_the_train_queries(sweep):
    ids = [f"q{i:02d}" for i in range(10)]
    folds = sweep.fold_query_ids(ids, 3, seed=1)
    assert sorted(q for fold in folds for q in fold) == ids
    assert [len(f) for f in folds] == [4, 3, 3]
    assert folds == sweep.fold_query_ids(list(reversed(ids)), 3, seed=1)  # input order does not matter


def test_fold_dataset_holds_out_and_keeps_test_away(sweep, sample):
    held = sorted(sample.qrels["train"])[:5]
    fold = sweep.fold_dataset(sample, held)
    assert set(fold.qrels) == {"train", "dev"}  # the sample's test split is not carried into a fold
    assert set(fold.qrels["dev"]) == set(held)
    assert not set(fold.qrels["train"]) & set(held)
    assert set(fold.qrels["train"]) | set(held) == set(sample.qrels["train"])


def test_aggregate_weights_folds_by_held_out_queries(sweep):
    setting = {"max_seq_length": 256, "negatives": 1, "learning_rate": 5e-5, "epochs": 1}

    def run(fold, n, before, after):
        return {"key": "s", "setting": setting, "fold": fold, "held_out_queries": n, "training_tokens": 100,
                "history": [{"epoch": 0, "ndcg@10": before}, {"epoch": 1.0, "ndcg@10": after}]}

    table = sweep.aggregate([run(0, 30, 0.1, 0.4), run(-1, 10, 0.2, 0.0)])
    final = next(row for row in table if row["at_epoch"] == 1)
    assert final["ndcg@10"] == pytest.approx((30 * 0.4 + 10 * 0.0) / 40)
    assert final["by_fold"] == {"cv0": 0.4, "dev": 0.0} and final["queries"] == 40
    assert final["training_tokens"] == 100  # the all-of-train run's cost, not the folds' sum

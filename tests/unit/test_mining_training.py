"""Hard-negative mining and fine-tuning on the bundled sample with a tiny model built in the session."""

from __future__ import annotations

import dataclasses
import json

import pytest

from legalsearch.data import load_dataset
from legalsearch.encoders import SentenceTransformerEncoder
from legalsearch.errors import DataError
from legalsearch.mining import MiningConfig, mine, read_triplets


@pytest.fixture(scope="module")
def sample(sample_path):
    return load_dataset(sample_path)


@pytest.fixture(scope="module")
def tiny_encoder(tiny_model_dir):
    return SentenceTransformerEncoder(str(tiny_model_dir))


@pytest.fixture(scope="module")
def triplets(tmp_path_factory, sample, tiny_encoder):
    path = tmp_path_factory.mktemp("mine") / "triplets.jsonl"
    report = mine(sample, tiny_encoder, MiningConfig(num_negatives=2, seed=7), path)
    return path, report


def test_mining_never_uses_a_judged_relevant_document(sample, triplets):
    path, report = triplets
    rows = read_triplets(path)
    judged = sample.qrels_for("train")
    assert report.triplets == len(rows) == sum(len(p) for p in sample.positives("train").values())
    for row in rows:
        assert row["positive_id"] in sample.positives("train")[row["query_id"]]
        for negative in row["negative_ids"]:
            assert judged[row["query_id"]].get(negative, 0) == 0, (row["query_id"], negative)
        assert len(row["negatives"]) == 2 and all(isinstance(t, str) and t for t in row["negatives"])


def test_mining_is_deterministic_for_a_seed(sample, tiny_encoder, triplets, tmp_path):
    path, _ = triplets
    again = tmp_path / "again.jsonl"
    mine(sample, tiny_encoder, MiningConfig(num_negatives=2, seed=7), again)
    assert again.read_text() == path.read_text()


def test_false_negative_guard_drops_candidates_close_to_the_positive(sample, tiny_encoder, tmp_path):
    # guard_off_share above 1: the guard is never switched off for a query (the rule has its own test below)
    strict = mine(sample, tiny_encoder, MiningConfig(num_negatives=1, guard_ratio=0.5, guard_off_share=1.1),
                  tmp_path / "a.jsonl")
    off = mine(sample, tiny_encoder, MiningConfig(num_negatives=1, guard_ratio=0.0), tmp_path / "b.jsonl")
    assert strict.dropped_by_guard > 0 and off.dropped_by_guard == 0
    assert strict.guard_checked >= strict.dropped_by_guard and off.guard_checked == 0 and off.guard_note() is None
    assert strict.guard_off_queries == [] and off.guard_off_queries == []


def test_a_guard_that_would_drop_most_of_a_querys_candidates_is_switched_off_for_it(sample, tiny_encoder,
                                                                                  tmp_path):
    # The tiny model scores positives below nearly every candidate: at 0.5 the guard would drop most of each
    # query's candidates (AILA casedocs' case), so by rule it is off for every query, and says for which.
    raw = mine(sample, tiny_encoder, MiningConfig(num_negatives=1, guard_ratio=0.5, guard_off_share=1.1),
               tmp_path / "raw.jsonl")
    ruled = mine(sample, tiny_encoder, MiningConfig(num_negatives=1, guard_ratio=0.5), tmp_path / "ruled.jsonl")
    mine(sample, tiny_encoder, MiningConfig(num_negatives=1, guard_ratio=0.0), tmp_path / "off.jsonl")
    queries = list(sample.positives("train"))
    assert raw.dropped_by_guard >= 0.8 * raw.guard_checked
    assert ruled.guard_off_queries == queries and ruled.guard_off_would_drop == raw.dropped_by_guard
    assert ruled.guard_checked == ruled.dropped_by_guard == 0
    assert (tmp_path / "ruled.jsonl").read_text() == (tmp_path / "off.jsonl").read_text()  # as with no guard
    note = ruled.guard_note()
    assert note.startswith(f"the false-negative guard was switched off for {len(queries)} queries "
                           f"({', '.join(queries[:10])}, ...), where it would have dropped 80% or more")
    saved = json.loads((tmp_path / "ruled.report.json").read_text())
    assert saved["guard_off_queries"] == queries and saved["config"]["guard_off_share"] == 0.8


def test_a_guard_that_drops_most_candidates_says_so():
    from legalsearch.mining import MiningReport

    casedocs_like = MiningReport(config={}, guard_checked=1350, dropped_by_guard=1194, filled_randomly=25)
    note = casedocs_like.guard_note()
    assert note and "1,194 of the 1,350" in note and "88%" in note and "25 were filled at random" in note
    assert MiningReport(config={}, guard_checked=1350, dropped_by_guard=600).guard_note() is None


def test_the_guard_keeps_candidates_judged_not_relevant(sample, tiny_encoder, tmp_path):
    # Every unjudged candidate of a query is suspect; one the annotators graded 0 for it is a known negative.
    train = sample.qrels_for("train")
    judged_zero = {qid: {**grades, **{d: 0 for d in sample.corpus if d not in grades}} for qid, grades in train.items()}
    graded = dataclasses.replace(sample, qrels={**sample.qrels, "train": judged_zero})
    config = MiningConfig(num_negatives=1, guard_ratio=0.5, guard_off_share=1.1)  # the guard itself, never off
    unjudged = mine(sample, tiny_encoder, config, tmp_path / "a.jsonl")
    known = mine(graded, tiny_encoder, config, tmp_path / "b.jsonl")
    assert unjudged.dropped_by_guard > 0 and unjudged.judged_kept_by_guard == 0
    assert known.dropped_by_guard == 0 and known.judged_kept_by_guard == unjudged.dropped_by_guard


def test_lexical_mining_encodes_only_the_documents_it_looks_at(sample, tiny_encoder, tmp_path, monkeypatch):
    # Long judgments make the base-model encoding most of mining's cost: without dense candidates only positives,
    # candidates and random fills need vectors, and the triplets are those of the whole corpus encoded.
    narrow = MiningConfig(num_negatives=1, rank_end=6, seed=3)
    monkeypatch.setenv("LEGALSEARCH_EMBEDDING_CACHE", "0")
    subset = mine(sample, tiny_encoder, narrow, tmp_path / "subset.jsonl")
    assert 0 < subset.encoded_documents < len(sample.corpus)
    monkeypatch.setenv("LEGALSEARCH_EMBEDDING_CACHE", "1")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    both = mine(sample, tiny_encoder, dataclasses.replace(narrow, sources=("bm25", "dense")), tmp_path / "both.jsonl")
    assert both.encoded_documents == len(sample.corpus)  # dense candidates: the whole corpus, now cached
    whole = mine(sample, tiny_encoder, narrow, tmp_path / "whole.jsonl")
    assert whole.encoded_documents == 0  # cut from the cached whole corpus
    assert (tmp_path / "whole.jsonl").read_text() == (tmp_path / "subset.jsonl").read_text()


def test_mining_config_rejects_bad_values():
    with pytest.raises(ValueError, match="sources"):
        MiningConfig(sources=("grep",))
    with pytest.raises(ValueError, match="rank window"):
        MiningConfig(rank_start=10, rank_end=5)


def test_bad_triplets_file_names_its_line(tmp_path):
    bad = tmp_path / "t.jsonl"
    bad.write_text(json.dumps({"query": "q", "positive": "p", "negatives": ["n"]}) + "\n"
                   + json.dumps({"query": "q", "positive": "p"}) + "\n")
    with pytest.raises(DataError) as err:
        read_triplets(bad)
    assert err.value.line == 2 and "missing field 'negatives'" in str(err.value)


def test_training_writes_model_and_report(sample, tiny_model_dir, triplets, tmp_path):
    from legalsearch.encoders import default_device
    from legalsearch.training import TrainingConfig, train

    path, _ = triplets
    out = tmp_path / "model"
    report = train(sample, path, str(tiny_model_dir), out, TrainingConfig(epochs=1, batch_size=8, max_steps=4,
                                                                          learning_rate=1e-3))
    assert (out / "modules.json").is_file() and (out / "training_report.json").is_file()
    saved = json.loads((out / "training_report.json").read_text())
    assert saved["data"]["triplets_sha256"] == report["data"]["triplets_sha256"]
    assert saved["loss"] == "MultipleNegativesRankingLoss"
    assert len(saved["dev_history"]) >= 2  # before training + after the run
    assert "ndcg@10" in saved["dev_before_training"]
    assert saved["global_steps"] == 4
    # no device asked for: the report names the one default_device() chose (this test tier runs without a GPU)
    assert saved["config"]["device"] == default_device()
    # the saved model loads and encodes
    vectors = SentenceTransformerEncoder(str(out)).encode_queries(["indemnification cap"])
    assert vectors.shape[0] == 1


def test_train_command_prints_only_its_json_report(sample_path, tiny_model_dir, triplets, tmp_path):
    # transformers prints each log dict (at least the final train_runtime one) through its progress callback; the
    # report on stdout must still parse, since the benchmarks write it to train.json.
    from click.testing import CliRunner

    from legalsearch.cli import cli

    path, _ = triplets
    result = CliRunner().invoke(cli, ["train", "-d", str(sample_path), "--base", str(tiny_model_dir),
                                       "--triplets", str(path), "-o", str(tmp_path / "model"), "--max-steps", "2",
                                       "--batch-size", "8", "--device", "cpu"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert len(report["dev_history"]) >= 2 and "kept_base_model" in report


def test_default_device_honours_the_environment(monkeypatch):
    from legalsearch.encoders import default_device

    monkeypatch.setenv("LEGALSEARCH_DEVICE", "cpu")
    assert default_device() == "cpu"
    monkeypatch.delenv("LEGALSEARCH_DEVICE")
    import torch

    assert default_device() == ("cuda" if torch.cuda.is_available() else "cpu")


def test_training_prompts_every_column_and_saves_the_prompts(sample, tiny_model_dir, triplets, tmp_path,
                                                             monkeypatch):
    """--query-prompt/--passage-prompt: the loss sees prompted queries and passages, the model keeps the prompts."""
    import sentence_transformers

    from legalsearch.prompts import Prompts
    from legalsearch.training import TrainingConfig, train

    seen = {}
    real = sentence_transformers.SentenceTransformerTrainingArguments

    def recording(*args, **kwargs):
        seen["prompts"] = kwargs.get("prompts")
        return real(*args, **kwargs)

    monkeypatch.setattr(sentence_transformers, "SentenceTransformerTrainingArguments", recording)
    path, _ = triplets
    out = tmp_path / "model"
    report = train(sample, path, str(tiny_model_dir), out, TrainingConfig(
        epochs=1, batch_size=8, max_steps=2, query_prompt="query: ", passage_prompt="passage: "))
    assert seen["prompts"] == {"anchor": "query: ", "positive": "passage: ", "negative_1": "passage: ",
                               "negative_2": "passage: "}
    assert report["prompts"] == {"query": "query: ", "document": "passage: "}
    assert SentenceTransformerEncoder(str(out)).prompts == Prompts("query: ", "passage: ")  # export reads these

"""Held-out checks on candidate pools, and the do-no-harm rule that decides which model a run keeps."""

from __future__ import annotations

import dataclasses
import json

import numpy as np
import pytest

from legalsearch.data import Document


def _pool_dataset(tmp_path, documents: int = 60):
    from legalsearch.data import load_dataset, write_beir

    corpus = {f"d{i}": Document(f"d{i}", "", f"clause {i} about {'indemnity' if i % 7 == 0 else 'payment'} "
                                            f"terms number {i}") for i in range(documents)}
    queries = {"q1": "indemnity clause", "q2": "payment terms", "q3": "indemnity terms", "q4": "termination"}
    qrels = {"train": {"q4": {"d9": 1}}, "dev": {"q1": {"d7": 1, "d3": 0}, "q2": {"d5": 1}},
             "test": {"q3": {"d14": 1}}}
    write_beir(tmp_path / "ds", corpus, queries, qrels)
    return load_dataset(tmp_path / "ds")


# --- the pools -------------------------------------------------------------------------------------------------------


def test_a_querys_pool_is_its_judged_documents_and_the_bm25_and_base_model_top_k(tmp_path):
    from legalsearch.evaluation import candidate_pools
    from legalsearch.plugin.testing import FakeEncoder
    from legalsearch.retrieval import DenseRetriever, shared_bm25

    dataset = _pool_dataset(tmp_path)
    base = FakeEncoder(dimension=16, max_seq_length=64)
    pools = candidate_pools(dataset, ["q1", "q2", "q4"], depth=5, base_encoder=base)
    documents = list(dataset.corpus.values())
    queries = {q: dataset.queries[q] for q in ("q1", "q2", "q4")}
    bm25 = shared_bm25(documents).search(queries, k=5)
    dense_retriever = DenseRetriever(FakeEncoder(dimension=16, max_seq_length=64))
    dense_retriever.build(documents)
    dense = dense_retriever.search(queries, k=5)
    assert pools.bm25 == {q: list(bm25.get(q, {})) for q in queries}
    assert pools.dense == {q: list(dense[q]) for q in queries} and all(len(dense[q]) == 5 for q in queries)
    per_query = pools.for_split(dataset, "dev")
    assert len(bm25["q1"]) == len(bm25["q2"]) == 5
    assert per_query == {"q1": {"d7", "d3"} | set(bm25["q1"]) | set(dense["q1"]),
                         "q2": {"d5"} | set(bm25["q2"]) | set(dense["q2"])}
    union = per_query["q1"] | per_query["q2"]
    assert [d.id for d in pools.documents(dataset, "dev")] == [d for d in dataset.corpus if d in union]
    assert pools.describe(dataset, "dev") == (f"per-query pools (judged + BM25 top 5 + base model top 5), "
                                              f"{len(union)} of 60 documents in all")
    assert "q3" not in pools.bm25  # test queries are never pooled: nothing reads test


def test_a_split_whose_queries_were_not_pooled_is_an_error(tmp_path):
    from legalsearch.errors import DataError
    from legalsearch.evaluation import candidate_pools

    dataset = _pool_dataset(tmp_path)
    with pytest.raises(DataError, match="query 'q3' of split 'test' has no candidate pool"):
        candidate_pools(dataset, ["q1", "q2"], depth=5).for_split(dataset, "test")


def test_each_query_ranks_only_its_own_pool(tmp_path):
    from legalsearch.plugin.testing import FakeEncoder
    from legalsearch.retrieval import DenseRetriever

    dataset = _pool_dataset(tmp_path)
    retriever = DenseRetriever(FakeEncoder(dimension=16, max_seq_length=64))
    retriever.build(list(dataset.corpus.values()))
    queries = {"q1": dataset.queries["q1"], "q2": dataset.queries["q2"]}
    full = retriever.search(queries, k=60)
    run = retriever.search_within(queries, {"q1": {"d1", "d2", "d3"}, "q2": {"d4", "nowhere"}}, k=2)
    q1 = sorted(("d1", "d2", "d3"), key=lambda d: -full["q1"][d])[:2]
    assert list(run["q1"]) == q1 and run["q1"] == {d: full["q1"][d] for d in q1}
    assert run["q2"] == {"d4": full["q2"]["d4"]}  # a document outside the index is left out


def test_a_pooled_evaluation_encodes_only_the_pools_union(tmp_path):
    from legalsearch.evaluation import candidate_pools, evaluate_dense
    from legalsearch.passages import PassageChunker
    from legalsearch.plugin.testing import FakeEncoder

    dataset = _pool_dataset(tmp_path)
    pools = candidate_pools(dataset, ["q1", "q2"], depth=3, base_encoder=FakeEncoder(dimension=16, max_seq_length=64))
    checkpoint = FakeEncoder(dimension=16, max_seq_length=64)  # a model being trained: no fingerprint, no cache
    stats: dict = {}
    evaluate_dense(checkpoint, dataset, "dev", ("ndcg@10",), stats=stats, pools=pools.for_split(dataset, "dev"))
    chunker = PassageChunker.for_model(64)
    union = [p for d in pools.documents(dataset, "dev") for p in (chunker.split_text(d.full_text) or [d.full_text])]
    documents_call, queries_call = checkpoint.calls
    assert documents_call == union and queries_call == [dataset.queries["q1"], dataset.queries["q2"]]
    assert stats["passages"] == len(union) and len(pools.documents(dataset, "dev")) < len(dataset.corpus)


def test_a_training_checkpoints_dev_evaluation_encodes_only_pooled_documents(sample_path, tiny_model_dir, tmp_path,
                                                                              monkeypatch):
    from sentence_transformers import SentenceTransformer

    from legalsearch.data import load_dataset
    from legalsearch.encoders import SentenceTransformerEncoder
    from legalsearch.evaluation import candidate_pools
    from legalsearch.passages import PassageChunker
    from legalsearch.training import make_dev_evaluator

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    sample = load_dataset(sample_path)
    base = SentenceTransformerEncoder(str(tiny_model_dir), device="cpu")
    pools = candidate_pools(sample, sample.qrels["dev"], depth=2, base_encoder=base)
    evaluator = make_dev_evaluator(sample, "dev", base.tokenizer_path, pools=pools)
    encoded: list[str] = []
    original = SentenceTransformerEncoder.encode_documents

    def recording(self, texts, *args, **kwargs):
        encoded.extend(texts)
        return original(self, texts, *args, **kwargs)

    monkeypatch.setattr(SentenceTransformerEncoder, "encode_documents", recording)
    checkpoint = SentenceTransformer(str(tiny_model_dir), device="cpu")
    scores = evaluator(checkpoint, epoch=1, steps=4)
    chunker = PassageChunker.for_model(int(checkpoint.max_seq_length))
    pooled = [piece for doc in pools.documents(sample, "dev")
              for piece in (chunker.split_text(doc.full_text) or [doc.full_text])]
    assert encoded == pooled and len(pools.documents(sample, "dev")) < len(sample.corpus)
    assert set(scores) == {"dev_ndcg@10", "dev_recall@20", "dev_mrr@10"}
    assert evaluator.history[-1]["epoch"] == 1


# --- do no harm: which model a run keeps -----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def mined(tmp_path_factory, sample_path, tiny_model_dir):
    from legalsearch.data import load_dataset
    from legalsearch.encoders import load_encoder
    from legalsearch.mining import mine
    from legalsearch.recipe import DEFAULT

    path = tmp_path_factory.mktemp("pooled") / "triplets.jsonl"
    mine(load_dataset(sample_path), load_encoder(tiny_model_dir), DEFAULT.override({"negatives": 1}, "test")
         .mining_config(), path)
    return path


def _scripted_scores(monkeypatch, tuned: float, base: float = 0.5):
    """Every dev evaluation scores ``base`` for the untouched base model and ``tuned`` for a training checkpoint
    (the trainer wraps the model being trained as an encoder named "training")."""
    import legalsearch.evaluation as evaluation

    def evaluate_dense(encoder, dataset, split, metrics=("ndcg@10",), k=100, stats=None, documents=None,
                       pools=None):
        value = tuned if encoder.name == "training" else base
        return {metric: value for metric in metrics}

    monkeypatch.setattr(evaluation, "evaluate_dense", evaluate_dense)


@pytest.mark.parametrize("tuned, kept_base", [(0.4, True), (0.5, False), (0.6, False)])
def test_the_base_model_is_kept_unless_dev_says_the_tuned_model_is_at_least_as_good(
        sample_path, tiny_model_dir, mined, tmp_path, monkeypatch, tuned, kept_base):
    from legalsearch.commands.train_cmd import describe_training
    from legalsearch.data import load_dataset
    from legalsearch.encoders import SentenceTransformerEncoder
    from legalsearch.finetune import fine_tune
    from legalsearch.recipe import resolve

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    _scripted_scores(monkeypatch, tuned)
    recipe = resolve(None, {"epochs": 1, "batch_size": 8, "learning_rate": 1e-2, "eval_pool_depth": 5})
    out = tmp_path / "model"
    report = fine_tune(load_dataset(sample_path), mined, str(tiny_model_dir), out, recipe, device="cpu",
                       max_steps=2)
    assert report["kept_base_model"] is kept_base and report["tuned_beats_base"] is (not kept_base)
    assert [h["ndcg@10"] for h in report["dev_history"]] == [0.5, tuned]
    assert report["dev_evaluation"]["corpus"].startswith("per-query pools (judged + BM25 top 5 + base model top 5)")
    expected = ("Model: the base model, unchanged: fine-tuning was worse on dev (30 queries): ndcg@10 0.4000 vs the "
                "base's 0.5000." if kept_base else
                f"Model: the fine-tuned model, at least as good as the base model on dev (30 queries): ndcg@10 "
                f"{tuned:.4f} vs the base's 0.5000.")
    assert report["decision"] == expected and describe_training(report)[-1] == expected
    saved = json.loads((out / "training_report.json").read_text())
    assert saved["decision"] == expected
    query = ["indemnification cap"]
    same = np.array_equal(SentenceTransformerEncoder(str(out), device="cpu").encode_queries(query),
                          SentenceTransformerEncoder(str(tiny_model_dir), device="cpu").encode_queries(query))
    assert same is kept_base  # lr 1e-2 for two steps moves every weight: only the base encodes identically


@pytest.mark.parametrize("tuned, kept_base", [(0.4, True), (0.5, False)])
def test_cross_validation_keeps_the_base_unless_the_folds_say_the_tuned_model_is_at_least_as_good(
        sample_path, tiny_model_dir, mined, tmp_path, monkeypatch, tuned, kept_base):
    from legalsearch import finetune
    from legalsearch.data import load_dataset
    from legalsearch.recipe import resolve
    from legalsearch.splits import plan_dev

    dataset = load_dataset(sample_path)
    few = dataclasses.replace(dataset, qrels={"train": dict(list(dataset.qrels["train"].items())[:10]),
                                              "test": dataset.qrels["test"]})  # AILA-like: 10 labelled queries
    recipe = resolve(None, {"epochs": 1, "batch_size": 8, "cv_folds": 2})
    _, plan = plan_dev(few, recipe.dev_min_queries, recipe.cv_folds, recipe.seed)
    assert plan.method == "cross-validation"

    def fold_runs(dataset, folds, *args, **kwargs):
        assert kwargs["pools"] == "the run's pools"  # computed once, handed to every fold
        return [{"fold": i, "held_out_queries": len(f), "stopped_by_budget": False, "budget": None,
                 "history": [{"epoch": 0, "ndcg@10": 0.5}, {"epoch": 1.0, "ndcg@10": tuned}]}
                for i, f in enumerate(folds)]

    trained = []
    monkeypatch.setattr(finetune, "_fold_runs", fold_runs)
    monkeypatch.setattr(finetune, "train", lambda *args, **kwargs: trained.append(kwargs["recipe"].epochs) or {})
    report = finetune._cross_validated(few, plan, mined, str(tiny_model_dir), tmp_path / "model", recipe, "", "cpu",
                                       deadline=float("inf"), budget_source="default", extra={},
                                       pools="the run's pools")
    assert report["kept_base_model"] is kept_base and trained == ([] if kept_base else [1])
    check = "2-fold cross-validation (10 queries)"
    assert report["decision"] == (f"Model: the base model, unchanged: fine-tuning was worse on {check}: ndcg@10 "
                                  "0.4000 vs the base's 0.5000." if kept_base else
                                  f"Model: the fine-tuned model, at least as good as the base model on {check}: "
                                  "ndcg@10 0.5000 vs the base's 0.5000.")
    if kept_base:
        assert (tmp_path / "model" / "modules.json").is_file()  # the base model, saved as the run's model


def test_deploy_repeats_the_decision_of_a_run_that_kept_the_base(tmp_path):
    from legalsearch.plugin.deploy import training_warning

    model, export = tmp_path / "model", tmp_path / "export"
    model.mkdir()
    export.mkdir()
    (export / "export_report.json").write_text(json.dumps({"source_model": str(model)}))
    decision = "Model: the base model, unchanged: fine-tuning was worse on dev (30 queries)."
    (model / "training_report.json").write_text(json.dumps({
        "kept_base_model": True, "tuned_beats_base": False, "verdict": "No gain: worse on dev.",
        "decision": decision}))
    assert training_warning(export) == (f"warning: No gain: worse on dev. {decision} "
                                        f"({model / 'training_report.json'}) — this deploy serves the base model's "
                                        "quality, not a fine-tuned gain")

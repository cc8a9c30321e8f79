"""The training recipe (one place for every setting, with provenance), the dev plan, the time budget, the seed
statistics and the no-regression verdicts. Tiny models, no downloads; the two training runs take a few seconds."""

from __future__ import annotations

import dataclasses
import json
import shutil
import time

import numpy as np
import pytest

from _support import REPO_ROOT

from legalsearch.errors import DataError, RecipeError
from legalsearch.recipe import DEFAULT, Recipe, fit_window, read_recipe_file, resolve


def test_every_command_starts_from_the_one_recipe():
    from legalsearch.mining import MiningConfig
    from legalsearch.training import TrainingConfig

    mining, training = MiningConfig(), TrainingConfig()
    assert (mining.num_negatives, mining.sources, mining.rank_start, mining.rank_end, mining.guard_ratio) == (
        DEFAULT.negatives, DEFAULT.negative_sources, DEFAULT.rank_start, DEFAULT.rank_end, DEFAULT.guard_ratio)
    assert (training.epochs, training.learning_rate, training.batch_size, training.warmup_ratio) == (
        DEFAULT.epochs, DEFAULT.learning_rate, DEFAULT.batch_size, DEFAULT.warmup_ratio)
    assert DEFAULT.mining_config() == mining
    # the published plain fine-tune the defaults follow: 3 epochs at 3e-5, BM25 hard negatives
    assert (DEFAULT.epochs, DEFAULT.learning_rate, DEFAULT.negative_sources) == (3, 3e-5, ("bm25",))
    assert all(DEFAULT.source(name).startswith("default: ") for name in DEFAULT.to_dict()["values"])


@pytest.mark.parametrize("suffix, text", [
    (".json", '{"epochs": 2, "learning_rate": 1e-4, "negative_sources": ["bm25", "judged"]}'),
    (".toml", '[recipe]\nepochs = 2\nlearning_rate = 1e-4\nnegative_sources = ["bm25", "judged"]\n'),
])
def test_a_recipe_file_then_flags_override_the_defaults_and_say_so(tmp_path, suffix, text):
    path = tmp_path / f"recipe{suffix}"
    path.write_text(text)
    recipe = resolve(path, {"epochs": 5, "negatives": None})
    assert (recipe.epochs, recipe.learning_rate, recipe.negative_sources, recipe.negatives) == (
        5, 1e-4, ("bm25", "judged"), DEFAULT.negatives)
    provenance = recipe.to_dict()["provenance"]
    assert provenance["epochs"] == "flag --epochs"
    assert provenance["learning_rate"] == f"recipe file {path}"
    assert provenance["negatives"].startswith("default: ")
    fitted = recipe.fitted("max_seq_length", 128, "95th percentile")
    assert fitted.to_dict()["provenance"]["max_seq_length"] == "fitted: 95th percentile"
    # a recorded recipe (training_report.json's "recipe") reads back as a recipe file
    recorded = tmp_path / "recorded.json"
    recorded.write_text(json.dumps(fitted.to_dict()))
    assert resolve(recorded).max_seq_length == 128


@pytest.mark.parametrize("text, message", [
    ('{"epoch": 2}', "unknown recipe field(s) epoch"),
    ('{"epochs": 0}', "epochs = 0 is not allowed; use an integer of at least 1"),
    ('{"max_seq_length": "long"}', "use auto, model, or a token count"),
    ('{"variance_reduction": "swa"}', "use none or interpolate"),
    ('{"epochs": 2,}', "not valid JSON, line 1"),
    ('{"eval_pool_depth": -1}', "eval_pool_depth = -1 is not allowed; use an integer of at least 0"),
])
def test_a_bad_recipe_file_names_the_file_and_the_field(tmp_path, text, message):
    path = tmp_path / "bad.json"
    path.write_text(text)
    with pytest.raises(RecipeError, match=str(path)) as err:
        resolve(path)
    assert message in str(err.value)


def test_the_pool_depth_of_held_out_checks_is_a_recipe_value():
    assert DEFAULT.eval_pool_depth == 100 and DEFAULT.training_config().eval_pool_depth == 100
    assert DEFAULT.source("eval_pool_depth").startswith("default: dev and fold evaluations rank, per query")
    whole = resolve(None, {"eval_pool_depth": "0"})  # 0: the whole corpus, as before pools
    assert whole.eval_pool_depth == 0 and whole.training_config().eval_pool_depth == 0
    assert whole.source("eval_pool_depth") == "flag --eval-pool-depth"


def test_a_command_rejects_a_bad_recipe_before_any_work(tmp_path):
    from click.testing import CliRunner

    from legalsearch.cli import cli

    path = tmp_path / "bad.toml"
    path.write_text("epochs = 'many'\n")
    result = CliRunner().invoke(cli, ["mine", "--recipe", str(path), "-o", str(tmp_path / "t.jsonl")])
    assert result.exit_code == 2 and "epochs = 'many' is not allowed" in result.output


def test_the_window_is_fitted_to_the_corpus_token_lengths(tiny_model_dir):
    from legalsearch.encoders import _tokenizer_json
    from legalsearch.recipe import load_tokenizer

    tokenizer = _tokenizer_json(tiny_model_dir)
    docs = ["the " * n for n in range(10, 110)]
    lengths = [len(load_tokenizer(tokenizer).encode(d).ids) for d in docs]
    p95 = float(np.percentile(lengths, 95))
    fitted = fit_window(DEFAULT, docs, tokenizer, model_max=2048)
    assert fitted.max_seq_length % 32 == 0 and p95 <= fitted.max_seq_length < p95 + 32
    assert fitted.source("max_seq_length").startswith("fitted: 95th percentile of 100 documents")
    assert fit_window(DEFAULT, docs, tokenizer, model_max=64).max_seq_length == 64  # capped at the model's
    own = fit_window(DEFAULT.override({"max_seq_length": "model"}, "flag --{name}"), docs, tokenizer, 256)
    assert own.max_seq_length == 256
    fixed = DEFAULT.override({"max_seq_length": 96}, "flag --{name}")
    assert fit_window(fixed, docs, tokenizer, 512) is fixed


def _with_qrels(dataset, **splits):
    return dataclasses.replace(dataset, qrels={k: v for k, v in splits.items() if v is not None})


def test_dev_is_the_split_carved_from_train_or_cross_validation(sample):
    from legalsearch.splits import plan_dev

    train, dev = sample.qrels["train"], sample.qrels["dev"]  # 72 and 18 queries
    big_dev = {**dev, **dict(list(train.items())[:20])}
    rest = {q: j for q, j in train.items() if q not in big_dev}
    _, plan = plan_dev(_with_qrels(sample, train=rest, dev=big_dev), min_queries=30)
    assert plan.method == "dev split" and plan.dev_queries == 38

    carved_ds, plan = plan_dev(sample, min_queries=30, seed=3)
    assert plan.method == "carved from train" and plan.dev_queries == 30 and plan.train_queries == 60
    assert set(carved_ds.qrels["dev"]) == set(dev) | set(plan.carved)
    assert not set(carved_ds.qrels["train"]) & set(carved_ds.qrels["dev"])
    assert plan_dev(sample, min_queries=30, seed=3)[1].carved == plan.carved  # deterministic for a seed
    assert "12 of 72 train queries moved to dev (seed 3)" in plan.reason

    small = dict(list(train.items())[:11])  # a statute set's size: 11 train queries, no dev
    same, plan = plan_dev(_with_qrels(sample, train=small, test=sample.qrels["test"]), min_queries=30, folds=3)
    assert plan.method == "cross-validation" and same.qrels.keys() == {"train", "test"}
    assert sorted(q for fold in plan.folds for q in fold) == sorted(small)
    assert "no dev split" in plan.reason and "3-fold" in plan.reason
    # no dev split and no minimum: still at least one carved query, never an empty dev
    _, plan = plan_dev(_with_qrels(sample, train=train), min_queries=0)
    assert plan.method == "carved from train" and plan.dev_queries == 1


def test_the_schedule_fits_the_budget_from_the_measured_step_cost():
    from legalsearch.training import fit_schedule

    assert fit_schedule(100, 3, 2.0, 60, 1800).epochs == 3
    fewer = fit_schedule(100, 3, 5.0, 60, 1800)
    assert (fewer.epochs, fewer.max_steps) == (2, -1) and "2 epochs" in fewer.reason
    partial = fit_schedule(100, 3, 20.0, 60, 1800)
    assert partial.epochs == 1 and partial.max_steps == partial.eval_steps == 78
    spent = fit_schedule(100, 3, 20.0, 60, 30)
    assert (spent.max_steps, spent.eval_steps) == (1, 1) and "the budget is spent" in spent.reason


def test_the_budget_callback_stops_with_one_last_evaluation():
    from transformers import TrainerControl, TrainerState

    from legalsearch.training import _budget_callback

    state = {}
    callback = _budget_callback(time.time() - 1, state)
    args = type("Args", (), {"eval_strategy": "epoch"})()
    control = callback.on_step_end(args, TrainerState(global_step=7), TrainerControl())
    assert control.should_training_stop and control.should_evaluate and control.should_save
    assert state == {"stopped_by_budget": True, "stopped_at_step": 7}
    later = _budget_callback(time.time() + 3600, {})
    assert not later.on_step_end(args, TrainerState(global_step=1), TrainerControl()).should_training_stop


def test_the_cached_loss_is_chosen_when_a_step_would_not_fit():
    from legalsearch.training import activation_bytes, choose_cached_loss

    minilm = type("Config", (), {"hidden_size": 384, "num_attention_heads": 12, "num_hidden_layers": 6})()
    use, reason = choose_cached_loss("auto", 16 * 5, 256, minilm)  # the 11 GB run
    assert use and "CachedMultipleNegativesRankingLoss" in reason
    assert not choose_cached_loss("auto", 16 * 3, 128, minilm)[0]  # the demo's step: 2.2 GiB measured, plain MNRL
    assert choose_cached_loss("auto", 16 * 5, 128, minilm)[0]  # 3.5 GiB measured: above the line
    # the fit against benchmarks/step_memory.py's measurements (benchmarks/results/step-memory/minilm.json)
    measured = json.loads((REPO_ROOT / "benchmarks" / "results" / "step-memory" / "minilm.json").read_text())
    plain = [step for step in measured["steps"] if not step["cached"]]
    assert len(plain) == 4
    for step in plain:
        assert abs(activation_bytes(step["texts"], step["window"], minilm) / 2**20 / step["step_mb"] - 1) < 0.1
    assert choose_cached_loss("on", 2, 16, minilm)[0] and not choose_cached_loss("off", 99, 512, minilm)[0]


def test_the_seed_interval_widens_with_seed_variance():
    from legalsearch.evaluation import paired_bootstrap, seed_query_bootstrap

    rng = np.random.default_rng(0)
    qids = [f"q{i}" for i in range(60)]
    base = {q: float(v) for q, v in zip(qids, rng.uniform(0.2, 0.6, 60))}
    steady = [{q: base[q] + 0.1 + float(rng.normal(0, 0.05)) for q in qids} for _ in range(3)]
    swinging = [{q: base[q] + gain + float(rng.normal(0, 0.05)) for q in qids} for gain in (0.02, 0.1, 0.18)]
    a, b = seed_query_bootstrap(steady, base, seed=1), seed_query_bootstrap(swinging, base, seed=1)
    assert a["significant"] and a["seeds"] == 3 and len(a["by_seed"]) == 3
    assert b["ci_high"] - b["ci_low"] > a["ci_high"] - a["ci_low"]
    assert b["worst_seed"] == pytest.approx(min(b["by_seed"])) and b["spread"] > a["spread"]
    one = seed_query_bootstrap(steady[:1], base, seed=1)
    assert one["mean_difference"] == pytest.approx(paired_bootstrap(steady[0], base, seed=1)["mean_difference"])


def test_two_arms_over_seeds_are_compared_on_their_seed_means():
    from legalsearch.evaluation import two_arm_seed_bootstrap

    rng = np.random.default_rng(0)
    qids = [f"q{i}" for i in range(80)]
    base = {q: float(v) for q, v in zip(qids, rng.uniform(0.2, 0.6, 80))}
    labelled = [{q: base[q] + float(rng.normal(0, 0.05)) for q in qids} for _ in range(3)]
    better = [{q: base[q] + 0.08 + float(rng.normal(0, 0.05)) for q in qids} for _ in range(3)]
    same = [{q: base[q] + float(rng.normal(0, 0.05)) for q in qids} for _ in range(3)]
    gain = two_arm_seed_bootstrap(labelled, better, seed=1)
    assert gain["significant"] and gain["ci_low"] > 0 and gain["seeds"] == [3, 3]
    assert gain["mean_difference"] == pytest.approx(np.mean(gain["candidate_by_seed"]) -
                                                    np.mean(gain["reference_by_seed"]))
    tie = two_arm_seed_bootstrap(labelled, same, seed=1)
    assert tie["ci_low"] < 0 < tie["ci_high"] and not tie["significant"]
    # One arm's seeds swinging widens the interval: seed variance counts, not only query variance.
    swinging = [{q: v + shift for q, v in run.items()} for run, shift in zip(better, (-0.08, 0.0, 0.08))]
    wide = two_arm_seed_bootstrap(labelled, swinging, seed=1)
    assert wide["ci_high"] - wide["ci_low"] > gain["ci_high"] - gain["ci_low"]
    with pytest.raises(DataError):
        two_arm_seed_bootstrap(labelled, [{"other": 1.0}])


def test_non_inferiority_needs_the_lower_bound_inside_the_margin():
    from legalsearch.evaluation import non_inferiority

    rng = np.random.default_rng(0)
    fp32 = {f"q{i}": float(v) for i, v in enumerate(rng.uniform(0, 1, 100))}
    close = {q: v + float(rng.normal(-0.002, 0.01)) for q, v in fp32.items()}
    worse = {q: v - 0.05 + float(rng.normal(0, 0.01)) for q, v in fp32.items()}
    assert non_inferiority(close, fp32, margin=0.02)["non_inferior"]
    result = non_inferiority(worse, fp32, margin=0.02)
    assert not result["non_inferior"] and result["lower_bound"] < -0.02 and result["queries"] == 100


def test_the_gate_uses_the_paired_test_when_per_query_figures_exist():
    from legalsearch.evaluation import Evaluation
    from legalsearch.exporter.gate import run_gate

    rng = np.random.default_rng(0)
    q = rng.standard_normal((4, 8))
    q /= np.linalg.norm(q, axis=1, keepdims=True)

    class Fixed:
        def __init__(self, name):
            self.name = name

        def encode_queries(self, texts, batch_size=32, show_progress=False):
            return q

        encode_documents = encode_queries

    per_query = {"fp32": {f"q{i}": 0.5 for i in range(101)},
                 "int8": {f"q{i}": 0.5 - (0.1 if i % 10 == 0 else 0.0) for i in range(101)}}  # raw loss 0.0109

    def evaluate(encoder, dataset, split, metrics):
        values = per_query[encoder.name]
        return Evaluation(encoder.name, {metrics[0]: float(np.mean(list(values.values())))}, {metrics[0]: values})

    result = run_gate((q, q), Fixed("fp32"), Fixed("int8"), ["q"] * 4, ["d"] * 4, dataset=object(),
                      evaluate=evaluate)
    test = result.ndcg["non_inferiority"]
    assert result.ndcg["loss"] == pytest.approx(0.0109, abs=1e-4)  # what a raw 0.01 threshold would have failed
    assert result.passed and test["non_inferior"] and -0.02 < test["lower_bound"] < -0.0109


def test_deploy_warns_when_the_model_did_not_beat_its_base(tmp_path):
    from legalsearch.plugin.deploy import training_warning

    model, export = tmp_path / "model", tmp_path / "export"
    model.mkdir()
    export.mkdir()
    (export / "export_report.json").write_text(json.dumps({"source_model": str(model)}))
    assert training_warning(export) is None  # no training report: nothing to say
    (model / "training_report.json").write_text(json.dumps({"kept_base_model": False, "tuned_beats_base": True}))
    assert training_warning(export) is None
    (model / "training_report.json").write_text(json.dumps({
        "kept_base_model": True, "tuned_beats_base": False,
        "verdict": "No gain: fine-tuning did not beat the base model on dev (30 queries)"}))
    warning = training_warning(export)
    assert warning.startswith("warning: No gain: fine-tuning did not beat the base model on dev (30 queries)")
    assert "base model's quality" in warning


# --- real (tiny) training runs ------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def sample(sample_path):
    from legalsearch.data import load_dataset

    return load_dataset(sample_path)


@pytest.fixture(scope="module")
def mined(tmp_path_factory, sample, tiny_model_dir):
    from legalsearch.encoders import load_encoder
    from legalsearch.mining import mine

    path = tmp_path_factory.mktemp("recipe") / "triplets.jsonl"
    mine(sample, load_encoder(tiny_model_dir), DEFAULT.override({"negatives": 1}, "test").mining_config(), path)
    return path


def test_train_records_the_recipe_the_dev_plan_and_the_budget(sample, tiny_model_dir, mined, tmp_path):
    from legalsearch.finetune import fine_tune

    recipe = resolve(None, {"epochs": 1, "batch_size": 8, "learning_rate": 1e-3, "budget_minutes": 5})
    report = fine_tune(sample, mined, str(tiny_model_dir), tmp_path / "model", recipe, device="cpu", max_steps=3)
    saved = json.loads((tmp_path / "model" / "training_report.json").read_text())
    assert saved["recipe"]["provenance"]["epochs"] == "flag --epochs"
    assert saved["recipe"]["provenance"]["budget_minutes"] == "flag --budget"
    assert saved["recipe"]["provenance"]["max_seq_length"].startswith("fitted: the window the triplets were mined")
    assert saved["dev_plan"]["method"] == "carved from train" and saved["dev_plan"]["dev_queries"] == 30
    assert saved["data"]["rows_left_out_as_eval_queries"] > 0  # carved dev queries are not trained on
    assert saved["budget"]["measured_step_s"] > 0 and saved["budget"]["reason"] == "--max-steps 3"
    assert saved["stopped_by_budget"] is False
    assert saved["verdict"].startswith(("Fine-tuning beat the base model on dev (30 queries)",
                                        "Fine-tuning matched the base model on dev (30 queries)",
                                        "No gain: fine-tuning did not beat the base model on dev (30 queries)"))
    assert saved["tuned_beats_base"] == (not saved["kept_base_model"]) == report["tuned_beats_base"]


def test_a_dataset_with_only_train_and_test_trains_by_cross_validation(sample_path, tiny_model_dir, mined,
                                                                       tmp_path):
    from legalsearch.data import load_dataset
    from legalsearch.finetune import fine_tune

    no_dev = tmp_path / "no-dev"
    shutil.copytree(sample_path, no_dev, ignore=shutil.ignore_patterns("dev.tsv", "__pycache__"))
    dataset = load_dataset(no_dev)
    assert "dev" not in dataset.qrels
    small = dataclasses.replace(dataset, qrels={"train": dict(list(dataset.qrels["train"].items())[:40]),
                                                "test": dataset.qrels["test"]})
    recipe = resolve(None, {"epochs": 1, "batch_size": 8, "learning_rate": 1e-3, "cv_folds": 2})
    report = fine_tune(small, mined, str(tiny_model_dir), tmp_path / "model", recipe, device="cpu", max_steps=2)
    assert report["dev_plan"]["method"] == "cross-validation" and report["dev_plan"]["folds"] == [20, 20]
    cv = report["cross_validation"]
    assert [row["epoch"] for row in cv["table"]] == [0, 1] and cv["table"][0]["queries"] == 40
    assert report["verdict"].startswith(("Fine-tuning beat", "Fine-tuning matched", "No gain"))
    assert "2-fold cross-validation" in report["verdict"]
    assert (tmp_path / "model" / "modules.json").is_file() and not (tmp_path / "model" / "cv").exists()


def test_cross_validation_that_does_not_fit_the_budget_keeps_the_base_and_says_so(sample_path, tiny_model_dir,
                                                                                  mined, tmp_path):
    from legalsearch.data import load_dataset
    from legalsearch.finetune import NO_HELD_OUT, cross_validation_seconds, fine_tune
    from legalsearch.splits import plan_dev

    no_dev = tmp_path / "no-dev"
    shutil.copytree(sample_path, no_dev, ignore=shutil.ignore_patterns("dev.tsv", "__pycache__"))
    dataset = load_dataset(no_dev)
    small = dataclasses.replace(dataset, qrels={"train": dict(list(dataset.qrels["train"].items())[:40]),
                                                "test": dataset.qrels["test"]})
    recipe = resolve(None, {"epochs": 2, "batch_size": 8, "learning_rate": 1e-3, "cv_folds": 2,
                            "max_seq_length": 64})
    _, plan = plan_dev(small, recipe.dev_min_queries, recipe.cv_folds, recipe.seed)
    # the projection: each fold trains 2 epochs on the rows of the other fold and scores its own twice
    rows = [json.loads(line) for line in mined.read_text().splitlines()]
    estimate = cross_validation_seconds(small, plan, rows, recipe, step_s=1.0)
    assert estimate["final_run_s"] == 2 * -(-len(rows) // 8)
    assert [f["held_out_queries"] for f in estimate["folds"]] == [20, 20]
    assert all(f["eval_s"] > 0 and f["evaluated_passages"] > 0 for f in estimate["folds"])
    assert estimate["total_s"] == sum(f["train_s"] + f["eval_s"] for f in estimate["folds"]) + \
        estimate["final_run_s"]

    # with pools, each fold's evaluations encode the union of its held-out queries' pools, not the corpus
    from legalsearch.finetune import evaluation_pools
    from legalsearch.passages import PassageChunker
    from legalsearch.splits import fold_dataset

    pools = evaluation_pools(small, str(tiny_model_dir), recipe.override({"eval_pool_depth": 2}, "test"), "cpu")
    pooled = cross_validation_seconds(small, plan, rows, recipe, step_s=1.0, pools=pools)
    chunker = PassageChunker.for_model(64)
    for fold, held_out, whole in zip(pooled["folds"], plan.folds, estimate["folds"]):
        docs = pools.documents(fold_dataset(small, held_out), "dev")
        assert fold["evaluated_passages"] == sum(len(chunker.split_text(d.full_text)) for d in docs)
        assert fold["evaluated_passages"] < whole["evaluated_passages"]

    # Do no harm: nothing held out can check fine-tuning, so the base model is kept, untrained, and a line says so
    tight = recipe.override({"budget_minutes": 0.01}, "test")  # under a second: no room for folds
    report = fine_tune(small, mined, str(tiny_model_dir), tmp_path / "model", tight, device="cpu")
    assert report["dev_plan"]["method"] == NO_HELD_OUT and "allows the cross-validation" in report["dev_plan"]["reason"]
    assert "the base model is kept, not trained on the 40 train queries unchecked" in report["dev_plan"]["reason"]
    assert report["dev_plan"]["train_queries"] == 40 and report["dev_history"] == []
    assert report["verdict"].startswith("No held-out check") and report["tuned_beats_base"] is None
    assert report["kept_base_model"] is True and "global_steps" not in report
    assert report["decision"] == ("Model: the base model, unchanged: nothing held out could check fine-tuning (40 "
                                  "labelled train+dev queries; no synthesized pairs to add (`legalsearch data "
                                  "synthesize`, then `data mix`)), so it was not trained.")
    assert report["cross_validation_estimate"]["total_s"] > 0
    assert (tmp_path / "model" / "modules.json").is_file()
    from legalsearch.commands.train_cmd import describe_training

    assert describe_training(report)[-1] == report["decision"]


def test_bench_trains_seeds_on_a_dataset_without_dev_and_reports_the_spread(sample_path, tiny_model_dir, tmp_path):
    from click.testing import CliRunner

    from legalsearch.cli import cli

    no_dev = tmp_path / "no-dev"
    shutil.copytree(sample_path, no_dev, ignore=shutil.ignore_patterns("dev.tsv", "__pycache__"))
    recipe = tmp_path / "fast.json"
    recipe.write_text(json.dumps({"epochs": 1, "negatives": 1, "batch_size": 16, "learning_rate": 1e-3,
                                  "dev_min_queries": 12}))  # carve 12 of 72: two training runs, not folds
    out = tmp_path / "bench"
    result = CliRunner().invoke(cli, ["bench", "-d", str(no_dev), "--base", str(tiny_model_dir), "--recipe",
                                      str(recipe), "--seeds", "2", "--no-onnx", "--no-speed", "--bootstrap", "200",
                                      "-o", str(out)])
    assert result.exit_code == 0, result.output
    data = json.loads((out / "results.json").read_text())
    seeds = data["seeds"]
    assert seeds["seeds"] == [42, 43] and len(seeds["rows"]["fine-tuned"]["by_seed"]) == 2
    gain = seeds["rows"]["fine-tuned"]["gain"]
    assert gain["seeds"] == 2 and gain["ci_low"] <= gain["mean_difference"] <= gain["ci_high"]
    assert data["training"]["dev_plan"]["method"] == "carved from train"
    assert data["training"]["dev_plan"]["dev_queries"] == 12 and data["hybrid"]["tuning"]["split"] == "dev"
    assert data["training"]["recipe"]["provenance"]["learning_rate"] == f"recipe file {recipe}"
    assert data["peak_rss_mb"] > 0
    report = (out / "report.md").read_text()
    assert "## Across training seeds" in report and "worst seed" in report
    assert (out / "seed-43" / "model" / "training_report.json").is_file()


def test_bench_tunes_the_hybrid_only_on_enough_dev_queries(sample):
    from legalsearch.commands.bench_cmd import bench_dev

    recipe = resolve(None, {})
    train = dict(list(sample.qrels["train"].items())[:20])
    tiny_dev = dataclasses.replace(sample, qrels={"train": train, "dev": dict(list(sample.qrels["dev"].items())[:6]),
                                                  "test": sample.qrels["test"]})
    same, note, hybrid_split = bench_dev(tiny_dev, "dev", recipe)
    assert same is tiny_dev and hybrid_split is None
    assert "default setting" in note and "the dev split has 6 queries, fewer than the 30" in note
    _, note, hybrid_split = bench_dev(dataclasses.replace(tiny_dev, qrels={"train": train, "test": sample.qrels["test"]}),
                                      "dev", recipe)
    assert hybrid_split is None and "no dev split" in note
    carved, note, hybrid_split = bench_dev(sample, "dev", recipe)  # 18 dev + 12 carved from 72 train
    assert hybrid_split == "dev" and len(carved.qrels["dev"]) == 30 and note.startswith("Hybrid tuning and dev")


def test_bench_marks_a_seed_whose_fine_tuning_did_not_beat_the_base():
    from legalsearch.bench.report import regression_notes

    verdict = "No gain: fine-tuning did not beat the base model on dev (30 queries): ndcg@10 base 0.5, best 0.4."
    seeds = {"seeds": [42, 43], "training_verdicts": ["Fine-tuning beat the base model.", verdict],
             "tuned_beats_base_on_dev": [True, False]}
    assert regression_notes({"seeds": seeds}) == [f"**No gain on dev** — seed 43: {verdict} The fine-tuned row is "
                                                  "then the base model."]
    assert regression_notes({"training": {"tuned_beats_base": True, "verdict": "x"}}) == []
    unchecked = "No held-out check: cross-validation would take ~60 minutes."
    notes = regression_notes({"seeds": {"seeds": [42, 43], "training_verdicts": [unchecked, unchecked],
                                        "tuned_beats_base_on_dev": [None, None]}})
    assert notes == [f"**No held-out check in training** — seeds 42, 43: {unchecked} The test rows below are the "
                     "first measurement of the gain."]
    kept = regression_notes({"seeds": {"seeds": [42, 43], "training_verdicts": [unchecked, unchecked],
                                       "tuned_beats_base_on_dev": [None, None], "kept_base_model": [True, True]}})
    assert kept == [f"**No held-out check in training** — seeds 42, 43: {unchecked} The fine-tuned row is then the "
                    "base model, kept untrained."]
    single = regression_notes({"training": {"verdict": unchecked, "tuned_beats_base": None, "kept_base_model": True}})
    assert single == [f"**No held-out check in training** — {unchecked} The fine-tuned row is then the base model, "
                      "kept untrained."]


def test_train_auto_records_the_table_of_candidates(sample, tiny_model_dir, mined, tmp_path):
    from legalsearch.finetune import auto_select

    small = dataclasses.replace(sample, qrels={"train": dict(list(sample.qrels["train"].items())[:30]),
                                               "dev": sample.qrels["dev"]})
    recipe = resolve(None, {"epochs": 1, "batch_size": 8, "cv_folds": 2})
    report = auto_select(small, mined, str(tiny_model_dir), tmp_path / "model", recipe, device="cpu", max_steps=2,
                         candidates=[{}, {"learning_rate": 1e-3}])
    auto = report["auto"]
    assert auto["queries"] == 48 and auto["folds"] == [24, 24]
    assert [row["learning_rate"] for row in auto["candidates"]] == [recipe.learning_rate, 1e-3]
    assert all(row["by_epoch"][0]["epoch"] == 0 for row in auto["candidates"])
    assert report["verdict"].startswith(("Fine-tuning beat", "Fine-tuning matched", "No gain"))
    assert "2 candidates" in report["verdict"]
    saved = json.loads((tmp_path / "model" / "training_report.json").read_text())
    assert saved["auto"]["candidates"] == json.loads(json.dumps(auto["candidates"]))
    assert not (tmp_path / "model" / "auto").exists()


def test_interpolation_with_the_base_weights_is_linear_in_weight_space():
    import torch

    from legalsearch.training import interpolate_weights

    model = torch.nn.Linear(3, 2)
    base = {k: torch.zeros_like(v) for k, v in model.state_dict().items()}
    tuned = {k: torch.ones_like(v) for k, v in model.state_dict().items()}
    interpolate_weights(model, base, tuned, 0.25)
    assert all(torch.allclose(v, torch.full_like(v, 0.25)) for v in model.state_dict().values())

"""``legalsearch bench``: before/after quality with bootstrap intervals, speed, and optionally the cluster."""

from __future__ import annotations

import json
from pathlib import Path

import click

from legalsearch.commands.options import MetricList, Window, base_option, budget_option, dataset_option, \
    load_dataset_or_fail, prompt_options, recipe_file_option, recipe_flag, relevant_grade_option, resolve_recipe, \
    skip_invalid_option
from legalsearch.evaluation import DEFAULT_METRICS
from legalsearch.hybrid import FILE_NAME as HYBRID_FILE
from legalsearch.plugin.cli import connection_options


@click.command()
@dataset_option
@click.option("--model", "-m", "model_dir", type=click.Path(exists=True, file_okay=False, path_type=Path),
              default=None, help="Fine-tuned sentence-transformers directory (default: fine-tune first with the "
              "pipeline defaults).")
@base_option
@click.option("--onnx", "export_dir", type=click.Path(exists=True, file_okay=False, path_type=Path), default=None,
              help="Export directory of the fine-tuned model (default: export it into OUT/export).")
@click.option("--no-onnx", is_flag=True, help="Skip the ONNX rows and speed figures.")
@connection_options(optional=True, url_help="Also measure through the OpenSearch index deployed at this URL "
                    "(see `legalsearch deploy`); the other connection options apply only with it.")
@click.option("--index", "index_name", default="legalsearch", show_default=True,
              help="Alias of the deployed index (with --url).")
@click.option("--out", "-o", type=click.Path(file_okay=False, path_type=Path), default="runs/bench",
              show_default=True, help="Directory for results.json, report.md, report.html, hybrid.json.")
@click.option("--split", default="test", show_default=True, help="Held-out split to report on.")
@click.option("--dev-split", default="dev", show_default=True,
              help="Split used to tune hybrid settings (below 30 queries, the recipe's dev plan: dev carved from "
              "train, or the split as it is when train is cross-validated).")
@click.option("--metrics", type=MetricList(), default=",".join(DEFAULT_METRICS), show_default=True)
@click.option("--bootstrap", "bootstrap_samples", type=click.IntRange(min=100), default=2000, show_default=True,
              help="Bootstrap resamples for the confidence intervals.")
@click.option("--speed/--no-speed", default=True, show_default=True, help="Measure encoder speed.")
@recipe_file_option
@recipe_flag("--epochs", field="epochs", type=click.IntRange(min=1), help="Epochs when fine-tuning first (no --model)")
@recipe_flag("--negatives", field="negatives", type=click.IntRange(min=1),
             help="Hard negatives per pair when fine-tuning first")
@recipe_flag("--lr", field="learning_rate", type=click.FloatRange(min=0, min_open=True),
             help="Learning rate when fine-tuning first")
@recipe_flag("--max-seq-length", field="max_seq_length", type=Window(),
             help="Window when fine-tuning first: tokens, 'model' or 'auto' (fitted to the corpus)")
@budget_option
@click.option("--seeds", type=click.IntRange(min=1), default=1, show_default=True,
              help="Fine-tune this many times (seeds SEED, SEED+1, ...) and report each seed, the mean, the spread "
              "and an interval over seeds and queries (not with --model). Each seed's results go to OUT/seed-S "
              "as it ends; the same command again reuses the seeds finished there.")
@prompt_options
@recipe_flag("--seed", field="seed", type=int, help="Random seed")
@skip_invalid_option
@relevant_grade_option
def bench(dataset, model_dir, base_model, export_dir, no_onnx, settings, index_name, out, split, dev_split, metrics,
          bootstrap_samples, speed, recipe_file, epochs, negatives, learning_rate, max_seq_length, budget_minutes,
          seeds, query_prompt, passage_prompt, seed, skip_invalid, relevant_grade) -> None:
    """Benchmark BM25, base, fine-tuned (PyTorch and deployed ONNX) and tuned hybrid on held-out queries.

    The ONNX row is the export's deployable variant (int8, or fp32 when int8 failed the quality gate, with int8 then
    shown in a row of its own marked as such); with --url, the variant the index was deployed with, which also
    embeds the queries sent to it. When bench exports the model itself, the fine-tuned row's document vectors are
    those the int8 gate has just computed with the fp32 graph (the same weights), so that a corpus of long
    judgments is not encoded again; the report says so.
    """
    from legalsearch.bench.report import write_reports
    from legalsearch.encoders import resolve_model_name
    from legalsearch.errors import BenchError

    ds = load_dataset_or_fail(dataset, skip_invalid, relevant_grade)
    if split not in ds.qrels:
        raise BenchError(f"{ds.path}: no '{split}' split (qrels/{split}.tsv); the benchmark reports on held-out "
                         "queries only — add a test split or choose one with --split")
    target = None
    if settings is not None:  # before anything long: a wrong URL or index should fail now
        from legalsearch.bench.cluster import ClusterTarget

        target = ClusterTarget.open(settings, index_name)
    recipe = resolve_recipe(recipe_file, epochs=epochs, negatives=negatives, learning_rate=learning_rate,
                            max_seq_length=max_seq_length, budget_minutes=budget_minutes, seed=seed)
    if model_dir is not None and seeds > 1:
        raise click.UsageError("--seeds trains the model N times; it cannot be combined with --model")
    base_name, provenance = resolve_model_name(base_model)
    click.echo(f"Base model: {provenance}", err=True)
    out.mkdir(parents=True, exist_ok=True)
    prompts = {"query_prompt": query_prompt, "passage_prompt": passage_prompt}
    bench_ds, dev_note, dev_split = bench_dev(ds, dev_split, recipe)
    if dev_note:
        click.echo(dev_note, err=True)
    if model_dir is not None:
        results = [bench_one(bench_ds, model_dir, base_name, provenance, export_dir, no_onnx, target, out, split,
                             dev_split, metrics, bootstrap_samples, speed, recipe.seed, prompts=prompts)]
    else:
        results, reused = run_seeds(bench_ds, ds, base_name, provenance, export_dir, no_onnx, settings, target,
                                    index_name, out, split, dev_split, metrics, bootstrap_samples, speed, recipe,
                                    seeds, prompts, skip_invalid)
    data = results[0]
    if len(results) > 1:
        from legalsearch.bench import summarize_seeds

        data = {**results[0], "seeds": summarize_seeds(results, bootstrap_samples, recipe.seed),
                "per_seed_outputs": [str(out / f"seed-{recipe.seed + i}") for i in range(seeds)],
                "reused_seeds": [{"seed": f.seed, "output": str(f.directory), "finished": f.finished}
                                 for f in reused]}
    (out / "results.json").write_text(json.dumps(data, indent=2))
    hybrid_path = out / HYBRID_FILE
    if len(results) > 1:  # the first seed's, as its table is the one shown
        import shutil

        shutil.copy(out / f"seed-{recipe.seed}" / HYBRID_FILE, hybrid_path)
    paths = write_reports(data, out)
    click.echo(paths["markdown"].read_text())
    click.echo(f"Wrote {out}/results.json, {paths['markdown']}, {paths['html']}, {hybrid_path}", err=True)


def run_seeds(bench_ds, ds, base_name, provenance, export_dir, no_onnx, settings, target, index_name, out: Path,
              split, dev_split, metrics, bootstrap_samples, speed, recipe, seeds: int, prompts: dict,
              skip_invalid: bool) -> tuple[list[dict], list]:
    """Mine, fine-tune and benchmark seeds SEED .. SEED+N-1; returns (each seed's results, the seeds reused).

    With several seeds each one's results go to OUT/seed-S, marked finished last (:mod:`legalsearch.bench.resume`),
    and the results are read back from those files, so an aggregate is the same whether a seed ran now or was
    reused from an earlier run of the same command. Every marker is checked before anything long starts: a seed
    finished with other inputs stops the command at once instead of after hours of the others. The first seed
    alone exports, measures speed and benches the cluster; reused, it brings those figures from its own files.
    """
    from legalsearch.bench.resume import MARKER, check_seed, load_seed_results, model_identity, seed_inputs, \
        write_marker
    from legalsearch.encoders import default_device
    from legalsearch.memory import release_freed_memory

    plans = []
    if seeds > 1:
        base_identity, device, dataset_sha = model_identity(base_name), default_device(), ds.checksum()
    for i in range(seeds):
        seed_recipe = recipe if i == 0 else recipe.override({"seed": recipe.seed + i},
                                                            f"flag --seeds (seed {i + 1} of {seeds})")
        seed_out, inputs, finished = out, None, None
        if seeds > 1:
            seed_out = out / f"seed-{seed_recipe.seed}"
            first_seed = None if i else {
                "onnx": not no_onnx, "export": model_identity(export_dir), "speed": speed,
                "cluster": {"url": settings.display_url, "index": index_name} if target is not None else None}
            inputs = seed_inputs(dataset_sha256=dataset_sha, relevant_grade=ds.relevant_grade,
                                 skip_invalid=skip_invalid, recipe_values=seed_recipe.to_dict()["values"],
                                 base_model=base_identity, device=device, split=split, hybrid_split=dev_split,
                                 metrics=metrics, bootstrap_samples=bootstrap_samples, prompts=prompts,
                                 first_seed=first_seed)
            finished = check_seed(seed_out, seed_recipe.seed, inputs)
        plans.append((i, seed_recipe, seed_out, inputs, finished))

    results, reused = [], []
    for i, seed_recipe, seed_out, inputs, finished in plans:
        if finished is not None:
            click.echo(finished.describe(), err=True)
            reused.append(finished)
            results.append(load_seed_results(seed_out))
            continue
        if inputs is not None and seed_out.exists():
            # a seed killed part-way: its files are incomplete and may be half-written, so none is kept
            click.echo(f"seed {seed_recipe.seed}: {seed_out} did not finish (no {MARKER}): computing it again",
                       err=True)
            import shutil

            shutil.rmtree(seed_out)
        click.echo(f"No --model: mining and fine-tuning with the recipe (seed {seed_recipe.seed}, "
                   f"{i + 1} of {seeds})", err=True)
        report = fine_tune_first(ds, base_name, provenance, seed_out, seed_recipe, prompts)
        first = i == 0
        result = bench_one(bench_ds, seed_out / "model", base_name, provenance, export_dir if first else None,
                           no_onnx or not first, target if first else None, seed_out, split, dev_split, metrics,
                           bootstrap_samples, speed and first, seed_recipe.seed, training=report, prompts=prompts)
        if inputs is not None:
            write_marker(seed_out, seed_recipe.seed, inputs)
            result = load_seed_results(seed_out)
        results.append(result)
        if i + 1 < seeds:  # the next seed starts from what this one freed, not on top of it
            release_freed_memory(f"seed {seed_recipe.seed}")
    return results, reused


def bench_dev(ds, dev_split: str, recipe):
    """(dataset, note, hybrid split): the dataset whose dev split tunes the hybrid — as it is with enough queries,
    else with dev carved from train as the recipe's dev plan carves it (the same seeded draw as training) — a note
    saying which (or None), and the split that tunes the hybrid (None: too few queries, the default setting)."""
    from legalsearch.splits import DEV_SPLIT, plan_dev

    if dev_split != DEV_SPLIT or "train" not in ds.qrels:
        return ds, None, dev_split
    planned, plan = plan_dev(ds, recipe.dev_min_queries, recipe.cv_folds, recipe.seed)
    if plan.method == "carved from train":
        return planned, f"Hybrid tuning and dev: {plan.reason}", dev_split
    if plan.method == "cross-validation":
        # fewer dev queries than may choose a setting: the hybrid keeps its default rather than the best of a
        # grid on a handful of queries (the train queries cannot stand in: the fine-tuned model has seen them)
        have = len(ds.qrels.get(DEV_SPLIT, {}))
        return ds, (f"Dev: {plan.reason}; the hybrid uses its default setting, not tuned ("
                    + (f"the dev split has {have} queries, fewer than the {recipe.dev_min_queries} that may choose"
                       if have else "no dev split") + ")"), None
    return ds, None, dev_split


def fine_tune_first(ds, base_name: str, provenance: str, out: Path, recipe, prompts: dict | None = None) -> dict:
    """Mine and fine-tune into OUT/model with the recipe (within its budget); print what it chose."""
    import contextlib
    import sys

    from legalsearch.commands.train_cmd import describe_training
    from legalsearch.finetune import mine_and_fine_tune
    from legalsearch.memory import release_freed_memory
    from legalsearch.training import clean_checkpoints

    with contextlib.redirect_stdout(sys.stderr):
        report = mine_and_fine_tune(ds, base_name, out, recipe, provenance, show_progress=True, prompts=prompts)
    clean_checkpoints(out / "model")
    release_freed_memory("mining and fine-tuning")
    for line in describe_training(report):
        click.echo(line, err=True)
    return report


def corpus_from_export(tuned, export_dir: Path, ds, fp32=None):
    """The fine-tuned row's encoder: ``tuned`` itself, or — when the export just made of it encoded the whole corpus
    with its fp32 graph for the int8 gate (the vectors are in the embedding cache) — ``tuned`` for queries and those
    cached vectors for documents (:class:`legalsearch.encoders.CorpusFromEquivalentEncoder`): the export checked
    that fp32 agrees with PyTorch, and on long judgments another pass would cost as long as the gate's."""
    from legalsearch.encoders import CorpusFromEquivalentEncoder
    from legalsearch.exporter.encoder import load_onnx_encoder
    from legalsearch.exporter.report import ExportReport
    from legalsearch.retrieval import DenseRetriever

    fp32 = fp32 or load_onnx_encoder(export_dir, "fp32")  # exported_models may have loaded it already
    if (fp32.dimension, fp32.max_seq_length, fp32.prompts.document) \
            != (tuned.dimension, tuned.max_seq_length, tuned.prompts.document) \
            or not DenseRetriever(fp32).cached(list(ds.corpus.values())):
        return tuned
    agreement = ExportReport.from_export_dir(export_dir).gate.cosine["fp32_vs_pytorch"]["documents"]
    return CorpusFromEquivalentEncoder(
        tuned, fp32, f"fp32 ONNX export {export_dir} (the quality gate's corpus vectors; documents' cosine to "
        f"PyTorch mean {agreement['mean']:.5f}, min {agreement['min']:.5f} on held-back texts)")


def bench_one(ds, model_dir, base_name, provenance, export_dir, no_onnx, target, out, split, dev_split, metrics,
              bootstrap_samples, speed, seed, training=None, prompts: dict | None = None) -> dict:
    """The benchmark of one fine-tuned model: results.json, hybrid.json and reports in ``out``; returns results."""
    from legalsearch.bench import run_bench
    from legalsearch.bench.report import write_reports
    from legalsearch.encoders import SentenceTransformerEncoder

    # the same prompts on every row (legalsearch.prompts); the ONNX row prepends what its export recorded
    base = SentenceTransformerEncoder(base_name, **(prompts or {}))
    tuned = SentenceTransformerEncoder(str(model_dir), **(prompts or {}))
    if target is not None:
        target.check_dimension(tuned.dimension)
    if base.dimension != tuned.dimension:
        click.echo(f"note: base dimension {base.dimension} differs from fine-tuned {tuned.dimension}", err=True)
    encoders = {"base": base, "fine-tuned": tuned}
    speed_encoders = {"pytorch": tuned} if speed else None
    onnx = None
    if not no_onnx:
        from legalsearch.bench.models import exported_models

        exported_now = export_dir is None
        if exported_now:
            from legalsearch.exporter.export import export_model

            export_dir = out / "export"
            # the int8 gate scores held-in queries, never the reported split: dev, else (a train-and-test dataset
            # whose dev was cross-validated) train, which compares the two graphs of one model, not its training
            gate_split = next((s for s in ("dev", "train") if s in ds.qrels and s != split), None)
            click.echo(f"Exporting {model_dir} to {export_dir} (int8 gate on "
                       f"{f'the {gate_split} split' if gate_split else 'cosines only: no dev or train split'})",
                       err=True)
            export_model(model_dir, export_dir, dataset=ds, split=gate_split or "dev", ndcg=gate_split is not None,
                         allow_degraded=True, overwrite=True)
        onnx = exported_models(export_dir, target.variant if target is not None else None, speed=speed)
        if exported_now:  # from model_dir, so the gate's fp32 corpus vectors are this model's
            loaded = onnx.speed.get("onnx fp32") or (onnx.encoder if onnx.variant == "fp32" else None)
            encoders["fine-tuned"] = corpus_from_export(tuned, export_dir, ds, loaded)
        encoders.update(onnx.rows())
        if speed:
            speed_encoders.update(onnx.speed)

    extra = {"models": {"base": provenance, "fine-tuned": str(model_dir),
                        "export": str(export_dir) if export_dir else None}}
    if training is not None:
        extra["training"] = training
    elif model_dir is not None and (Path(model_dir) / "training_report.json").is_file():
        extra["training"] = json.loads((Path(model_dir) / "training_report.json").read_text())
    result = run_bench(ds, encoders, split=split, dev_split=dev_split, metrics=metrics,
                       bootstrap_samples=bootstrap_samples, seed=seed, speed_encoders=speed_encoders,
                       show_progress=True, extra=extra)
    if target is not None:
        from legalsearch.bench.cluster import cluster_bench

        query_encoder, variant = (onnx.encoder, onnx.variant) if onnx else target.deployed_encoder(tuned)
        result.data["cluster"] = cluster_bench(target, ds, split, result.data, query_encoder, variant=variant,
                                               metrics=metrics)
    result.save(out)
    result.hybrid.save(out / HYBRID_FILE)
    write_reports(result.data, out)
    return result.data

"""``legalsearch bench``: before/after quality with bootstrap intervals, speed, and optionally the cluster."""

from __future__ import annotations

import json
from pathlib import Path

import click

from legalsearch.commands.options import MetricList, base_option, dataset_option, load_dataset_or_fail, \
    prompt_options, relevant_grade_option, seed_option, skip_invalid_option
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
@click.option("--dev-split", default="dev", show_default=True, help="Split used to tune hybrid settings.")
@click.option("--metrics", type=MetricList(), default=",".join(DEFAULT_METRICS), show_default=True)
@click.option("--bootstrap", "bootstrap_samples", type=click.IntRange(min=100), default=2000, show_default=True,
              help="Bootstrap resamples for the confidence intervals.")
@click.option("--speed/--no-speed", default=True, show_default=True, help="Measure encoder speed.")
@click.option("--epochs", type=click.IntRange(min=1), default=2, show_default=True,
              help="Epochs when fine-tuning first (no --model).")
@prompt_options
@seed_option
@skip_invalid_option
@relevant_grade_option
def bench(dataset, model_dir, base_model, export_dir, no_onnx, settings, index_name, out, split, dev_split, metrics,
          bootstrap_samples, speed, epochs, query_prompt, passage_prompt, seed, skip_invalid, relevant_grade) -> None:
    """Benchmark BM25, base, fine-tuned (PyTorch and deployed ONNX) and tuned hybrid on held-out queries.

    The ONNX row is the export's deployable variant (int8, or fp32 when int8 failed the quality gate); with --url,
    the variant the index was deployed with, which also embeds the queries sent to it.
    """
    from legalsearch.bench import run_bench
    from legalsearch.bench.report import write_reports
    from legalsearch.encoders import SentenceTransformerEncoder, resolve_model_name
    from legalsearch.errors import BenchError

    ds = load_dataset_or_fail(dataset, skip_invalid, relevant_grade)
    if split not in ds.qrels:
        raise BenchError(f"{ds.path}: no '{split}' split (qrels/{split}.tsv); the benchmark reports on held-out "
                         "queries only — add a test split or choose one with --split")
    target = None
    if settings is not None:  # before anything long: a wrong URL or index should fail now
        from legalsearch.bench.cluster import ClusterTarget

        target = ClusterTarget.open(settings, index_name)
    base_name, provenance = resolve_model_name(base_model)
    click.echo(f"Base model: {provenance}", err=True)
    out.mkdir(parents=True, exist_ok=True)
    if model_dir is None:
        from legalsearch.encoders import load_encoder
        from legalsearch.mining import MiningConfig, mine
        from legalsearch.training import TrainingConfig, clean_checkpoints, train

        click.echo("No --model: mining hard negatives and fine-tuning with the pipeline defaults", err=True)
        prompted = dict(query_prompt=query_prompt, passage_prompt=passage_prompt)
        mine(ds, load_encoder(base_name, **prompted), MiningConfig(seed=seed), out / "triplets.jsonl",
             show_progress=True)
        model_dir = out / "model"
        train(ds, out / "triplets.jsonl", base_name, model_dir, TrainingConfig(epochs=epochs, seed=seed, **prompted),
              base_provenance=provenance)
        clean_checkpoints(model_dir)

    # the same prompts on every row (legalsearch.prompts); the ONNX row prepends what its export recorded
    base = SentenceTransformerEncoder(base_name, query_prompt=query_prompt, passage_prompt=passage_prompt)
    tuned = SentenceTransformerEncoder(str(model_dir), query_prompt=query_prompt, passage_prompt=passage_prompt)
    if target is not None:
        target.check_dimension(tuned.dimension)
    if base.dimension != tuned.dimension:
        click.echo(f"note: base dimension {base.dimension} differs from fine-tuned {tuned.dimension}", err=True)
    encoders = {"base": base, "fine-tuned": tuned}
    speed_encoders = {"pytorch": tuned} if speed else None
    onnx = None
    if not no_onnx:
        from legalsearch.bench.models import exported_models

        if export_dir is None:
            from legalsearch.exporter.export import export_model

            export_dir = out / "export"
            click.echo(f"Exporting {model_dir} to {export_dir}", err=True)
            export_model(model_dir, export_dir, dataset=ds, allow_degraded=True, overwrite=True)
        onnx = exported_models(export_dir, target.variant if target is not None else None, speed=speed)
        encoders[onnx.row] = onnx.encoder
        if speed:
            speed_encoders.update(onnx.speed)

    extra = {"models": {"base": provenance, "fine-tuned": str(model_dir),
                        "export": str(export_dir) if export_dir else None}}
    if model_dir is not None and (Path(model_dir) / "training_report.json").is_file():
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
    hybrid_path = result.hybrid.save(out / HYBRID_FILE)
    paths = write_reports(result.data, out)
    click.echo(paths["markdown"].read_text())
    click.echo(f"Wrote {out}/results.json, {paths['markdown']}, {paths['html']}, {hybrid_path}", err=True)

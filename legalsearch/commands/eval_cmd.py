"""``legalsearch eval``: NDCG@10, Recall@20, MRR@10 for BM25, dense models and hybrid on one split."""

from __future__ import annotations

import json
from pathlib import Path

import click

from legalsearch.commands.options import MetricList, Weights, dataset_option, load_dataset_or_fail, prompt_options, \
    relevant_grade_option, skip_invalid_option
from legalsearch.evaluation import DEFAULT_METRICS
from legalsearch.hybrid import TECHNIQUES


@click.command("eval")
@dataset_option
@click.option("--model", "-m", "models", multiple=True, metavar="[NAME=]MODEL",
              help="Dense model to evaluate (sentence-transformers dir, hub name, 'offline-minilm', or an export "
              "dir with model.onnx); repeatable. The first is the baseline of the Δ column. Rows are labelled "
              "NAME, or the path relative to the working directory.")
@click.option("--split", default="test", show_default=True)
@click.option("--metrics", type=MetricList(), default=",".join(DEFAULT_METRICS), show_default=True)
@click.option("--bm25/--no-bm25", default=True, show_default=True, help="Include the BM25 row.")
@click.option("--hybrid/--no-hybrid", default=True, show_default=True,
              help="Add BM25 + the last --model fused like OpenSearch's normalization-processor.")
@click.option("--technique", type=click.Choice(TECHNIQUES), default="min_max", show_default=True)
@click.option("--weights", type=Weights(), default="0.5,0.5", show_default=True,
              help="Hybrid weights BM25,DENSE.")
@click.option("--json", "json_out", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Also write the results (with per-query values) to this JSON file.")
@click.option("--max-seq-length", type=click.IntRange(min=16, max=8192), default=None,
              help="Passage window in tokens for PyTorch models (default: each model's own; an ONNX export "
              "keeps the window it was exported with).")
@prompt_options
@skip_invalid_option
@relevant_grade_option
def eval_command(dataset, models, split, metrics, bm25, hybrid, technique, weights, json_out, max_seq_length,
                 query_prompt, passage_prompt, skip_invalid, relevant_grade) -> None:
    """Evaluate retrieval on a split with ir-measures (graded NDCG; binary metrics from the relevant grade)."""
    from legalsearch.comparison import compare
    from legalsearch.encoders import load_encoder
    from legalsearch.hybrid import HybridConfig

    ds = load_dataset_or_fail(dataset, skip_invalid, relevant_grade, splits=(split,))
    labelled = [model_label(m) for m in models]
    labels = [label for label, _ in labelled]
    repeated = sorted({label for label in labels if labels.count(label) > 1})
    if repeated:
        raise click.UsageError(f"two --model values have the label {repeated[0]!r}; name them with NAME=PATH")
    encoders = {label: load_encoder(spec, max_seq_length=max_seq_length, query_prompt=query_prompt,
                                             passage_prompt=passage_prompt) for label, spec in labelled}
    result = compare(ds, split, encoders, include_bm25=bm25, hybrid_of=labels[-1] if hybrid and labels else None,
                     hybrid=HybridConfig(technique, weights), metrics=metrics,
                     baseline=labels[0] if len(labels) > 1 else None, show_progress=True)
    click.echo(result.table.to_table())
    if json_out:
        data = result.table.to_dict()
        data["per_query"] = {row.name: row.per_query for row in result.table.rows}
        json_out.parent.mkdir(parents=True, exist_ok=True)
        json_out.write_text(json.dumps(data, indent=2))
        click.echo(f"Wrote {json_out}", err=True)


def model_label(value: str) -> tuple[str, str]:
    """``NAME=MODEL`` → (NAME, MODEL); a local path is labelled relative to the working directory (two
    ``model`` folders in different runs stay two rows); a hub name is its own label."""
    name, sep, spec = value.partition("=")
    if sep and name and not Path(value).exists():
        return name, spec
    path = Path(value)
    if path.exists():
        try:
            return str(path.resolve().relative_to(Path.cwd().resolve())), value
        except ValueError:  # outside the working directory
            return str(path.resolve()), value
    return value, value

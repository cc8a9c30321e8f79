"""``legalsearch demo``: the whole offline pipeline on the bundled sample with the bundled base model.

validate → mine hard negatives → fine-tune → evaluate (BM25, base, fine-tuned, hybrid) → export int8 ONNX.
No cluster and no network; a few minutes on two CPU cores.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import click

from legalsearch.commands.options import base_option, budget_option, dataset_option, load_dataset_or_fail, \
    recipe_file_option, recipe_flag, resolve_recipe, skip_invalid_option

# The default recipe's CPU budget is sized for ~1,500 training pairs; the demo scales it to the sample's pairs.
REFERENCE_PAIRS = 1500
MIN_DEMO_BUDGET_MINUTES = 3.0


def demo_budget_minutes(recipe, pairs: int, device: str) -> float:
    """The recipe's budget for this device scaled by ``pairs`` / :data:`REFERENCE_PAIRS`, at least 3 minutes."""
    return max(MIN_DEMO_BUDGET_MINUTES, recipe.budget_seconds(device) / 60 * pairs / REFERENCE_PAIRS)


@click.command()
@dataset_option
@base_option
@click.option("--out", "-o", type=click.Path(file_okay=False, path_type=Path), default="runs/demo",
              show_default=True, help="Directory for triplets, model, export and results.")
@recipe_file_option
@recipe_flag("--epochs", field="epochs", type=click.IntRange(min=1), help="Epochs")
@budget_option
@click.option("--export/--no-export", "do_export", default=True, show_default=True,
              help="Export the fine-tuned model to int8 ONNX with the quality gate.")
@recipe_flag("--seed", field="seed", type=int, help="Random seed")
@skip_invalid_option
def demo(dataset, base_model, out, recipe_file, epochs, budget_minutes, do_export, seed, skip_invalid) -> None:
    """Run validate → mine → train → eval → export end to end (default: bundled sample, offline MiniLM).

    It uses the same recipe as `train` and `bench`, with the time budget scaled to the sample's size.
    """
    import contextlib
    import sys

    from legalsearch.commands.train_cmd import describe_training
    from legalsearch.comparison import compare
    from legalsearch.encoders import OFFLINE_MODEL_NAME, default_device, load_encoder, resolve_model_name
    from legalsearch.finetune import fine_tune, fit_recipe_window
    from legalsearch.mining import mine
    from legalsearch.training import clean_checkpoints

    recipe = resolve_recipe(recipe_file, epochs=epochs, budget_minutes=budget_minutes, seed=seed)
    started = time.time()
    out.mkdir(parents=True, exist_ok=True)
    ds = load_dataset_or_fail(dataset, skip_invalid)
    click.echo(f"[1/5] data: {ds.path} — " + ", ".join(f"{k} {v}" for k, v in ds.report.counts.items()))

    name, provenance = resolve_model_name(base_model or OFFLINE_MODEL_NAME)
    if recipe.is_default("budget_minutes"):
        pairs = sum(len(p) for p in ds.positives("train").values())
        minutes = demo_budget_minutes(recipe, pairs, default_device())
        recipe = recipe.fitted("budget_minutes", round(minutes, 2),
                               f"the default budget scaled to the sample's {pairs} training pairs "
                               f"(of {REFERENCE_PAIRS}), at least {MIN_DEMO_BUDGET_MINUTES:g} minutes")
    recipe = fit_recipe_window(recipe, ds, name)
    click.echo(f"[2/5] mining hard negatives with {provenance} ({recipe.negatives} per pair, "
               f"{recipe.max_seq_length}-token window: {recipe.source('max_seq_length')})")
    base = load_encoder(name, max_seq_length=recipe.window())
    report = mine(ds, base, recipe.mining_config(), out / "triplets.jsonl", show_progress=True)
    click.echo(f"      {report.triplets} triplets; {report.dropped_by_guard} candidates dropped by the "
               f"false-negative guard, {report.excluded_judged} judged-relevant excluded")

    click.echo(f"[3/5] fine-tuning (the recipe: up to {recipe.epochs} epoch{'s' * (recipe.epochs != 1)}, lr "
               f"{recipe.learning_rate:g}, MultipleNegativesRankingLoss with hard negatives, "
               f"{recipe.budget_minutes:g}-minute budget)")
    model_dir = out / "model"
    with contextlib.redirect_stdout(sys.stderr):
        training = fine_tune(ds, out / "triplets.jsonl", name, model_dir, recipe, provenance, started=started)
    clean_checkpoints(model_dir)
    for line in describe_training(training):
        click.echo(f"      {line}")

    click.echo("[4/5] evaluating on the test split")
    tuned = load_encoder(model_dir)
    result = compare(ds, "test", {"base": base, "fine-tuned": tuned}, hybrid_of="fine-tuned", baseline="base")
    click.echo(result.table.to_table())
    results_path = result.table.save(out / "results.json")
    for line in read_the_table(result.table, ds, "test"):
        click.echo(f"      {line}")

    if do_export:
        click.echo("[5/5] exporting int8 ONNX with the quality gate")
        from legalsearch.exporter.export import export_model

        exported = export_model(model_dir, out / "export", dataset=ds, allow_degraded=True, overwrite=True)
        for line in describe_gate(exported.report):
            click.echo(f"      {line}")
        click.echo(f"      deployable: {exported.deployable} → {out / 'export'}")
    else:
        click.echo("[5/5] export skipped (--no-export)")
    summary = {"seconds": round(time.time() - started, 1), "dev_history": training["dev_history"],
               "outputs": str(out)}
    (out / "demo_summary.json").write_text(json.dumps(summary, indent=2))
    click.echo(f"Done in {summary['seconds']} s. Results: {results_path}; model: {model_dir}/"
               + (f"; export: {out / 'export'}/" if do_export else ""))
    click.echo("Next: your own data with `legalsearch bench -d YOUR_DATASET` (intervals, speed), or a cluster "
               f"with `legalsearch deploy sample --export {out / 'export'}` (see README: Running OpenSearch)")


def describe_gate(report) -> list[str]:
    """The quality gate's figures in two lines: what int8 costs against PyTorch, and what was chosen."""
    lines = []
    cosine = [f"{name} {value:.4f}" for name, value in (("queries", report.query_cosine),
                                                         ("documents", report.document_cosine)) if value is not None]
    if cosine:
        lines.append("quality gate: int8 vs PyTorch mean cosine " + ", ".join(cosine)
                     + (f"; NDCG@10 loss vs fp32 {report.ndcg_loss:+.4f} on {report.gate.ndcg['split']}"
                        if report.ndcg_loss is not None else ""))
    if report.gate_passed:
        lines.append(f"int8 passed (scheme {report.int8_scheme or 'default'})")
    else:
        lines.append("int8 failed the gate (" + "; ".join(report.gate.reasons) + "): fp32 is deployable")
    return lines


def read_the_table(table, dataset, split: str, metric: str = "ndcg@10") -> list[str]:
    """A plain-words reading of the demo's table, computed from it (not written in advance): who leads, what
    fine-tuning changed query by query, and why BM25 may lead on this data."""
    rows = {row.name: row for row in table.rows}
    leader = max(table.rows, key=lambda row: row.means[metric])
    queries = len(next(iter(rows.values())).per_query[metric])
    lines = [f"Reading: on these {queries} {split} queries {leader.name} leads ({metric} {leader.means[metric]:.3f})."]
    if "base" in rows and "fine-tuned" in rows:
        base, tuned = rows["base"], rows["fine-tuned"]
        better = sum(tuned.per_query[metric][q] > base.per_query[metric][q] + 1e-9 for q in base.per_query[metric])
        worse = sum(tuned.per_query[metric][q] < base.per_query[metric][q] - 1e-9 for q in base.per_query[metric])
        change = tuned.means[metric] - base.means[metric]
        lines.append(f"Fine-tuning {'raised' if change >= 0 else 'lowered'} the base model from "
                     f"{base.means[metric]:.3f} to {tuned.means[metric]:.3f} ({change:+.3f}): better on {better} "
                     f"queries, worse on {worse}.")
        if "bm25" in rows and rows["bm25"].means[metric] > tuned.means[metric]:
            overlap = query_word_overlap(dataset, split)
            lines.append(f"BM25 beats the dense models here: on average {overlap:.0%} of a query's words appear in "
                         "its relevant document, and exact matching rewards that; the hybrid fuses both.")
    lines.append("A sample this small decides nothing: `legalsearch bench` adds confidence intervals.")
    return lines


def query_word_overlap(dataset, split: str) -> float:
    """Mean share of a query's distinct words (3+ letters or digits) found in its most relevant document."""
    import re

    def words(text: str) -> set[str]:
        return {w for w in re.findall(r"[a-z0-9]+", text.lower()) if len(w) > 2}

    shares = []
    for qid, judged in dataset.qrels_for(split).items():
        query = words(dataset.queries[qid])
        best = max(judged, key=judged.get)
        if query and best in dataset.corpus:
            shares.append(len(query & words(dataset.corpus[best].full_text)) / len(query))
    return sum(shares) / len(shares) if shares else 0.0

"""``legalsearch train``: contrastive fine-tuning on mined triplets with the recipe, best dev checkpoint kept."""

from __future__ import annotations

import contextlib
import json
import sys
from pathlib import Path

import click

from legalsearch.commands.options import Window, base_option, budget_option, dataset_option, \
    load_dataset_or_fail, prompt_options, recipe_file_option, recipe_flag, relevant_grade_option, resolve_recipe, \
    skip_invalid_option


@click.command()
@dataset_option
@base_option
@click.option("--triplets", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              default="runs/triplets.jsonl", show_default=True, help="Triplets from `legalsearch mine`.")
@click.option("--out", "-o", type=click.Path(file_okay=False, path_type=Path), default="runs/model",
              show_default=True, help="Directory for the fine-tuned model and training_report.json.")
@recipe_file_option
@recipe_flag("--epochs", field="epochs", type=click.IntRange(min=1), help="Epochs")
@recipe_flag("--batch-size", field="batch_size", type=click.IntRange(min=2), help="Rows per batch")
@recipe_flag("--lr", field="learning_rate", type=click.FloatRange(min=0, min_open=True), help="Learning rate")
@recipe_flag("--warmup-ratio", field="warmup_ratio", type=click.FloatRange(0, 1), help="Share of steps warming up")
@recipe_flag("--max-seq-length", field="max_seq_length", type=Window(),
             help="Tokens per text: a number, 'model' (the model's own) or 'auto' (the window the triplets were "
             "mined at, else the 95th percentile of the corpus's token lengths)")
@recipe_flag("--variance-reduction", field="variance_reduction", type=click.Choice(["none", "interpolate"]),
             help="'interpolate': keep base + a x (tuned - base) with a in {0, 0.5, 1} chosen on dev")
@budget_option
@click.option("--cached-loss", is_flag=True, default=None,
              help="CachedMultipleNegativesRankingLoss: big batches, bounded memory (default: when a batch's "
              "attention maps would exceed 1.5 GB).")
@click.option("--mini-batch-size", type=click.IntRange(min=1), default=8, show_default=True,
              help="Chunk size of the cached loss.")
@click.option("--group-by-length/--no-group-by-length", default=None,
              help="Put rows of similar length in the same batch (batch order still shuffled): less padding, "
              "faster CPU training on corpora of mixed clause lengths (recipe: on).")
@click.option("--max-steps", type=int, default=-1, help="Stop after this many optimizer steps (smoke runs).")
@click.option("--eval-steps", type=click.IntRange(min=0), default=0,
              help="Evaluate and checkpoint every N steps instead of every epoch.")
@click.option("--eval-split", default=None,
              help="Choose the checkpoint on this split as it is (default: dev when it has at least 30 queries, "
              "else dev carved from train, else cross-validation; see docs/pipeline.md).")
@click.option("--auto", "auto", is_flag=True,
              help="Choose the learning rate (the recipe's or 3x), the negatives (all mined, or 1) and the epochs by "
              "k-fold cross-validation over the train plus dev queries inside the budget, record the table of "
              "candidates in training_report.json, then train on all queries.")
@click.option("--resume", type=click.Path(exists=True, file_okay=False, path_type=Path), default=None,
              help="Checkpoint directory to resume from (OUT/checkpoints/checkpoint-N).")
@click.option("--device", default=None,
              help="PyTorch device: cpu, cuda, cuda:1, mps (default: LEGALSEARCH_DEVICE, else CUDA when present, "
              "else CPU).")
@prompt_options
@recipe_flag("--seed", field="seed", type=int, help="Random seed")
@skip_invalid_option
@relevant_grade_option
def train(dataset, base_model, triplets, out, recipe_file, epochs, batch_size, learning_rate, warmup_ratio,
          max_seq_length, variance_reduction, budget_minutes, cached_loss, mini_batch_size, group_by_length,
          max_steps, eval_steps, eval_split, auto, resume, device, query_prompt, passage_prompt, seed, skip_invalid,
          relevant_grade) -> None:
    """Fine-tune the base model with MultipleNegativesRankingLoss and hard negatives; keep the best dev epoch.

    Settings come from the recipe (docs/pipeline.md), then --recipe FILE, then the flags; training_report.json
    records each value and where it came from, and says in plain words whether fine-tuning beat the base model.

    \b
    Several processes (DistributedDataParallel; one per GPU, or gloo on CPU), --batch-size per process:
      torchrun --nproc_per_node 4 -m legalsearch train -d DATASET --triplets T.jsonl -o OUT
    Rank 0 alone writes OUT and prints the summary (docs/pipeline.md).
    """
    from legalsearch.distributed import is_main
    from legalsearch.encoders import resolve_model_name
    from legalsearch.finetune import auto_select, fine_tune

    recipe = resolve_recipe(recipe_file, epochs=epochs, batch_size=batch_size, learning_rate=learning_rate,
                            warmup_ratio=warmup_ratio, max_seq_length=max_seq_length,
                            variance_reduction=variance_reduction, budget_minutes=budget_minutes,
                            group_by_length=group_by_length, seed=seed,
                            cached_loss=("on" if cached_loss else None))
    ds = load_dataset_or_fail(dataset, skip_invalid, relevant_grade)
    name, provenance = resolve_model_name(base_model)
    if is_main():
        click.echo(f"Base model: {provenance}", err=True)
    prompts = {"query_prompt": query_prompt, "passage_prompt": passage_prompt}
    # transformers' progress callback prints each log dict to stdout, which is this command's JSON channel
    # (`legalsearch train > train.json` must parse): send the library's prints to stderr while it trains.
    with contextlib.redirect_stdout(sys.stderr):
        if auto:
            report = auto_select(ds, triplets, name, out, recipe, provenance, device=device, max_steps=max_steps,
                                 prompts=prompts)
        else:
            report = fine_tune(ds, triplets, name, out, recipe, provenance, device=device, resume_from=resume,
                               max_steps=max_steps, eval_steps=eval_steps, eval_split=eval_split,
                               mini_batch_size=mini_batch_size, prompts=prompts)
    if not is_main():  # under torchrun every process trains; rank 0 speaks for them
        return
    click.echo(json.dumps({k: report.get(k) for k in ("dev_before_training", "dev_history", "kept_base_model",
                                                       "tuned_beats_base", "verdict", "dev_plan",
                                                       "stopped_by_budget", "wall_time_s")}, indent=2))
    for line in describe_training(report):
        click.echo(line, err=True)
    click.echo(f"Saved the fine-tuned model to {out}", err=True)


def describe_training(report: dict) -> list[str]:
    """What the recipe chose and why, the dev plan, the budget, the verdict and which model was kept (base or
    fine-tuned), in a few lines (stderr; ``bench`` and ``demo`` print the same)."""
    lines = []
    plan = report.get("dev_plan") or {}
    if plan.get("reason"):
        lines.append(f"Dev: {plan['method']} — {plan['reason']}")
    recipe = report.get("recipe") or {}
    for name, source in (recipe.get("provenance") or {}).items():
        if source.startswith("fitted"):
            lines.append(f"Recipe: {name} = {recipe['values'][name]} ({source})")
    budget = report.get("budget")
    if budget:
        lines.append(f"Budget: {budget['reason']}")
    if report.get("stopped_by_budget"):
        lines.append("The time budget ran out: training stopped at the best evaluated checkpoint."
                     if report.get("dev_history") else "The time budget ran out: training stopped at that step.")
    for name, share in ((report.get("data") or {}).get("sources") or {}).items():
        lines.append(f"  source {name}: {share['rows']} triplet rows ({share['share']:.0%})")
    for row in (report.get("auto") or {}).get("candidates", []):
        lines.append(f"  candidate {row['candidate']}: best epoch {row['best_epoch']}, "
                     f"{'n/a' if row['ndcg@10'] is None else format(row['ndcg@10'], '.4f')} ndcg@10 on held-out folds")
    if report.get("verdict"):
        lines.append(report["verdict"])
    if report.get("decision"):  # which model came out, in one line (deploy repeats it from training_report.json)
        lines.append(report["decision"])
    return lines

"""``legalsearch train``: contrastive fine-tuning on mined triplets, best dev checkpoint kept."""

from __future__ import annotations

import contextlib
import json
import sys
from pathlib import Path

import click

from legalsearch.commands.options import base_option, dataset_option, load_dataset_or_fail, prompt_options, \
    relevant_grade_option, seed_option, skip_invalid_option


@click.command()
@dataset_option
@base_option
@click.option("--triplets", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              default="runs/triplets.jsonl", show_default=True, help="Triplets from `legalsearch mine`.")
@click.option("--out", "-o", type=click.Path(file_okay=False, path_type=Path), default="runs/model",
              show_default=True, help="Directory for the fine-tuned model and training_report.json.")
@click.option("--epochs", type=click.IntRange(min=1), default=1, show_default=True)
@click.option("--batch-size", type=click.IntRange(min=2), default=16, show_default=True)
@click.option("--lr", "learning_rate", type=click.FloatRange(min=0, min_open=True), default=2e-5, show_default=True)
@click.option("--warmup-ratio", type=click.FloatRange(0, 1), default=0.1, show_default=True)
@click.option("--max-seq-length", type=click.IntRange(min=16, max=8192), default=None,
              help="Truncate inputs to this many tokens (default: the model's own).")
@click.option("--cached-loss", is_flag=True, help="CachedMultipleNegativesRankingLoss: big batches, bounded memory.")
@click.option("--mini-batch-size", type=click.IntRange(min=1), default=8, show_default=True,
              help="Chunk size of the cached loss.")
@click.option("--group-by-length/--no-group-by-length", default=True, show_default=True,
              help="Put rows of similar length in the same batch (batch order still shuffled): less padding, "
              "faster CPU training on corpora of mixed clause lengths.")
@click.option("--max-steps", type=int, default=-1, help="Stop after this many optimizer steps (smoke runs).")
@click.option("--eval-steps", type=click.IntRange(min=0), default=0,
              help="Evaluate and checkpoint every N steps instead of every epoch.")
@click.option("--resume", type=click.Path(exists=True, file_okay=False, path_type=Path), default=None,
              help="Checkpoint directory to resume from (OUT/checkpoints/checkpoint-N).")
@click.option("--device", default=None,
              help="PyTorch device: cpu, cuda, cuda:1, mps (default: LEGALSEARCH_DEVICE, else CUDA when present, "
              "else CPU).")
@prompt_options
@seed_option
@skip_invalid_option
@relevant_grade_option
def train(dataset, base_model, triplets, out, epochs, batch_size, learning_rate, warmup_ratio, max_seq_length,
          cached_loss, mini_batch_size, group_by_length, max_steps, eval_steps, resume, device, query_prompt,
          passage_prompt, seed, skip_invalid, relevant_grade) -> None:
    """Fine-tune the base model with MultipleNegativesRankingLoss and hard negatives; keep the best dev epoch.

    \b
    Several processes (DistributedDataParallel; one per GPU, or gloo on CPU), --batch-size per process:
      torchrun --nproc_per_node 4 -m legalsearch train -d DATASET --triplets T.jsonl -o OUT
    Rank 0 alone writes OUT and prints the summary (docs/pipeline.md).
    """
    from legalsearch.distributed import is_main
    from legalsearch.encoders import resolve_model_name
    from legalsearch.training import TrainingConfig, train as run_training

    ds = load_dataset_or_fail(dataset, skip_invalid, relevant_grade)
    name, provenance = resolve_model_name(base_model)
    if is_main():
        click.echo(f"Base model: {provenance}", err=True)
    config = TrainingConfig(epochs=epochs, batch_size=batch_size, learning_rate=learning_rate,
                            warmup_ratio=warmup_ratio, seed=seed, max_seq_length=max_seq_length,
                            cached_loss=cached_loss, mini_batch_size=mini_batch_size, max_steps=max_steps,
                            eval_steps=eval_steps, device=device, group_by_length=group_by_length,
                            query_prompt=query_prompt, passage_prompt=passage_prompt)
    # transformers' progress callback prints each log dict to stdout, which is this command's JSON channel
    # (`legalsearch train > train.json` must parse): send the library's prints to stderr while it trains.
    with contextlib.redirect_stdout(sys.stderr):
        report = run_training(ds, triplets, name, out, config, resume_from=resume, base_provenance=provenance)
    if not is_main():  # under torchrun every process trains; rank 0 speaks for them
        return
    click.echo(json.dumps({k: report[k] for k in ("dev_before_training", "dev_history", "kept_base_model",
                                                   "wall_time_s")}, indent=2))
    for name, share in (report["data"].get("sources") or {}).items():
        click.echo(f"  source {name}: {share['rows']} triplet rows ({share['share']:.0%})", err=True)
    click.echo(f"Saved the fine-tuned model to {out}", err=True)

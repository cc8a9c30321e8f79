"""``legalsearch mine``: hard negatives for the train split, written as triplets JSONL."""

from __future__ import annotations

import json
from pathlib import Path

import click

from legalsearch.commands.options import base_option, dataset_option, load_dataset_or_fail, prompt_options, \
    relevant_grade_option, seed_option, skip_invalid_option


@click.command()
@dataset_option
@base_option
@click.option("--out", "-o", type=click.Path(dir_okay=False, path_type=Path), default="runs/triplets.jsonl",
              show_default=True, help="Triplets JSONL to write.")
@click.option("--sources", default="bm25,dense,judged", show_default=True,
              help="Candidate sources: bm25, dense (base model), judged (qrels graded below relevant).")
@click.option("--negatives", "-n", type=click.IntRange(min=1), default=3, show_default=True,
              help="Hard negatives per (query, positive).")
@click.option("--rank-start", type=click.IntRange(min=0), default=3, show_default=True,
              help="Skip this many top candidates of each list (where unlabelled positives hide).")
@click.option("--rank-end", type=click.IntRange(min=1), default=60, show_default=True,
              help="Use candidates ranked below this.")
@click.option("--guard-ratio", type=click.FloatRange(0, 1), default=0.95, show_default=True,
              help="False-negative guard: drop candidates the base model scores above this fraction of the "
              "positive's score (0 disables).")
@click.option("--max-seq-length", type=click.IntRange(min=16, max=8192), default=None,
              help="Passage length in tokens for the base model (default: the model's own); use the value you "
              "will train with, since positives and negatives are cut to it.")
@click.option("--split", default="train", show_default=True, help="Split to mine for.")
@prompt_options
@seed_option
@skip_invalid_option
@relevant_grade_option
def mine(dataset, base_model, out, sources, negatives, rank_start, rank_end, guard_ratio, max_seq_length, split,
         query_prompt, passage_prompt, seed, skip_invalid, relevant_grade) -> None:
    """Mine hard negatives with BM25 and/or the base model, never using a judged-relevant document."""
    from legalsearch.encoders import load_encoder, resolve_model_name
    from legalsearch.mining import MiningConfig, mine as run_mining

    try:
        config = MiningConfig(sources=tuple(s.strip() for s in sources.split(",") if s.strip()),
                              num_negatives=negatives, rank_start=rank_start, rank_end=rank_end,
                              guard_ratio=guard_ratio, seed=seed, split=split)
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from exc
    ds = load_dataset_or_fail(dataset, skip_invalid, relevant_grade)
    name, provenance = resolve_model_name(base_model)
    click.echo(f"Base model: {provenance}", err=True)
    report = run_mining(ds, load_encoder(name, max_seq_length=max_seq_length, query_prompt=query_prompt,
                                              passage_prompt=passage_prompt), config, out, show_progress=True)
    click.echo(json.dumps(report.to_dict(), indent=2))
    click.echo(f"Wrote {report.triplets} triplets to {out}", err=True)

"""``legalsearch mine``: hard negatives for the train split, written as triplets JSONL."""

from __future__ import annotations

import json
from pathlib import Path

import click

from legalsearch.commands.options import Window, base_option, dataset_option, load_dataset_or_fail, \
    prompt_options, recipe_file_option, recipe_flag, relevant_grade_option, resolve_recipe, skip_invalid_option


@click.command()
@dataset_option
@base_option
@click.option("--out", "-o", type=click.Path(dir_okay=False, path_type=Path), default="runs/triplets.jsonl",
              show_default=True, help="Triplets JSONL to write.")
@recipe_file_option
@recipe_flag("--sources", field="negative_sources",
             help="Candidate sources: bm25, dense (base model), judged (qrels graded below relevant)")
@recipe_flag("--negatives", "-n", field="negatives", type=click.IntRange(min=1),
             help="Hard negatives per (query, positive)")
@recipe_flag("--rank-start", field="rank_start", type=click.IntRange(min=0),
             help="Skip this many top candidates of each list (where unlabelled positives hide)")
@recipe_flag("--rank-end", field="rank_end", type=click.IntRange(min=1), help="Use candidates ranked below this")
@recipe_flag("--guard-ratio", field="guard_ratio", type=click.FloatRange(0, 1),
             help="False-negative guard: drop candidates the base model scores above this fraction of the "
             "positive's score (0 disables)")
@recipe_flag("--max-seq-length", field="max_seq_length", type=Window(),
             help="Passage length in tokens: a number, 'model' (the model's own) or 'auto' (95th percentile of "
             "the corpus's token lengths, capped at the model's); `train` reads it from the triplets' report")
@click.option("--split", default="train", show_default=True, help="Split to mine for.")
@prompt_options
@recipe_flag("--seed", field="seed", type=int, help="Random seed")
@skip_invalid_option
@relevant_grade_option
def mine(dataset, base_model, out, recipe_file, negative_sources, negatives, rank_start, rank_end, guard_ratio,
         max_seq_length, split, query_prompt, passage_prompt, seed, skip_invalid, relevant_grade) -> None:
    """Mine hard negatives with BM25 and/or the base model, never using a judged-relevant document."""
    from legalsearch.encoders import load_encoder, resolve_model_name
    from legalsearch.finetune import fit_recipe_window
    from legalsearch.mining import mine as run_mining

    recipe = resolve_recipe(recipe_file, negative_sources=negative_sources, negatives=negatives, rank_start=rank_start,
                            rank_end=rank_end, guard_ratio=guard_ratio, max_seq_length=max_seq_length, seed=seed)
    try:
        config = recipe.mining_config(split)
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from exc
    ds = load_dataset_or_fail(dataset, skip_invalid, relevant_grade)
    name, provenance = resolve_model_name(base_model)
    click.echo(f"Base model: {provenance}", err=True)
    recipe = fit_recipe_window(recipe, ds, name)
    click.echo(f"Window: {recipe.max_seq_length} tokens ({recipe.source('max_seq_length')})", err=True)
    report = run_mining(ds, load_encoder(name, max_seq_length=recipe.window(), query_prompt=query_prompt,
                                         passage_prompt=passage_prompt), config, out, show_progress=True)
    data = {**report.to_dict(), "recipe": recipe.to_dict()}
    Path(out).with_suffix(".report.json").write_text(json.dumps(data, indent=2))
    click.echo(json.dumps(report.to_dict(), indent=2))
    click.echo(f"Wrote {report.triplets} triplets to {out}", err=True)
    if note := report.guard_note():
        click.echo(f"Note: {note}; here --guard-ratio", err=True)

"""Click options and parameter types shared by several commands (one definition each)."""

from __future__ import annotations

from pathlib import Path

import click

from legalsearch.data import sample_dataset_path


class DatasetPath(click.ParamType):
    """A BEIR dataset directory, or ``sample`` for the bundled sample (``file_okay``: or a corpus.jsonl file)."""

    name = "DATASET"

    def __init__(self, file_okay: bool = False):
        self.file_okay = file_okay

    def convert(self, value, param, ctx):
        if value == "sample":
            return sample_dataset_path()
        return click.Path(exists=True, file_okay=self.file_okay, path_type=Path).convert(value, param, ctx)


class MetricList(click.ParamType):
    """Comma-separated metric names such as ``ndcg@10,recall@20,mrr@10``."""

    name = "METRICS"

    def convert(self, value, param, ctx):
        from legalsearch.evaluation import validate_metrics

        if isinstance(value, tuple):
            return value
        try:
            return validate_metrics(tuple(m.strip() for m in value.split(",") if m.strip()))
        except ValueError as exc:
            self.fail(str(exc), param, ctx)


class Weights(click.ParamType):
    """Two comma-separated weights in [0, 1] summing to 1: ``BM25,DENSE``.

    Parsed by :func:`legalsearch.hybrid.parse_weights`, the one parser that `eval` and `deploy` share, so both
    accept and reject exactly the same values.
    """

    name = "BM25,DENSE"

    def convert(self, value, param, ctx):
        if isinstance(value, (list, tuple)):
            return tuple(value)
        from legalsearch.errors import DataError
        from legalsearch.hybrid import parse_weights

        try:
            return parse_weights(value)
        except DataError as exc:
            self.fail(str(exc), param, ctx)


dataset_option = click.option(
    "--dataset", "-d", type=DatasetPath(), default="sample", show_default=True,
    help="BEIR dataset directory (corpus.jsonl, queries.jsonl, qrels/{split}.tsv), or 'sample' for the bundled one.",
)
skip_invalid_option = click.option(
    "--skip-invalid", is_flag=True,
    help="Skip malformed rows instead of stopping; every skipped row is counted and reported by reason.",
)
relevant_grade_option = click.option(
    "--relevant-grade", type=click.IntRange(min=1), default=None,
    help="Grade from which a judgement is relevant (default: read from qrels/*_binary.tsv when present, else 1).",
)
base_option = click.option(
    "--base", "base_model", default=None, metavar="MODEL",
    help="Base model: a sentence-transformers directory, a hub name, or 'offline-minilm' for the bundled "
    "all-MiniLM-L6-v2 (default: BAAI/bge-base-en-v1.5 when the hub is reachable, else offline-minilm).",
)
seed_option = click.option("--seed", type=int, default=42, show_default=True, help="Random seed.")


def prompt_options(func):
    """``--query-prompt`` / ``--passage-prompt``: replace the model's own prompts (legalsearch.prompts)."""
    func = click.option(
        "--passage-prompt", default=None, metavar="TEXT",
        help="Prepend TEXT to every passage instead of the model's own passage prompt from "
        "config_sentence_transformers.json ('' for none), e.g. 'passage: ' for E5.")(func)
    return click.option(
        "--query-prompt", default=None, metavar="TEXT",
        help="Prepend TEXT to every query instead of the model's own query prompt ('' for none), e.g. 'query: ' "
        "for E5.")(func)


def load_dataset_or_fail(dataset, skip_invalid=False, relevant_grade=None, splits=None):
    """Load a dataset and print what was skipped, so skipping is never silent."""
    from legalsearch.data import load_dataset

    data = load_dataset(dataset, splits=splits, skip_invalid=skip_invalid, relevant_grade=relevant_grade)
    print_skipped(data.report)
    return data


def print_skipped(report) -> None:
    """Every skipped row, counted by reason with the first place it occurred (on stderr)."""
    if report.total_skipped:
        click.echo(f"Skipped {report.total_skipped} invalid rows:", err=True)
        for reason, count in report.skipped.most_common():
            click.echo(f"  {count:6d}  {reason}  (first at {report.examples[reason]})", err=True)


class RecipeFile(click.ParamType):
    """A recipe file (JSON or TOML), read and checked now so that a bad file fails before any work."""

    name = "FILE"

    def convert(self, value, param, ctx):
        if isinstance(value, Path) or value is None:
            return value
        path = click.Path(exists=True, dir_okay=False, path_type=Path).convert(value, param, ctx)
        from legalsearch.errors import RecipeError
        from legalsearch.recipe import resolve

        try:
            resolve(path)
        except RecipeError as exc:
            self.fail(str(exc), param, ctx)
        return path


class Window(click.ParamType):
    """``auto``, ``model`` or a token count (16 to 8192)."""

    name = "TOKENS|auto|model"

    def convert(self, value, param, ctx):
        if isinstance(value, int) or value in ("auto", "model"):
            return value
        try:
            number = int(value)
        except ValueError:
            self.fail(f"{value!r} is not auto, model or a whole number of tokens", param, ctx)
        if not 16 <= number <= 8192:
            self.fail(f"{number} is not between 16 and 8192 tokens", param, ctx)
        return number


def _recipe_default(name: str) -> str:
    from legalsearch.recipe import DEFAULT

    value = getattr(DEFAULT, name)
    return ",".join(value) if isinstance(value, tuple) else str(value)


recipe_file_option = click.option(
    "--recipe", "recipe_file", type=RecipeFile(), default=None,
    help="Recipe file (JSON or TOML, the field names of docs/pipeline.md 'The recipe'); flags override it, it "
    "overrides the built-in recipe.")
budget_option = click.option(
    "--budget", "budget_minutes", type=click.FloatRange(min=0, min_open=True), default=None, metavar="MINUTES",
    help="Minutes for mining plus training; the schedule is fitted to it and training stops at the best "
    "evaluated checkpoint when it runs out (default: CPU 30, CUDA 120).")


def recipe_flag(*names, field: str, help: str, **kwargs):
    """A flag that overrides recipe field ``field``; not given = the recipe's value (shown in the help)."""
    return click.option(*names, field, default=None, help=f"{help} (recipe: {_recipe_default(field)})", **kwargs)


def resolve_recipe(recipe_file, **flags):
    """The built-in recipe, then the file, then the flags that were given; a bad value is a usage error."""
    from legalsearch.errors import RecipeError
    from legalsearch.recipe import resolve

    try:
        return resolve(recipe_file, flags)
    except RecipeError as exc:
        raise click.UsageError(str(exc)) from exc

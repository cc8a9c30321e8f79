"""``legalsearch data``: validate a dataset, or build one from labelled pairs / click logs."""

from __future__ import annotations

import json
from pathlib import Path

import click

from legalsearch.commands.options import dataset_option, load_dataset_or_fail, relevant_grade_option, seed_option, \
    skip_invalid_option


@click.group()
def data() -> None:
    """Validate datasets and turn pairs or click logs into train/dev/test splits."""


@data.command()
@dataset_option
@skip_invalid_option
@relevant_grade_option
@click.option("--json", "as_json", is_flag=True, help="Print the validation report as JSON.")
def validate(dataset, skip_invalid, relevant_grade, as_json) -> None:
    """Check a BEIR dataset: every line parses, ids are unique, qrels ids exist, splits are disjoint and non-empty."""
    ds = load_dataset_or_fail(dataset, skip_invalid, relevant_grade)
    warnings = missing_split_warnings(ds.qrels)
    summary = {"dataset": str(ds.path), "relevant_grade": ds.relevant_grade, **ds.report.to_dict(),
               "warnings": warnings}
    if as_json:
        click.echo(json.dumps(summary, indent=2))
        return
    click.echo(f"{ds.path}: OK" + (f" ({len(warnings)} warning{'s' * (len(warnings) > 1)})" if warnings else ""))
    for key, value in ds.report.counts.items():
        click.echo(f"  {key:20s} {value}")
    click.echo(f"  {'relevant_grade':20s} {ds.relevant_grade}")
    for warning in warnings:
        click.echo(f"warning: {warning}", err=True)


# split -> the commands that read it by default, and what they do with it
SPLIT_USES = {
    "train": "`mine` and `train` learn from it",
    "dev": "`train` scores each epoch on it and `bench` tunes the hybrid weights on it",
    "test": "`eval` and `bench` report on it",
}


def missing_split_warnings(qrels: dict) -> list[str]:
    """A dataset can be valid and still lack a split a later command needs by default: say so now."""
    return [f"no '{split}' split (qrels/{split}.tsv): {uses}" for split, uses in SPLIT_USES.items()
            if split not in qrels]


@data.command("from-pairs")
@click.argument("corpus", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.argument("pairs", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--queries", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="queries.jsonl, when PAIRS refers to queries by query_id.")
@click.option("--out", "-o", type=click.Path(file_okay=False, path_type=Path), required=True,
              help="Directory to write the BEIR dataset to.")
@click.option("--min-clicks", type=click.IntRange(min=1), default=1, show_default=True,
              help="Clicks needed for a click-log pair to count as relevant.")
@click.option("--dev-fraction", type=click.FloatRange(0, 1, max_open=True), default=0.15, show_default=True)
@click.option("--test-fraction", type=click.FloatRange(0, 1, max_open=True), default=0.2, show_default=True)
@seed_option
@skip_invalid_option
def from_pairs(corpus, pairs, queries, out, min_clicks, dev_fraction, test_fraction, seed, skip_invalid) -> None:
    """Build a BEIR dataset from CORPUS (corpus.jsonl) and PAIRS (labels or click counts, JSONL/TSV/CSV).

    PAIRS rows name a query (text in 'query' or an id in 'query_id'), a 'doc_id', and either a graded 'label'
    or a 'clicks' count. Queries are split by query into train/dev/test, deterministically for --seed.
    """
    from legalsearch.data import ValidationReport, _load_corpus, _load_queries, read_pairs, split_judgements, \
        write_beir

    report = ValidationReport()
    docs = _load_corpus(corpus, report, skip_invalid)
    known = _load_queries(queries, report, skip_invalid) if queries else {}
    all_queries, judgements = read_pairs(pairs, docs, known, min_clicks, skip_invalid, report)
    qrels = split_judgements(judgements, dev_fraction, test_fraction, seed)
    write_beir(out, docs, all_queries, qrels)
    if report.total_skipped:
        click.echo(f"Skipped {report.total_skipped} invalid rows:", err=True)
        for reason, count in report.skipped.most_common():
            click.echo(f"  {count:6d}  {reason}  (first at {report.examples[reason]})", err=True)
    sizes = ", ".join(f"{split} {len(q)} queries" for split, q in qrels.items())
    click.echo(f"Wrote {out}: {len(docs)} documents, {len(judgements)} judgements; {sizes}")

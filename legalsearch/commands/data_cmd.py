"""``legalsearch data``: validate a dataset, or build one from labelled pairs / click logs."""

from __future__ import annotations

import json
from pathlib import Path

import click

from legalsearch.commands.options import DatasetPath, dataset_option, load_dataset_or_fail, print_skipped, \
    relevant_grade_option, seed_option, skip_invalid_option


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
    print_skipped(report)
    sizes = ", ".join(f"{split} {len(q)} queries" for split, q in qrels.items())
    click.echo(f"Wrote {out}: {len(docs)} documents, {len(judgements)} judgements; {sizes}")


@data.command()
@click.option("--dataset", "-d", type=DatasetPath(file_okay=True), required=True,
              help="A corpus.jsonl, a directory with one, or a BEIR dataset (its labels are not used for training).")
@click.option("--out", "-o", type=click.Path(file_okay=False, path_type=Path), required=True,
              help="Directory to write the synthesized BEIR dataset to.")
@click.option("--generators", default=",".join(("citation", "structure", "span")), show_default=True,
              help="Comma-separated generators: citation (citing sentence -> cited document), structure (title, "
              "heading, defined term -> document), span (a sentence -> its document).")
@click.option("--per-document", type=click.IntRange(min=1), default=2, show_default=True,
              help="Pairs each generator may take from one document.")
@click.option("--max-queries", type=click.IntRange(min=1), default=20_000, show_default=True,
              help="Keep at most this many queries (a random subset, after filtering).")
@click.option("--filter-copied/--no-filter-copied", default=True, show_default=True,
              help="Drop pairs whose positive adds too few words to its query.")
@click.option("--filter-unretrievable/--no-filter-unretrievable", default=True, show_default=True,
              help="Drop pairs whose positive is not in the BM25 top 100 for its query.")
@click.option("--held-out", "held_out_splits", default="test", show_default=True,
              help="Labelled splits of a BEIR dataset copied through for evaluation (comma-separated; '' for "
              "none). Synthesized queries equal to one of theirs are dropped.")
@seed_option
@skip_invalid_option
def synthesize(dataset, out, generators, per_document, max_queries, filter_copied, filter_unretrievable,
               held_out_splits, seed, skip_invalid) -> None:
    """Make training pairs from the corpus alone: no labelled queries, no generative model, nothing leaves.

    \b
    Writes OUT/corpus.jsonl, queries.jsonl, qrels/train.tsv and dev.tsv (plus the held-out splits), OUT/pairs.jsonl
    (every pair with its generator and source document) and OUT/synthesis_report.json. Then, as for labelled data:
      legalsearch mine -d OUT && legalsearch train -d OUT ...
    """
    from legalsearch.data import load_corpus
    from legalsearch.synthesize import SynthesisConfig, synthesize as run, write_synthesis

    try:
        config = SynthesisConfig(generators=tuple(g.strip() for g in generators.split(",") if g.strip()),
                                 seed=seed, per_document=per_document, max_queries=max_queries,
                                 filter_copied=filter_copied, filter_unretrievable=filter_unretrievable)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--generators") from None
    wanted = [s.strip() for s in held_out_splits.split(",") if s.strip()]
    corpus_path = dataset / "corpus.jsonl" if dataset.is_dir() else dataset
    held_out, qrels_dir, relevant_grade = {}, None, 1
    if (corpus_path.parent / "queries.jsonl").is_file() and wanted:
        labelled = load_dataset_or_fail(corpus_path.parent, skip_invalid)
        corpus = labelled.corpus
        held_out = {split: (labelled.split_queries(split), labelled.qrels[split])
                    for split in wanted if split in labelled.qrels}
        qrels_dir, relevant_grade = labelled.path / "qrels", labelled.relevant_grade
    else:
        corpus, report = load_corpus(corpus_path, skip_invalid)
        print_skipped(report)
    queries = {qid: text for split_queries, _ in held_out.values() for qid, text in split_queries.items()}
    synthesis = run(corpus, config, held_out_queries=queries)
    synthesis.report.dataset = str(corpus_path)
    if not synthesis.qrels.get("train"):
        from legalsearch.errors import DataError

        raise DataError("no pair survived the generators and filters; see the counts above, or try "
                        "--no-filter-unretrievable / more --generators", corpus_path)
    write_synthesis(out, corpus, synthesis, held_out, qrels_dir, relevant_grade)
    for line in synthesis.report.summary_lines():
        click.echo(line)
    sizes = ", ".join(f"{split} {n} queries" for split, n in synthesis.report.splits.items())
    kept = f"; held out: {', '.join(held_out)}" if held_out else ""
    click.echo(f"Wrote {out}: {len(corpus)} documents; {sizes}{kept}")


def _connection_options(func):
    from legalsearch.plugin.cli import connection_options

    return connection_options(func)


@data.command("from-ubi")
@click.option("--dataset", "-d", type=DatasetPath(file_okay=True), required=True,
              help="The corpus the clicked object_ids belong to: a corpus.jsonl, its directory, or 'sample'.")
@click.option("--out", "-o", type=click.Path(file_okay=False, path_type=Path), required=True,
              help="Directory to write the BEIR dataset to.")
@click.option("--queries-index", default="ubi_queries", show_default=True, help="UBI query index.")
@click.option("--events-index", default="ubi_events", show_default=True, help="UBI event index.")
@click.option("--click-action", "click_actions", multiple=True, default=("click", "click_through"),
              show_default=True, help="action_name values that count as clicks (repeatable).")
@click.option("--min-clicks", type=click.FloatRange(min=0, min_open=True), default=1.0, show_default=True,
              help="Position-weighted clicks that make a (query, document) pair relevant.")
@click.option("--eta", type=click.FloatRange(min=0), default=1.0, show_default=True,
              help="Position-bias exponent: a click at rank k counts k**eta (0: every click counts 1).")
@click.option("--min-dwell", type=click.FloatRange(min=0), default=None,
              help="Ignore clicks whose event_attributes.dwell_time is under this many seconds.")
@click.option("--skip-above/--no-skip-above", default=True, show_default=True,
              help="Results ranked above a click and not clicked become grade-0 judgements (mined as negatives).")
@click.option("--dev-fraction", type=click.FloatRange(0, 1, max_open=True), default=0.15, show_default=True)
@click.option("--test-fraction", type=click.FloatRange(0, 1, max_open=True), default=0.2, show_default=True)
@seed_option
@skip_invalid_option
@_connection_options
def from_ubi(dataset, out, queries_index, events_index, click_actions, min_clicks, eta, min_dwell, skip_above,
             dev_fraction, test_fraction, seed, skip_invalid, settings) -> None:
    """Build a BEIR dataset from the User Behavior Insights indices of a cluster (queries and clicks).

    Clicks are weighted against position bias, repeated clicks of one client count once, and results passed over
    above a click become negatives; every event that cannot be used is counted by reason (docs/pipeline.md).
    """
    from legalsearch.clicks import ClickConfig, judgements_from_ubi, source_rows
    from legalsearch.data import load_corpus, split_judgements, write_beir
    from legalsearch.plugin.connection import connect
    from legalsearch.plugin.ubi import scan

    corpus_path = dataset / "corpus.jsonl" if dataset.is_dir() else dataset
    docs, report = load_corpus(corpus_path, skip_invalid)  # local input first: a bad corpus fails before the cluster
    cluster = connect(settings)
    config = ClickConfig(click_actions=tuple(click_actions), min_clicks=min_clicks, eta=eta, min_dwell=min_dwell,
                         skip_above=skip_above)
    queries, judgements, stats = judgements_from_ubi(
        source_rows(scan(cluster, queries_index)), source_rows(scan(cluster, events_index)), set(docs), config,
        report, queries_index, events_index)
    qrels = split_judgements(judgements, dev_fraction, test_fraction, seed)
    write_beir(out, docs, queries, qrels)
    (Path(out) / "ubi_report.json").write_text(json.dumps(
        {"cluster": cluster.display_url, "queries_index": queries_index, "events_index": events_index,
         "config": {"click_actions": list(click_actions), "min_clicks": min_clicks, "eta": eta,
                    "min_dwell": min_dwell, "skip_above": skip_above},
         **stats.to_dict(), **report.to_dict()}, indent=2) + "\n", encoding="utf-8")
    print_skipped(report)
    sizes = ", ".join(f"{split} {len(q)} queries" for split, q in qrels.items())
    click.echo(f"Wrote {out}: {stats.clicks_used} clicks from {stats.searches} searches -> "
               f"{report.counts['pairs']} relevant pairs, {report.counts['skip_above_negatives']} skip-above "
               f"negatives; {sizes}")


@data.command("mix")
@click.option("--source", "sources", multiple=True, required=True, metavar="NAME=DATASET",
              help="A source of pairs over the shared corpus (repeatable; e.g. labelled=data/acord, "
              "synthetic=runs/acord-syn, clicks=runs/ubi).")
@click.option("--weight", "weights", multiple=True, metavar="NAME=W",
              help="Share of a source's train queries kept, in (0, 1] (default 1; repeatable).")
@click.option("--dev-from", default=None, help="Source whose dev split the mix uses (default: the first with one).")
@click.option("--test-from", default=None, help="Source whose test split the mix uses (default: the first with one).")
@click.option("--out", "-o", type=click.Path(file_okay=False, path_type=Path), required=True)
@seed_option
@skip_invalid_option
def mix(sources, weights, dev_from, test_from, out, seed, skip_invalid) -> None:
    """Combine labelled, synthesized and click pairs over one corpus, with weights; `train` reports the shares."""
    from legalsearch.mixing import Source, mix as run

    def pairs(values, option):
        parsed = {}
        for value in values:
            name, sep, rest = value.partition("=")
            if not sep or not name or not rest:
                raise click.BadParameter(f"{value!r} is not NAME=VALUE", param_hint=option)
            parsed[name] = rest
        return parsed

    named = pairs(sources, "--source")
    weight_of = pairs(weights, "--weight")
    unknown = sorted(set(weight_of) - set(named))
    if unknown:
        raise click.BadParameter(f"no source named {unknown[0]!r}", param_hint="--weight")
    try:
        weight_values = {name: float(w) for name, w in weight_of.items()}
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--weight") from None
    loaded = [Source(name, load_dataset_or_fail(DatasetPath().convert(path, None, None), skip_invalid),
                     weight_values.get(name, 1.0)) for name, path in named.items()]
    record = run(loaded, out, seed=seed, dev_from=dev_from, test_from=test_from)
    for name, entry in record["sources"].items():
        click.echo(f"  {name}: {entry['train_queries']} of {entry['of']} train queries (weight {entry['weight']:g})")
    click.echo(f"Wrote {out}: dev from {record.get('dev_from', 'none')}, test from {record.get('test_from', 'none')}")

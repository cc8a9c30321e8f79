"""``legalsearch deploy``, ``legalsearch search`` and ``legalsearch doctor``.

Core code raises :mod:`legalsearch.errors`; the top-level group in ``legalsearch.cli`` turns those into click
messages (exit 1). Option values are checked by click types (exit 2). Secrets come from options backed by environment
variables and are never echoed.
"""

from __future__ import annotations

import functools
import json
from pathlib import Path

import click

from legalsearch.commands.options import DatasetPath, Weights
from legalsearch.hybrid import TECHNIQUES

from .lock import DEFAULT_WAIT as DEFAULT_LOCK_WAIT


def connection_options(func=None, *, optional: bool = False,
                       url_help: str = "Cluster URL (default: http://localhost:9200 or the config file's url)."):
    """--url/--user/--password/--ca-certs/--insecure/--aws-region/--config, shared by every command that talks to a
    cluster; the command receives ``settings`` (:class:`ConnectionSettings`).

    With ``optional`` (bench), ``settings`` is None unless --url or ``LEGALSEARCH_OPENSEARCH_URL`` is given: a
    config file alone does not send an offline benchmark to a cluster.
    """
    if func is None:
        return functools.partial(connection_options, optional=optional, url_help=url_help)

    @click.option("--url", envvar="LEGALSEARCH_OPENSEARCH_URL", show_envvar=True, help=url_help)
    @click.option("--user", envvar="LEGALSEARCH_OPENSEARCH_USER", show_envvar=True, help="Basic-auth user.")
    @click.option("--password", envvar="LEGALSEARCH_OPENSEARCH_PASSWORD", show_envvar=True,
                  help="Basic-auth password (prefer the environment variable; it is never printed).")
    @click.option("--ca-certs", type=click.Path(exists=True, dir_okay=False),
                  help="CA bundle to verify the cluster's TLS certificate.")
    @click.option("--insecure", is_flag=True, default=None,
                  help="Do not verify TLS certificates (test clusters only).")
    @click.option("--aws-region", help="Sign requests with AWS SigV4 for Amazon OpenSearch Service in this region.")
    @click.option("--aws-service", type=click.Choice(["es", "aoss"]), default=None,
                  help="SigV4 service: es (managed domain, default) or aoss (serverless).")
    @click.option("--config", "config_file", type=click.Path(dir_okay=False),
                  help="TOML file with an [opensearch] table (default: ~/.config/legalsearch/opensearch.toml).")
    @functools.wraps(func)
    def wrapper(*args, url, user, password, ca_certs, insecure, aws_region, aws_service, config_file, **kwargs):
        from .connection import resolve_settings

        if optional and url is None:
            return func(*args, settings=None, **kwargs)
        settings = resolve_settings(
            url=url, username=user, password=password, ca_certs=ca_certs, insecure=insecure,
            aws_region=aws_region, aws_service=aws_service, config_file=config_file,
        )
        return func(*args, settings=settings, **kwargs)

    return wrapper


@click.command()
@click.argument("dataset", type=DatasetPath(file_okay=True))
@click.option("--export", "export_dir", type=click.Path(exists=True, file_okay=False, path_type=Path),
              help="Output directory of `legalsearch export` (ML Commons package and ONNX encoder).")
@click.option("--index", "alias", default="legalsearch", show_default=True,
              help="Alias that applications query; each deploy builds a new versioned index behind it.")
@click.option("--vectors", type=click.Choice(["server", "client"]), default="server", show_default=True,
              help="server: ML Commons embeds at ingest and query time; client: our ONNX encoder computes vectors.")
@click.option("--vectors-from", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=None,
              help="Client-side vectors computed elsewhere: JSONL {\"_id\", \"vector\"} rows, or a .npy with a .ids "
                   "file beside it; one row per passage (implies --vectors client; --export names the model).")
@click.option("--variant", type=click.Choice(["int8", "fp32"]), default=None,
              help="Encoder variant for --vectors client (default: the export's deployable one).")
@click.option("--hybrid-config", type=click.Path(exists=True, dir_okay=False),
              help="hybrid.json from the benchmark: technique, combination, weights, rank_constant.")
@click.option("--weights", type=Weights(), default=None, help="Hybrid weights BM25,DENSE (default: 0.5,0.5).")
@click.option("--technique", type=click.Choice(TECHNIQUES), default=None,
              help="Hybrid score normalization (default: min_max, or the --hybrid-config value).")
@click.option("--batch-size", type=click.IntRange(1, 10_000), default=64, show_default=True,
              help="Documents per bulk request (and per encoder call); bulks are also cut at 10 MB.")
@click.option("--bulk-concurrency", "concurrency", type=click.IntRange(1, 64), default=1, show_default=True,
              help="Bulk requests in flight; with server-side vectors, more keep ML Commons' nodes busy.")
@click.option("--embedding-batch-size", type=click.IntRange(1, 10_000), default=None,
              help="Server-side vectors: documents per ML Commons predict call (text_embedding batch_size; "
                   "default: the processor's, 1).")
@click.option("--token-limit", type=click.IntRange(1, 10_000), default=None,
              help="Words per passage, cut by text_chunking (server) or the same cut client-side (default: 0.75 x "
                   "the model's max_seq_length, what offline evaluation uses).")
@click.option("--shards", type=click.IntRange(1, 1024), default=None,
              help="Primary shards of the new index (default: mappings/index.json's, 1).")
@click.option("--replicas", type=click.IntRange(0, 16), default=None,
              help="Replicas of each shard (default: the cluster's, 1 unless changed); 1+ on a multi-node cluster keeps every "
                   "shard searchable when a data node is lost.")
@click.option("--prune", is_flag=True, help="Delete older versioned indices behind the alias after the swap.")
@click.option("--max-failed", type=click.IntRange(0), default=0, show_default=True,
              help="Documents allowed to fail before the alias swap is refused.")
@click.option("--skip-invalid", is_flag=True, help="Record malformed corpus lines as failed instead of stopping.")
@click.option("--failures", "failures_path", type=click.Path(dir_okay=False, path_type=Path),
              help="JSONL file for failed documents (default: in the state directory).")
@click.option("--configure-ml", is_flag=True,
              help="Allow model upload from file and models on data nodes (changes persistent cluster settings).")
@click.option("--model-nodes", type=click.Choice(["auto", "ml", "any"]), default="auto", show_default=True,
              help="Where ML Commons runs the model (server-side vectors): auto = the cluster's ML nodes when it has "
                   "any, else where ML Commons allows; ml = ML nodes only (an error when there are none); any = let "
                   "ML Commons choose.")
@click.option("--deploy-timeout", type=click.FloatRange(1), default=600.0, show_default=True,
              help="Seconds to wait for ML Commons to deploy the model.")
@click.option("--state-dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Where checkpoints for resuming live (default: ~/.cache/legalsearch/deploy).")
@click.option("--lock-wait", type=click.FloatRange(0), default=DEFAULT_LOCK_WAIT, show_default=True,
              help="Seconds to wait while another deploy, prune or alias swap holds this alias's lock in the "
                   "cluster; then stop, naming the holder (host, pid, since when, expiry).")
@click.option("--probe/--no-probe", default=True, show_default=True,
              help="Server-side vectors: before the alias moves, check that the cluster embeds a few corpus queries "
              "and passages as the export's local encoder does (cosine >= 0.99); stop the deploy otherwise.")
@click.option("--json", "as_json", is_flag=True, help="Print the deploy result as JSON.")
@click.option("--quiet", is_flag=True, help="No progress bar.")
@connection_options
def deploy(dataset, export_dir, alias, vectors, vectors_from, variant, hybrid_config, weights, technique, batch_size,
           concurrency, embedding_batch_size, token_limit, shards, replicas, prune, max_failed, skip_invalid,
           failures_path, configure_ml, model_nodes, deploy_timeout, state_dir, lock_wait, probe, as_json, quiet,
           settings):
    """Deploy DATASET (a BEIR directory, its corpus.jsonl, or `sample`) with an exported model to OpenSearch.

    \b
    Registers the model in ML Commons (or uses our ONNX encoder with --vectors client), creates the ingest and
    hybrid search pipelines and a new versioned index, ingests every document, checks the count, then moves the
    alias atomically. Rerunning after an interruption resumes; rerunning with the same model reuses it.
    \b
    Example:
      legalsearch deploy data/acord --export out/export --weights 0.3,0.7 --prune
    """
    from .connection import connect
    from .deploy import DeployOptions, deploy as run_deploy
    from legalsearch.hybrid import HybridConfig

    hybrid = (HybridConfig.from_file(hybrid_config) if hybrid_config else HybridConfig()).with_overrides(
        technique, weights)
    if export_dir is None:
        raise click.UsageError("--export DIR is required (the output of `legalsearch export`)")
    if vectors_from is not None:
        if click.get_current_context().get_parameter_source("vectors") == click.core.ParameterSource.COMMANDLINE \
                and vectors != "client":
            raise click.UsageError("--vectors-from gives client-side vectors; drop --vectors server")
        vectors = "client"
    options = DeployOptions(
        alias=alias, vectors=vectors, vectors_from=vectors_from, export_dir=export_dir, variant=variant,
        hybrid=hybrid, batch_size=batch_size, concurrency=concurrency, embedding_batch_size=embedding_batch_size,
        token_limit=token_limit, shards=shards, replicas=replicas, prune=prune, max_failed=max_failed,
        skip_invalid=skip_invalid, configure_ml=configure_ml, model_nodes=model_nodes, deploy_timeout=deploy_timeout,
        state_dir=state_dir, lock_wait=lock_wait,
        failures_path=failures_path, progress=not quiet, probe=probe,
    )
    # a wrong --export, corpus or --vectors-from file fails before any connection
    encoder, vector_source = check_local_inputs(dataset, options)
    cluster = connect(settings)
    result = run_deploy(cluster, dataset, options, encoder=encoder, vector_source=vector_source,
                        echo=(lambda m: None) if as_json else click.echo)
    if as_json:
        click.echo(json.dumps(result.to_dict(), indent=2))
    else:
        click.echo(f"deployed: {result.alias} -> {result.index}; {result.report.summary()}")


def check_local_inputs(dataset, options):
    """Read everything deploy needs from this machine, so that a bad corpus line, a missing ML Commons package or
    a broken ONNX export is reported before a cluster is contacted (and a wrong --url cannot hide it).

    Returns the client-side encoder when there is one, loaded once for the deploy itself, and the
    ``--vectors-from`` file, read and checked (rows, ids, dimension), or None.
    """
    from legalsearch.errors import DataError

    from .deploy import load_encoder
    from .ingest import corpus_path, read_corpus
    from .ml_commons import ModelPackage

    corpus = corpus_path(dataset)
    if not corpus.is_file():
        raise DataError("corpus not found; pass a BEIR dataset directory or its corpus.jsonl", corpus)
    for _ in read_corpus(corpus, skip_invalid=options.skip_invalid):
        pass
    if options.vectors == "server":
        ModelPackage.from_export_dir(options.export_dir)
        return None, None
    encoder = load_encoder(Path(options.export_dir), options.variant)
    if options.vectors_from is None:
        return encoder, None
    from .deploy import _encoder_dimension
    from .vectors import FileVectors

    return encoder, FileVectors(options.vectors_from, _encoder_dimension(encoder))


@click.command()
@click.argument("query")
@click.option("--index", "alias", default="legalsearch", show_default=True, help="Alias (or index) to search.")
@click.option("--mode", type=click.Choice(["bm25", "neural", "hybrid"]), default="hybrid", show_default=True,
              help="bm25: lexical only; neural: dense passages (MaxP); hybrid: both, fused by the search pipeline.")
@click.option("-k", "--top-k", "k", type=click.IntRange(1, 10_000), default=10, show_default=True,
              help="Number of results.")
@click.option("--export", "export_dir", type=click.Path(exists=True, file_okay=False, path_type=Path),
              help="Use our ONNX encoder from this export for the query vector (needed for client-side indices).")
@click.option("--pipeline", default=None,
              help="Search pipeline to use instead of the index default (e.g. legalsearch-rrf).")
@click.option("--print-dsl", is_flag=True, help="Print the exact query DSL sent.")
@click.option("--json", "as_json", is_flag=True, help="Print results (and DSL) as JSON.")
@connection_options
def search(query, alias, mode, k, export_dir, pipeline, print_dsl, as_json, settings):
    """Search the deployed index with QUERY and print ranked results with scores.

    \b
    Example:
      legalsearch search "dismissal under Fed. R. Civ. P. 12(b)(6)" --mode hybrid --print-dsl
    """
    from .connection import connect
    from .search import DeploymentInfo, check_query_text, search as run_search

    check_query_text(query)  # a query that cannot be sent fails before any connection
    cluster = connect(settings)
    info = DeploymentInfo.read(cluster, alias)
    encoder = None
    if mode != "bm25" and export_dir is not None:
        from .deploy import load_encoder

        encoder = load_encoder(export_dir, info.variant)
    elif mode != "bm25" and info.vectors == "client":
        encoder = info.load_encoder()
        if encoder is None:
            raise click.UsageError(
                f"{alias} uses client-side vectors from {info.encoder or 'an encoder'} that is not here: "
                "pass --export DIR for the query encoder"
            )
    hits, body, plan = run_search(cluster, alias, query, mode, k, encoder=encoder, pipeline=pipeline, info=info)
    if plan.is_long:  # nothing is cut without saying so
        click.echo(plan.describe(), err=True)
    if hits.partial:  # the hits are shown, but never as if they were complete
        click.echo(f"partial results: {hits.shards.summary()}", err=True)
    if as_json:
        out = {"hits": [hit.__dict__ for hit in hits], "shards": hits.shards.to_dict()}
        if print_dsl:
            out["dsl"] = body
        click.echo(json.dumps(out, indent=2, ensure_ascii=False))
        return
    if print_dsl:
        shown = json.loads(json.dumps(body))
        _shorten_vectors(shown)
        target = f"POST /{alias}/_search" + (f"?search_pipeline={pipeline}" if pipeline else "")
        click.echo(target)
        click.echo(json.dumps(shown, indent=2, ensure_ascii=False))
        click.echo()
    if not hits:
        click.echo("no results")
    for rank, hit in enumerate(hits, start=1):
        snippet = " ".join((hit.title + " " + hit.text).split())[:160]
        click.echo(f"{rank:>3}. {hit.score:8.4f}  {hit.doc_id}  {snippet}")


def _shorten_vectors(node) -> None:
    """Long query vectors make --print-dsl unreadable: show the first values and the length."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "vector" and isinstance(value, list) and len(value) > 6:
                node[key] = [round(v, 4) for v in value[:4]] + [f"... {len(value)} values"]
            else:
                _shorten_vectors(value)
    elif isinstance(node, list):
        for item in node:
            _shorten_vectors(item)


@click.command()
@click.option("--index", "alias", default="legalsearch", show_default=True,
              help="Alias (or versioned index) of the deployment to check.")
@click.option("--export", "export_dir", type=click.Path(exists=True, file_okay=False, path_type=Path),
              help="Export to compare the cluster with (default: the one the deploy recorded in the index).")
@click.option("--json", "as_json", is_flag=True, help="Print the checks and the probe's figures as JSON.")
@connection_options
def doctor(alias, export_dir, as_json, settings):
    """Check an existing deployment: version and plugins, model, ingest pipeline, and the embedding probe.

    \b
    The probe embeds a few of the index's documents (titles as queries, texts as passages) with the cluster
    (_predict, and the passage vectors the ingest pipeline stored) and with the local encoder of the export; every
    cosine must reach 0.99. Exit 1 when a check fails, naming the likely cause (prompt, pooling, tokenizer,
    truncation).
    \b
    Example:
      legalsearch doctor --url https://search.example.internal:9200 --index legalsearch
    """
    from legalsearch.errors import ProbeError

    from .connection import connect
    from .probe import doctor as run_doctor

    encoder = None
    cluster = connect(settings)
    if export_dir is not None:
        from .deploy import load_encoder
        from .search import DeploymentInfo

        encoder = load_encoder(export_dir, DeploymentInfo.read(cluster, alias).variant)
    report = run_doctor(cluster, alias, encoder)
    if as_json:
        click.echo(json.dumps(report.to_dict(), indent=2, ensure_ascii=False))
    else:
        click.echo(f"{alias} -> {report.index}")
        for check in report.checks:
            click.echo(f"  {check.line()}")
    if not report.ok:
        failed = [c.name for c in report.checks if not c.ok]
        raise ProbeError(f"{alias}: {len(failed)} check(s) failed ({', '.join(failed)})",
                         hint="fix what the FAIL lines name, then run `legalsearch doctor` again")

"""``legalsearch deploy``: model, pipelines, a new versioned index, ingest, count check, atomic alias swap.

Readers query the alias (``--index``, default ``legalsearch``). A deploy never touches the index they are reading:

1. check the cluster (version and plugins for the features this deploy needs);
2. model: server-side vectors register + deploy the exported package in ML Commons (reused when its SHA-256 is
   already registered); client-side vectors load our ONNX encoder;
3. pipelines named after the new index (so the old index keeps its own), and the index ``<alias>-v<UTC time>`` with
   them as ``index.default_pipeline`` / ``index.search.default_pipeline``;
4. bulk ingest, streamed and pipelined (:mod:`legalsearch.plugin.ingest`), with the new index's refresh (and its
   replicas, unless ``--replicas`` asked for some) relaxed during the load and restored after it, also when it fails (resumable: an interrupted deploy
   rerun with the same inputs continues into the same index);
5. refresh and check that the index holds every document read minus those recorded as failed; with server-side
   vectors, probe the deployment (:mod:`legalsearch.plugin.probe`): a few corpus queries and passages embedded by
   the cluster (``_predict`` and the vectors the pipeline stored) must match the local encoder (cosine ≥ 0.99), or
   the deploy stops with the likely cause (prompt, pooling, tokenizer, truncation);
6. one ``_aliases`` request moves the alias; the stable pipelines ``<alias>-hybrid`` / ``<alias>-rrf`` are updated
   for apps that name a pipeline explicitly; with ``prune`` older versioned indices and their pipelines are deleted.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from legalsearch.errors import DataError, IngestError, OpenSearchError, PackageError, StateFileError
from legalsearch.hybrid import HybridConfig
from legalsearch.passages import PassageChunker

from . import index as idx
from . import ml_commons, pipelines
from .connection import Cluster
from .ingest import MAX_BULK_BYTES, IngestOptions, IngestReport, corpus_path, ingest, read_corpus
from .lock import DEFAULT_TTL, DEFAULT_WAIT, DeployLock, delete_lock

log = logging.getLogger(__name__)


def default_state_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache")
    return Path(base) / "legalsearch" / "deploy"


@dataclass
class DeployOptions:
    alias: str = "legalsearch"
    vectors: str = "server"  # "server" | "client"
    export_dir: Path | None = None
    variant: str | None = None  # int8 | fp32 for client-side vectors; default: the export's deployable one
    hybrid: HybridConfig = field(default_factory=HybridConfig)
    batch_size: int = 64
    max_bulk_bytes: int = MAX_BULK_BYTES  # body bytes per bulk request, as well as batch_size documents
    concurrency: int = 1  # bulk requests in flight
    embedding_batch_size: int | None = None  # server-side vectors: text_embedding's batch_size (default 1)
    relax_during_load: bool = True  # refresh_interval -1 (and 0 replicas unless --replicas) while loading
    vectors_from: Path | None = None  # client-side vectors computed elsewhere (legalsearch.plugin.vectors)
    # passages, cut by text_chunking (server) or the same cut here (client): legalsearch.passages.PassageChunker
    token_limit: int | None = None  # words per passage; default 0.75 x the model's max_seq_length, else 192
    overlap_rate: float | None = None  # default: mappings/ingest-pipeline.json's
    shards: int | None = None
    replicas: int | None = None
    prune: bool = False
    max_failed: int = 0
    skip_invalid: bool = False
    configure_ml: bool = False
    model_nodes: str = "auto"  # auto | ml | any: where ML Commons runs the model (ml_commons.model_placement)
    deploy_timeout: float = 600.0
    model_group: str = "legalsearch"
    state_dir: Path | None = None
    lock_wait: float = DEFAULT_WAIT  # seconds to wait for another deploy's lock on the alias (legalsearch.plugin.lock)
    lock_ttl: float = DEFAULT_TTL  # seconds our lock outlives its last heartbeat if this process dies
    failures_path: Path | None = None
    progress: bool = True
    probe: bool = True  # server-side vectors: compare the cluster's embeddings with the local encoder's (step 5)


@dataclass
class DeployResult:
    alias: str
    index: str
    previous: list[str]
    model_id: str | None
    vectors: str
    dimension: int
    report: IngestReport
    pruned: list[str]
    resumed: bool
    search_pipeline: str
    rrf_pipeline: str | None
    model_registered: bool = False  # True when this deploy uploaded the model (False: reused by hash)
    probe: dict | None = None  # the post-deploy probe's figures (ProbeResult.to_dict()); None: not run

    def to_dict(self) -> dict[str, Any]:
        out = {k: v for k, v in self.__dict__.items() if k != "report"}
        out["ingest"] = self.report.to_dict()
        return out


# -- helpers -------------------------------------------------------------------------------------------------------
def load_encoder(export_dir: Path, variant: str | None = None):
    """The client-side vectors' encoder: ``variant`` (int8 | fp32) of an export, by default its deployable one.

    Without ``variant``, any directory :func:`legalsearch.encoders.load_encoder` accepts works (an export, one ONNX
    variant, or a sentence-transformers model), so client-side vectors can come from a model that was not exported.
    """
    from legalsearch.exporter import load_encoder as load_any
    from legalsearch.exporter.encoder import load_onnx_encoder

    if variant is None:
        return load_any(Path(export_dir))
    return load_onnx_encoder(Path(export_dir), variant)


def encoder_variant(encoder) -> str | None:
    """``int8`` or ``fp32`` for an export's ONNX encoder (the name of its directory); None for any other encoder."""
    from legalsearch.exporter.report import VARIANTS

    model_dir = getattr(encoder, "model_dir", None)
    return model_dir.name if model_dir is not None and model_dir.name in VARIANTS else None


def _encoder_dimension(encoder) -> int:
    for attr in ("dimension", "embedding_dimension"):
        value = getattr(encoder, attr, None)
        if isinstance(value, int) and value > 0:
            return value
    return int(len(encoder.encode_queries(["dimension probe"])[0]))


def _package_max_seq_length(export_dir: Path | None) -> int | None:
    if export_dir is None:
        return None
    from legalsearch.exporter.report import ExportReport, is_export_dir

    if is_export_dir(export_dir):
        length = ExportReport.from_export_dir(export_dir).max_seq_length
        if length:
            return length
    register = Path(export_dir) / "ml-commons" / "register.json"
    if register.is_file():
        value = json.loads(register.read_text(encoding="utf-8")).get("model_config", {}).get("max_seq_length")
        return value if isinstance(value, int) else None
    return None


def _fingerprint(options: DeployOptions, model_key: str, corpus: Path, chunker: PassageChunker) -> str:
    stat = corpus.stat()
    parts = [
        options.alias, options.vectors, model_key, str(corpus.resolve()), str(stat.st_size), str(int(stat.st_mtime)),
        json.dumps(chunker.pipeline_params(), sort_keys=True), json.dumps(options.hybrid.to_dict(), sort_keys=True),
    ]
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:16]


def read_state(path: Path) -> dict[str, Any] | None:
    """The resume state of an interrupted deploy (``index``, ``fingerprint``); None when there is none.

    A file that is not that (truncated by a crash or a full disk before writes became atomic, or edited) is a
    :class:`StateFileError` naming it, never a traceback.
    """
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError) as exc:
        raise StateFileError(f"cannot read this deploy state file ({exc}); delete it and rerun to start a new "
                             "deploy", path) from None
    try:
        state = json.loads(text)
    except ValueError as exc:
        state, why = None, f"not JSON: {exc}"
    else:
        why = "not an object with 'index' and 'fingerprint'"
    if not (isinstance(state, dict) and isinstance(state.get("index"), str)
            and isinstance(state.get("fingerprint"), str)):
        raise StateFileError(f"deploy state file is corrupt or truncated ({why}); delete it and rerun to start a "
                             "new deploy", path)
    return state


def write_state(path: Path, state: dict[str, Any]) -> None:
    """Write ``state`` so that a crash at any moment leaves the old file or the new one, never a part of one:
    a temporary file in the same directory, flushed to disk, then renamed over ``path``."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with open(tmp, "w", encoding="utf-8") as handle:
            handle.write(json.dumps(state))
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    try:  # the rename itself survives a power loss only once the directory is on disk too
        fd = os.open(path.parent, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _put_pipelines(
    cluster: Cluster, prefix: str, options: DeployOptions, model_id: str | None, chunker: PassageChunker
) -> tuple[str | None, str, str | None]:
    """Ingest pipeline (server vectors), default search pipeline, and the alternative (RRF or min_max) one."""
    ingest_name = None
    if options.vectors == "server":
        ingest_name = f"{prefix}-ingest"
        body = pipelines.ingest_pipeline_body(model_id, chunker, options.embedding_batch_size)
        cluster.request("PUT", f"/_ingest/pipeline/{ingest_name}", body=body, what="creating the ingest pipeline")
    enrich = model_id if options.vectors == "server" else None
    default_name = f"{prefix}-hybrid"
    cluster.request(
        "PUT",
        f"/_search/pipeline/{default_name}",
        body=pipelines.search_pipeline_body(options.hybrid, enrich),
        what="creating the hybrid search pipeline",
    )
    alt_name = None
    if options.hybrid.technique == "rrf":
        alt_cfg = HybridConfig(weights=options.hybrid.weights)  # min_max alternative
        alt_name = f"{prefix}-minmax"
    elif cluster.version >= (2, 19, 0):
        alt_cfg = HybridConfig(technique="rrf", rank_constant=options.hybrid.rank_constant)
        alt_name = f"{prefix}-rrf"
    if alt_name:
        cluster.request(
            "PUT",
            f"/_search/pipeline/{alt_name}",
            body=pipelines.search_pipeline_body(alt_cfg, enrich),
            what="creating the alternative search pipeline",
        )
    return ingest_name, default_name, alt_name


def _delete_pipelines(cluster: Cluster, prefix: str) -> None:
    cluster.request("DELETE", f"/_ingest/pipeline/{prefix}-ingest", what="deleting pipeline", ignore=(404,))
    for suffix in ("hybrid", "rrf", "minmax"):
        cluster.request("DELETE", f"/_search/pipeline/{prefix}-{suffix}", what="deleting pipeline", ignore=(404,))


# -- deploy --------------------------------------------------------------------------------------------------------
def training_warning(export_dir: str | Path | None) -> str | None:
    """A warning when the model behind ``export_dir`` is its base model, kept because fine-tuning did not prove at
    least as good on dev or cross-validation (or could not be checked): the verdict and the ``decision`` line.

    Reads ``training_report.json`` next to the exported model (``export_report.json``'s ``source_model``), or in
    the export directory itself; ``None`` when no report is found or the fine-tuned model won.
    """
    if export_dir is None:
        return None
    export_dir = Path(export_dir)
    candidates = [export_dir / "training_report.json"]
    try:
        source = json.loads((export_dir / "export_report.json").read_text(encoding="utf-8")).get("source_model")
    except (OSError, ValueError):
        source = None
    if source:
        candidates.insert(0, Path(source) / "training_report.json")
    for path in candidates:
        try:
            report = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if report.get("kept_base_model") or report.get("tuned_beats_base") is False:
            verdict = report.get("verdict") or "fine-tuning did not beat the base model on dev"
            decision = f" {report['decision']}" if report.get("decision") else ""  # the line train printed
            return (f"warning: {verdict}{decision} ({path}) — this deploy serves the base model's quality, not a "
                    "fine-tuned gain")
        return None
    return None


def deploy(
    cluster: Cluster,
    corpus: str | Path,
    options: DeployOptions,
    encoder=None,
    echo: Callable[[str], None] = lambda message: log.info(message),
    sleep: Callable[[float], None] = time.sleep,
    vector_source=None,
) -> DeployResult:
    """Run the whole deploy under the alias's lock (:mod:`legalsearch.plugin.lock`), released at the end whatever
    happens; an index left loading is then recorded as unfinished, so that no prune deletes what a rerun resumes."""
    held: list[DeployLock] = []
    try:
        return _deploy(cluster, corpus, options, encoder, echo, sleep, vector_source, held)
    finally:
        for lock in held:
            lock.release()


def _deploy(
    cluster: Cluster,
    corpus: str | Path,
    options: DeployOptions,
    encoder,
    echo: Callable[[str], None],
    sleep: Callable[[float], None],
    vector_source,
    held: list[DeployLock],
) -> DeployResult:
    """Run the whole deploy; raises legalsearch errors, never leaves the alias pointing at an incomplete index.

    With ``options.vectors_from`` the documents' vectors come from that file (``vector_source``, the
    :class:`~legalsearch.plugin.vectors.FileVectors` the CLI already read, or read here); ``encoder`` then only
    names the model (dimension, passages, the query encoder recorded in ``_meta``).
    """
    if options.vectors not in ("server", "client"):
        raise DataError(f"--vectors must be 'server' or 'client', got '{options.vectors}'")
    if options.vectors_from is not None and options.vectors != "client":
        raise DataError("--vectors-from gives client-side vectors; it cannot be combined with --vectors server")
    corpus = corpus_path(corpus)
    if not corpus.is_file():
        raise DataError("corpus not found; pass a BEIR dataset directory or its corpus.jsonl", corpus)
    total = 0
    for record in read_corpus(corpus, skip_invalid=options.skip_invalid):  # a bad line stops us before any change
        total += 1
    features = ["k-NN lucene HNSW knn_vector", "nested knn_vector passages (score_mode max)"]
    features += pipelines.pipeline_features(options.hybrid, options.vectors)
    cluster.require(*features)
    from .connection import check_health

    health_warning = check_health(cluster)  # a red cluster refuses here, before anything is written
    if health_warning:
        log.warning("%s", health_warning)
        echo(health_warning)
    state_dir = Path(options.state_dir or default_state_dir())
    read_state(state_dir / f"{options.alias}.json")  # a corrupt state file stops us before any change
    package = None
    if options.vectors == "server":  # a missing, tampered or mismatched package also stops us before any change
        if options.export_dir is None:
            raise PackageError("server-side vectors need --export DIR (the output of `legalsearch export`)")
        package = ml_commons.ModelPackage.from_export_dir(options.export_dir)
    # from here on the cluster is written to: one deploy per alias at a time (a second waits, then fails naming us)
    lock = DeployLock.acquire(cluster, options.alias, "deploy", wait=options.lock_wait, ttl=options.lock_ttl,
                              sleep=sleep)
    held.append(lock)
    if lock.took_over:
        echo(f"warning: took over the expired deploy lock on {options.alias} ({lock.took_over})")
    lock.start_heartbeat()

    # 2. model
    model_id: str | None = None
    fresh = False
    warning = training_warning(options.export_dir)
    if warning:
        log.warning("%s", warning)
        echo(warning)
    if package is not None:
        found = ml_commons.ml_nodes(cluster) if options.model_nodes != "any" else None
        if options.configure_ml:
            ml_commons.configure_ml_settings(cluster, ml_nodes_present=bool(found))
        if options.model_nodes != "any":  # "any": wherever ML Commons picks, nodes never listed
            ml_commons.require_ml_node(cluster, found)
        placement = ml_commons.model_placement(cluster, options.model_nodes, found)
        echo(f"model: {package.name} ({package.size / 1e6:.1f} MB, sha256 {package.sha256[:12]}…)")
        if placement.note:
            echo(placement.note)
        model_id, fresh = ml_commons.ensure_model(
            cluster, package, options.model_group, options.deploy_timeout, sleep=sleep, node_ids=placement.node_ids
        )
        echo(f"model {model_id} {'registered and deployed' if fresh else 'reused (same hash)'}")
        dimension = package.dimension
        # the zip and the model it was registered as (another model_config, e.g. prompts, is another model):
        # a resumed deploy continues only into an index embedded by the same one
        model_key = f"{package.sha256}:{model_id}"
        max_seq = _package_max_seq_length(options.export_dir)
        variant = package.variant  # the cluster embeds with the graph the zip holds
    else:
        if encoder is None:
            if options.export_dir is None:
                raise PackageError("client-side vectors need --export DIR (our ONNX encoder)")
            encoder = load_encoder(Path(options.export_dir), options.variant)
        dimension = _encoder_dimension(encoder)
        variant = options.variant or encoder_variant(encoder)
        model_key = f"client:{getattr(encoder, 'model_dir', options.export_dir)}:{variant}"
        max_seq = getattr(encoder, "max_seq_length", None) or _package_max_seq_length(options.export_dir)
        if options.vectors_from is not None:
            from .vectors import FileVectors

            vector_source = vector_source or FileVectors(options.vectors_from, dimension)
            if vector_source.dimension != dimension:
                raise DataError(f"vectors of dimension {vector_source.dimension}, but the encoder of --export makes "
                                f"{dimension}", options.vectors_from)
            stat = Path(options.vectors_from).stat()
            model_key += f":vectors-from:{Path(options.vectors_from).resolve()}:{stat.st_size}:{int(stat.st_mtime)}"
    # the same passages on both paths, and offline: text_chunking's cut (legalsearch.passages)
    chunker = PassageChunker.for_model(max_seq, options.token_limit, options.overlap_rate)
    if vector_source is not None:  # every document has its vectors, one per passage, before anything is sent
        vector_source.check((record, len(chunker.split_text(record.full_text)))
                            for record in read_corpus(corpus, skip_invalid=options.skip_invalid)
                            if record.error is None)

    # 3. index (resume an interrupted deploy of the same inputs)
    fingerprint = _fingerprint(options, model_key, corpus, chunker)
    state_path = state_dir / f"{options.alias}.json"
    resumed = False
    name = None
    state = read_state(state_path)
    if state is not None:
        if (
            state.get("fingerprint") == fingerprint
            and idx.index_exists(cluster, state["index"])
            and state["index"] not in idx.alias_targets(cluster, options.alias)
        ):
            name, resumed = state["index"], True
            echo(f"resuming the interrupted deploy into {name}")
        else:  # other inputs (or the index is gone or serves the alias): nobody can resume into it any more
            lock.forget({state["index"]})
    if name is None:
        name = idx.versioned_name(options.alias)
        if idx.index_exists(cluster, name):
            time.sleep(1.0)
            name = idx.versioned_name(options.alias)
        ingest_name, search_name, alt_name = _put_pipelines(cluster, name, options, model_id, chunker)
        body = idx.index_body(dimension, ingest_name, search_name, options.shards, options.replicas)
        body["mappings"]["_meta"] = {
            "legalsearch": {
                "model_id": model_id,
                "model_key": model_key,
                "vectors": options.vectors,
                "dimension": dimension,
                # text_chunking's fixed_token_length settings: on the cluster (server) or reproduced (client)
                "chunking": chunker.pipeline_params(),
                "hybrid": options.hybrid.to_dict(),
                "encoder": str(Path(options.export_dir).resolve()) if options.export_dir else None,
                "vectors_from": str(Path(options.vectors_from).resolve()) if options.vectors_from else None,
                # the graph that embedded the documents (and must embed the queries: `legalsearch bench --url`)
                "variant": variant,
                "search_pipeline": search_name,
                "alternative_pipeline": alt_name,
            }
        }
        try:
            idx.create_index(cluster, name, body)
        except OpenSearchError:
            _delete_pipelines(cluster, name)  # made for this index only; nothing else would ever remove them
            raise
        write_state(state_path, {"index": name, "fingerprint": fingerprint})
        echo(f"created index {name} (dimension {dimension}, {options.vectors}-side vectors)")
    lock.set_loading(name)  # prune, from any machine, keeps it until the alias serves it
    meta = idx.index_meta(cluster, name).get("legalsearch", {})
    search_name, alt_name = meta.get("search_pipeline", f"{name}-hybrid"), meta.get("alternative_pipeline")

    # 4. ingest, with refresh and replicas relaxed on the new index (nobody reads it yet) and restored after
    ingest_options = IngestOptions(
        vectors=options.vectors, batch_size=options.batch_size, max_bulk_bytes=options.max_bulk_bytes,
        concurrency=options.concurrency,
        token_limit=chunker.token_limit, overlap_rate=chunker.overlap_rate, max_chunk_limit=chunker.max_chunk_limit,
    )
    failures_path = options.failures_path or state_dir / f"{name}.failures.jsonl"
    relaxed = dict(idx.BULK_LOAD_SETTINGS)
    if options.replicas:
        # replicas asked for explicitly (--replicas N) are kept through the load: a data node lost mid-deploy then
        # loses no shard of the new index (tests/integration/test_cluster.py); only refresh is relaxed
        relaxed.pop("number_of_replicas")
    serving = {key: value for key, value in idx.serving_settings(
        idx.index_body(dimension, shards=options.shards, replicas=options.replicas)).items() if key in relaxed}
    if options.relax_during_load:
        idx.put_settings(cluster, name, relaxed)
    try:
        report = ingest(
            cluster,
            name,
            read_corpus(corpus, skip_invalid=options.skip_invalid),
            ingest_options,
            encoder=vector_source if vector_source is not None else encoder,
            failures_path=failures_path,
            checkpoint_path=state_dir / f"{name}.ids",
            total=total,
            progress=options.progress,
            sleep=sleep,
        )
    except BaseException:
        if options.relax_during_load:
            _restore_settings(cluster, name, serving)
        raise
    if options.relax_during_load:
        idx.put_settings(cluster, name, serving)
    echo(report.summary())

    # 5. count check
    idx.refresh(cluster, name)
    expected = report.read - report.failed
    actual = idx.doc_count(cluster, name)
    if report.failed > options.max_failed:
        raise IngestError(
            f"{report.failed} documents failed (allowed: {options.max_failed}); the alias still points at the "
            f"previous index. Reasons are in {failures_path}; fix them and rerun, or pass --max-failed"
        )
    if actual != expected:
        raise IngestError(
            f"index {name} holds {actual} documents but {expected} were read and not failed; alias not moved"
        )
    # what `legalsearch bench --url` reports as ingest throughput: measured here, kept with the index it describes
    ingest_meta = {key: value for key, value in report.to_dict().items() if key not in ("index", "failures_path")}
    idx.add_meta(cluster, name, ingest={**ingest_meta, "batch_size": options.batch_size,
                                        "concurrency": options.concurrency, "resumed": resumed})

    # 5b. probe: the cluster must embed what the local encoder (and so the offline benchmark) embeds
    probe_result, skipped = None, None
    if options.vectors == "server" and options.probe:
        from .probe import check as check_probe, probe_texts, run_probe

        local, why_not = encoder, None
        if local is None:
            try:
                local = load_encoder(Path(options.export_dir), variant)  # the graph the zip holds
            except PackageError as exc:  # a package assembled by hand, without the export's ONNX variants
                why_not = f"no local encoder to compare with ({exc})"
        if local is not None:
            doc_ids, queries, passages = probe_texts(read_corpus(corpus, skip_invalid=True))
            probe_result = run_probe(cluster, model_id, local, queries, passages, index=name, doc_ids=doc_ids)
            echo(probe_result.summary())
            idx.add_meta(cluster, name, probe=probe_result.to_dict())
            check_probe(probe_result, f"deploy stopped before the alias moved (index {name} kept; "
                                      f"`legalsearch doctor --index {name}` reruns the probe)")
        else:
            echo(f"probe skipped: {why_not}")
            skipped = {"skipped": why_not}

    # 6. swap + prune
    previous = idx.swap_alias(cluster, options.alias, name, lock=lock)
    lock.finish_loading(name)
    echo(f"alias {options.alias} -> {name} (was: {', '.join(previous) or 'none'})")
    _refresh_stable_pipelines(cluster, options, model_id)
    state_path.unlink(missing_ok=True)
    pruned: list[str] = []
    if options.prune:
        pruned = prune(cluster, options.alias, keep=name, state_dir=state_dir, lock=lock, echo=echo)
        if pruned:
            echo(f"pruned {', '.join(pruned)}")
    return DeployResult(
        alias=options.alias, index=name, previous=previous, model_id=model_id, vectors=options.vectors,
        dimension=dimension, report=report, pruned=pruned, resumed=resumed, search_pipeline=search_name,
        rrf_pipeline=alt_name, model_registered=fresh,
        probe=probe_result.to_dict() if probe_result is not None else skipped,
    )


def _restore_settings(cluster: Cluster, name: str, serving: dict[str, Any]) -> None:
    """After a failed load: put the serving settings back if the cluster answers; never hide the failure itself
    (a cluster that is down keeps the relaxed settings until the rerun, which restores them when it completes)."""
    try:
        idx.put_settings(cluster, name, serving)
    except OpenSearchError as exc:
        log.warning("could not restore the settings of %s after the failed load (%s); the rerun restores them",
                    name, exc)


def _refresh_stable_pipelines(cluster: Cluster, options: DeployOptions, model_id: str | None) -> None:
    """``<alias>-hybrid`` (and ``<alias>-rrf`` where supported) for apps that pass ``search_pipeline`` explicitly."""
    enrich = model_id if options.vectors == "server" else None
    cluster.request(
        "PUT",
        f"/_search/pipeline/{options.alias}-hybrid",
        body=pipelines.search_pipeline_body(options.hybrid, enrich),
        what="updating the stable hybrid pipeline",
    )
    if cluster.version >= (2, 19, 0):
        rrf = options.hybrid if options.hybrid.technique == "rrf" else HybridConfig(technique="rrf")
        cluster.request(
            "PUT",
            f"/_search/pipeline/{options.alias}-rrf",
            body=pipelines.search_pipeline_body(rrf, enrich),
            what="updating the stable RRF pipeline",
        )


def prune(cluster: Cluster, alias: str, keep: str | None = None, state_dir: Path | None = None,
          lock: DeployLock | None = None, echo: Callable[[str], None] = lambda message: log.info(message),
          lock_wait: float = DEFAULT_WAIT) -> list[str]:
    """Delete this alias's versioned indices that the alias does not point at (and their pipelines).

    Under the alias's lock (``lock``, or taken here for the prune alone). Kept, and said so through ``echo``: the
    index a deploy is loading and those of unfinished deploys that a rerun can resume, as the lock document records
    them (from any machine) and as ``<state_dir>/<alias>.json`` names one (this machine).
    """
    if lock is None:
        with DeployLock.acquire(cluster, alias, "prune", wait=lock_wait) as own:
            return prune(cluster, alias, keep, state_dir, own, echo)
    lock.refresh()  # still ours: nobody else can be loading or swapping this alias now
    live = set(idx.alias_targets(cluster, alias))
    if keep:
        live.add(keep)
    existing = idx.indices_for(cluster, alias)
    # unfinished records of indices gone since, or that the alias serves (complete after all), are dropped
    lock.forget({name for name in lock.doc["unfinished"] if name not in existing or name in live})
    protected = lock.protected()
    state = read_state(Path(state_dir) / f"{alias}.json") if state_dir else None
    if state is not None:
        protected.setdefault(state["index"], f"the interrupted deploy in {Path(state_dir) / f'{alias}.json'} "
                                             "resumes into it")
    removed = []
    for name in existing:
        if name in live:
            continue
        if name in protected:
            echo(f"kept {name}: {protected[name]}")
            continue
        idx.delete_index(cluster, name)
        _delete_pipelines(cluster, name)
        if state_dir:
            for suffix in (".ids", ".failures.jsonl"):
                (Path(state_dir) / f"{name}{suffix}").unlink(missing_ok=True)
        removed.append(name)
    return removed


def undeploy_everything(cluster: Cluster, alias: str) -> None:
    """Remove the alias, all its versioned indices and pipelines (tests and `--teardown`); the model stays."""
    for name in idx.indices_for(cluster, alias):
        idx.delete_index(cluster, name)
        _delete_pipelines(cluster, name)
    for suffix in ("hybrid", "rrf"):
        cluster.request("DELETE", f"/_search/pipeline/{alias}-{suffix}", what="deleting pipeline", ignore=(404,))
    try:
        cluster.request("DELETE", f"/_all/_alias/{alias}", what="deleting alias", ignore=(404,))
    except OpenSearchError:
        pass
    delete_lock(cluster, alias)

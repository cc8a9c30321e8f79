"""Bulk ingest: streamed, pipelined, retried with backoff, resumable, and honest about every document.

* The corpus is a stream (:func:`legalsearch.data.iter_corpus`): memory holds a few batches in flight, never the
  corpus. Three stages overlap, joined by bounded queues: the calling thread reads, validates, chunks and extracts
  citations; an encoder thread embeds the passages (client-side vectors) and serializes each document once;
  ``concurrency`` sender threads (default 1) send bulk requests and record the answers. Each bulk request holds at most ``batch_size``
  documents and at most ``max_bulk_bytes`` of body (a single larger document goes alone).
* Each document is written with ``_id`` = its corpus id and ``op_type: create``, so sending it twice never makes a
  duplicate (the second answer is 409, counted as already present).
* A checkpoint file lists the ids the cluster has acknowledged; a re-run after an interruption skips them without
  re-encoding or re-sending. With requests in flight when a run stops, a document the cluster wrote but never
  acknowledged is sent again by the re-run and counted as already present.
* Whole requests that fail with 429/5xx or a dropped connection, and single items that fail with 429/5xx, are retried
  with exponential backoff. Other per-document errors, and malformed corpus lines under ``skip_invalid``, go to the
  failures JSONL file with their reason.
* A write block (``cluster_block_exception``: the disk passed the flood-stage watermark and the index turned
  read-only) stops the ingest at once with :class:`IngestError` saying how to lift it; waiting cannot help, and
  recording every later document as failed would bury the one cause. The documents acknowledged so far are in the
  checkpoint, so the rerun after the block is lifted resumes.
* At the end ``read == indexed + already_present + failed``.

Documents carry ``title``, ``text``, ``citations`` (eyecite, normalized) and either ``passage_text`` (server-side
vectors: the index's default ingest pipeline chunks and embeds it) or ``passage_chunks`` + ``passages`` (client-side
vectors from our ONNX encoder, or from a file of vectors computed elsewhere: :mod:`legalsearch.plugin.vectors`;
passages cut by :class:`legalsearch.passages.PassageChunker`, the server's ``text_chunking`` reproduced, with the
same settings, so both modes and the offline evaluation index one set of passages).
"""

from __future__ import annotations

import json
import logging
import queue
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator

from legalsearch.data import CorpusRecord, iter_corpus
from legalsearch.errors import ConnectionFailedError, DataError, IngestError, OpenSearchError

from .citations import extract_citations
from .connection import Cluster

log = logging.getLogger(__name__)

RETRYABLE = {429, 502, 503, 504}
MAX_BULK_BYTES = 10_000_000  # well under http.max_content_length (100 MB), in the range OpenSearch recommends
QUEUE_DEPTH = 2  # batches waiting between two stages: the encoder never waits for a bulk round trip

__all__ = ["CorpusRecord", "IngestOptions", "IngestReport", "corpus_path", "ingest", "read_corpus"]


def corpus_path(path: str | Path) -> Path:
    path = Path(path)
    return path / "corpus.jsonl" if path.is_dir() else path


def read_corpus(path: str | Path, skip_invalid: bool = False) -> Iterator[CorpusRecord]:
    """Stream a BEIR ``corpus.jsonl`` (or a dataset directory holding one) for ingest.

    The lines are read by :func:`legalsearch.data.iter_corpus` (UTF-8 with an optional BOM, LF or CRLF, no duplicate
    keys or ids, string or integer ids). A malformed line raises :class:`DataError` naming file and line, unless
    ``skip_invalid``: then it is yielded with ``error`` set so that ingest writes it to the failures file and counts
    it. An empty file raises :class:`DataError`.
    """
    path = corpus_path(path)
    if not path.is_file():
        raise DataError("corpus file not found; pass a BEIR dataset directory or its corpus.jsonl", path)
    lines = 0
    for record in iter_corpus(path):
        lines += 1
        if record.error is not None and not skip_invalid:
            raise DataError(f"{record.error}; fix the line or pass --skip-invalid to record it as failed",
                            path, record.line)
        yield record
    if lines == 0:  # an empty corpus would otherwise make an empty index and move the alias onto it
        raise DataError("corpus is empty; nothing to deploy", path)


def count_lines(path: str | Path) -> int:
    with corpus_path(path).open("rb") as handle:
        return sum(1 for raw in handle if raw.strip())


@dataclass
class IngestReport:
    index: str
    read: int = 0
    indexed: int = 0
    already_present: int = 0
    failed: int = 0
    seconds: float = 0.0
    retries: int = 0
    bulk_requests: int = 0
    failures_path: str | None = None

    @property
    def docs_per_second(self) -> float:
        return self.indexed / self.seconds if self.seconds > 0 else 0.0

    @property
    def balanced(self) -> bool:
        return self.read == self.indexed + self.already_present + self.failed

    def summary(self) -> str:
        text = (
            f"read {self.read} = indexed {self.indexed} + already present {self.already_present} + "
            f"failed {self.failed} ({self.docs_per_second:.1f} docs/s)"
        )
        if self.failed and self.failures_path:
            text += f"; failures in {self.failures_path}"
        return text

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "docs_per_second": self.docs_per_second}


@dataclass
class IngestOptions:
    vectors: str = "server"  # "server" (ingest pipeline embeds) or "client" (our encoder, or vectors from a file)
    batch_size: int = 64  # documents per bulk request (and per encoder call)
    max_bulk_bytes: int = MAX_BULK_BYTES  # body bytes per bulk request
    concurrency: int = 1  # bulk requests in flight (server-side vectors: keeps ML Commons' predict threads busy)
    max_retries: int = 6
    backoff: float = 0.5  # seconds; doubles per retry, capped at 30 s
    # passages (text_chunking's fixed_token_length): the ingest pipeline's settings, and client-side the same cut
    token_limit: int = 192
    overlap_rate: float = 0.0
    max_chunk_limit: int = 100
    extra_fields: dict[str, Any] = field(default_factory=dict)


class Checkpoint:
    """Append-only file of acknowledged document ids for one index (resume after interruption).

    Memory holds the ids of earlier runs only (those this run skips); ids acknowledged now go to the file.
    """

    def __init__(self, path: str | Path | None):
        self.path = Path(path) if path else None
        self.done: set[str] = set()
        if self.path and self.path.is_file():
            with self.path.open(encoding="utf-8") as handle:
                self.done = {line.rstrip("\n") for line in handle if line.strip()}
        self._handle = None
        self._lock = threading.Lock()  # with concurrent bulk requests, several threads acknowledge

    def add(self, ids: Iterable[str]) -> None:
        ids = [i for i in ids if i not in self.done]
        if not ids or not self.path:
            return
        with self._lock:
            if self._handle is None:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                self._handle = self.path.open("a", encoding="utf-8")
            self._handle.write("".join(f"{i}\n" for i in ids))
            self._handle.flush()

    def close(self) -> None:
        if self._handle:
            self._handle.close()
            self._handle = None


def build_document(record: CorpusRecord, options: IngestOptions) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "doc_id": record.doc_id,
        "title": record.title,
        "text": record.text,
        "citations": extract_citations(record.full_text),
        **options.extra_fields,
    }
    if options.vectors == "server":
        doc["passage_text"] = record.full_text
    return doc


@dataclass
class _Batch:
    """Documents on their way: built by the reader, vectors added by the encoder stage."""

    records: list[CorpusRecord]
    docs: list[dict[str, Any]]
    chunks: list[list[str]] | None = None  # client-side vectors: the passages of each document


def add_client_vectors(batch: _Batch, encoder) -> None:
    """Attach ``passages: [{"knn": vector}, ...]`` for the batch's passages (one encoder call per batch).

    ``encoder`` is an :class:`~legalsearch.encoders.Encoder`, or a vector source with ``vectors_for(records,
    chunks)`` (:class:`legalsearch.plugin.vectors.FileVectors`: vectors computed elsewhere).
    """
    if hasattr(encoder, "vectors_for"):
        per_doc = encoder.vectors_for(batch.records, batch.chunks)
    else:
        flat = [chunk for chunks in batch.chunks for chunk in chunks]
        vectors = encoder.encode_documents(flat) if flat else []
        per_doc, position = [], 0
        for chunks in batch.chunks:
            per_doc.append(vectors[position:position + len(chunks)])
            position += len(chunks)
    for doc, chunks, rows in zip(batch.docs, batch.chunks, per_doc):
        doc["passage_chunks"] = chunks
        doc["passages"] = [{"knn": row.tolist() if hasattr(row, "tolist") else [float(x) for x in row]}
                           for row in rows]


def _retryable(exc: OpenSearchError) -> bool:
    return isinstance(exc, ConnectionFailedError) or (exc.status in RETRYABLE)


class _Stop(Exception):
    """Another stage failed: this one stops (the failure itself is raised by :func:`ingest`)."""


class _Stage:
    """A worker thread fed through a bounded queue; the first failure of any stage stops them all."""

    _END = object()

    def __init__(self, name: str, work: Callable[[Any], None], failed: list[BaseException], stop: threading.Event,
                 threads: int = 1):
        self.queue: queue.Queue = queue.Queue(maxsize=QUEUE_DEPTH)
        self.work, self.failed, self.stop = work, failed, stop
        self.threads = [threading.Thread(target=self._run, name=f"{name}-{i}", daemon=True) for i in range(threads)]
        for thread in self.threads:
            thread.start()

    def join(self) -> None:
        for thread in self.threads:
            thread.join()

    def put(self, item: Any) -> None:
        while True:
            if self.stop.is_set():
                raise _Stop()
            try:
                self.queue.put(item, timeout=0.05)
                return
            except queue.Full:
                continue

    def close(self) -> None:
        """No more items: the threads finish those queued, then end."""
        try:
            for _thread in self.threads:
                self.put(self._END)
        except _Stop:
            pass

    def _run(self) -> None:
        while True:
            try:
                item = self.queue.get(timeout=0.05)
            except queue.Empty:
                if self.stop.is_set():
                    return
                continue
            if item is self._END or self.stop.is_set():
                return
            try:
                self.work(item)
            except _Stop:
                return
            except BaseException as exc:  # noqa: BLE001 - re-raised in the calling thread by ingest()
                self.failed.append(exc)
                self.stop.set()
                return


def ingest(
    cluster: Cluster,
    index: str,
    records: Iterable[CorpusRecord],
    options: IngestOptions | None = None,
    encoder=None,
    failures_path: str | Path | None = None,
    checkpoint_path: str | Path | None = None,
    total: int | None = None,
    progress: bool = True,
    sleep: Callable[[float], None] = time.sleep,
) -> IngestReport:
    """Bulk-index ``records`` into ``index``; see the module docstring for the guarantees."""
    options = options or IngestOptions()
    if options.vectors not in ("server", "client"):
        raise ValueError("vectors must be 'server' or 'client'")
    if options.vectors == "client" and encoder is None:
        raise ValueError("client-side vectors need an encoder")
    if options.batch_size < 1 or options.max_bulk_bytes < 1 or options.concurrency < 1:
        raise ValueError("batch_size, max_bulk_bytes and concurrency must be at least 1")
    from tqdm import tqdm

    from legalsearch.passages import PassageChunker

    report = IngestReport(index=index, failures_path=str(failures_path) if failures_path else None)
    if failures_path and Path(failures_path).is_file():
        Path(failures_path).unlink()  # documents that failed last time are sent again: start the file afresh
    checkpoint = Checkpoint(checkpoint_path)
    failures = _FailureLog(failures_path)
    lock = threading.Lock()  # report counters are updated by the reading and the sending thread
    chunker = PassageChunker(options.token_limit, options.overlap_rate, options.max_chunk_limit)
    started = time.perf_counter()
    bar = tqdm(total=total, unit="doc", desc=f"ingest {index}", disable=not progress, leave=False)
    failed: list[BaseException] = []
    stop = threading.Event()
    first = [True]

    def send(bulk: list[tuple[str, str]]) -> None:
        with lock:
            is_first, first[0] = first[0], False
        _send_bulk(cluster, index, bulk, options, report, checkpoint, failures, sleep, is_first, lock, stop)
        bar.update(len(bulk))

    sender = _Stage("legalsearch-bulk", send, failed, stop, threads=options.concurrency)

    def encode(batch: _Batch) -> None:
        if options.vectors == "client":
            add_client_vectors(batch, encoder)
        for bulk in _bulks(index, batch, options):
            sender.put(bulk)

    encoder_stage = _Stage("legalsearch-encode", encode, failed, stop)
    batch = _Batch([], [], [] if options.vectors == "client" else None)
    try:
        try:
            for record in records:
                if stop.is_set():
                    break
                with lock:
                    report.read += 1
                if record.error is not None:
                    with lock:
                        report.failed += 1
                    failures.write(record.doc_id, None,
                                   {"type": "corpus_line", "reason": record.error, "line": record.line})
                    bar.update(1)
                    continue
                if record.doc_id in checkpoint.done:
                    with lock:
                        report.already_present += 1
                    bar.update(1)
                    continue
                batch.records.append(record)
                batch.docs.append(build_document(record, options))
                if batch.chunks is not None:
                    batch.chunks.append(chunker.split_text(record.full_text))
                if len(batch.records) >= options.batch_size:
                    encoder_stage.put(batch)
                    batch = _Batch([], [], [] if options.vectors == "client" else None)
            if batch.records and not stop.is_set():
                encoder_stage.put(batch)
        except _Stop:
            pass
        encoder_stage.close()
        encoder_stage.join()
        sender.close()
        sender.join()
    finally:
        stop.set()  # on any exit (also Ctrl-C or a bad corpus line): the stages finish their current item and end
        encoder_stage.join()
        sender.join()
        report.seconds = time.perf_counter() - started
        bar.close()
        checkpoint.close()
        failures.close()
    if failed:
        raise failed[0]
    return report


def _bulks(index: str, batch: _Batch, options: IngestOptions) -> Iterator[list[tuple[str, str]]]:
    """The batch serialized once, as ``(doc_id, action and source lines)``, cut into bulks of at most
    ``max_bulk_bytes`` (a document larger than that goes alone)."""
    bulk: list[tuple[str, str]] = []
    size = 0
    for record, doc in zip(batch.records, batch.docs):
        lines = (json.dumps({"create": {"_index": index, "_id": record.doc_id}}) + "\n"
                 + json.dumps(doc, ensure_ascii=False) + "\n")
        length = len(lines.encode("utf-8"))
        if bulk and size + length > options.max_bulk_bytes:
            yield bulk
            bulk, size = [], 0
        bulk.append((record.doc_id, lines))
        size += length
    if bulk:
        yield bulk


class _FailureLog:
    def __init__(self, path: str | Path | None):
        self.path = Path(path) if path else None
        self._handle = None
        self._lock = threading.Lock()  # written by the reading and the sending thread

    def write(self, doc_id: str | None, status: int | None, error: Any) -> None:
        if not self.path:
            return
        with self._lock:
            self._write(doc_id, status, error)

    def _write(self, doc_id: str | None, status: int | None, error: Any) -> None:
        if self._handle is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._handle = self.path.open("a", encoding="utf-8")
        self._handle.write(json.dumps({"_id": doc_id, "status": status, "error": error}, ensure_ascii=False) + "\n")
        self._handle.flush()

    def close(self) -> None:
        if self._handle:
            self._handle.close()


def _send_bulk(
    cluster: Cluster,
    index: str,
    pending: list[tuple[str, str]],
    options: IngestOptions,
    report: IngestReport,
    checkpoint: Checkpoint,
    failures: _FailureLog,
    sleep: Callable[[float], None],
    first: bool,
    lock: threading.Lock,
    stop: threading.Event,
) -> None:
    attempt = 0
    while pending:
        if stop.is_set():  # the run is stopping (Ctrl-C, a failed stage): what is not acknowledged is resent later
            raise _Stop()
        body = "".join(lines for _doc_id, lines in pending)
        with lock:
            report.bulk_requests += 1
        try:
            response = cluster.request("POST", "/_bulk", body=body, what=f"bulk indexing into {index}")
        except OpenSearchError as exc:
            if _is_block(exc.root_cause):
                raise _blocked(index, exc.root_cause, report) from None
            if _retryable(exc) and attempt < options.max_retries:
                delay = min(30.0, options.backoff * 2**attempt)
                log.warning("bulk request failed (%s); retrying in %.1f s", exc, delay)
                attempt += 1
                with lock:
                    report.retries += 1
                sleep(delay)
                continue
            raise IngestError(
                f"bulk indexing into {index} stopped after {attempt} retries; rerun the same command to resume "
                f"({report.indexed + report.already_present} documents are safe)",
                root_cause=exc.root_cause or str(exc),
                status=exc.status,
            ) from None
        retry: list[tuple[str, str]] = []
        last_error: dict[str, tuple[int, Any]] = {}
        acked: list[str] = []
        errors: list[str] = []
        blocked: str | None = None
        indexed = present = 0
        for (doc_id, lines), item in zip(pending, response.get("items", [])):
            result = item.get("create") or next(iter(item.values()))
            status = int(result.get("status", 500))
            if _is_block(result.get("error")):
                blocked = blocked or _reason(result.get("error"))  # not sent: counted by the rerun, not here
            elif 200 <= status < 300:
                indexed += 1
                acked.append(doc_id)
            elif status == 409:
                present += 1
                acked.append(doc_id)
            elif status in RETRYABLE or status >= 500:
                retry.append((doc_id, lines))
                last_error[doc_id] = (status, result.get("error"))
            else:
                with lock:
                    report.failed += 1
                failures.write(doc_id, status, result.get("error"))
                errors.append(_reason(result.get("error")))
        checkpoint.add(acked)
        with lock:
            report.indexed += indexed
            report.already_present += present
        if blocked:
            raise _blocked(index, blocked, report)
        if first and len(errors) >= 2 and not acked and not retry and len(errors) == len(pending):
            # every document of the first batch failed the same way: a setup problem, not bad documents
            raise IngestError(
                f"every document of the first batch was rejected by {index}; nothing more was sent",
                root_cause=errors[0],
            )
        if retry:
            if attempt >= options.max_retries:
                for doc_id, _lines in retry:
                    status, error = last_error[doc_id]
                    with lock:
                        report.failed += 1
                    failures.write(doc_id, status, error)
                break
            delay = min(30.0, options.backoff * 2**attempt)
            attempt += 1
            with lock:
                report.retries += 1
            sleep(delay)
        pending = retry


def _is_block(error: Any) -> bool:
    """A cluster or index block (flood-stage read-only, a closed or read-only index): retrying cannot help."""
    text = error.get("type", "") if isinstance(error, dict) else str(error or "")
    return "cluster_block_exception" in text or "index_create_block_exception" in text


def _blocked(index: str, reason: str, report: IngestReport) -> IngestError:
    safe = report.indexed + report.already_present
    if "flood-stage" in reason or "read-only-allow-delete" in reason:
        step = (
            f"free disk space on the data nodes (or raise cluster.routing.allocation.disk.watermark.flood_stage), "
            f'then lift the block with PUT /{index}/_settings {{"index.blocks.read_only_allow_delete": null}} '
            f"and rerun the same command to resume"
        )
        message = f"{index} became read-only because a data node's disk passed the flood-stage watermark; {step}"
    else:
        message = f"{index} is blocked for writes; lift the block and rerun the same command to resume"
    return IngestError(f"{message} ({safe} documents are safe)", root_cause=reason, status=429)


def _reason(error: Any) -> str:
    if isinstance(error, dict):
        cause = error.get("caused_by") or {}
        reason = error.get("reason") or ""
        if cause.get("reason"):
            reason = f"{reason}: {cause['reason']}" if reason else cause["reason"]
        return f"{error.get('type', 'error')}: {reason}"
    return str(error)

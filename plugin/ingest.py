"""Bulk ingest: batched, retried with backoff, resumable, and honest about every document.

* Each document is written with ``_id`` = its corpus id and ``op_type: create``, so sending it twice never makes a
  duplicate (the second answer is 409, counted as already present).
* A checkpoint file lists the ids the cluster has acknowledged; a re-run after an interruption skips them without
  re-encoding or re-sending.
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
vectors from our ONNX encoder; passages cut by :class:`legalsearch.passages.PassageChunker`, the server's
``text_chunking`` reproduced, with the same settings, so both modes and the offline evaluation index one set of
passages).
"""

from __future__ import annotations

import json
import logging
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator

from legalsearch.data import id_value, iter_text_lines, parse_json_object
from legalsearch.errors import ConnectionFailedError, DataError, IngestError, OpenSearchError

from .citations import extract_citations
from .connection import Cluster

log = logging.getLogger(__name__)

RETRYABLE = {429, 502, 503, 504}


@dataclass
class CorpusRecord:
    """One corpus line: a document, or the reason it could not be read."""

    line: int
    doc_id: str | None
    title: str = ""
    text: str = ""
    error: str | None = None

    @property
    def full_text(self) -> str:
        return f"{self.title}\n{self.text}" if self.title else self.text


def corpus_path(path: str | Path) -> Path:
    path = Path(path)
    return path / "corpus.jsonl" if path.is_dir() else path


def read_corpus(path: str | Path, skip_invalid: bool = False) -> Iterator[CorpusRecord]:
    """Stream a BEIR ``corpus.jsonl`` (or a dataset directory holding one).

    A malformed line raises :class:`DataError` naming file and line, unless ``skip_invalid``: then it is yielded with
    ``error`` set so that ingest writes it to the failures file and counts it. Lines are read by the rules of
    :mod:`legalsearch.data` (UTF-8 with an optional BOM, LF or CRLF, no duplicate keys, string or integer ids); an
    empty file raises :class:`DataError`.
    """
    path = corpus_path(path)
    if not path.is_file():
        raise DataError("corpus file not found; pass a BEIR dataset directory or its corpus.jsonl", path)
    seen: set[str] = set()
    lines = 0
    for lineno, raw, decode_error in iter_text_lines(path):
        if raw is not None and not raw.strip():
            continue
        lines += 1
        reason, doc_id, row = decode_error, None, None
        if reason is None:
            try:
                row = parse_json_object(raw)
            except ValueError as exc:
                reason = str(exc)
        if row is not None:
            text, title = row.get("text"), row.get("title") or ""
            try:
                doc_id = id_value(row.get("_id"), "_id")
            except ValueError as exc:
                reason = str(exc)
            else:
                if doc_id is None:
                    reason = "missing field '_id'"
                elif not isinstance(title, str):
                    reason = f"document '{doc_id}' has a 'title' that is not a string"
                elif not isinstance(text, str) or not (text.strip() or title.strip()):
                    reason = f"document '{doc_id}' has no 'text'"
                elif doc_id in seen:
                    reason = f"duplicate document id '{doc_id}'"
        if reason is not None:
            if not skip_invalid:
                raise DataError(f"{reason}; fix the line or pass --skip-invalid to record it as failed", path, lineno)
            yield CorpusRecord(lineno, doc_id, error=reason)
            continue
        seen.add(doc_id)
        yield CorpusRecord(lineno, doc_id, row.get("title") or "", row["text"])
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
    vectors: str = "server"  # "server" (ingest pipeline embeds) or "client" (our encoder)
    batch_size: int = 64
    max_retries: int = 6
    backoff: float = 0.5  # seconds; doubles per retry, capped at 30 s
    # passages (text_chunking's fixed_token_length): the ingest pipeline's settings, and client-side the same cut
    token_limit: int = 192
    overlap_rate: float = 0.0
    max_chunk_limit: int = 100
    extra_fields: dict[str, Any] = field(default_factory=dict)


class Checkpoint:
    """Append-only file of acknowledged document ids for one index (resume after interruption)."""

    def __init__(self, path: str | Path | None):
        self.path = Path(path) if path else None
        self.done: set[str] = set()
        if self.path and self.path.is_file():
            self.done = {line for line in self.path.read_text(encoding="utf-8").splitlines() if line}
        self._handle = None

    def add(self, ids: Iterable[str]) -> None:
        ids = [i for i in ids if i not in self.done]
        if not ids:
            return
        self.done.update(ids)
        if self.path:
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


def add_client_vectors(docs: list[dict[str, Any]], records: list[CorpusRecord], encoder, options: IngestOptions) -> None:
    """Cut passages like the server would and attach ``passages: [{"knn": vector}, ...]`` from our encoder."""
    from legalsearch.passages import PassageChunker

    chunker = PassageChunker(options.token_limit, options.overlap_rate, options.max_chunk_limit)
    chunks_per_doc = [chunker.split_text(r.full_text) for r in records]
    flat = [chunk for chunks in chunks_per_doc for chunk in chunks]
    vectors = encoder.encode_documents(flat) if flat else []
    position = 0
    for doc, chunks in zip(docs, chunks_per_doc):
        doc["passage_chunks"] = chunks
        doc["passages"] = [{"knn": [float(x) for x in vectors[position + i]]} for i in range(len(chunks))]
        position += len(chunks)


def _retryable(exc: OpenSearchError) -> bool:
    return isinstance(exc, ConnectionFailedError) or (exc.status in RETRYABLE)


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
    from tqdm import tqdm

    report = IngestReport(index=index, failures_path=str(failures_path) if failures_path else None)
    if failures_path and Path(failures_path).is_file():
        Path(failures_path).unlink()  # documents that failed last time are sent again: start the file afresh
    checkpoint = Checkpoint(checkpoint_path)
    failures = _FailureLog(failures_path)
    started = time.perf_counter()
    bar = tqdm(total=total, unit="doc", desc=f"ingest {index}", disable=not progress, leave=False)
    batch: list[CorpusRecord] = []
    first_batch = [True]

    def flush() -> None:
        if batch:
            _send_batch(cluster, index, batch, options, encoder, report, checkpoint, failures, sleep, first_batch[0])
            first_batch[0] = False
            bar.update(len(batch))
            batch.clear()

    try:
        for record in records:
            report.read += 1
            if record.error is not None:
                report.failed += 1
                failures.write(record.doc_id, None, {"type": "corpus_line", "reason": record.error, "line": record.line})
                bar.update(1)
                continue
            if record.doc_id in checkpoint.done:
                report.already_present += 1
                bar.update(1)
                continue
            batch.append(record)
            if len(batch) >= options.batch_size:
                flush()
        flush()
    finally:
        report.seconds = time.perf_counter() - started
        bar.close()
        checkpoint.close()
        failures.close()
    return report


class _FailureLog:
    def __init__(self, path: str | Path | None):
        self.path = Path(path) if path else None
        self._handle = None

    def write(self, doc_id: str | None, status: int | None, error: Any) -> None:
        if not self.path:
            return
        if self._handle is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._handle = self.path.open("a", encoding="utf-8")
        self._handle.write(json.dumps({"_id": doc_id, "status": status, "error": error}, ensure_ascii=False) + "\n")
        self._handle.flush()

    def close(self) -> None:
        if self._handle:
            self._handle.close()


def _send_batch(
    cluster: Cluster,
    index: str,
    records: list[CorpusRecord],
    options: IngestOptions,
    encoder,
    report: IngestReport,
    checkpoint: Checkpoint,
    failures: _FailureLog,
    sleep: Callable[[float], None],
    first: bool,
) -> None:
    docs = [build_document(r, options) for r in records]
    if options.vectors == "client":
        add_client_vectors(docs, records, encoder, options)
    pending = list(zip([r.doc_id for r in records], docs))
    attempt = 0
    while pending:
        body = "".join(
            json.dumps({"create": {"_index": index, "_id": doc_id}}) + "\n" + json.dumps(doc, ensure_ascii=False) + "\n"
            for doc_id, doc in pending
        )
        try:
            response = cluster.request("POST", "/_bulk", body=body, what=f"bulk indexing into {index}")
        except OpenSearchError as exc:
            if _is_block(exc.root_cause):
                raise _blocked(index, exc.root_cause, report) from None
            if _retryable(exc) and attempt < options.max_retries:
                delay = min(30.0, options.backoff * 2**attempt)
                log.warning("bulk request failed (%s); retrying in %.1f s", exc, delay)
                attempt += 1
                report.retries += 1
                sleep(delay)
                continue
            raise IngestError(
                f"bulk indexing into {index} stopped after {attempt} retries; rerun the same command to resume "
                f"({report.indexed + report.already_present} documents are safe)",
                root_cause=exc.root_cause or str(exc),
                status=exc.status,
            ) from None
        retry: list[tuple[str, dict]] = []
        last_error: dict[str, tuple[int, Any]] = {}
        acked: list[str] = []
        errors: list[str] = []
        blocked: str | None = None
        for (doc_id, doc), item in zip(pending, response.get("items", [])):
            result = item.get("create") or next(iter(item.values()))
            status = int(result.get("status", 500))
            if _is_block(result.get("error")):
                blocked = blocked or _reason(result.get("error"))  # not sent: counted by the rerun, not here
            elif 200 <= status < 300:
                report.indexed += 1
                acked.append(doc_id)
            elif status == 409:
                report.already_present += 1
                acked.append(doc_id)
            elif status in RETRYABLE or status >= 500:
                retry.append((doc_id, doc))
                last_error[doc_id] = (status, result.get("error"))
            else:
                report.failed += 1
                failures.write(doc_id, status, result.get("error"))
                errors.append(_reason(result.get("error")))
        checkpoint.add(acked)
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
                for doc_id, _doc in retry:
                    report.failed += 1
                    status, error = last_error[doc_id]
                    failures.write(doc_id, status, error)
                break
            delay = min(30.0, options.backoff * 2**attempt)
            attempt += 1
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

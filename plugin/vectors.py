"""Passage vectors computed elsewhere (a GPU batch job, another service), ingested by ``deploy --vectors-from FILE``.

Two formats, one row per passage, the passages of a document in order (cut as deploy cuts them:
:class:`legalsearch.passages.PassageChunker` with the deploy's ``--token-limit``; a one-passage document has one row):

* JSONL: ``{"_id": "doc-7", "vector": [0.012, ...]}`` per line (several lines with one id are its passages, in
  order), or ``{"_id": "doc-7", "vectors": [[...], [...]]}`` with all of them.
* ``.npy``: a float array ``[rows, dimension]``, with the ids beside it in a text file of the same name ending in
  ``.ids`` (``vectors.npy`` + ``vectors.ids``), one id per row.

Every row is checked before anything is sent: its id, its dimension (the export's encoder's, which embeds the
queries), finite values; then every corpus document must have exactly as many rows as it has passages, and every id
of the file must be a corpus document. Each problem is a :class:`DataError` naming the file and line. Memory holds
an index of the file (id -> rows), never the vectors: JSONL rows are read back by offset, ``.npy`` is memory-mapped.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Iterable

import numpy as np

from legalsearch.data import CorpusRecord, id_value, iter_text_lines, parse_json_object
from legalsearch.errors import DataError


def ids_path(npy: Path) -> Path:
    return npy.with_suffix(".ids")


class FileVectors:
    """A vector source for :func:`legalsearch.plugin.ingest.ingest` (in place of an encoder): see the module."""

    def __init__(self, path: str | Path, dimension: int):
        self.path = Path(path)
        self.dimension = int(dimension)
        if not self.path.is_file():
            raise DataError("vectors file not found; pass the JSONL or .npy file of --vectors-from", self.path)
        # id -> [(line, byte offset, position in the line)] (JSONL) or [(line of the .ids file, row)] (.npy)
        self._rows: dict[str, list[tuple[int, int, int]]] = {}
        self._array = None
        if self.path.suffix == ".npy":
            self._index_npy()
        else:
            self._index_jsonl()
        if not self._rows:
            raise DataError("vectors file is empty", self.path)

    # -- reading ---------------------------------------------------------------------------------------------------
    def _vector(self, values, line: int, where: Path | None = None) -> np.ndarray:
        where = where or self.path
        if not isinstance(values, list) or not all(
                isinstance(v, (int, float)) and not isinstance(v, bool) for v in values):
            raise DataError("'vector' must be a list of numbers", where, line)
        if len(values) != self.dimension:
            raise DataError(f"vector has {len(values)} values, but the encoder of --export makes {self.dimension} "
                            "(the queries must be embedded by the model that embedded the documents)", where, line)
        if not all(math.isfinite(v) for v in values):
            raise DataError("vector holds a value that is not a finite number", where, line)
        return np.asarray(values, dtype=np.float32)

    def _parse_line(self, text: str, line: int) -> tuple[str, list]:
        try:
            row = parse_json_object(text)
            doc_id = id_value(row.get("_id"), "_id")
        except ValueError as exc:
            raise DataError(str(exc), self.path, line) from None
        if doc_id is None:
            raise DataError("missing field '_id'", self.path, line)
        if "vectors" in row:
            vectors = row["vectors"]
            if not isinstance(vectors, list) or not vectors:
                raise DataError("'vectors' must be a non-empty list of vectors", self.path, line)
        elif "vector" in row:
            vectors = [row["vector"]]
        else:
            raise DataError("line needs 'vector' (one passage) or 'vectors' (all passages of the document)",
                            self.path, line)
        return doc_id, vectors

    def _index_jsonl(self) -> None:
        offset = 0
        with self.path.open("rb") as handle:
            for line, raw in enumerate(handle, start=1):
                start, offset = offset, offset + len(raw)
                text = _decode(raw, line, self.path)
                if not text.strip():
                    continue
                doc_id, vectors = self._parse_line(text, line)
                for position, values in enumerate(vectors):
                    self._vector(values, line)
                    self._rows.setdefault(doc_id, []).append((line, start, position))

    def _index_npy(self) -> None:
        try:
            array = np.load(self.path, mmap_mode="r", allow_pickle=False)
        except (ValueError, OSError) as exc:
            raise DataError(f"not a readable .npy array ({exc})", self.path) from None
        if array.ndim != 2 or array.shape[1] != self.dimension:
            raise DataError(f"array has shape {tuple(array.shape)}; expected (rows, {self.dimension}), the "
                            "dimension of the encoder of --export", self.path)
        if not np.issubdtype(array.dtype, np.floating):
            raise DataError(f"array holds {array.dtype}, not floating-point vectors", self.path)
        names = ids_path(self.path)
        if not names.is_file():
            raise DataError(f"no {names.name} beside it: a .npy needs its document ids, one per row, in {names}",
                            self.path)
        row = 0
        for line, text, error in iter_text_lines(names):
            if error is not None:
                raise DataError(error, names, line)
            doc_id = text.strip()
            if not doc_id:
                continue
            if row >= array.shape[0]:
                raise DataError(f"more ids than the {array.shape[0]} rows of {self.path.name}", names, line)
            if not np.isfinite(array[row]).all():
                raise DataError(f"row {row} of {self.path.name} holds a value that is not a finite number", names,
                                line)
            self._rows.setdefault(doc_id, []).append((line, row, 0))
            row += 1
        if row != array.shape[0]:
            raise DataError(f"{row} ids for the {array.shape[0]} rows of {self.path.name}; give one id per row",
                            names)
        self._array = array

    # -- checks ----------------------------------------------------------------------------------------------------
    def where(self, doc_id: str) -> tuple[Path, int]:
        """File and line of a document's first row."""
        line = self._rows[doc_id][0][0]
        return (ids_path(self.path) if self._array is not None else self.path), line

    def check(self, records: Iterable[tuple[CorpusRecord, int]]) -> None:
        """Every document (with its passage count) has exactly that many rows; every id of the file is a document."""
        seen: set[str] = set()
        for record, passages in records:
            rows = self._rows.get(record.doc_id)
            if rows is None:
                raise DataError(f"no vector for document '{record.doc_id}' (corpus line {record.line}); every "
                                "document needs one row per passage", self.path)
            if len(rows) != passages:
                path, line = self.where(record.doc_id)
                raise DataError(f"document '{record.doc_id}' has {passages} passages as deploy cuts it "
                                f"(--token-limit) but {len(rows)} vectors here", path, line)
            seen.add(record.doc_id)
        for doc_id in self._rows:
            if doc_id not in seen:
                path, line = self.where(doc_id)
                raise DataError(f"id '{doc_id}' is not a document of the corpus (nothing is dropped silently)",
                                path, line)

    # -- the encoder interface of ingest ---------------------------------------------------------------------------
    def vectors_for(self, records: list[CorpusRecord], chunks: list[list[str]]) -> list[np.ndarray]:
        out = []
        with (self.path.open("rb") if self._array is None else _nothing()) as handle:
            for record, passages in zip(records, chunks):
                rows = self._rows.get(record.doc_id)
                if rows is None or len(rows) != len(passages):
                    self.check([(record, len(passages))])  # raises, naming the line
                if self._array is not None:
                    out.append(np.asarray(self._array[[row for _line, row, _p in rows]], dtype=np.float32))
                    continue
                vectors, cache = [], {}
                for line, offset, position in rows:
                    if offset not in cache:
                        handle.seek(offset)
                        cache[offset] = self._parse_line(_decode(handle.readline(), line, self.path), line)[1]
                    vectors.append(self._vector(cache[offset][position], line))
                out.append(np.stack(vectors))
        return out


class _nothing:
    def __enter__(self):
        return None

    def __exit__(self, *exc):
        return False


def _decode(raw: bytes, line: int, path: Path) -> str:
    """One line's bytes by the rules of :func:`legalsearch.data.iter_text_lines` (UTF-8, a BOM dropped on line 1)."""
    import codecs

    if line == 1 and raw.startswith(codecs.BOM_UTF8):
        raw = raw[len(codecs.BOM_UTF8):]
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise DataError(f"not valid UTF-8 (byte 0x{raw[exc.start]:02x} at column {exc.start + 1})", path, line) from None


def write_jsonl(path: str | Path, rows: Iterable[tuple[str, np.ndarray]]) -> Path:
    """Write ``(doc id, [passages, dimension] array)`` rows in the JSONL format above (one line per document)."""
    path = Path(path)
    with path.open("w", encoding="utf-8") as handle:
        for doc_id, vectors in rows:
            handle.write(json.dumps({"_id": doc_id, "vectors": np.asarray(vectors, dtype=np.float32).tolist()}) + "\n")
    return path

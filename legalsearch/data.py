"""Stage 1 — data: load and validate a BEIR-layout dataset, or build one from pairs / click logs.

BEIR layout::

    DIR/corpus.jsonl        {"_id": ..., "title": ..., "text": ...}
    DIR/queries.jsonl       {"_id": ..., "text": ..., "metadata": {...}}
    DIR/qrels/{split}.tsv   header "query-id<TAB>corpus-id<TAB>score", graded integer scores

Every bad row is an error that names the file and line, unless ``skip_invalid`` is set, in which case the row is
skipped and counted in a :class:`ValidationReport` under its reason. Nothing is ever dropped silently.

What every reader accepts (shared by the corpus reader :func:`iter_corpus`, which ``deploy`` streams too, the queries,
qrels, pairs and click-log readers here, and the triplets reader of ``mine``/``train``):

* UTF-8, with or without a byte-order mark at the start of the file; lines end with LF or CRLF. Bytes that are not
  UTF-8 are an error naming the line and column (never a traceback, never silently replaced).
* one JSON object per line; a key given twice in one object is an error (JSON would keep the last one silently);
  nesting too deep to read is an error; a raw NUL or other control character inside a line is malformed JSON, while
  an escaped ``\u0000`` is kept as text.
* ids (``_id``, ``query_id``, ``doc_id``) are strings or integers: ``7`` and ``"7"`` are the same id. Floats,
  booleans, lists and objects are errors (``1.0`` or ``true`` would otherwise become ids nobody wrote).
* no size limit per line or document beyond memory; an empty file is an error naming it.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import json
import math
import random
import re
from array import array
from collections import Counter
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Iterator

from legalsearch.errors import DataError

SPLITS = ("train", "dev", "test")
# Other names for a split that published datasets use (BEIR uses "dev", ACORD/HF sometimes "valid"/"validation").
SPLIT_ALIASES = {"dev": ("dev", "valid", "validation")}

Qrels = dict[str, dict[str, int]]  # query id -> {doc id: graded relevance}


@dataclass(frozen=True)
class Document:
    id: str
    title: str
    text: str

    @property
    def full_text(self) -> str:
        """Title and body as one string: what BM25, the encoder and OpenSearch all see."""
        return f"{self.title}\n{self.text}" if self.title else self.text


@dataclass
class ValidationReport:
    """What a load saw: counts per file and every skipped row, grouped by reason."""

    counts: dict[str, int] = field(default_factory=dict)
    skipped: Counter = field(default_factory=Counter)
    examples: dict[str, str] = field(default_factory=dict)  # reason -> first "file:line"

    def skip(self, reason: str, path: Path, line: int) -> None:
        self.skipped[reason] += 1
        self.examples.setdefault(reason, f"{path}:{line}")

    @property
    def total_skipped(self) -> int:
        return sum(self.skipped.values())

    def to_dict(self) -> dict:
        return {
            "counts": dict(self.counts),
            "skipped_total": self.total_skipped,
            "skipped": {reason: {"rows": n, "first": self.examples[reason]} for reason, n in self.skipped.items()},
        }


@dataclass
class Dataset:
    """A validated retrieval dataset: corpus, queries and graded qrels per split."""

    path: Path
    corpus: dict[str, Document]
    queries: dict[str, str]
    qrels: dict[str, Qrels]
    report: ValidationReport
    # Judgements with grade >= relevant_grade count as relevant for binary metrics (Recall, MRR) and as positives.
    relevant_grade: int = 1

    def split_queries(self, split: str) -> dict[str, str]:
        return {qid: self.queries[qid] for qid in self.qrels_for(split)}

    def qrels_for(self, split: str) -> Qrels:
        if split not in self.qrels:
            have = ", ".join(sorted(self.qrels)) or "none"
            raise DataError(
                f"no '{split}' split (have: {have}); add qrels/{split}.tsv or choose another split",
                path=self.path / "qrels",
            )
        return self.qrels[split]

    def positives(self, split: str) -> dict[str, set[str]]:
        """Query id -> doc ids judged at least ``relevant_grade``; queries without any are left out."""
        out = {}
        for qid, judged in self.qrels_for(split).items():
            pos = {did for did, grade in judged.items() if grade >= self.relevant_grade}
            if pos:
                out[qid] = pos
        return out

    def checksum(self) -> str:
        """SHA-256 over the dataset's files, for reports: proves which data a number came from."""
        digest = hashlib.sha256()
        for file in sorted(_dataset_files(self.path)):
            digest.update(file.relative_to(self.path).as_posix().encode())
            digest.update(file.read_bytes())
        return digest.hexdigest()


def _dataset_files(path: Path) -> Iterator[Path]:
    for name in ("corpus.jsonl", "queries.jsonl"):
        if (path / name).is_file():
            yield path / name
    if (path / "qrels").is_dir():
        yield from (p for p in (path / "qrels").glob("*.tsv"))


def sample_dataset_path() -> Path:
    """Directory of the sample dataset bundled with the package (a real directory in editable and wheel installs)."""
    return Path(str(resources.files("legalsearch.sample")))


def iter_text_lines(path: Path) -> Iterator[tuple[int, str | None, str | None]]:
    """``(line number, text, None)`` for each line of a UTF-8 file, or ``(line number, None, reason)`` for a line
    that is not UTF-8. A byte-order mark at the start is dropped; the line keeps its LF / CRLF ending."""
    with path.open("rb") as handle:
        for lineno, raw in enumerate(handle, start=1):
            if lineno == 1 and raw.startswith(codecs.BOM_UTF8):
                raw = raw[len(codecs.BOM_UTF8):]
            try:
                yield lineno, raw.decode("utf-8"), None
            except UnicodeDecodeError as exc:
                yield lineno, None, f"not valid UTF-8 (byte 0x{raw[exc.start]:02x} at column {exc.start + 1})"


_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")


def reject_duplicate_keys(pairs: list[tuple[str, object]]) -> dict:
    row: dict = {}
    for key, value in pairs:
        if key in row:
            raise ValueError(f"key '{key}' appears twice in one object")
        row[key] = value
    return row


def parse_json_object(text: str) -> dict:
    """One JSON object from a line; ``ValueError`` with a reason that starts with "malformed JSON"."""
    try:
        row = json.loads(text, object_pairs_hook=reject_duplicate_keys)
    except RecursionError:
        raise ValueError("malformed JSON (nested too deeply to read)") from None
    except json.JSONDecodeError as exc:
        raise ValueError(f"malformed JSON ({exc.msg} at column {exc.colno})") from None
    except ValueError as exc:  # a duplicate key, from reject_duplicate_keys
        raise ValueError(f"malformed JSON ({exc})") from None
    if not isinstance(row, dict):
        raise ValueError("malformed JSON (not a JSON object)")
    if _SURROGATE_ESCAPE.search(text):  # "\ud800" alone parses, but is no text: it could never be written out again
        try:
            json.dumps(row, ensure_ascii=False).encode("utf-8")
        except UnicodeEncodeError:
            raise ValueError("malformed JSON (a \\u escape is half of a surrogate pair, which is not text)") from None
    return row


def id_value(value: object, field_name: str) -> str | None:
    """An id field as a string: strings and integers are ids; None/blank is "missing" (None); anything else raises."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise ValueError(f"'{field_name}' must be a string or an integer, not {type(value).__name__} ({value!r:.40})")
    text = str(value)
    return text if text.strip() else None


def _read_jsonl(path: Path, report: ValidationReport, skip_invalid: bool) -> Iterator[tuple[int, dict]]:
    if not path.is_file():
        raise DataError("file not found; a BEIR dataset needs corpus.jsonl, queries.jsonl and qrels/*.tsv", path)
    for lineno, text, error in iter_text_lines(path):
        if error is not None:
            _fail_or_skip(error, path, lineno, report, skip_invalid)
            continue
        if not text.strip():
            continue
        try:
            row = parse_json_object(text)
        except ValueError as exc:
            _fail_or_skip(str(exc), path, lineno, report, skip_invalid)
            continue
        yield lineno, row


def _fail_or_skip(reason: str, path: Path, line: int, report: ValidationReport, skip_invalid: bool) -> None:
    if not skip_invalid:
        raise DataError(f"{reason}; fix the line or pass --skip-invalid to skip such rows", path, line)
    report.skip(reason.split(" (")[0], path, line)


@dataclass
class CorpusRecord:
    """One non-blank ``corpus.jsonl`` line: a document, or (``error`` set) the reason it is not one."""

    line: int
    doc_id: str | None
    title: str = ""
    text: str = ""
    error: str | None = None

    @property
    def full_text(self) -> str:
        return f"{self.title}\n{self.text}" if self.title else self.text


def iter_corpus(path: str | Path) -> Iterator[CorpusRecord]:
    """Stream a ``corpus.jsonl`` by the rules above, one :class:`CorpusRecord` per non-blank line, never raising for
    a bad line: it comes with ``error`` set, and the caller decides (stop, skip and count, or record as failed).

    The one corpus reader: :func:`load_corpus` / :func:`load_dataset` build their dictionary from it, and
    ``deploy`` streams it. Memory holds no document, only the ids seen so far for the duplicate check, as
    :class:`SeenIds` keeps them: 8 bytes of digest each, so a million ids cost tens of megabytes, not hundreds.
    Raises :class:`DataError` only when the file does not exist.
    """
    path = Path(path)
    if not path.is_file():
        raise DataError("file not found; a BEIR dataset needs corpus.jsonl, queries.jsonl and qrels/*.tsv", path)
    seen = SeenIds(path)
    for lineno, raw, reason in iter_text_lines(path):
        if raw is not None and not raw.strip():
            continue
        doc_id, title, text, reason = _corpus_line(raw, reason)
        if reason is None:
            first = seen.first_line(doc_id, lineno)
            if first is not None:
                reason = f"duplicate document id '{doc_id}' (first at line {first})"
        if reason is not None:
            yield CorpusRecord(lineno, doc_id, error=reason)
            continue
        yield CorpusRecord(lineno, doc_id, title, text)


def _corpus_line(raw: str | None, reason: str | None) -> tuple[str | None, str, str, str | None]:
    """``(id, title, text, reason)`` of one corpus line by every rule but the duplicate check (``reason`` None: valid)."""
    if reason is not None:
        return None, "", "", reason
    try:
        row = parse_json_object(raw)
    except ValueError as exc:
        return None, "", "", str(exc)
    text, title = row.get("text"), row.get("title") or ""
    try:
        doc_id = id_value(row.get("_id"), "_id")
    except ValueError as exc:
        return None, "", "", str(exc)
    if doc_id is None:
        return None, "", "", "missing field '_id'"
    if not isinstance(title, str):
        return doc_id, "", "", f"document '{doc_id}' has a 'title' that is not a string"
    if not isinstance(text, str) or not (text.strip() or title.strip()):
        return doc_id, "", "", f"document '{doc_id}' has no 'text'"
    return doc_id, title, text, None


class SeenIds:
    """The valid document ids read so far from one corpus file, for the duplicate check of :func:`iter_corpus`.

    A set of the id strings costs about 100 bytes an id in CPython, which is what made a streaming deploy's memory
    grow with the corpus. This keeps an 8-byte digest per id in an open-addressing table (an ``array``,
    at most half full, so 16 bytes an id). A digest seen before is not yet proof of a duplicate (two ids of a
    million collide with probability ~3e-8), so the first time one repeats, the file is read again up to that line
    and the exact ids are kept from then on: a clean corpus is never read twice and never held as strings, a
    corpus with duplicates gets exact answers and the line of each id's first occurrence.
    """

    _EMPTY = 0

    def __init__(self, path: Path):
        self._path = path
        self._table = array("Q", bytes(8 * 1024))
        self._count = 0
        self._exact: dict[str, int] | None = None

    def first_line(self, doc_id: str, lineno: int) -> int | None:
        """Record ``doc_id`` (valid, at ``lineno``); returns the line it was first seen at if it was, else None."""
        if self._exact is None:
            if self._insert(self._digest(doc_id)):
                return None
            self._exact = self._exact_ids(before=lineno)  # a digest repeated: exact ids from here on
            self._table = array("Q")
        first = self._exact.get(doc_id)
        if first is None:
            self._exact[doc_id] = lineno
        return first

    @staticmethod
    def _digest(doc_id: str) -> int:
        # Python's own 64-bit string hash: salted per process, which is all a table that lives in one process needs.
        return (hash(doc_id) & 0xFFFF_FFFF_FFFF_FFFF) or 1  # 0 marks an empty slot

    def _insert(self, value: int) -> bool:
        """Add a digest; False when it was already there."""
        if 2 * (self._count + 1) > len(self._table):
            old, self._table = self._table, array("Q", bytes(16 * len(self._table)))
            for kept in old:
                if kept != self._EMPTY:
                    self._place(kept)
        if not self._place(value):
            return False
        self._count += 1
        return True

    def _place(self, value: int) -> bool:
        table, mask = self._table, len(self._table) - 1
        slot = value & mask
        while True:
            held = table[slot]
            if held == self._EMPTY:
                table[slot] = value
                return True
            if held == value:
                return False
            slot = (slot + 1) & mask

    def _exact_ids(self, before: int) -> dict[str, int]:
        ids: dict[str, int] = {}
        for lineno, raw, reason in iter_text_lines(self._path):
            if lineno >= before:
                break
            if raw is not None and not raw.strip():
                continue
            doc_id, _, _, reason = _corpus_line(raw, reason)
            if reason is None:
                ids.setdefault(doc_id, lineno)
        return ids


def _load_corpus(path: Path, report: ValidationReport, skip_invalid: bool) -> dict[str, Document]:
    corpus: dict[str, Document] = {}
    for record in iter_corpus(path):
        if record.error is not None:
            _fail_or_skip(record.error, path, record.line, report, skip_invalid)
            continue
        corpus[record.doc_id] = Document(record.doc_id, record.title, record.text)
    if not corpus:
        raise DataError("corpus is empty", path)
    report.counts["documents"] = len(corpus)
    return corpus


def load_corpus(path: str | Path, skip_invalid: bool = False) -> tuple[dict[str, Document], ValidationReport]:
    """Read a ``corpus.jsonl`` alone (for corpus-only work such as ``data synthesize``), with the dataset rules."""
    report = ValidationReport()
    return _load_corpus(Path(path), report, skip_invalid), report


def _load_queries(path: Path, report: ValidationReport, skip_invalid: bool) -> dict[str, str]:
    queries: dict[str, str] = {}
    for lineno, row in _read_jsonl(path, report, skip_invalid):
        text = row.get("text")
        try:
            qid = id_value(row.get("_id"), "_id")
        except ValueError as exc:
            _fail_or_skip(str(exc), path, lineno, report, skip_invalid)
            continue
        if qid is None:
            _fail_or_skip("missing field '_id'", path, lineno, report, skip_invalid)
            continue
        if not isinstance(text, str) or not text.strip():
            _fail_or_skip(f"query '{qid}' has no 'text'", path, lineno, report, skip_invalid)
            continue
        if qid in queries:
            _fail_or_skip(f"duplicate query id '{qid}'", path, lineno, report, skip_invalid)
            continue
        queries[qid] = text
    if not queries:
        raise DataError("no queries", path)
    report.counts["queries"] = len(queries)
    return queries


def _load_qrels(
    path: Path,
    corpus: dict[str, Document],
    queries: dict[str, str],
    report: ValidationReport,
    skip_invalid: bool,
) -> Qrels:
    qrels: Qrels = {}
    for lineno, raw, error in iter_text_lines(path):
        if error is not None:
            _fail_or_skip(error, path, lineno, report, skip_invalid)
            continue
        cells = raw.rstrip("\r\n").split("\t")
        if lineno == 1 and cells and cells[0].strip().lower() in {"query-id", "query_id", "qid"}:
            continue  # header
        if not raw.strip():
            continue
        if len(cells) != 3:
            _fail_or_skip(
                f"expected 3 tab-separated columns (query-id, corpus-id, score), got {len(cells)}",
                path, lineno, report, skip_invalid,
            )
            continue
        qid, did, score_text = (c.strip() for c in cells)
        try:
            score = _grade(score_text)
        except ValueError as exc:
            _fail_or_skip(f"score '{score_text[:40]}' is {exc}", path, lineno, report, skip_invalid)
            continue
        if qid not in queries:
            _fail_or_skip(f"query id '{qid}' is not in queries.jsonl", path, lineno, report, skip_invalid)
            continue
        if did not in corpus:
            _fail_or_skip(f"corpus id '{did}' is not in corpus.jsonl", path, lineno, report, skip_invalid)
            continue
        if did in qrels.get(qid, {}):
            _fail_or_skip(f"duplicate judgement for ({qid}, {did})", path, lineno, report, skip_invalid)
            continue
        qrels.setdefault(qid, {})[did] = score
    if not any(grade > 0 for judged in qrels.values() for grade in judged.values()):
        raise DataError("split has no relevant judgement (score > 0); it cannot be trained or evaluated on", path)
    return qrels


def _grade(text: str) -> int:
    """A graded-relevance score: a whole number, written as ``2`` or ``2.0``."""
    try:
        value = float(text)
    except ValueError:
        raise ValueError("not a number") from None
    if not math.isfinite(value) or value != int(value):
        raise ValueError("not a whole number")
    return int(value)


def _find_split_file(qrels_dir: Path, split: str) -> Path | None:
    for name in SPLIT_ALIASES.get(split, (split,)):
        candidate = qrels_dir / f"{name}.tsv"
        if candidate.is_file():
            return candidate
    return None


def _infer_relevant_grade(qrels_dir: Path, qrels: dict[str, Qrels]) -> int:
    """Lowest grade that a ``{split}_binary.tsv`` file marks relevant, else 1.

    Graded collections such as ACORD ship binary files that define relevance as grade >= 3; reading the threshold
    from them keeps Recall/MRR and positive selection faithful to the dataset's own definition.
    """
    grades = []
    for split, judged in qrels.items():
        binary = qrels_dir / f"{split}_binary.tsv"
        if not binary.is_file():
            continue
        for lineno, text, error in iter_text_lines(binary):
            if error is not None:
                raise DataError(error, binary, lineno)
            row = text.rstrip("\r\n").split("\t")
            if len(row) == 3 and row[2].strip() not in {"0", "score"}:
                grade = judged.get(row[0].strip(), {}).get(row[1].strip())
                if grade is not None:
                    grades.append(grade)
    return max(1, min(grades)) if grades else 1


def load_dataset(
    path: str | Path,
    splits: tuple[str, ...] | None = None,
    skip_invalid: bool = False,
    relevant_grade: int | None = None,
) -> Dataset:
    """Load and validate a BEIR-layout dataset.

    Args:
        path: dataset directory.
        splits: splits that must be present; ``None`` loads whichever of train/dev/test exist (at least one).
        skip_invalid: skip bad rows (counted in ``report``) instead of raising :class:`DataError`.
        relevant_grade: grade from which a judgement counts as relevant; ``None`` reads it from
            ``qrels/*_binary.tsv`` when present, else 1.

    Raises:
        DataError: naming the file and line of the first problem, and what to do about it.
    """
    root = Path(path)
    if not root.is_dir():
        raise DataError("dataset directory not found", root)
    report = ValidationReport()
    corpus = _load_corpus(root / "corpus.jsonl", report, skip_invalid)
    queries = _load_queries(root / "queries.jsonl", report, skip_invalid)
    qrels_dir = root / "qrels"
    if not qrels_dir.is_dir():
        raise DataError("no qrels/ directory; add qrels/train.tsv, qrels/dev.tsv, qrels/test.tsv", root)

    wanted = splits if splits is not None else SPLITS
    qrels: dict[str, Qrels] = {}
    for split in wanted:
        file = _find_split_file(qrels_dir, split)
        if file is None:
            if splits is not None:
                raise DataError(f"split '{split}' is required but qrels/{split}.tsv does not exist", qrels_dir)
            continue
        qrels[split] = _load_qrels(file, corpus, queries, report, skip_invalid)
        report.counts[f"{split}_queries"] = len(qrels[split])
        report.counts[f"{split}_judgements"] = sum(len(j) for j in qrels[split].values())
    if not qrels:
        raise DataError("no split found; add qrels/train.tsv, qrels/dev.tsv and/or qrels/test.tsv", qrels_dir)

    _check_disjoint(qrels, qrels_dir)
    grade = relevant_grade if relevant_grade is not None else _infer_relevant_grade(qrels_dir, qrels)
    dataset = Dataset(root, corpus, queries, qrels, report, relevant_grade=grade)
    for split in qrels:
        if not dataset.positives(split):
            raise DataError(
                f"split '{split}' has no judgement with grade >= {grade}; lower --relevant-grade or fix the qrels",
                qrels_dir / f"{split}.tsv",
            )
    return dataset


def _check_disjoint(qrels: dict[str, Qrels], qrels_dir: Path) -> None:
    """A query in two splits leaks test labels into training; refuse it."""
    seen: dict[str, str] = {}
    for split, judged in qrels.items():
        for qid in judged:
            if qid in seen:
                raise DataError(
                    f"query '{qid}' appears in both '{seen[qid]}' and '{split}' splits; a query belongs to one split",
                    qrels_dir,
                )
            seen[qid] = split


# --- pairs and click logs -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Judgement:
    query_id: str
    doc_id: str
    grade: int


def read_pairs(
    path: str | Path,
    corpus: dict[str, Document],
    queries: dict[str, str] | None = None,
    min_clicks: int = 1,
    skip_invalid: bool = False,
    report: ValidationReport | None = None,
) -> tuple[dict[str, str], list[Judgement]]:
    """Read labelled pairs or a click log and turn them into judgements.

    Accepted rows (JSONL objects, or TSV/CSV with a header naming these columns):

    * ``query`` (text) or ``query_id`` (an id in ``queries``), ``doc_id``, and
    * ``label`` (graded relevance, 0 = not relevant) **or** ``clicks`` (a count; ``clicks >= min_clicks``
      makes the pair relevant with grade 1, fewer clicks an explicit 0).

    Query texts without ids get stable ids (``c`` + 10 hex digits of their SHA-1). Rows for the same pair are
    merged: labels keep the highest grade, clicks add up. Returns (queries, judgements).
    """
    path = Path(path)
    report = report if report is not None else ValidationReport()
    queries_out: dict[str, str] = dict(queries or {})
    merged: dict[tuple[str, str], dict] = {}
    for lineno, row in _read_pair_rows(path, report, skip_invalid):
        try:
            doc_id = (id_value(row.get("doc_id"), "doc_id") or id_value(row.get("corpus_id"), "corpus_id") or "").strip()
            query_id = id_value(row.get("query_id"), "query_id")
        except ValueError as exc:
            _fail_or_skip(str(exc), path, lineno, report, skip_invalid)
            continue
        if query_id is not None:
            qid = query_id.strip()
            if qid not in queries_out:
                _fail_or_skip(f"query_id '{qid}' is unknown; give 'query' text or add it to queries.jsonl",
                              path, lineno, report, skip_invalid)
                continue
        elif isinstance(row.get("query"), str) and row["query"].strip():
            text = row["query"].strip()
            qid = "c" + hashlib.sha1(text.encode()).hexdigest()[:10]
            queries_out[qid] = text
        else:
            _fail_or_skip("row needs 'query' (text) or 'query_id'", path, lineno, report, skip_invalid)
            continue
        if doc_id not in corpus:
            _fail_or_skip(f"doc_id '{doc_id}' is not in the corpus", path, lineno, report, skip_invalid)
            continue
        entry = merged.setdefault((qid, doc_id), {"label": None, "clicks": 0})
        try:
            if row.get("label") not in (None, ""):
                label = _grade(str(row["label"]))
                entry["label"] = label if entry["label"] is None else max(entry["label"], label)
            elif row.get("clicks") not in (None, ""):
                entry["clicks"] += _grade(str(row["clicks"]))
            else:
                raise ValueError("row needs 'label' or 'clicks'")
        except ValueError as exc:
            _fail_or_skip(str(exc) if "needs" in str(exc) else f"label/clicks is {exc} ({str(row.get('label') or row.get('clicks'))[:40]})",
                          path, lineno, report, skip_invalid)
            continue
    judgements = []
    for (qid, doc_id), entry in merged.items():
        grade = entry["label"] if entry["label"] is not None else int(entry["clicks"] >= min_clicks)
        judgements.append(Judgement(qid, doc_id, grade))
    if not any(j.grade > 0 for j in judgements):
        raise DataError("no relevant pair (label > 0 or enough clicks); nothing to train on", path)
    report.counts["pairs"] = len(judgements)
    return queries_out, judgements


def _read_pair_rows(path: Path, report: ValidationReport, skip_invalid: bool) -> Iterator[tuple[int, dict]]:
    if not path.is_file():
        raise DataError("pairs file not found", path)
    if path.suffix == ".jsonl":
        yield from _read_jsonl(path, report, skip_invalid)
        return
    delimiter = "," if path.suffix == ".csv" else "\t"

    current = [0]  # the physical line csv is reading (csv's own line_num lags behind when it raises)

    def decoded() -> Iterator[str]:  # csv reads str lines; bytes that are not UTF-8 are reported by line here
        for lineno, text, error in iter_text_lines(path):
            current[0] = lineno
            if error is not None:
                if lineno == 1:
                    raise DataError(error, path, lineno)
                _fail_or_skip(error, path, lineno, report, skip_invalid)
                continue
            yield text

    reader = csv.DictReader(decoded(), delimiter=delimiter)
    try:
        fieldnames = reader.fieldnames
    except csv.Error as exc:
        raise DataError(f"unreadable header ({exc})", path, 1) from None
    if not fieldnames:
        raise DataError("pairs file is empty", path)
    if not {"doc_id"} <= set(fieldnames):
        raise DataError(
            f"header must name doc_id, query or query_id, and label or clicks (found: {fieldnames})", path, 1,
        )
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:  # a NUL byte, a field over the csv module's size limit, a broken quote
            _fail_or_skip(f"unreadable {path.suffix[1:].upper() or 'TSV'} row ({exc})", path, current[0],
                          report, skip_invalid)
            continue
        if None in row:
            _fail_or_skip("more columns than the header", path, current[0], report, skip_invalid)
            continue
        yield current[0], row


def split_judgements(
    judgements: list[Judgement], dev_fraction: float, test_fraction: float, seed: int
) -> dict[str, Qrels]:
    """Split judgements by query (never a query in two splits), deterministically for a seed."""
    if not 0 <= dev_fraction < 1 or not 0 <= test_fraction < 1 or dev_fraction + test_fraction >= 1:
        raise DataError(f"dev ({dev_fraction}) and test ({test_fraction}) fractions must be in [0, 1) and sum < 1")
    by_query: dict[str, dict[str, int]] = {}
    for j in judgements:
        by_query.setdefault(j.query_id, {})[j.doc_id] = j.grade
    qids = sorted(q for q, judged in by_query.items() if any(g > 0 for g in judged.values()))
    random.Random(seed).shuffle(qids)
    n_test = round(len(qids) * test_fraction)
    n_dev = round(len(qids) * dev_fraction)
    parts = {"test": qids[:n_test], "dev": qids[n_test:n_test + n_dev], "train": qids[n_test + n_dev:]}
    for split, ids in parts.items():
        fraction = {"test": test_fraction, "dev": dev_fraction}.get(split, 1.0)
        if fraction > 0 and not ids:
            raise DataError(f"split '{split}' would be empty with {len(qids)} queries; lower the fractions or add data")
    return {split: {q: by_query[q] for q in ids} for split, ids in parts.items() if ids}


def write_beir(
    out: str | Path, corpus: dict[str, Document], queries: dict[str, str], qrels: dict[str, Qrels]
) -> Path:
    """Write a BEIR-layout dataset (only the queries that are judged in some split)."""
    out = Path(out)
    (out / "qrels").mkdir(parents=True, exist_ok=True)
    with (out / "corpus.jsonl").open("w", encoding="utf-8") as handle:
        for doc in corpus.values():
            handle.write(json.dumps({"_id": doc.id, "title": doc.title, "text": doc.text}, ensure_ascii=False) + "\n")
    judged = {q for split in qrels.values() for q in split}
    with (out / "queries.jsonl").open("w", encoding="utf-8") as handle:
        for qid, text in queries.items():
            if qid in judged:
                handle.write(json.dumps({"_id": qid, "text": text}, ensure_ascii=False) + "\n")
    for split, judged_split in qrels.items():
        with (out / "qrels" / f"{split}.tsv").open("w", encoding="utf-8") as handle:
            handle.write("query-id\tcorpus-id\tscore\n")
            for qid, docs in judged_split.items():
                for did, grade in docs.items():
                    handle.write(f"{qid}\t{did}\t{grade}\n")
    return out

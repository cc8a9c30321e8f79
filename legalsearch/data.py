"""Stage 1 — data: load and validate a BEIR-layout dataset, or build one from pairs / click logs.

BEIR layout::

    DIR/corpus.jsonl        {"_id": ..., "title": ..., "text": ...}
    DIR/queries.jsonl       {"_id": ..., "text": ..., "metadata": {...}}
    DIR/qrels/{split}.tsv   header "query-id<TAB>corpus-id<TAB>score", graded integer scores

Every bad row is an error that names the file and line, unless ``skip_invalid`` is set, in which case the row is
skipped and counted in a :class:`ValidationReport` under its reason. Nothing is ever dropped silently.
"""

from __future__ import annotations

import csv
import hashlib
import json
import random
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


def _read_jsonl(path: Path, report: ValidationReport, skip_invalid: bool) -> Iterator[tuple[int, dict]]:
    if not path.is_file():
        raise DataError("file not found; a BEIR dataset needs corpus.jsonl, queries.jsonl and qrels/*.tsv", path)
    with path.open(encoding="utf-8") as handle:
        for lineno, raw in enumerate(handle, start=1):
            if not raw.strip():
                continue
            try:
                row = json.loads(raw)
                if not isinstance(row, dict):
                    raise ValueError("not a JSON object")
            except ValueError as exc:
                _fail_or_skip(f"malformed JSON ({exc})", path, lineno, report, skip_invalid)
                continue
            yield lineno, row


def _fail_or_skip(reason: str, path: Path, line: int, report: ValidationReport, skip_invalid: bool) -> None:
    if not skip_invalid:
        raise DataError(f"{reason}; fix the line or pass --skip-invalid to skip such rows", path, line)
    report.skip(reason.split(" (")[0], path, line)


def _load_corpus(path: Path, report: ValidationReport, skip_invalid: bool) -> dict[str, Document]:
    corpus: dict[str, Document] = {}
    for lineno, row in _read_jsonl(path, report, skip_invalid):
        doc_id = row.get("_id")
        text = row.get("text")
        title = row.get("title") or ""
        if doc_id is None or str(doc_id).strip() == "":
            _fail_or_skip("missing field '_id'", path, lineno, report, skip_invalid)
            continue
        doc_id = str(doc_id)
        if not isinstance(text, str) or not (text.strip() or str(title).strip()):
            _fail_or_skip(f"document '{doc_id}' has no 'text'", path, lineno, report, skip_invalid)
            continue
        if doc_id in corpus:
            _fail_or_skip(f"duplicate document id '{doc_id}'", path, lineno, report, skip_invalid)
            continue
        corpus[doc_id] = Document(doc_id, str(title), text)
    if not corpus:
        raise DataError("corpus is empty", path)
    report.counts["documents"] = len(corpus)
    return corpus


def _load_queries(path: Path, report: ValidationReport, skip_invalid: bool) -> dict[str, str]:
    queries: dict[str, str] = {}
    for lineno, row in _read_jsonl(path, report, skip_invalid):
        qid, text = row.get("_id"), row.get("text")
        if qid is None or str(qid).strip() == "":
            _fail_or_skip("missing field '_id'", path, lineno, report, skip_invalid)
            continue
        qid = str(qid)
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
    with path.open(encoding="utf-8", newline="") as handle:
        for lineno, raw in enumerate(handle, start=1):
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
                score = int(float(score_text))
            except ValueError:
                _fail_or_skip(f"score '{score_text}' is not a number", path, lineno, report, skip_invalid)
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
        with binary.open(encoding="utf-8") as handle:
            for row in csv.reader(handle, delimiter="\t"):
                if len(row) == 3 and row[2].strip() not in {"0", "score"}:
                    grade = judged.get(row[0], {}).get(row[1])
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
        doc_id = str(row.get("doc_id") or row.get("corpus_id") or "").strip()
        if "query_id" in row and row["query_id"] not in (None, ""):
            qid = str(row["query_id"]).strip()
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
                label = int(float(row["label"]))
                entry["label"] = label if entry["label"] is None else max(entry["label"], label)
            elif row.get("clicks") not in (None, ""):
                entry["clicks"] += int(float(row["clicks"]))
            else:
                raise ValueError("row needs 'label' or 'clicks'")
        except ValueError as exc:
            _fail_or_skip(str(exc) if "needs" in str(exc) else f"label/clicks is not a number ({exc})",
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
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle, delimiter=delimiter)
        needed = {"doc_id"}
        if reader.fieldnames is None or not needed <= set(reader.fieldnames):
            raise DataError(
                "header must name doc_id, query or query_id, and label or clicks "
                f"(found: {reader.fieldnames})", path, 1,
            )
        for lineno, row in enumerate(reader, start=2):
            if None in row:
                _fail_or_skip("more columns than the header", path, lineno, report, skip_invalid)
                continue
            yield lineno, row


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

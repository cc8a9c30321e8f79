"""Hostile and malformed input for every reader: a clear error naming file and line, or the documented handling.

Readers: corpus, queries and qrels (``load_dataset``), pairs and click logs (``read_pairs``: JSONL, TSV, CSV), the
deploy's corpus reader (``plugin.ingest.read_corpus``), triplets (``mining.read_triplets``), the hybrid config
(``HybridConfig.from_file``) and the connection config (``plugin.connection.load_config_file``). The rules they share
are in the docstring of :mod:`legalsearch.data`.

The property tests at the end are seeded random mutations of valid files (stdlib ``random``; Hypothesis is not a
dependency of the test environment): whatever the bytes, a reader returns or raises ``DataError`` naming the file
and a line that exists, never anything else, and with ``skip_invalid`` every non-blank line is either loaded or
counted as skipped.
"""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest

from legalsearch.data import load_dataset, read_pairs
from legalsearch.errors import DataError, LegalsearchError

BOM = b"\xef\xbb\xbf"
GOOD_CORPUS = [
    {"_id": "d1", "title": "42 U.S.C. § 1983", "text": "Civil action for deprivation of rights."},
    {"_id": "d2", "title": "Indemnification", "text": "Supplier shall indemnify Customer."},
    {"_id": "d3", "title": "Governing law", "text": "This Agreement is governed by Delaware law."},
]
GOOD_QUERIES = [{"_id": "q1", "text": "section 1983 claim"}, {"_id": "q2", "text": "who indemnifies"},
                {"_id": "q3", "text": "which law governs"}]


def _jsonl(rows) -> bytes:
    return b"".join((r if isinstance(r, bytes) else json.dumps(r, ensure_ascii=False).encode()) + b"\n" for r in rows)


def make_dataset(root: Path, corpus: bytes | None = None, queries: bytes | None = None,
                 qrels: dict[str, bytes] | None = None) -> Path:
    (root / "qrels").mkdir(parents=True, exist_ok=True)
    (root / "corpus.jsonl").write_bytes(corpus if corpus is not None else _jsonl(GOOD_CORPUS))
    (root / "queries.jsonl").write_bytes(queries if queries is not None else _jsonl(GOOD_QUERIES))
    qrels = qrels if qrels is not None else {"train": b"q1\td1\t1\n", "dev": b"q2\td2\t1\n", "test": b"q3\td3\t1\n"}
    for split, body in qrels.items():
        (root / "qrels" / f"{split}.tsv").write_bytes(body if body.startswith((b"query-id", BOM)) or not body
                                                       else b"query-id\tcorpus-id\tscore\n" + body)
    return root


def _error(call, path: Path, line: int | None):
    """Run ``call``; it must raise DataError for ``path`` at ``line`` (None: no line)."""
    with pytest.raises(DataError) as info:
        call()
    assert info.value.path == path, (info.value.path, str(info.value))
    assert info.value.line == line, str(info.value)
    assert str(info.value).startswith(f"{path}:{line}: " if line else f"{path}: ")
    return str(info.value)


# -- the corpus (load_dataset) -------------------------------------------------------------------------------------
CORPUS_CASES = [
    # (name, corpus bytes, expected message, line)
    ("invalid UTF-8", _jsonl(GOOD_CORPUS[:1]) + b'{"_id": "d2", "text": "caf\xe9"}\n', "not valid UTF-8 (byte 0xe9", 2),
    ("raw NUL byte", _jsonl(GOOD_CORPUS[:2]) + b'{"_id": "d3", "text": "a\x00b"}\n', "malformed JSON (Invalid control", 3),
    ("duplicate key", b'{"_id": "d1", "text": "one", "text": "two"}\n', "key 'text' appears twice", 1),
    ("deep nesting", b'{"_id": "d1", "text": "x", "m": ' + b"[" * 100_000 + b"]" * 100_000 + b"}\n",
     "nested too deeply", 1),
    ("float id", b'{"_id": 1.5, "text": "x"}\n', "'_id' must be a string or an integer, not float", 1),
    ("boolean id", b'{"_id": true, "text": "x"}\n', "'_id' must be a string or an integer, not bool", 1),
    ("object id", b'{"_id": {"a": 1}, "text": "x"}\n', "'_id' must be a string or an integer, not dict", 1),
    ("numeric title", b'{"_id": "d1", "title": 7, "text": "x"}\n', "has a 'title' that is not a string", 1),
    ("array line", b'["d1", "text"]\n', "malformed JSON (not a JSON object)", 1),
    ("BOM in the middle", _jsonl(GOOD_CORPUS[:1]) + BOM + _jsonl(GOOD_CORPUS[1:2]), "malformed JSON", 2),
    ("lone surrogate escape", b'{"_id": "d1", "text": "a\\udc00b"}\n', "half of a surrogate pair", 1),
    ("lone CR line ends", b'{"_id": "d1", "text": "a"}\r{"_id": "d2", "text": "b"}\r', "malformed JSON (Extra data", 1),
]


@pytest.mark.parametrize("name, corpus, message, line", CORPUS_CASES, ids=[c[0] for c in CORPUS_CASES])
def test_bad_corpus_bytes_name_file_and_line(tmp_path, name, corpus, message, line):
    root = make_dataset(tmp_path, corpus=corpus)
    text = _error(lambda: load_dataset(root), root / "corpus.jsonl", line)
    assert message in text and "--skip-invalid" in text


@pytest.mark.parametrize("name, corpus, message, line", CORPUS_CASES, ids=[c[0] for c in CORPUS_CASES])
def test_skip_invalid_counts_each_bad_corpus_line_under_its_reason(tmp_path, name, corpus, message, line):
    extra = _jsonl([{"_id": "z", "text": "the judged document"}])
    root = make_dataset(tmp_path, corpus=corpus + (b"" if corpus.endswith(b"\n") else b"\n") + extra,
                        qrels={"test": b"q1\tz\t1\n"})
    dataset = load_dataset(root, skip_invalid=True)
    [(reason, count)] = dataset.report.skipped.items()
    assert count == 1 and dataset.report.examples[reason] == f"{root / 'corpus.jsonl'}:{line}"
    assert "z" in dataset.corpus


DOCUMENTED = [
    # (name, corpus bytes, what must be loaded)
    ("BOM at the start", BOM + _jsonl(GOOD_CORPUS), {"d1": "Civil action for deprivation of rights."}),
    ("CRLF line ends", _jsonl(GOOD_CORPUS).replace(b"\n", b"\r\n"), {"d2": "Supplier shall indemnify Customer."}),
    ("integer ids", _jsonl([{"_id": 1, "text": "one"}, *GOOD_CORPUS]), {"1": "one"}),
    ("escaped NUL kept as text", _jsonl([{"_id": "n", "text": "a\u0000b"}, *GOOD_CORPUS]), {"n": "a\x00b"}),
    ("blank and whitespace lines", b"\n  \n" + _jsonl(GOOD_CORPUS) + b"\n\t\n", {"d3": GOOD_CORPUS[2]["text"]}),
    ("non-ASCII text", _jsonl([{"_id": "é", "text": "Überschrift § 5 — 契約"}, *GOOD_CORPUS]),
     {"é": "Überschrift § 5 — 契約"}),
]


@pytest.mark.parametrize("name, corpus, expected", DOCUMENTED, ids=[c[0] for c in DOCUMENTED])
def test_documented_inputs_load_as_documented(tmp_path, name, corpus, expected):
    dataset = load_dataset(make_dataset(tmp_path, corpus=corpus))
    for doc_id, text in expected.items():
        assert dataset.corpus[doc_id].text == text
    assert dataset.report.total_skipped == 0


def test_integer_ids_match_qrels_written_as_text(tmp_path):
    corpus = _jsonl([{"_id": 7, "text": "seven"}, {"_id": 8, "text": "eight"}])
    queries = _jsonl([{"_id": 1, "text": "which is seven"}])
    dataset = load_dataset(make_dataset(tmp_path, corpus, queries, {"test": b"1\t7\t1\n1\t8\t0\n"}))
    assert dataset.positives("test") == {"1": {"7"}}


def test_a_20_mb_document_and_a_100_mb_line_are_read_whole(tmp_path):
    big = "contract " * (20 * 1024 * 1024 // 9)
    huge = "x" * (100 * 1024 * 1024)
    corpus = _jsonl([{"_id": "big", "text": big}, {"_id": "huge", "text": huge}, *GOOD_CORPUS])
    dataset = load_dataset(make_dataset(tmp_path, corpus=corpus))
    assert len(dataset.corpus["big"].text) == len(big) and len(dataset.corpus["huge"].text) == len(huge)


@pytest.mark.parametrize("which, message", [
    ("corpus.jsonl", "corpus is empty"), ("queries.jsonl", "no queries"),
])
def test_empty_files_name_the_file(tmp_path, which, message):
    root = make_dataset(tmp_path)
    (root / which).write_bytes(b"")
    assert message in _error(lambda: load_dataset(root), root / which, None)
    (root / which).write_bytes(BOM + b"\n \n")
    assert message in _error(lambda: load_dataset(root), root / which, None)


# -- queries and qrels ---------------------------------------------------------------------------------------------
def test_bad_queries_bytes_name_the_line(tmp_path):
    root = make_dataset(tmp_path, queries=_jsonl(GOOD_QUERIES[:2]) + b'{"_id": "q3", "text": "\xff"}\n')
    assert "not valid UTF-8 (byte 0xff" in _error(lambda: load_dataset(root), root / "queries.jsonl", 3)
    root = make_dataset(tmp_path, queries=b'{"_id": "q1", "_id": "q2", "text": "t"}\n')
    assert "key '_id' appears twice" in _error(lambda: load_dataset(root), root / "queries.jsonl", 1)


@pytest.mark.parametrize("body, message, line", [
    (b"query-id\tcorpus-id\tscore\nq3\td3\t\xff1\n", "not valid UTF-8", 2),
    (b"query-id\tcorpus-id\tscore\nq3\td3\tinf\n", "score 'inf' is not a whole number", 2),
    (b"query-id\tcorpus-id\tscore\nq3\td3\t1e400\n", "is not a whole number", 2),
    (b"query-id\tcorpus-id\tscore\nq3\td3\tnan\n", "is not a whole number", 2),
    (b"query-id\tcorpus-id\tscore\nq3\td3\t1.5\n", "score '1.5' is not a whole number", 2),
    (b"query-id\tcorpus-id\tscore\nq3\td\x003\t1\n", "corpus id 'd\x003' is not in corpus.jsonl", 2),
])
def test_bad_qrels_bytes_name_the_line(tmp_path, body, message, line):
    root = make_dataset(tmp_path, qrels={"train": b"q1\td1\t1\n", "test": body})
    assert message in _error(lambda: load_dataset(root), root / "qrels" / "test.tsv", line)


def test_qrels_with_bom_and_crlf_are_read(tmp_path):
    body = BOM + b"query-id\tcorpus-id\tscore\r\nq3\td3\t2\r\nq3\td1\t0\r\n"
    dataset = load_dataset(make_dataset(tmp_path, qrels={"test": body}))
    assert dataset.qrels["test"] == {"q3": {"d3": 2, "d1": 0}}


def test_empty_qrels_file_names_it(tmp_path):
    root = make_dataset(tmp_path, qrels={"train": b"q1\td1\t1\n", "test": b""})
    assert "no relevant judgement" in _error(lambda: load_dataset(root), root / "qrels" / "test.tsv", None)


# -- pairs and click logs ------------------------------------------------------------------------------------------
@pytest.fixture
def corpus(tmp_path):
    return load_dataset(make_dataset(tmp_path / "ds")).corpus


@pytest.mark.parametrize("suffix, content, message, line", [
    (".jsonl", b'{"query": "q", "doc_id": "d1", "label": 1}\n{"query": "\xc3", "doc_id": "d2", "label": 1}\n',
     "not valid UTF-8", 2),
    (".jsonl", b'{"query": "q", "doc_id": "d1", "label": 1, "label": 0}\n', "key 'label' appears twice", 1),
    (".jsonl", b'{"query": "q", "doc_id": 1.0, "label": 1}\n', "'doc_id' must be a string or an integer", 1),
    (".jsonl", b'{"query": "q", "doc_id": "d1", "label": "1.5"}\n', "label/clicks is not a whole number", 1),
    (".tsv", b"query\tdoc_id\tclicks\nq\td1\t3\nq\td2\t\xfe\n", "not valid UTF-8 (byte 0xfe", 3),
    (".tsv", b"query\tdoc_id\tclicks\nq\td1\tmany\n", "label/clicks is not a number", 2),
    (".csv", b'query,doc_id,label\n"unclosed quote,d1,1\n', "doc_id '' is not in the corpus", 2),  # all one field
    (".jsonl", b'{"query": "\\ud800", "doc_id": "d1", "label": 1}\n', "half of a surrogate pair", 1),
    (".csv", b"query,doc_id,label\n" + b"q" * 200_000 + b",d1,1\n", "field larger than field limit", 2),
    (".csv", b"query,doc_id,label\nq,d1,1,extra\n", "more columns than the header", 2),
    (".csv", b"\xff\xfequery,doc_id\n", "not valid UTF-8", 1),
])
def test_bad_pairs_and_click_logs_name_the_line(tmp_path, corpus, suffix, content, message, line):
    path = tmp_path / f"pairs{suffix}"
    path.write_bytes(content)
    assert message in _error(lambda: read_pairs(path, corpus), path, line)


def test_click_log_with_bom_crlf_and_integer_ids_is_read(tmp_path):
    corpus = load_dataset(make_dataset(tmp_path / "ds", corpus=_jsonl([{"_id": 7, "text": "seven"},
                                                                        {"_id": "d2", "text": "two"}]),
                                       queries=_jsonl([{"_id": "q1", "text": "q"}]),
                                       qrels={"test": b"q1\t7\t1\n"})).corpus
    path = tmp_path / "clicks.tsv"
    path.write_bytes(BOM + b"query\tdoc_id\tclicks\r\nseven?\t7\t2\r\nseven?\td2\t0\r\n")
    queries, judgements = read_pairs(path, corpus)
    assert sorted((j.doc_id, j.grade) for j in judgements) == [("7", 1), ("d2", 0)]
    assert list(queries.values()) == ["seven?"]


@pytest.mark.parametrize("content", [b"", BOM])
def test_empty_pairs_file_names_it(tmp_path, corpus, content):
    path = tmp_path / "pairs.tsv"
    path.write_bytes(content)
    assert "empty" in _error(lambda: read_pairs(path, corpus), path, None)


# -- the deploy's corpus reader ------------------------------------------------------------------------------------
def _records(path, skip_invalid=False):
    from legalsearch.plugin.ingest import read_corpus

    return list(read_corpus(path, skip_invalid=skip_invalid))


@pytest.mark.parametrize("name, corpus, message, line", CORPUS_CASES, ids=[c[0] for c in CORPUS_CASES])
def test_deploy_corpus_reader_names_file_and_line(tmp_path, name, corpus, message, line):
    path = tmp_path / "corpus.jsonl"
    path.write_bytes(corpus)
    assert message in _error(lambda: _records(path), path, line)
    records = _records(path, skip_invalid=True)  # recorded as failed, with the reason; the rest still read
    failed = [r for r in records if r.error]
    assert len(failed) == 1 and failed[0].line == line and message.split(" (")[0] in failed[0].error


@pytest.mark.parametrize("content", [b"", b"\n\n", BOM + b"\r\n"])
def test_deploy_refuses_an_empty_corpus(tmp_path, content):
    path = tmp_path / "corpus.jsonl"
    path.write_bytes(content)
    assert "corpus is empty" in _error(lambda: _records(path), path, None)


def test_deploy_corpus_reader_accepts_bom_crlf_and_integer_ids(tmp_path):
    path = tmp_path / "corpus.jsonl"
    path.write_bytes(BOM + _jsonl([{"_id": 1, "text": "one"}, {"_id": "2", "title": "T", "text": "two"}])
                     .replace(b"\n", b"\r\n"))
    assert [(r.doc_id, r.title, r.text, r.error) for r in _records(path)] == [("1", "", "one", None),
                                                                             ("2", "T", "two", None)]


def test_deploy_corpus_reader_sees_integer_and_string_ids_as_one(tmp_path):
    path = tmp_path / "corpus.jsonl"
    path.write_bytes(_jsonl([{"_id": 1, "text": "one"}, {"_id": "1", "text": "again"}]))
    assert "duplicate document id '1'" in _error(lambda: _records(path), path, 2)


# -- triplets, hybrid config, connection config ---------------------------------------------------------------------
TRIPLET = {"query": "q", "positive": "p", "negatives": ["n1", "n2"]}


@pytest.mark.parametrize("content, message, line", [
    (_jsonl([TRIPLET]) + b'{"query": "\xe2\x82", "positive": "p", "negatives": ["n"]}\n', "not valid UTF-8", 2),
    (b'{"query": "q", "query": "r", "positive": "p", "negatives": ["n"]}\n', "key 'query' appears twice", 1),
    (b'"just a string"\n', "not a JSON object", 1),
    (b"42\n", "not a JSON object", 1),
    (b'{"query": "q", "positive": "p", "negatives": [1, 2]}\n', "non-empty list of texts", 1),
    (b'{"query": 5, "positive": "p", "negatives": ["n"]}\n', "must be texts", 1),
    (b'{"query": "q", "positive": "p", "negatives": ' + b"[" * 100_000 + b"]" * 100_000 + b"}\n",
     "nested too deeply", 1),
])
def test_bad_triplets_name_the_line(tmp_path, content, message, line):
    from legalsearch.mining import read_triplets

    path = tmp_path / "triplets.jsonl"
    path.write_bytes(content)
    assert message in _error(lambda: read_triplets(path), path, line)


def test_triplets_with_bom_and_crlf_are_read_and_empty_is_an_error(tmp_path):
    from legalsearch.mining import read_triplets

    path = tmp_path / "triplets.jsonl"
    path.write_bytes(BOM + _jsonl([TRIPLET, TRIPLET]).replace(b"\n", b"\r\n"))
    assert read_triplets(path) == [TRIPLET, TRIPLET]
    path.write_bytes(b"\r\n")
    assert "empty" in _error(lambda: read_triplets(path), path, None)


@pytest.mark.parametrize("content, message", [
    (b'{"technique": "min_max", "weights": [0.3, 0.7], "weights": [0.9, 0.1]}', "key 'weights' appears twice"),
    (b'{"technique": "\xff"}', "not valid UTF-8"),
    (b"[" * 100_000 + b"]" * 100_000, "nested too deeply"),
    (b"", "not valid JSON"),
    (b"[0.3, 0.7]", "must be a JSON object"),
])
def test_bad_hybrid_config_names_the_file(tmp_path, content, message):
    from legalsearch.hybrid import HybridConfig

    path = tmp_path / "hybrid.json"
    path.write_bytes(content)
    with pytest.raises(DataError) as info:
        HybridConfig.from_file(path)
    assert info.value.path == path and message in str(info.value)


def test_hybrid_config_with_bom_is_read(tmp_path):
    from legalsearch.hybrid import HybridConfig

    path = tmp_path / "hybrid.json"
    path.write_bytes(BOM + b'{"technique": "rrf", "weights": [0.4, 0.6]}\r\n')
    assert HybridConfig.from_file(path).technique == "rrf"


@pytest.mark.parametrize("content, message", [
    (b'[opensearch]\nurl = "https://h:9200"\nurl = "https://other:9200"\n', "not valid TOML"),
    (b'[opensearch]\nurl = "\xff"\n', "not UTF-8 text"),
    (b"[opensearch\n", "not valid TOML"),
])
def test_bad_connection_config_names_the_file(tmp_path, content, message):
    from legalsearch.plugin.connection import load_config_file

    path = tmp_path / "opensearch.toml"
    path.write_bytes(content)
    with pytest.raises(LegalsearchError, match=message) as info:
        load_config_file(path)
    assert str(path) in str(info.value)


# -- properties: random mutations of valid files --------------------------------------------------------------------
HOSTILE = [b"\x00", b"\xff", b"\xc3", b"\xef\xbb\xbf", b"\r", b"\r\n", b"\n", b'"', b"{", b"}", b"[", b"\\",
           b"\t", b",", b":", b'"_id"', b"1e400", b"\xe2\x80\xa8", b"\\ud800", b"true", b"null", b" "]


def _mutate(data: bytes, rng: random.Random) -> bytes:
    data = bytearray(data)
    for _ in range(rng.randint(1, 4)):
        position = rng.randrange(len(data) + 1)
        action = rng.random()
        if action < 0.4:
            data[position:position] = rng.choice(HOSTILE)
        elif action < 0.7 and data:
            del data[position:position + rng.randint(1, 8)]
        elif action < 0.9:
            data[position:position] = bytes(rng.randrange(256) for _ in range(rng.randint(1, 6)))
        else:
            data[position:position] = data[max(0, position - 20):position]  # duplicate a slice (keys, lines)
    return bytes(data)


def _lines(path: Path) -> int:
    return len(path.read_bytes().split(b"\n"))


def _non_blank(path: Path) -> int:
    """Lines the readers do not treat as blank (they decode, then strip, like the readers do)."""
    lines = path.read_bytes().removeprefix(BOM).split(b"\n")
    return sum(1 for line in lines if line.decode("utf-8", "replace").strip())


@pytest.mark.parametrize("target", ["corpus.jsonl", "queries.jsonl", "qrels/test.tsv"])
def test_property_any_mutated_dataset_file_loads_or_names_file_and_line(tmp_path, target):
    rng = random.Random(f"hostile-{target}")
    pristine = make_dataset(tmp_path / "pristine")
    original = (pristine / target).read_bytes()
    for trial in range(150):
        root = make_dataset(tmp_path / f"t{trial}")
        (root / target).write_bytes(_mutate(original, rng))
        try:
            load_dataset(root)
        except DataError as error:
            assert error.path is not None and str(error).startswith(str(error.path))
            assert error.line is None or 1 <= error.line <= _lines(error.path), str(error)
        try:
            dataset = load_dataset(root, skip_invalid=True)
        except DataError as error:  # whole-file problems (empty, no relevant judgement) still raise
            assert error.line is None, str(error)
            continue
        if target == "corpus.jsonl":
            non_blank = _non_blank(root / target)
            skipped = sum(n for reason, n in dataset.report.skipped.items()
                          if dataset.report.examples[reason].startswith(str(root / target)))
            assert dataset.report.counts["documents"] + skipped == non_blank  # nothing dropped silently


@pytest.mark.parametrize("suffix", [".jsonl", ".tsv", ".csv"])
def test_property_any_mutated_pairs_file_reads_or_names_file_and_line(tmp_path, corpus, suffix):
    rng = random.Random(f"hostile-pairs{suffix}")
    if suffix == ".jsonl":
        original = _jsonl([{"query": "who indemnifies", "doc_id": "d2", "label": 1},
                           {"query_id": "q1", "doc_id": "d1", "clicks": 3}])
    else:
        sep = b"\t" if suffix == ".tsv" else b","
        original = sep.join([b"query", b"doc_id", b"clicks"]) + b"\n" + sep.join([b"indemnity", b"d2", b"4"]) + b"\n"
    queries = {"q1": "section 1983 claim"}
    for trial in range(200):
        path = tmp_path / f"pairs{trial}{suffix}"
        path.write_bytes(_mutate(original, rng))
        for skip in (False, True):
            try:
                read_pairs(path, corpus, queries, skip_invalid=skip)
            except DataError as error:
                assert error.path == path and (error.line is None or 1 <= error.line <= _lines(path)), str(error)


def test_property_any_mutated_deploy_corpus_reads_or_names_file_and_line(tmp_path):
    from legalsearch.plugin.ingest import read_corpus

    rng = random.Random("hostile-deploy-corpus")
    original = _jsonl(GOOD_CORPUS)
    for trial in range(200):
        path = tmp_path / f"c{trial}.jsonl"
        path.write_bytes(_mutate(original, rng))
        try:
            list(read_corpus(path))
        except DataError as error:
            assert error.path == path and (error.line is None or 1 <= error.line <= _lines(path)), str(error)
        try:
            records = list(read_corpus(path, skip_invalid=True))
        except DataError as error:
            assert error.line is None and "empty" in str(error)
            continue
        assert len(records) == _non_blank(path)  # every line is a document or a recorded failure

"""Data validation: every bad input names its file and line; --skip-invalid counts what it skipped."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from legalsearch.data import SeenIds, iter_corpus, load_dataset, read_pairs, split_judgements, write_beir
from legalsearch.errors import DataError


def make_dataset(root: Path, corpus=None, queries=None, qrels=None) -> Path:
    corpus = corpus if corpus is not None else [
        {"_id": "d1", "title": "42 U.S.C. § 1983", "text": "Civil action for deprivation of rights."},
        {"_id": "d2", "title": "Indemnification", "text": "Supplier shall indemnify Customer."},
        {"_id": "d3", "title": "Governing law", "text": "This Agreement is governed by Delaware law."},
    ]
    queries = queries if queries is not None else [
        {"_id": "q1", "text": "section 1983 civil rights claim"},
        {"_id": "q2", "text": "who indemnifies whom"},
        {"_id": "q3", "text": "which state's law governs"},
    ]
    qrels = qrels if qrels is not None else {
        "train": "q1\td1\t1\n", "dev": "q2\td2\t2\n", "test": "q3\td3\t1\nq3\td1\t0\n",
    }
    (root / "qrels").mkdir(parents=True, exist_ok=True)
    (root / "corpus.jsonl").write_text("".join(r if isinstance(r, str) else json.dumps(r) + "\n" for r in corpus))
    (root / "queries.jsonl").write_text("".join(r if isinstance(r, str) else json.dumps(r) + "\n" for r in queries))
    for split, body in qrels.items():
        (root / "qrels" / f"{split}.tsv").write_text("query-id\tcorpus-id\tscore\n" + body)
    return root


def test_valid_dataset_loads_with_counts(tmp_path):
    ds = load_dataset(make_dataset(tmp_path))
    assert ds.report.counts["documents"] == 3
    assert ds.positives("test") == {"q3": {"d3"}}
    assert ds.split_queries("dev") == {"q2": "who indemnifies whom"}
    assert ds.corpus["d1"].full_text.startswith("42 U.S.C. § 1983\n")


@pytest.mark.parametrize(
    "corpus_lines, message, line",
    [
        (['{"_id": "d1", "text": "a"}\n', "{not json\n"], "malformed JSON", 2),
        (['{"_id": "d1", "text": "a"}\n', '{"_id": "d1", "text": "b"}\n'], "duplicate document id 'd1'", 2),
        (['{"text": "a"}\n'], "missing field '_id'", 1),
        (['{"_id": "d1", "text": ""}\n'], "document 'd1' has no 'text'", 1),
    ],
)
def test_bad_corpus_line_names_file_and_line(tmp_path, corpus_lines, message, line):
    root = make_dataset(tmp_path, corpus=corpus_lines, qrels={"test": "q1\td1\t1\n"})
    with pytest.raises(DataError) as err:
        load_dataset(root)
    assert err.value.path == root / "corpus.jsonl" and err.value.line == line
    assert message in str(err.value) and "--skip-invalid" in str(err.value)


@pytest.mark.parametrize(
    "qrels_body, message",
    [
        ("q1\tnope\t1\n", "corpus id 'nope' is not in corpus.jsonl"),
        ("qX\td1\t1\n", "query id 'qX' is not in queries.jsonl"),
        ("q1\td1\n", "expected 3 tab-separated columns"),
        ("q1\td1\thigh\n", "score 'high' is not a number"),
        ("q1\td1\t1\nq1\td1\t2\n", "duplicate judgement for (q1, d1)"),
    ],
)
def test_bad_qrels_row_is_reported(tmp_path, qrels_body, message):
    root = make_dataset(tmp_path, qrels={"train": "q2\td2\t1\n", "test": qrels_body})
    with pytest.raises(DataError) as err:
        load_dataset(root)
    assert message in str(err.value)
    assert str(root / "qrels" / "test.tsv") in str(err.value)


def test_skip_invalid_counts_every_skipped_row(tmp_path):
    root = make_dataset(tmp_path, qrels={"test": "q3\td3\t1\nq3\tghost\t1\nq1\tghost2\t1\nbad\n"})
    ds = load_dataset(root, skip_invalid=True)
    assert ds.report.total_skipped == 3
    assert ds.report.skipped["corpus id 'ghost' is not in corpus.jsonl"] == 1
    assert ds.report.skipped["expected 3 tab-separated columns"] == 1 or any(
        "columns" in reason for reason in ds.report.skipped)
    assert ds.qrels["test"] == {"q3": {"d3": 1}}


def test_empty_split_and_query_in_two_splits_are_errors(tmp_path):
    with pytest.raises(DataError, match="no relevant judgement"):
        load_dataset(make_dataset(tmp_path / "a", qrels={"test": "q1\td1\t0\n"}))
    with pytest.raises(DataError, match="appears in both 'train' and 'test'"):
        load_dataset(make_dataset(tmp_path / "b", qrels={"train": "q1\td1\t1\n", "test": "q1\td2\t1\n"}))
    with pytest.raises(DataError, match="split 'dev' is required"):
        load_dataset(make_dataset(tmp_path / "c", qrels={"test": "q1\td1\t1\n"}), splits=("dev",))


def test_relevant_grade_is_read_from_binary_qrels(tmp_path):
    root = make_dataset(tmp_path, qrels={"test": "q3\td3\t3\nq3\td1\t1\nq3\td2\t2\n"})
    (root / "qrels" / "test_binary.tsv").write_text("query-id\tcorpus-id\tscore\nq3\td3\t1\n")
    ds = load_dataset(root)
    assert ds.relevant_grade == 3
    assert ds.positives("test") == {"q3": {"d3"}}


def test_click_log_becomes_split_dataset(tmp_path):
    root = make_dataset(tmp_path / "src")
    ds = load_dataset(root)
    clicks = tmp_path / "clicks.tsv"
    rows = ["query\tdoc_id\tclicks"]
    for i in range(10):
        rows.append(f"question {i} about indemnity\td2\t3")
        rows.append(f"question {i} about indemnity\td3\t0")
    clicks.write_text("\n".join(rows) + "\n")
    queries, judgements = read_pairs(clicks, ds.corpus)
    assert len(queries) == 10 and sum(j.grade for j in judgements) == 10
    splits = split_judgements(judgements, 0.2, 0.2, seed=1)
    assert {len(v) for v in splits.values()} == {2, 6}
    out = write_beir(tmp_path / "out", ds.corpus, queries, splits)
    assert load_dataset(out).report.counts["queries"] == 10


def test_click_log_unknown_doc_names_line(tmp_path):
    ds = load_dataset(make_dataset(tmp_path / "src"))
    pairs = tmp_path / "pairs.jsonl"
    pairs.write_text(json.dumps({"query": "x", "doc_id": "d1", "label": 1}) + "\n"
                     + json.dumps({"query": "y", "doc_id": "zz", "label": 1}) + "\n")
    with pytest.raises(DataError) as err:
        read_pairs(pairs, ds.corpus)
    assert err.value.line == 2 and "doc_id 'zz' is not in the corpus" in str(err.value)


def test_bundled_sample_is_valid(sample_path):
    ds = load_dataset(sample_path)
    assert ds.report.total_skipped == 0
    assert len(ds.corpus) >= 200 and len(ds.queries) >= 90
    assert set(ds.qrels) == {"train", "dev", "test"}


def test_committed_sample_matches_its_generator():
    import subprocess
    import sys

    from _support import REPO_ROOT

    result = subprocess.run([sys.executable, str(REPO_ROOT / "scripts" / "make_sample.py"), "--check"],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def _corpus_file(path, ids):
    path.write_text("".join(json.dumps({"_id": i, "text": f"text {n}"}) + "\n" for n, i in enumerate(ids)))
    return path


def test_seen_ids_grow_past_the_first_table_and_find_every_duplicate(tmp_path):
    ids = [f"doc-{n}" for n in range(5000)] + ["doc-17", "doc-4999", "doc-0"]
    records = list(iter_corpus(_corpus_file(tmp_path / "corpus.jsonl", ids)))
    errors = [(r.line, r.error) for r in records if r.error]
    assert errors == [(5001, "duplicate document id 'doc-17' (first at line 18)"),
                      (5002, "duplicate document id 'doc-4999' (first at line 5000)"),
                      (5003, "duplicate document id 'doc-0' (first at line 1)")]
    assert [r.doc_id for r in records if not r.error] == ids[:5000]


def test_seen_ids_a_digest_collision_is_not_a_duplicate(tmp_path, monkeypatch):
    # Every id gets the same digest: the first repeat reads the file again and exact ids decide from then on.
    monkeypatch.setattr(SeenIds, "_digest", staticmethod(lambda doc_id: 7))
    path = _corpus_file(tmp_path / "corpus.jsonl", ["a", "b", "c", "b", "d", "a"])
    path.write_text(path.read_text() + '{"_id": "e"}\n{"_id": "e", "text": "valid now"}\n')
    records = list(iter_corpus(path))
    assert [(r.line, r.error) for r in records] == [
        (1, None), (2, None), (3, None), (4, "duplicate document id 'b' (first at line 2)"), (5, None),
        (6, "duplicate document id 'a' (first at line 1)"), (7, "document 'e' has no 'text'"), (8, None)]


def test_seen_ids_keep_digests_not_strings():
    seen = SeenIds(Path("unused"))
    for n in range(100_000):
        assert seen.first_line(f"a-much-longer-document-identifier-{n:08d}", n + 1) is None
    assert seen._exact is None and seen._table.itemsize * len(seen._table) <= 16 * 2 * 100_000

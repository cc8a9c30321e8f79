"""``deploy --vectors-from``: passage vectors computed elsewhere, checked row by row, ingested with their ids."""

from __future__ import annotations

import json

import numpy as np
import pytest
from click.testing import CliRunner

from legalsearch.errors import DataError
from legalsearch.plugin.connection import Cluster
from legalsearch.plugin.deploy import DeployOptions, deploy
from legalsearch.plugin.testing import FakeEncoder, FakeOpenSearch
from legalsearch.plugin.vectors import FileVectors, write_jsonl

DIM = 4


def corpus(tmp_path, n=4, long_doc=True):
    rows = [{"_id": f"d{i}", "title": "", "text": f"clause {i}"} for i in range(n)]
    if long_doc:  # 25 words at --token-limit 10: three passages
        rows[1]["text"] = " ".join(f"w{i}" for i in range(25))
    path = tmp_path / "corpus.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


def passages(n=4, long_doc=True):
    return {f"d{i}": (3 if long_doc and i == 1 else 1) for i in range(n)}


def vectors_of(counts):
    rng = np.random.default_rng(0)
    return {doc_id: rng.standard_normal((k, DIM)).astype(np.float32) for doc_id, k in counts.items()}


def run(tmp_path, source_path, **kw):
    fake = FakeOpenSearch(plugins=("opensearch-knn", "opensearch-neural-search"))
    options = DeployOptions(vectors="client", vectors_from=source_path, token_limit=10, progress=False,
                            state_dir=tmp_path / "state", **kw)
    encoder = FakeEncoder(dimension=DIM)
    result = deploy(Cluster(fake), corpus(tmp_path), options, encoder=encoder)
    return fake, result, encoder


def test_jsonl_vectors_are_ingested_per_passage_and_the_encoder_embeds_nothing(tmp_path):
    vectors = vectors_of(passages())
    # d1's passages as three one-vector lines, the rest as one "vectors" line each, in another order than the corpus
    lines = [json.dumps({"_id": "d1", "vector": row.tolist()}) for row in vectors["d1"]]
    lines += [json.dumps({"_id": d, "vectors": vectors[d].tolist()}) for d in ("d3", "d0", "d2")]
    path = tmp_path / "vectors.jsonl"
    path.write_text("\n".join(lines) + "\n")
    fake, result, encoder = run(tmp_path, path)
    assert result.report.indexed == 4 and result.report.balanced
    assert encoder.calls == []  # the vectors came from the file
    for doc_id, expected in vectors.items():
        doc = fake.indices[result.index]["docs"][doc_id]
        assert len(doc["passage_chunks"]) == len(expected)
        np.testing.assert_array_equal(np.array([p["knn"] for p in doc["passages"]], dtype=np.float32), expected)
    assert fake.indices[result.index]["body"]["mappings"]["_meta"]["legalsearch"]["vectors_from"] == str(path)


def test_npy_with_ids_beside_it(tmp_path):
    vectors = vectors_of(passages())
    ids = [d for d, rows in vectors.items() for _ in rows]
    np.save(tmp_path / "vectors.npy", np.concatenate(list(vectors.values())))
    (tmp_path / "vectors.ids").write_text("\n".join(ids) + "\n")
    fake, result, _ = run(tmp_path, tmp_path / "vectors.npy")
    doc = fake.indices[result.index]["docs"]["d1"]
    np.testing.assert_array_equal(np.array([p["knn"] for p in doc["passages"]], dtype=np.float32), vectors["d1"])


@pytest.mark.parametrize("mutate, message, line", [
    (lambda rows: rows.__setitem__(2, {"_id": "d2", "vector": [0.1, 0.2]}),
     "vector has 2 values, but the encoder of --export makes 4", 3),
    (lambda rows: rows.pop(3), "no vector for document 'd3' (corpus line 4)", None),
    (lambda rows: rows.append({"_id": "d9", "vector": [0.0] * DIM}), "id 'd9' is not a document of the corpus", 5),
    (lambda rows: rows.__setitem__(1, {"_id": "d1", "vector": [0.0] * DIM}),
     "document 'd1' has 3 passages as deploy cuts it (--token-limit) but 1 vectors here", 2),
    (lambda rows: rows.__setitem__(0, {"_id": "d0", "vector": [1.0, "x", 0, 0]}), "must be a list of numbers", 1),
    (lambda rows: rows.__setitem__(0, {"id": "d0", "vector": [0.0] * DIM}), "missing field '_id'", 1),
])
def test_bad_vector_files_name_the_line_and_change_nothing(tmp_path, mutate, message, line):
    vectors = vectors_of(passages())
    rows = [{"_id": d, "vectors": v.tolist()} for d, v in vectors.items()]
    mutate(rows)
    path = tmp_path / "vectors.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    with pytest.raises(DataError) as info:
        run(tmp_path, path)
    text = str(info.value)
    assert message in text, text
    assert (f"vectors.jsonl:{line}" in text) if line else "vectors.jsonl" in text


def test_npy_of_the_wrong_dimension_or_without_its_ids(tmp_path):
    np.save(tmp_path / "v.npy", np.zeros((6, DIM + 1), dtype=np.float32))
    with pytest.raises(DataError, match=r"shape \(6, 5\); expected \(rows, 4\)"):
        FileVectors(tmp_path / "v.npy", DIM)
    np.save(tmp_path / "v.npy", np.zeros((6, DIM), dtype=np.float32))
    with pytest.raises(DataError, match="no v.ids beside it"):
        FileVectors(tmp_path / "v.npy", DIM)
    (tmp_path / "v.ids").write_text("a\nb\n")
    with pytest.raises(DataError, match="2 ids for the 6 rows"):
        FileVectors(tmp_path / "v.npy", DIM)


def test_write_jsonl_reads_back(tmp_path):
    vectors = vectors_of({"a": 2, "b": 1})
    source = FileVectors(write_jsonl(tmp_path / "v.jsonl", vectors.items()), DIM)
    from legalsearch.data import CorpusRecord

    got = source.vectors_for([CorpusRecord(1, "a"), CorpusRecord(2, "b")], [["x", "y"], ["z"]])
    np.testing.assert_array_equal(got[0], vectors["a"])
    np.testing.assert_array_equal(got[1], vectors["b"])


def test_cli_vectors_from_implies_client_vectors_and_checks_before_connecting(tmp_path, monkeypatch):
    from legalsearch.cli import cli
    from legalsearch.plugin.testing import make_export

    connected = []
    monkeypatch.setattr("legalsearch.plugin.connection.connect", lambda *a, **k: connected.append(a))
    monkeypatch.setattr("legalsearch.plugin.deploy.load_encoder", lambda *a, **k: FakeEncoder(dimension=DIM))
    path = tmp_path / "vectors.jsonl"
    path.write_text(json.dumps({"_id": "d0", "vector": [0.0] * (DIM + 2)}) + "\n")
    export = make_export(tmp_path)
    result = CliRunner().invoke(cli, ["deploy", str(corpus(tmp_path)), "--export", str(export), "--vectors-from",
                                      str(path), "--quiet"], catch_exceptions=False)
    assert result.exit_code == 1, result.output
    assert "vectors.jsonl:1" in result.output and "vector has 6 values" in result.output
    assert connected == []
    result = CliRunner().invoke(cli, ["deploy", str(corpus(tmp_path)), "--export", str(export), "--vectors-from",
                                      str(path), "--vectors", "server"], catch_exceptions=False)
    assert result.exit_code == 2 and "drop --vectors server" in result.output

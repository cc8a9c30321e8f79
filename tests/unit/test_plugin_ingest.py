"""Bulk ingest against the recording fake: batching, retries, failures file, resume without duplicates."""

from __future__ import annotations

import json

import pytest
from opensearchpy.exceptions import ConnectionError as OSConnectionError

from legalsearch.errors import DataError, IngestError
from legalsearch.plugin.connection import Cluster
from legalsearch.plugin.ingest import IngestOptions, ingest, read_corpus
from legalsearch.plugin.testing import FakeEncoder, FakeOpenSearch, _error


def write_corpus(path, n=10, extra_lines=()):
    rows = [json.dumps({"_id": f"d{i}", "title": f"T{i}", "text": f"text {i} under 42 U.S.C. § 1983"}) for i in range(n)]
    path.write_text("\n".join(rows + list(extra_lines)) + "\n")
    return path


def no_sleep(_):
    pass


def bulk_calls(fake):
    return [c for c in fake.calls if c.path == "/_bulk"]


def run(fake, corpus, tmp_path, **kw):
    options = IngestOptions(batch_size=kw.pop("batch_size", 4), **kw.pop("options", {}))
    return ingest(Cluster(fake), "idx", read_corpus(corpus, kw.pop("skip_invalid", False)), options,
                  failures_path=tmp_path / "failures.jsonl", checkpoint_path=tmp_path / "ids", progress=False,
                  sleep=no_sleep, **kw)


def test_batches_create_ops_with_doc_ids_and_citations(tmp_path):
    fake = FakeOpenSearch()
    report = run(fake, write_corpus(tmp_path / "c.jsonl"), tmp_path)
    assert (report.read, report.indexed, report.failed) == (10, 10, 0) and report.balanced
    calls = bulk_calls(fake)
    assert len(calls) == 3  # 4 + 4 + 2
    lines = calls[0].body.splitlines()
    assert json.loads(lines[0]) == {"create": {"_index": "idx", "_id": "d0"}}
    doc = json.loads(lines[1])
    assert doc["doc_id"] == "d0" and doc["citations"] == ["42 U.S.C. § 1983"]
    assert doc["passage_text"] == "T0\ntext 0 under 42 U.S.C. § 1983"
    assert "passages" not in doc


def test_retries_whole_request_on_429_and_connection_errors(tmp_path):
    failures = iter([_error(429, "es_rejected_execution_exception", "queue full"),
                     OSConnectionError("N/A", "reset", None)])

    def before(call):
        return next(failures, None) if call.path == "/_bulk" else None

    fake = FakeOpenSearch(before=before)
    report = run(fake, write_corpus(tmp_path / "c.jsonl", 3), tmp_path)
    assert report.indexed == 3 and report.retries == 2 and report.balanced


def test_gives_up_with_ingest_error_and_resume_hint(tmp_path):
    fake = FakeOpenSearch(before=lambda c: _error(503, "unavailable", "cluster busy") if c.path == "/_bulk" else None)
    with pytest.raises(IngestError, match="rerun the same command to resume") as info:
        run(fake, write_corpus(tmp_path / "c.jsonl", 3), tmp_path, options={"max_retries": 2})
    assert "cluster busy" in str(info.value)
    assert len(bulk_calls(fake)) == 3


def test_per_item_retry_then_failure_file(tmp_path):
    attempts = {}

    def item(doc_id, doc):
        attempts[doc_id] = attempts.get(doc_id, 0) + 1
        if doc_id == "d1" and attempts[doc_id] == 1:
            return 429, {"type": "es_rejected_execution_exception", "reason": "busy"}
        if doc_id == "d2":
            return 400, {"type": "mapper_parsing_exception", "reason": "failed to parse field [title]"}
        return None

    fake = FakeOpenSearch(bulk_item=item)
    report = run(fake, write_corpus(tmp_path / "c.jsonl", 6), tmp_path)
    assert (report.read, report.indexed, report.failed) == (6, 5, 1) and report.balanced
    rows = [json.loads(line) for line in (tmp_path / "failures.jsonl").read_text().splitlines()]
    assert rows == [{"_id": "d2", "status": 400, "error": {"type": "mapper_parsing_exception",
                                                            "reason": "failed to parse field [title]"}}]
    assert attempts["d1"] == 2


def test_first_batch_all_rejected_stops_early(tmp_path):
    fake = FakeOpenSearch(bulk_item=lambda i, d: (400, {"type": "illegal_argument_exception",
                                                         "reason": "model not deployed"}))
    with pytest.raises(IngestError, match="model not deployed"):
        run(fake, write_corpus(tmp_path / "c.jsonl", 10), tmp_path)
    assert len(bulk_calls(fake)) == 1


def test_interrupted_ingest_resumes_without_duplicates(tmp_path):
    corpus = write_corpus(tmp_path / "c.jsonl", 10)
    fake = FakeOpenSearch()
    state = {"n": 0}

    def crash_on_third(call):
        if call.path == "/_bulk":
            state["n"] += 1
            if state["n"] == 3:
                return KeyboardInterrupt()
        return None

    fake.before = crash_on_third
    with pytest.raises(KeyboardInterrupt):
        run(fake, corpus, tmp_path)
    assert len(fake.indices["idx"]["docs"]) == 8
    fake.before = None
    fake.calls.clear()
    report = run(fake, corpus, tmp_path)
    assert (report.read, report.already_present, report.indexed, report.failed) == (10, 8, 2, 0)
    assert len(bulk_calls(fake)) == 1  # only d8, d9 were sent again
    assert sorted(fake.indices["idx"]["docs"]) == sorted(f"d{i}" for i in range(10))


def test_lost_checkpoint_still_no_duplicates(tmp_path):
    corpus = write_corpus(tmp_path / "c.jsonl", 5)
    fake = FakeOpenSearch()
    run(fake, corpus, tmp_path)
    (tmp_path / "ids").unlink()
    report = run(fake, corpus, tmp_path)
    assert (report.indexed, report.already_present) == (0, 5)  # op_type create -> 409 -> already present
    assert len(fake.indices["idx"]["docs"]) == 5


def test_malformed_line_is_a_clear_error(tmp_path):
    corpus = write_corpus(tmp_path / "c.jsonl", 3, extra_lines=['{"_id": "bad", "text": '])
    with pytest.raises(DataError) as info:
        run(FakeOpenSearch(), corpus, tmp_path)
    assert "c.jsonl:4" in str(info.value) and "malformed JSON" in str(info.value)


def test_malformed_lines_skipped_are_counted_as_failed(tmp_path):
    corpus = write_corpus(tmp_path / "c.jsonl", 3, extra_lines=["[1, 2]", '{"_id": "d0", "text": "dup"}',
                                                               '{"text": "no id"}'])
    report = run(FakeOpenSearch(), corpus, tmp_path, skip_invalid=True)
    assert (report.read, report.indexed, report.failed) == (6, 3, 3) and report.balanced
    reasons = [json.loads(line)["error"]["reason"] for line in (tmp_path / "failures.jsonl").read_text().splitlines()]
    assert reasons == ["malformed JSON (not a JSON object)", "duplicate document id 'd0' (first at line 1)", "missing field '_id'"]


def test_client_vectors_are_nested_passages(tmp_path):
    corpus = tmp_path / "c.jsonl"
    corpus.write_text(json.dumps({"_id": "long", "title": "", "text": " ".join(f"w{i}" for i in range(25))}) + "\n")
    fake = FakeOpenSearch()
    encoder = FakeEncoder(dimension=4)
    run(fake, corpus, tmp_path, options={"vectors": "client", "token_limit": 10},
        encoder=encoder)
    doc = fake.indices["idx"]["docs"]["long"]
    assert len(doc["passage_chunks"]) == 3 and len(doc["passages"]) == 3
    assert all(len(p["knn"]) == 4 for p in doc["passages"])
    assert "passage_text" not in doc
    assert encoder.calls == [doc["passage_chunks"]]


def test_summary_names_the_counts(tmp_path):
    report = run(FakeOpenSearch(), write_corpus(tmp_path / "c.jsonl", 2), tmp_path)
    assert report.summary().startswith("read 2 = indexed 2 + already present 0 + failed 0")


# -- streaming: byte-bounded bulks, bounded memory, encoding overlapped with bulk requests --------------------------
def test_bulks_are_bounded_by_bytes_as_well_as_count(tmp_path):
    rows = [json.dumps({"_id": f"d{i}", "text": "word " * (50 if i != 3 else 2000)}) for i in range(8)]
    corpus = tmp_path / "c.jsonl"
    corpus.write_text("\n".join(rows) + "\n")
    fake = FakeOpenSearch()
    limit = 1500
    report = run(fake, corpus, tmp_path, batch_size=100, options={"max_bulk_bytes": limit})
    assert (report.read, report.indexed, report.failed) == (8, 8, 0) and report.balanced
    calls = bulk_calls(fake)
    sizes = [len(c.body.encode()) for c in calls]
    ids = [[json.loads(line)["create"]["_id"] for line in c.body.splitlines()[::2]] for c in calls]
    assert len(calls) > 1 and report.bulk_requests == len(calls)  # one count-batch of 100, cut by bytes
    assert [i for group in ids for i in group] == [f"d{i}" for i in range(8)]  # corpus order, each once
    for size, group in zip(sizes, ids):
        assert size <= limit or group == ["d3"]  # only the one document larger than the limit goes over it, alone


def test_ingest_streams_the_corpus_with_a_bounded_number_of_documents_in_flight(tmp_path):
    from legalsearch.data import CorpusRecord
    from legalsearch.plugin.ingest import QUEUE_DEPTH

    fake = FakeOpenSearch()
    batch = 5
    # reading stays at most this far ahead of what the cluster holds: a batch being built, QUEUE_DEPTH batches
    # waiting for the encoder and for the sender each, one being encoded and one being sent
    bound = batch * (2 * QUEUE_DEPTH + 3)
    ahead = []

    def corpus():  # 2,000 documents, never a list: it fails when anything pulls it far ahead of the cluster
        for i in range(2000):
            in_flight = i - len(fake.indices.get("idx", {}).get("docs", {}))
            ahead.append(in_flight)
            assert in_flight <= bound, f"document {i} read with {in_flight} not yet indexed: the corpus was buffered"
            yield CorpusRecord(i + 1, f"d{i}", "", f"clause {i}")

    report = ingest(Cluster(fake), "idx", corpus(), IngestOptions(batch_size=batch, vectors="client"),
                    encoder=FakeEncoder(dimension=4), progress=False, sleep=no_sleep)
    assert (report.read, report.indexed) == (2000, 2000) and report.balanced
    assert len(fake.indices["idx"]["docs"]) == 2000
    assert max(ahead) > batch  # reading did run ahead of the cluster: the stages overlap


def test_encoding_overlaps_the_bulk_requests(tmp_path):
    import threading

    second_encode = threading.Event()

    class Recording(FakeEncoder):
        def encode_documents(self, texts):
            if self.calls:
                second_encode.set()
            return self._encode(texts)

    def first_bulk_waits_for_the_next_encode(call):
        # a sequential ingest would encode batch 2 only after this request returned: the wait would time out
        if call.path == "/_bulk" and not second_encode.is_set():
            assert second_encode.wait(timeout=30), "batch 2 was not encoded while batch 1 was being sent"
        return None

    fake = FakeOpenSearch(before=first_bulk_waits_for_the_next_encode)
    report = run(fake, write_corpus(tmp_path / "c.jsonl", 8), tmp_path, options={"vectors": "client"},
                 encoder=Recording(dimension=4))
    assert report.indexed == 8 and second_encode.is_set()


def test_a_failing_encoder_stops_the_ingest_with_its_own_error(tmp_path):
    class Broken(FakeEncoder):
        def encode_documents(self, texts):
            if self.calls:
                raise RuntimeError("encoder ran out of memory")
            return self._encode(texts)

    fake = FakeOpenSearch()
    with pytest.raises(RuntimeError, match="out of memory"):
        run(fake, write_corpus(tmp_path / "c.jsonl", 12), tmp_path, options={"vectors": "client"},
            encoder=Broken(dimension=4))
    # the stages stop at once (batch 1 may or may not have been sent); the checkpoint holds exactly what was sent
    acked = (tmp_path / "ids").read_text().split() if (tmp_path / "ids").is_file() else []
    assert acked == list(fake.indices.get("idx", {}).get("docs", {}))
    assert len(bulk_calls(fake)) <= 1


def test_concurrent_bulk_requests_keep_the_count_and_the_checkpoint_exact(tmp_path):
    fake = FakeOpenSearch()
    report = run(fake, write_corpus(tmp_path / "c.jsonl", 50), tmp_path, batch_size=3, options={"concurrency": 4})
    assert (report.read, report.indexed, report.failed) == (50, 50, 0) and report.balanced
    assert len(bulk_calls(fake)) == 17
    acked = (tmp_path / "ids").read_text().split()
    assert sorted(acked) == sorted(f"d{i}" for i in range(50))  # each id once, whatever order the threads finished

"""`data from-ubi` against the real node: UBI indices created here with the schema's mapping, a click log written
into them, and the dataset it becomes (accepted by `data validate`, every unusable event counted by reason)."""

from __future__ import annotations

import json
import uuid

import pytest
from click.testing import CliRunner

from legalsearch.cli import cli
from legalsearch.data import load_dataset, sample_dataset_path

pytestmark = pytest.mark.opensearch

# The mappings of OpenSearch's UBI plugin (ubi_queries / ubi_events), the fields this reader uses.
QUERIES_MAPPING = {"properties": {
    "query_id": {"type": "keyword"}, "user_query": {"type": "keyword"}, "client_id": {"type": "keyword"},
    "timestamp": {"type": "date"}, "application": {"type": "keyword"}, "query_response_id": {"type": "keyword"},
    "query_response_hit_ids": {"type": "keyword"}, "query_attributes": {"type": "flat_object"},
}}
EVENTS_MAPPING = {"properties": {
    "action_name": {"type": "keyword"}, "client_id": {"type": "keyword"}, "query_id": {"type": "keyword"},
    "session_id": {"type": "keyword"}, "message_type": {"type": "keyword"}, "timestamp": {"type": "date"},
    "event_attributes": {"properties": {
        "object": {"properties": {"object_id": {"type": "keyword"}, "object_id_field": {"type": "keyword"}}},
        "position": {"properties": {"ordinal": {"type": "integer"}}},
        "dwell_time": {"type": "float"},
    }},
}}


def _event(action, query_id, object_id, ordinal=None, client="c1", dwell=None):
    attributes = {"object": {"object_id": object_id, "object_id_field": "_id"}} if object_id is not None else {}
    if ordinal is not None:
        attributes["position"] = {"ordinal": ordinal}
    if dwell is not None:
        attributes["dwell_time"] = dwell
    return {"action_name": action, "query_id": query_id, "client_id": client, "timestamp": "2026-11-30T10:00:00Z",
            "message_type": "CLICK_THROUGH", "event_attributes": attributes}


@pytest.fixture
def ubi_indices(opensearch_client):
    suffix = uuid.uuid4().hex[:8]
    names = {"queries": f"ubi_queries_test_{suffix}", "events": f"ubi_events_test_{suffix}"}
    opensearch_client.indices.create(index=names["queries"], body={"mappings": QUERIES_MAPPING})
    opensearch_client.indices.create(index=names["events"], body={"mappings": EVENTS_MAPPING})
    yield names
    for name in names.values():
        opensearch_client.indices.delete(index=name, ignore_unavailable=True)


def test_a_ubi_log_becomes_a_valid_dataset_with_every_skip_counted(opensearch_client, opensearch_url,
                                                                 ubi_indices, tmp_path):
    corpus_ids = [json.loads(line)["_id"] for line in
                  (sample_dataset_path() / "corpus.jsonl").read_text(encoding="utf-8").splitlines() if line.strip()]
    queries, events = [], []
    # 30 distinct searches, each returning five sample documents; the user clicks the third at rank 3
    for n in range(30):
        hits = corpus_ids[n * 5:(n + 1) * 5]
        queries.append({"query_id": f"q{n}", "user_query": f"legal question number {n}", "client_id": "c1",
                        "timestamp": "2026-11-30T10:00:00Z", "query_response_hit_ids": hits})
        events.append(_event("click", f"q{n}", hits[2], ordinal=3))
    # the same text searched again by another client: one query, its click adds up
    queries.append({"query_id": "q0-again", "user_query": "Legal question  number 0", "client_id": "c2",
                    "timestamp": "2026-11-30T11:00:00Z", "query_response_hit_ids": corpus_ids[0:5]})
    events.append(_event("click", "q0-again", corpus_ids[0], ordinal=1, client="c2"))
    queries.append({"query_id": "", "user_query": "no id"})  # skipped: query without query_id
    queries.append({"query_id": "q-empty", "user_query": "  "})  # skipped: no user_query text
    events += [
        _event("impression", "q1", corpus_ids[5], ordinal=1),  # not a click
        _event("click", "q-unknown", corpus_ids[1], ordinal=1),  # unknown query_id
        _event("click", "q2", None, ordinal=1),  # no object_id
        _event("click", "q3", "not-in-the-corpus", ordinal=1),  # unknown document
        _event("click", "q4", corpus_ids[22], ordinal=3),  # same client, same result, same search: counted once
        _event("click", "q5", corpus_ids[27], ordinal=3, dwell=0.5),  # too short a look with --min-dwell 2
    ]
    for index, rows in ((ubi_indices["queries"], queries), (ubi_indices["events"], events)):
        body = "".join(json.dumps({"index": {"_index": index}}) + "\n" + json.dumps(row) + "\n" for row in rows)
        opensearch_client.bulk(body=body, refresh=True)

    out = tmp_path / "from-ubi"
    result = CliRunner().invoke(cli, [
        "data", "from-ubi", "-d", "sample", "-o", str(out), "--url", opensearch_url,
        "--queries-index", ubi_indices["queries"], "--events-index", ubi_indices["events"], "--min-dwell", "2",
    ])
    assert result.exit_code == 0, result.output
    report = json.loads((out / "ubi_report.json").read_text())
    assert {reason: entry["rows"] for reason, entry in report["skipped"].items()} == {
        "query without query_id": 1,
        "query without user_query text": 1,
        "action 'impression' is not a click (click, click_through)": 1,
        "click on a query_id that ubi_queries does not have": 1,
        "click without event_attributes.object.object_id": 1,
        "click on an object_id that is not in the corpus": 1,
        "repeated click by the same client on the same result (counted once)": 1,
        "dwell under 2 s": 1,
    }
    assert report["skipped_total"] == 8
    assert all(entry["first"].startswith(ubi_indices["queries"] if "query" in reason and "click" not in reason
                                         else ubi_indices["events"]) for reason, entry in report["skipped"].items())
    assert report["clicks_used"] == 31  # one per search; the short look and the repeat are not votes

    validated = CliRunner().invoke(cli, ["data", "validate", "-d", str(out)])
    assert validated.exit_code == 0 and "OK" in validated.output, validated.output
    dataset = load_dataset(out)
    # 30 query texts with a relevant click (q0's two searches are one query, with two relevant documents)
    relevant = {(q, d) for split in dataset.qrels.values() for q, docs in split.items() for d, g in docs.items() if g}
    assert len({q for q, _ in relevant}) == 30 and len(relevant) == 31
    # skip-above: for the click at rank 3, ranks 1 and 2 were passed over and are grade 0 — except for query 0,
    # whose rank-1 document another search of the same text clicked
    zeros = {(q, d) for split in dataset.qrels.values() for q, docs in split.items() for d, g in docs.items() if not g}
    text_of = dataset.queries
    q0 = next(q for q, text in text_of.items() if text == "legal question number 0")
    assert (q0, corpus_ids[0]) in relevant and (q0, corpus_ids[0]) not in zeros and (q0, corpus_ids[1]) in zeros
    assert len(zeros) == 30 * 2 - 1  # two per query text, minus q0's rank 1 (clicked in its other search)

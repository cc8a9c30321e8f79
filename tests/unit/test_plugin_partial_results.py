"""Partial search results (a shard lost, a search timed out) against the recording fake: `search` says so and still
shows the hits, library callers get the flag on the hits, and figures (run_queries, `bench --url`) are refused.
tests/integration/test_partial_results.py makes a real node lose a shard."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from legalsearch.errors import PartialResultsError
from legalsearch.plugin.connection import Cluster
from legalsearch.plugin.deploy import DeployOptions, deploy
from legalsearch.plugin.search import ShardReport, execute, run_queries, search
from legalsearch.plugin.testing import FakeEncoder, FakeOpenSearch

# what OpenSearch lists for a shard that has no started copy, and for one that threw
NO_COPY = {"shard": 0, "index": "legal-b", "node": None,
           "reason": {"type": "no_shard_available_action_exception", "reason": "No shard available for [legal-b][0]"}}
THREW = {"shard": 1, "index": "legal-a", "node": "n1",
         "reason": {"type": "query_shard_exception", "reason": "failed to create query:\n  too many clauses"}}
REASON = "legal-b[0]: no_shard_available_action_exception: No shard available for [legal-b][0]"


@pytest.mark.parametrize("response, partial, summary", [
    ({"timed_out": False, "_shards": {"total": 2, "successful": 2, "skipped": 0, "failed": 0}}, False, "complete"),
    # skipped by the pre-filter (cannot match): counted as successful, nothing is missing
    ({"timed_out": False, "_shards": {"total": 3, "successful": 3, "skipped": 2, "failed": 0}}, False, "complete"),
    ({"timed_out": False, "_shards": {"total": 2, "successful": 1, "skipped": 0, "failed": 1, "failures": [NO_COPY]}},
     True, f"1 of 2 shards failed ({REASON})"),
    ({"_shards": {"total": 3, "successful": 1, "skipped": 0, "failed": 2, "failures": [THREW, NO_COPY]}},
     True, "2 of 3 shards failed (legal-a[1]: query_shard_exception: failed to create query: too many clauses)"),
    ({"_shards": {"total": 2, "successful": 1, "skipped": 0, "failed": 1}},
     True, "1 of 2 shards failed (the response gives no reason)"),
    # OpenSearch 3.6 for an index whose only shard is unassigned: in total, neither successful nor failed
    ({"timed_out": False, "_shards": {"total": 2, "successful": 1, "skipped": 0, "failed": 0}},
     True, "1 of 2 shards not searched (no started copy)"),
    ({"_shards": {"total": 3, "successful": 1, "skipped": 0, "failed": 1, "failures": [NO_COPY]}},
     True, f"1 of 3 shards failed ({REASON}); 1 of 3 shards not searched (no started copy)"),
    ({"timed_out": True, "_shards": {"total": 1, "successful": 1, "skipped": 0, "failed": 0}},
     True, "the search timed out"),
    ({"timed_out": True, "_shards": {"total": 2, "successful": 1, "skipped": 0, "failed": 1, "failures": [NO_COPY]}},
     True, f"1 of 2 shards failed ({REASON}); the search timed out"),
    ({"hits": {"hits": []}}, False, "complete"),  # a response without _shards claims nothing
])
def test_shard_report_table(response, partial, summary):
    report = ShardReport.from_response(response)
    assert report.partial is partial
    assert report.summary() == summary


def _lose_a_shard(fake: FakeOpenSearch, failures=(NO_COPY,), timed_out=False) -> None:
    """Every search answers from one of two shards, the other listed as failed, as OpenSearch does."""
    whole = fake._search

    def partial(body, params, name):
        response = whole(body, params, name)
        response["_shards"] = {"total": 2, "successful": 1, "skipped": 0, "failed": 1, "failures": list(failures)}
        response["timed_out"] = timed_out
        return response

    fake._search = partial


@pytest.fixture
def deployed(tmp_path):
    corpus = tmp_path / "corpus.jsonl"
    corpus.write_text("".join(json.dumps({"_id": f"d{i}", "title": f"t{i}", "text": f"clause {i}"}) + "\n"
                              for i in range(3)))
    fake = FakeOpenSearch()
    deploy(Cluster(fake), corpus, DeployOptions(alias="legal", vectors="client", progress=False,
                                                state_dir=tmp_path / "state"), encoder=FakeEncoder(dimension=8))
    return fake


def test_complete_hits_say_so_and_partial_hits_carry_the_flag(deployed):
    cluster = Cluster(deployed)
    hits, _body, _plan = search(cluster, "legal", "clause", "bm25", 10)
    assert [h.doc_id for h in hits] == ["d0", "d1", "d2"] and hits.partial is False
    assert hits.shards == ShardReport(total=1, successful=1)
    _lose_a_shard(deployed)
    hits, _body, _plan = search(cluster, "legal", "clause", "bm25", 10)
    assert [h.doc_id for h in hits] == ["d0", "d1", "d2"]  # returned, not refused
    assert hits.partial is True and (hits.shards.total, hits.shards.failed) == (2, 1)
    assert hits.shards.reasons == (REASON,)
    assert execute(cluster, "legal", {"query": {"match_all": {}}}).partial is True


def test_run_queries_refuses_a_partial_response_naming_the_query(deployed):
    cluster = Cluster(deployed)
    assert run_queries(cluster, "legal", {"q1": "clause"}, "bm25", 10) == {"q1": {"d0": 1.0, "d1": 1.0, "d2": 1.0}}
    _lose_a_shard(deployed)
    with pytest.raises(PartialResultsError) as info:
        run_queries(cluster, "legal", {"q1": "clause", "q2": "other"}, "bm25", 10)
    assert str(info.value) == (
        f"query q1: the search of legal returned partial results (1 of 2 shards failed ({REASON})); no figure is "
        "computed from them\n  check the cluster (GET _cluster/health, GET _cat/shards) and search again once every "
        "shard of the index is started")
    assert info.value.query_id == "q1" and info.value.shards.failed == 1


def test_run_queries_accepts_partial_responses_when_asked_and_lists_them(deployed):
    _lose_a_shard(deployed, timed_out=True)
    partial: dict = {}
    run = run_queries(Cluster(deployed), "legal", {"q1": "clause", "q2": "other"}, "bm25", 10, partial=partial)
    assert sorted(run) == ["q1", "q2"]
    assert sorted(partial) == ["q1", "q2"]
    assert partial["q1"].summary() == f"1 of 2 shards failed ({REASON}); the search timed out"


@pytest.fixture
def cli_fake(monkeypatch, deployed):
    monkeypatch.setattr("legalsearch.plugin.connection.connect",
                        lambda settings, check=True: Cluster(deployed, display_url=settings.display_url))
    for name in ("LEGALSEARCH_OPENSEARCH_URL", "LEGALSEARCH_OPENSEARCH_USER", "LEGALSEARCH_OPENSEARCH_PASSWORD"):
        monkeypatch.delenv(name, raising=False)
    return deployed


def _search_cli(*args):
    from legalsearch.cli import cli

    runner = CliRunner()
    return runner.invoke(cli, ["search", "clause", "--index", "legal", "--mode", "bm25", *args],
                         catch_exceptions=False)


def test_cli_search_says_the_results_are_partial_in_one_line_and_still_shows_the_hits(cli_fake):
    complete = _search_cli()
    assert complete.exit_code == 0, complete.output
    assert "partial" not in complete.output
    _lose_a_shard(cli_fake)
    result = _search_cli()
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert [line for line in lines if "partial" in line] == [f"partial results: 1 of 2 shards failed ({REASON})"]
    assert [line.split()[2] for line in lines if line.lstrip()[:2] in ("1.", "2.", "3.")] == ["d0", "d1", "d2"]


def test_cli_search_json_carries_the_shard_report(cli_fake):
    complete = json.loads(_search_cli("--json").stdout)
    assert complete["shards"] == {"total": 1, "successful": 1, "skipped": 0, "failed": 0, "unsearched": 0,
                                  "timed_out": False, "failures": [], "partial": False}
    _lose_a_shard(cli_fake)
    result = _search_cli("--json")
    out = json.loads(result.stdout)  # the one line goes to stderr: stdout stays JSON
    assert result.stderr == f"partial results: 1 of 2 shards failed ({REASON})\n"
    assert [hit["doc_id"] for hit in out["hits"]] == ["d0", "d1", "d2"]
    assert out["shards"] == {"total": 2, "successful": 1, "skipped": 0, "failed": 1, "unsearched": 0,
                             "timed_out": False, "failures": [REASON], "partial": True}

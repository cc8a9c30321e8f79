"""Long queries through the real node: a 6,000-word statement of facts as a hybrid query, and the same
arithmetic offline (legalsearch.long_queries).

A ``match`` query over such a text would hold thousands of clauses (over ``max_clause_count``) and a neural query
would be truncated by the encoder; planned, it becomes key terms (``term`` clauses boosted by query frequency) and
one vector, the mean of its windows' vectors. Offline BM25 and MaxP score the same plan, so the cluster's
ranking and scores must equal them.
"""

from __future__ import annotations

import json
import uuid

import pytest
from _support import fact_description
from click.testing import CliRunner

from legalsearch.data import load_dataset, sample_dataset_path
from legalsearch.long_queries import LongQueryPolicy
from legalsearch.plugin.connection import connect, resolve_settings
from legalsearch.plugin.deploy import DeployOptions, deploy, undeploy_everything
from legalsearch.plugin.search import run_queries
from legalsearch.plugin.testing import FakeEncoder
from legalsearch.retrieval import BM25Retriever, DenseRetriever

pytestmark = pytest.mark.opensearch

DIMENSION = 16


@pytest.fixture(scope="module")
def cluster(opensearch_url):
    return connect(resolve_settings(url=opensearch_url))


@pytest.fixture(scope="module")
def encoder():
    return FakeEncoder(dimension=DIMENSION, max_seq_length=128)


@pytest.fixture(scope="module")
def alias(cluster, encoder, tmp_path_factory):
    name = f"lq-{uuid.uuid4().hex[:8]}"
    state = tmp_path_factory.mktemp("lq")
    deploy(cluster, sample_dataset_path() / "corpus.jsonl",
           DeployOptions(alias=name, vectors="client", progress=False, state_dir=state), encoder=encoder)
    yield name
    undeploy_everything(cluster, name)


def test_a_6000_word_fact_description_is_a_hybrid_query_that_returns_results(opensearch_url, alias, tmp_path,
                                                                           encoder, monkeypatch):
    from legalsearch.cli import cli
    from legalsearch.plugin import search as search_module

    # the deploy's client-side encoder is a test double: hand it to the command as the deployment's own
    monkeypatch.setattr(search_module.DeploymentInfo, "load_encoder", lambda self: encoder)
    query = fact_description(6000, seed=1)
    result = CliRunner().invoke(cli, ["search", query, "--mode", "hybrid", "--index", alias, "--url", opensearch_url,
                                      "--json", "--print-dsl", "-k", "10"])
    assert result.exit_code == 0, result.output[-3000:]
    output = result.stdout
    out = json.loads(output)
    assert len(out["hits"]) == 10
    lexical, dense = out["dsl"]["query"]["hybrid"]["queries"]
    term_clauses = [c for c in lexical["bool"]["should"] if "term" in c]
    assert 0 < len(term_clauses) <= LongQueryPolicy().max_terms  # under the clause limit, not thousands
    assert "knn" in dense["nested"]["query"]  # one vector: the mean of the windows', not a truncated text
    assert "long query (" in result.stderr and "mean of" in result.stderr  # said, not silent


@pytest.mark.parametrize("mode", ["bm25", "neural"])
def test_long_queries_rank_as_offline(cluster, alias, encoder, mode):
    dataset = load_dataset(sample_dataset_path())
    queries = {f"long-{seed}": fact_description(words, seed) for seed, words in ((2, 700), (3, 2500), (4, 6000))}
    queries["short"] = next(iter(dataset.queries.values()))
    cluster_run = run_queries(cluster, alias, queries, mode, k=10, encoder=encoder)
    documents = list(dataset.corpus.values())
    if mode == "bm25":
        offline = BM25Retriever(documents)
        for text in queries.values():
            terms, positions, _ = offline.key_terms(text)
            assert (terms is None) == (positions <= LongQueryPolicy().max_terms)
    else:
        offline = DenseRetriever(encoder)
        offline.build(documents)
    offline_run = offline.search(queries, k=10)
    for qid in queries:
        got, want = cluster_run[qid], offline_run[qid]
        if mode == "bm25":  # Lucene's own scores: equal to float precision; equal scores may come in either order
            assert list(got.values()) == pytest.approx(list(want.values()), rel=1e-4), qid
            cut = min(want.values())
            assert {d for d, s in got.items() if s > cut * (1 + 1e-4)} == \
                {d for d, s in want.items() if s > cut * (1 + 1e-4)}, qid
        else:
            assert list(got) == list(want), (mode, qid)

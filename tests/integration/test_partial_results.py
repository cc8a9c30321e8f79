"""Searches that lose a shard on the real node: `search` reports them as partial, the bench's cluster path refuses
them, and a deploy refuses to write into a red cluster.

A single node loses a shard of an alias over two indices in two ways, both answered with HTTP 200 and the first
index's hits:

* the second index maps ``content`` as an integer, so the BM25 ``match`` throws on its shard:
  ``_shards: {total: 2, successful: 1, failed: 1}`` with the ``query_shard_exception`` listed;
* the second index's only shard can never be allocated (``index.routing.allocation.require._name`` names no node,
  no replicas): the cluster is red and OpenSearch 3.6 answers ``{total: 2, successful: 1, failed: 0}``, the shard
  in neither count.

A closed index would not do: a search of an alias holding one fails whole (``index_closed_exception``), or with
``ignore_unavailable`` leaves it out without counting it. The second index is deleted in a ``finally``, so the node
is red only for the seconds that test takes.
"""

from __future__ import annotations

import os
import re
import uuid
from contextlib import contextmanager

import pytest
from click.testing import CliRunner

from legalsearch.cli import cli
from legalsearch.errors import ClusterHealthError, PartialResultsError
from legalsearch.plugin import index as idx
from legalsearch.plugin.deploy import DeployOptions, deploy, undeploy_everything
from legalsearch.plugin.search import search
from legalsearch.plugin.testing import FakeEncoder

pytestmark = pytest.mark.opensearch

DIMENSION = 16


def _connection_args(url: str) -> list[str]:
    insecure = os.environ.get("LEGALSEARCH_OPENSEARCH_INSECURE") == "1"  # the compose node's demo certificate
    return ["--url", url] + (["--insecure"] if insecure else [])


@pytest.fixture(scope="module")
def cluster(opensearch_url):
    from legalsearch.plugin.connection import connect, resolve_settings

    insecure = os.environ.get("LEGALSEARCH_OPENSEARCH_INSECURE") == "1" or None
    return connect(resolve_settings(url=opensearch_url, insecure=insecure))


@pytest.fixture(scope="module")
def deployed(cluster, sample_path, tmp_path_factory):
    """(alias, its versioned index): the sample, client-side vectors of a fake encoder (BM25 is what is searched)."""
    alias = f"it-partial-{uuid.uuid4().hex[:8]}"
    try:
        result = deploy(cluster, sample_path, DeployOptions(alias=alias, vectors="client", progress=False,
                                                            state_dir=tmp_path_factory.mktemp("partial-state")),
                        encoder=FakeEncoder(dimension=DIMENSION))
        hits, _body, _plan = search(cluster, alias, "confidentiality", "bm25", 5)
        assert hits and not hits.partial and (hits.shards.total, hits.shards.failed) == (1, 0)
        yield alias, result.index
    finally:
        undeploy_everything(cluster, alias)


@contextmanager
def _second_index(cluster, alias: str, body: dict, params: dict | None = None):
    """An index added to the alias for the block, deleted after it. Its name sorts after the versioned index, so
    DeploymentInfo still reads the deployed one."""
    name = f"{alias}-zz-{uuid.uuid4().hex[:4]}"
    try:
        cluster.request("PUT", f"/{name}", body=body, params=params)
        cluster.request("POST", "/_aliases", body={"actions": [{"add": {"index": name, "alias": alias}}]})
        yield name
    finally:
        cluster.request("DELETE", f"/{name}", ignore=(404,))


CONFLICT = {"settings": {"index": {"number_of_shards": 1, "number_of_replicas": 0}},
            "mappings": {"properties": {"content": {"type": "integer"}}}}
UNASSIGNED = {"settings": {"index": {"number_of_shards": 1, "number_of_replicas": 0,
                                     "routing.allocation.require._name": "no-such-node"}}}


def _cli_search(opensearch_url, alias):
    result = CliRunner().invoke(cli, ["search", "confidentiality", "--index", alias, "--mode", "bm25", "-k", "5",
                                      *_connection_args(opensearch_url)])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    ranked = [line.split()[2] for line in lines if re.match(r"\s+\d+\. ", line)]
    return [line for line in lines if "partial" in line], ranked


def _bench(cluster, alias, sample_path):
    """The bench's cluster half, pointed at the alias: `bench --url` searches the versioned index the alias served
    when it started (DeploymentInfo.index), which here has no lost shard; the second index is in the alias only."""
    from dataclasses import replace

    from legalsearch.bench.cluster import ClusterTarget, cluster_bench
    from legalsearch.data import load_dataset
    from legalsearch.plugin.search import DeploymentInfo

    dataset = load_dataset(sample_path)
    target = ClusterTarget(cluster, replace(DeploymentInfo.read(cluster, alias), index=alias))
    with pytest.raises(PartialResultsError) as info:
        cluster_bench(target, dataset, "test", {"rows": [], "hybrid": {"config": {}}},
                      FakeEncoder(dimension=DIMENSION))
    return next(iter(dataset.split_queries("test"))), info.value


def test_a_shard_that_throws_is_reported_by_search_and_refused_by_the_bench(deployed, cluster, opensearch_url,
                                                                          sample_path):
    alias, served = deployed
    with _second_index(cluster, alias, CONFLICT) as other:
        hits, _body, _plan = search(cluster, alias, "confidentiality", "bm25", 5)
        assert hits and {hit.doc_id for hit in hits} <= set(_ids(cluster, served))
        assert hits.partial and (hits.shards.total, hits.shards.successful, hits.shards.failed) == (2, 1, 1)
        reason = (f'{other}[0]: query_shard_exception: failed to create query: For input string: '
                  '"confidentiality"')
        assert hits.shards.reasons == (reason,)
        partial, ranked = _cli_search(opensearch_url, alias)
        assert partial == [f"partial results: 1 of 2 shards failed ({reason})"]
        assert ranked == [hit.doc_id for hit in hits]  # the hits are still shown

        first, error = _bench(cluster, alias, sample_path)
        assert str(error).startswith(
            f"bench --url, bm25 mode, query {first}: the search of {alias} returned partial results (1 of 2 shards "
            f"failed ({other}[0]: query_shard_exception: failed to create query: "), error
        assert str(error).endswith("search again once every shard of the index is started, then rerun the benchmark")
        assert error.query_id == first and error.shards.failed == 1


def test_an_unassigned_shard_is_reported_refused_by_the_bench_and_a_red_cluster_refuses_a_deploy(
        deployed, cluster, opensearch_url, sample_path, tmp_path):
    alias, _served = deployed
    other_alias = f"it-red-{uuid.uuid4().hex[:8]}"
    try:
        with _second_index(cluster, alias, UNASSIGNED, params={"wait_for_active_shards": "0"}):
            hits, _body, _plan = search(cluster, alias, "confidentiality", "bm25", 5)
            assert hits and hits.partial
            assert (hits.shards.total, hits.shards.successful, hits.shards.failed) == (2, 1, 0)
            assert hits.shards.summary() == "1 of 2 shards not searched (no started copy)"
            partial, ranked = _cli_search(opensearch_url, alias)
            assert partial == ["partial results: 1 of 2 shards not searched (no started copy)"]
            assert ranked == [hit.doc_id for hit in hits]

            first, error = _bench(cluster, alias, sample_path)
            assert str(error).startswith(f"bench --url, bm25 mode, query {first}: the search of {alias} returned "
                                         "partial results (1 of 2 shards not searched (no started copy))"), error

            with pytest.raises(ClusterHealthError) as refused:
                deploy(cluster, sample_path, DeployOptions(alias=other_alias, vectors="client", progress=False,
                                                           state_dir=tmp_path),
                       encoder=FakeEncoder(dimension=DIMENSION))
            message = str(refused.value)
            assert re.search(r" is red \(\d+ unassigned shards?\): nothing is written", message), message
            assert idx.indices_for(cluster, other_alias) == [] and idx.alias_targets(cluster, other_alias) == []
    finally:
        undeploy_everything(cluster, other_alias)


def _ids(cluster, index: str) -> list[str]:
    response = cluster.request("POST", f"/{index}/_search", body={"size": 1000, "_source": False})
    return [hit["_id"] for hit in response["hits"]["hits"]]

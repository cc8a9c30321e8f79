"""Cluster health before a deploy writes (GET _cluster/health), against the recording fake: red refuses in one
line, yellow warns only where a replica could be placed (two or more data nodes)."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from legalsearch.errors import ClusterHealthError
from legalsearch.plugin.connection import Cluster, check_health
from legalsearch.plugin.deploy import DeployOptions, deploy
from legalsearch.plugin.testing import FakeEncoder, FakeOpenSearch, make_export

URL = "https://search.example:9200"
RED = ("the cluster at https://search.example:9200 is red (3 unassigned shards): nothing is written while a primary "
       "shard has no started copy; find it with GET _cluster/allocation/explain, then rerun")
YELLOW = ("warning: the cluster is yellow (2 unassigned shards, replicas only, on 3 data nodes): the deploy goes on, "
          "but a node lost now may leave shards without a copy")


def _corpus(tmp_path):
    path = tmp_path / "corpus.jsonl"
    path.write_text("".join(json.dumps({"_id": f"d{i}", "title": "", "text": f"clause {i}"}) + "\n" for i in range(3)))
    return path


def _deploy(tmp_path, fake, echo=lambda message: None):
    return deploy(Cluster(fake, display_url=URL), _corpus(tmp_path),
                  DeployOptions(alias="legal", vectors="client", progress=False, state_dir=tmp_path / "state"),
                  encoder=FakeEncoder(dimension=8), echo=echo)


def _writes(fake):
    return [c for c in fake.calls if c.method in ("PUT", "POST", "DELETE")]


def test_red_cluster_refuses_before_anything_is_written(tmp_path):
    fake = FakeOpenSearch()
    fake.health.update(status="red", unassigned_shards=3)
    with pytest.raises(ClusterHealthError) as info:
        _deploy(tmp_path, fake)
    assert str(info.value) == RED
    assert _writes(fake) == [] and fake.indices == {} and fake.aliases == {}


def test_health_is_read_before_the_first_write(tmp_path):
    fake = FakeOpenSearch()
    result = _deploy(tmp_path, fake)
    assert fake.aliases["legal"] == {result.index}
    health = [i for i, c in enumerate(fake.calls) if c.path == "/_cluster/health"]
    assert len(health) == 1 and health[0] < fake.calls.index(_writes(fake)[0])


@pytest.mark.parametrize("status, data_nodes, unassigned, warning", [
    ("green", 1, 0, None),
    ("green", 3, 0, None),
    # one node: a replica is never placed beside its primary, so every index with the default replica is yellow
    ("yellow", 1, 7, None),
    ("yellow", 3, 2, YELLOW),
])
def test_yellow_warns_only_where_a_replica_could_be_placed(tmp_path, status, data_nodes, unassigned, warning):
    fake = FakeOpenSearch()
    fake.health.update(status=status, number_of_data_nodes=data_nodes, unassigned_shards=unassigned)
    assert check_health(Cluster(fake)) == warning
    said: list[str] = []
    result = _deploy(tmp_path, fake, echo=said.append)
    assert result.report.indexed == 3  # the deploy goes on
    assert [line for line in said if "yellow" in line] == ([warning] if warning else [])


def test_serverless_has_no_health_to_read():
    fake = FakeOpenSearch()
    cluster = Cluster(fake)
    cluster.serverless = True
    assert check_health(cluster) is None and fake.calls == []


def test_cli_deploy_to_a_red_cluster_is_one_line_and_exit_1(tmp_path, monkeypatch):
    from legalsearch.cli import cli

    fake = FakeOpenSearch()
    fake.health.update(status="red", unassigned_shards=3)
    monkeypatch.setattr("legalsearch.plugin.connection.connect",
                        lambda settings, check=True: Cluster(fake, display_url=settings.display_url))
    for name in ("LEGALSEARCH_OPENSEARCH_URL", "LEGALSEARCH_OPENSEARCH_USER", "LEGALSEARCH_OPENSEARCH_PASSWORD"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr("legalsearch.plugin.ml_commons._run_exporter_validator", lambda path: None)
    result = CliRunner().invoke(cli, ["deploy", str(_corpus(tmp_path)), "--export", str(make_export(tmp_path)),
                                      "--vectors", "server", "--quiet", "--state-dir", str(tmp_path / "state"),
                                      "--url", URL], catch_exceptions=False)
    assert result.exit_code == 1
    assert result.output.splitlines() == [f"Error: {RED}"]
    assert _writes(fake) == []


def test_a_user_who_may_not_read_cluster_health_is_not_refused(monkeypatch):
    # a role limited to its own indices gets 403 on GET _cluster/health: deploys that worked before must still work
    from legalsearch.errors import AuthenticationError
    from legalsearch.plugin import connection

    def forbidden(cluster):
        raise AuthenticationError("reading the cluster health: the user has no permission for this (403)", status=403)

    monkeypatch.setattr(connection.ClusterHealth, "read", classmethod(lambda cls, cluster: forbidden(cluster)))
    assert check_health(Cluster(FakeOpenSearch(), display_url=URL)) is None

    def unauthorized(cluster):
        raise AuthenticationError("the cluster refused the credentials (401)", status=401)

    monkeypatch.setattr(connection.ClusterHealth, "read", classmethod(lambda cls, cluster: unauthorized(cluster)))
    with pytest.raises(AuthenticationError, match="401"):
        check_health(Cluster(FakeOpenSearch(), display_url=URL))

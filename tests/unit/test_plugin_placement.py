"""Model placement on ML nodes and the index's shards/replicas, against the recording fake (no server)."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from legalsearch.errors import ModelDeploymentError, OpenSearchError
from legalsearch.plugin import ml_commons
from legalsearch.plugin.connection import Cluster
from legalsearch.plugin.deploy import DeployOptions, deploy
from legalsearch.plugin.testing import FakeOpenSearch, make_export

DATA = ["cluster_manager", "data", "ingest"]
CLUSTER_NODES = {  # what `scripts/opensearch-node start --nodes 3 --ml-nodes 1` makes
    "d1": {"name": "data-1", "roles": DATA},
    "d2": {"name": "data-2", "roles": DATA},
    "m1": {"name": "ml-1", "roles": ["cluster_manager", "ml"]},
}


@pytest.fixture(autouse=True)
def skip_graph_validation(monkeypatch):
    monkeypatch.setattr("legalsearch.plugin.ml_commons._run_exporter_validator", lambda _path: None)


def corpus(tmp_path, n=4):
    tmp_path.mkdir(parents=True, exist_ok=True)
    path = tmp_path / "corpus.jsonl"
    path.write_text("".join(json.dumps({"_id": f"d{i}", "text": f"clause {i}"}) + "\n" for i in range(n)))
    return path


def options(tmp_path, **kw):
    return DeployOptions(state_dir=tmp_path / "state", progress=False, export_dir=make_export(tmp_path), **kw)


def deploy_calls(fake):
    return [c for c in fake.calls if c.path.endswith("/_deploy")]


CUSTOM_PLAN = "plugins.ml_commons.allow_custom_deployment_plan"
ONLY_ML = "plugins.ml_commons.only_run_on_ml_node"


def test_auto_names_the_ml_nodes_where_deployment_plans_are_allowed(tmp_path):
    fake = FakeOpenSearch(nodes=dict(CLUSTER_NODES), cluster_settings={CUSTOM_PLAN: "true"})
    said = []
    result = deploy(Cluster(fake), corpus(tmp_path), options(tmp_path), echo=said.append, sleep=lambda _s: None)
    (call,) = deploy_calls(fake)
    assert call.body == {"node_ids": ["m1"]}
    assert fake.models[result.model_id]["deploy_node_ids"] == ["m1"]
    assert "model placement: the cluster's ML nodes ml-1 (m1)" in said
    assert result.report.indexed == 4


def test_auto_relies_on_only_run_on_ml_node_where_plans_are_refused(tmp_path):
    """ML Commons' defaults: plans refused (a node_ids body is a 400), models on ML nodes only."""
    fake = FakeOpenSearch(nodes=dict(CLUSTER_NODES), cluster_settings={})  # ML Commons defaults
    said = []
    deploy(Cluster(fake), corpus(tmp_path), options(tmp_path), echo=said.append, sleep=lambda _s: None)
    (call,) = deploy_calls(fake)
    assert call.body is None
    assert f"model placement: the cluster's ML nodes ml-1 (m1) ({ONLY_ML} is true)" in said


def test_ml_required_but_nothing_keeps_the_model_on_ml_nodes_is_refused_in_two_lines(tmp_path):
    fake = FakeOpenSearch(nodes=dict(CLUSTER_NODES), cluster_settings={ONLY_ML: "false"})
    with pytest.raises(ModelDeploymentError) as failure:
        deploy(Cluster(fake), corpus(tmp_path), options(tmp_path, model_nodes="ml"), sleep=lambda _s: None)
    lines = str(failure.value).splitlines()
    assert len(lines) == 2 and "lets models run on data nodes" in lines[0] and "--configure-ml" in lines[1]
    assert not fake.models
    said = []  # auto goes ahead and says where the model may go
    deploy(Cluster(fake), corpus(tmp_path / "b"), options(tmp_path / "b"), echo=said.append, sleep=lambda _s: None)
    assert any("may use data nodes too" in line for line in said), said


def test_auto_without_ml_nodes_leaves_placement_to_ml_commons(tmp_path):
    fake = FakeOpenSearch()  # one node, no ml role
    deploy(Cluster(fake), corpus(tmp_path), options(tmp_path), sleep=lambda _s: None)
    (call,) = deploy_calls(fake)
    assert call.body is None


def test_any_never_names_nodes_even_when_ml_nodes_exist(tmp_path):
    fake = FakeOpenSearch(nodes=dict(CLUSTER_NODES), cluster_settings={CUSTOM_PLAN: "true"})
    deploy(Cluster(fake), corpus(tmp_path), options(tmp_path, model_nodes="any"), sleep=lambda _s: None)
    (call,) = deploy_calls(fake)
    assert call.body is None
    assert not any(c.path == "/_nodes" for c in fake.calls)


def test_ml_required_without_ml_nodes_stops_before_any_upload_in_two_lines(tmp_path):
    fake = FakeOpenSearch()
    with pytest.raises(ModelDeploymentError) as failure:
        deploy(Cluster(fake), corpus(tmp_path), options(tmp_path, model_nodes="ml"), sleep=lambda _s: None)
    lines = str(failure.value).splitlines()
    assert len(lines) == 2, lines
    assert "has no node with the ml role" in lines[0]
    assert "node.roles: [ml]" in lines[1] and "--model-nodes auto" in lines[1]
    assert not fake.models and not fake.indices  # nothing registered, no index made


def test_cli_ml_required_without_ml_nodes_is_a_two_line_error(tmp_path, monkeypatch):
    from legalsearch.cli import cli

    fake = FakeOpenSearch()
    monkeypatch.setattr("legalsearch.plugin.connection.connect",
                        lambda settings, check=True: Cluster(fake, display_url=settings.display_url))
    monkeypatch.delenv("LEGALSEARCH_OPENSEARCH_URL", raising=False)
    result = CliRunner().invoke(cli, ["deploy", str(corpus(tmp_path)), "--export", str(make_export(tmp_path)),
                                      "--model-nodes", "ml", "--quiet", "--state-dir", str(tmp_path / "s")])
    assert result.exit_code == 1, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 2 and lines[0].startswith("Error: --model-nodes ml:"), result.output
    assert "Traceback" not in result.output


def test_nodes_hidden_by_the_service_leave_placement_to_ml_commons_unless_ml_is_required(tmp_path):
    def forbid_nodes(call):
        if call.path == "/_nodes":
            return OpenSearchError("listing the cluster's nodes failed", root_cause="no permissions", status=403)
        return None

    fake = FakeOpenSearch(nodes=dict(CLUSTER_NODES), cluster_settings={}, before=forbid_nodes)
    assert ml_commons.model_placement(Cluster(fake), "auto").node_ids is None
    with pytest.raises(ModelDeploymentError, match="does not list its nodes"):
        ml_commons.model_placement(Cluster(fake), "ml")


def test_configure_ml_with_ml_nodes_allows_plans_and_keeps_models_off_data_nodes(tmp_path):
    fake = FakeOpenSearch(nodes=dict(CLUSTER_NODES), cluster_settings={})  # ML Commons defaults
    deploy(Cluster(fake), corpus(tmp_path), options(tmp_path, configure_ml=True, model_nodes="ml"),
           sleep=lambda _s: None)
    assert ONLY_ML not in fake.cluster_settings
    assert fake.cluster_settings[CUSTOM_PLAN] is True
    assert fake.cluster_settings["plugins.ml_commons.allow_registering_model_via_local_file"] is True
    (call,) = deploy_calls(fake)
    assert call.body == {"node_ids": ["m1"]}

    single = FakeOpenSearch()
    deploy(Cluster(single), corpus(tmp_path / "b"), options(tmp_path / "b", configure_ml=True),
           sleep=lambda _s: None)
    assert single.cluster_settings[ONLY_ML] is False and CUSTOM_PLAN not in single.cluster_settings


def test_cli_shards_and_replicas_reach_the_new_index(tmp_path, monkeypatch):
    from legalsearch.cli import cli

    fake = FakeOpenSearch(nodes=dict(CLUSTER_NODES), cluster_settings={})  # ML Commons defaults
    monkeypatch.setattr("legalsearch.plugin.connection.connect",
                        lambda settings, check=True: Cluster(fake, display_url=settings.display_url))
    monkeypatch.delenv("LEGALSEARCH_OPENSEARCH_URL", raising=False)
    result = CliRunner().invoke(cli, ["deploy", str(corpus(tmp_path)), "--export", str(make_export(tmp_path)),
                                      "--shards", "2", "--replicas", "1", "--quiet",
                                      "--state-dir", str(tmp_path / "s")])
    assert result.exit_code == 0, result.output
    (index,) = fake.indices
    settings = fake.indices[index]["body"]["settings"]["index"]
    assert (settings["number_of_shards"], settings["number_of_replicas"]) == (2, 1)

"""The multi-node shapes: `scripts/opensearch-node start --nodes N --ml-nodes M` (its plan and each node's
opensearch.yml) and docker-compose.yml's "cluster" profile, which must describe the same cluster. No Docker engine
runs here, so the compose file is checked by parsing it."""

from __future__ import annotations

import importlib.machinery
import importlib.util
import json
from pathlib import Path

import pytest
import yaml

from _support import REPO_ROOT


@pytest.fixture(scope="module")
def node_script():
    loader = importlib.machinery.SourceFileLoader("opensearch_node", str(REPO_ROOT / "scripts" / "opensearch-node"))
    spec = importlib.util.spec_from_loader("opensearch_node", loader)
    module = importlib.util.module_from_spec(spec)
    loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def compose():
    return yaml.safe_load((REPO_ROOT / "docker-compose.yml").read_text(encoding="utf-8"))


def _env(service: dict) -> dict[str, str]:
    return dict(item.split("=", 1) for item in service["environment"])


def test_plan_two_data_nodes_one_ml_node(node_script):
    plan = node_script.plan_cluster(3, 1)
    assert [(n["name"], n["roles"]) for n in plan] == [
        ("data-1", ["cluster_manager", "data", "ingest"]),
        ("data-2", ["cluster_manager", "data", "ingest"]),
        ("ml-1", ["cluster_manager", "ml"]),
    ]


@pytest.mark.parametrize("nodes, ml_nodes, message", [(1, 0, "--nodes 2 or more"), (3, 3, "between 0 and 2"),
                                                      (2, -1, "between 0 and 1")])
def test_plan_refuses_shapes_without_a_data_node(node_script, nodes, ml_nodes, message):
    with pytest.raises(node_script.NodeError, match=message):
        node_script.plan_cluster(nodes, ml_nodes)


def test_each_node_config_discovers_the_others_on_loopback(node_script, tmp_path, monkeypatch):
    monkeypatch.setenv("LEGALSEARCH_OPENSEARCH_CACHE", str(tmp_path))
    layout = node_script.Layout(node_script.load_versions())
    plan = node_script.plan_cluster(3, 1)
    for i, node in enumerate(plan):
        node.update(http_port=9200 + i, transport_port=9300 + i)
    cluster = {"name": node_script.CLUSTER_NAME, "nodes": plan}
    configs = {n["name"]: yaml.safe_load(node_script.node_config(n, cluster, layout)) for n in plan}
    for name, config in configs.items():
        assert config["cluster.name"] == "legalsearch-cluster" and config["node.name"] == name
        assert config["network.host"] == "127.0.0.1"
        assert config["discovery.seed_hosts"] == ["127.0.0.1:9300", "127.0.0.1:9301", "127.0.0.1:9302"]
        assert config["cluster.initial_cluster_manager_nodes"] == ["data-1", "data-2", "ml-1"]
        assert Path(config["path.data"]) == layout.nodes / name / "data"  # its own data and logs
        assert Path(config["path.logs"]) == layout.nodes / name / "logs"
    assert configs["ml-1"]["node.roles"] == ["cluster_manager", "ml"]
    assert len({c["http.port"] for c in configs.values()} | {c["transport.port"] for c in configs.values()}) == 6


def test_compose_cluster_profile_is_the_script_s_cluster(compose, node_script):
    services = compose["services"]
    cluster = {name: s for name, s in services.items() if "cluster" in s.get("profiles", [])}
    plan = node_script.plan_cluster(3, 1)
    assert sorted(cluster) == sorted(f"cluster-{n['name']}" for n in plan)
    names = sorted(cluster)
    for name, service in cluster.items():
        env = _env(service)
        planned = next(n for n in plan if f"cluster-{n['name']}" == name)
        assert env["node.name"] == name
        assert env["node.roles"].split(",") == planned["roles"]
        assert env["cluster.name"] == "legalsearch-cluster"
        assert sorted(env["discovery.seed_hosts"].split(",")) == names  # every node, by its service name
        managers = sorted(n for n in names if "cluster_manager" in _env(cluster[n])["node.roles"])
        assert sorted(env["cluster.initial_cluster_manager_nodes"].split(",")) == managers
        assert "discovery.type" not in env  # single-node discovery would split the cluster
        assert env["OPENSEARCH_INITIAL_ADMIN_PASSWORD"].startswith("${OPENSEARCH_INITIAL_ADMIN_PASSWORD:?")
        assert service["image"] == services["opensearch"]["image"]
        (volume,) = service["volumes"]
        assert volume.split(":")[0] in compose["volumes"] and volume.endswith(":/usr/share/opensearch/data")
    volumes = [s["volumes"][0].split(":")[0] for s in cluster.values()]
    assert len(set(volumes)) == len(volumes)  # each node its own data
    published = [p for s in services.values() for p in s.get("ports", [])]
    assert len(published) == len(set(published))  # the cluster's port does not clash with the single node's
    assert "127.0.0.1:9201:9200" in cluster["cluster-data-1"]["ports"]


def test_compose_default_is_still_one_node(compose):
    always = [name for name, s in compose["services"].items() if not s.get("profiles")]
    assert always == ["opensearch"]
    assert _env(compose["services"]["opensearch"])["discovery.type"] == "single-node"

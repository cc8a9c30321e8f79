"""Faults on real OpenSearch nodes, each with its exact expected outcome.

The node-level faults (SIGKILL, a tiny write queue, the flood-stage watermark, a tripped ML memory circuit breaker)
run on a private node of their own (:mod:`_fault_node`: same distribution, its own port, data and settings) so that
the shared node the other tests use is never killed, throttled or made read-only. Every cluster setting a test
changes is restored in a ``finally``. The package check needs no fault and runs on the shared node.
"""

from __future__ import annotations

import json
import os
import shutil
import time
import uuid
from pathlib import Path

import pytest

from legalsearch.errors import IngestError, ModelDeploymentError, OpenSearchError, PackageError
from legalsearch.plugin import index as idx
from legalsearch.plugin import ml_commons
from legalsearch.plugin.connection import Cluster, connect, resolve_settings
from legalsearch.plugin.deploy import DeployOptions, deploy, undeploy_everything
from legalsearch.plugin.testing import FakeEncoder

from _fault_node import FaultNode

pytestmark = pytest.mark.opensearch

# static node settings of the private node: one write thread and a queue of one, so that a bulk request that
# touches several shards has shard-level writes rejected with 429 (es_rejected_execution_exception)
FAULT_NODE_SETTINGS = {"thread_pool.write.size": 1, "thread_pool.write.queue_size": 1}


def _unavailable(reason: str):
    if os.environ.get("CI") == "true":
        pytest.fail(f"fault node unavailable under CI=true: {reason}", pytrace=False)
    pytest.skip(f"fault node unavailable: {reason}")


@pytest.fixture(scope="module")
def fault_node(tmp_path_factory):
    node = FaultNode(tmp_path_factory.mktemp("fault-node"), FAULT_NODE_SETTINGS)
    try:
        node.prepare()
        node.start()
    except (RuntimeError, OSError) as error:
        node.stop()
        _unavailable(str(error))
    try:
        yield node
    finally:
        node.stop()


def _cluster(url: str) -> Cluster:
    return connect(resolve_settings(url=url))


def _corpus(tmp_path: Path, n: int, name: str = "corpus.jsonl") -> tuple[Path, list[str]]:
    from legalsearch.data import sample_dataset_path

    lines = (sample_dataset_path() / "corpus.jsonl").read_text(encoding="utf-8").splitlines()[:n]
    assert len(lines) == n
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path, [json.loads(line)["_id"] for line in lines]


def _ids_in(cluster: Cluster, index: str) -> list[str]:
    idx.refresh(cluster, index)
    hits = cluster.request("POST", f"/{index}/_search", body={"size": 1000, "_source": False,
                                                              "query": {"match_all": {}}})["hits"]["hits"]
    return [hit["_id"] for hit in hits]


def _index_settings(cluster: Cluster, index: str) -> dict:
    return cluster.request("GET", f"/{index}/_settings")[index]["settings"]["index"]


class _Sleeps:
    """Records the backoff delays ingest asks for, and really waits (the node must get time to drain)."""

    def __init__(self, real: bool = True):
        self.delays: list[float] = []
        self.real = real

    def __call__(self, seconds: float) -> None:
        self.delays.append(seconds)
        if self.real:
            time.sleep(seconds)


# -- the node killed mid-ingest ------------------------------------------------------------------------------------
class _KillingEncoder(FakeEncoder):
    """Encodes like FakeEncoder; before the bulk of batch ``kill_at`` it SIGKILLs the node.

    Encoding runs ahead of the bulk requests (batches queue between the stages), so it first waits until the
    checkpoints in ``state`` hold the ``acked`` documents of the batches before: the kill then falls between two
    bulk requests, and the expected counts are exact.
    """

    def __init__(self, node: FaultNode, kill_at: int, state: Path, acked: int, dimension: int = 16):
        super().__init__(dimension=dimension)
        self.node, self.kill_at, self.state, self.acked = node, kill_at, state, acked

    def encode_documents(self, texts):
        vectors = self._encode(texts)
        if len(self.calls) == self.kill_at:
            deadline = time.monotonic() + 60
            while sum(len(p.read_text().split()) for p in self.state.glob("*.ids")) < self.acked:
                assert time.monotonic() < deadline, "the batches before the kill were not acknowledged in 60 s"
                time.sleep(0.05)
            self.node.kill()
        return vectors


def test_node_killed_mid_ingest_then_restarted_rerun_resumes_nothing_lost_or_duplicated(fault_node, tmp_path):
    corpus, ids = _corpus(tmp_path, 60)
    alias = f"kill-{uuid.uuid4().hex[:8]}"
    state = tmp_path / "state"
    options = DeployOptions(alias=alias, vectors="client", batch_size=8, progress=False, state_dir=state)
    cluster = _cluster(fault_node.url)
    sleeps = _Sleeps(real=False)  # the node is dead: the retries fail at once, no need to wait them out
    with pytest.raises(IngestError) as failure:
        deploy(cluster, corpus, options, encoder=_KillingEncoder(fault_node, kill_at=4, state=state, acked=24),
               sleep=sleeps)
    # batches 1-3 were acknowledged (24 documents), batch 4's bulk met a dead node: 6 retries with backoff, then stop
    message = str(failure.value)
    assert "rerun the same command to resume (24 documents are safe)" in message, message
    assert f"127.0.0.1:{fault_node.port}" in message, message  # names the node that stopped answering
    assert sleeps.delays == [0.5, 1.0, 2.0, 4.0, 8.0, 16.0]
    index = json.loads((state / f"{alias}.json").read_text())["index"]
    assert len((state / f"{index}.ids").read_text().split()) == 24

    fault_node.start()  # same port, same data folder
    cluster = _cluster(fault_node.url)
    try:
        # refresh and replicas stay relaxed (restoring them met the dead node too); the rerun restores them
        assert _index_settings(cluster, index).get("refresh_interval") == "-1"
        encoder = FakeEncoder(dimension=16)
        result = deploy(cluster, corpus, options, encoder=encoder)
        assert result.resumed and result.index == index
        report = result.report
        assert (report.read, report.already_present, report.indexed, report.failed) == (60, 24, 36, 0)
        assert len(encoder.calls) == 5  # 36 documents in batches of 8: the acknowledged 24 are not encoded again
        assert "refresh_interval" not in _index_settings(cluster, index)  # the serving settings are back
        found = _ids_in(cluster, alias)
        assert sorted(found) == sorted(ids)  # nothing lost, nothing duplicated
        assert idx.alias_targets(cluster, alias) == [index]
    finally:
        undeploy_everything(cluster, alias)


# -- bulk back-pressure: 429 from a full write queue ---------------------------------------------------------------
def test_bulk_back_pressure_429_is_retried_with_backoff_and_counts_balance(fault_node, tmp_path):
    corpus, ids = _corpus(tmp_path, 200)
    alias = f"bp-{uuid.uuid4().hex[:8]}"
    # one bulk of 200 documents over 6 shards: 6 shard-level writes against 1 thread + 1 queue slot
    options = DeployOptions(alias=alias, vectors="client", batch_size=200, shards=6, replicas=0, progress=False,
                            state_dir=tmp_path / "state")
    cluster = _cluster(fault_node.url)
    sleeps = _Sleeps()
    try:
        result = deploy(cluster, corpus, options, encoder=FakeEncoder(dimension=16), sleep=sleeps)
        report = result.report
        assert report.retries >= 1 and report.retries == len(sleeps.delays)  # 429s happened and were retried
        assert sleeps.delays == [0.5, 1.0, 2.0, 4.0, 8.0, 16.0][: report.retries]  # exponential backoff
        assert (report.read, report.indexed, report.already_present, report.failed) == (200, 200, 0, 0)
        assert report.balanced
        assert sorted(_ids_in(cluster, alias)) == sorted(ids)
    finally:
        undeploy_everything(cluster, alias)


# -- the disk flood-stage watermark: the index turns read-only mid-ingest -------------------------------------------
FLOOD = {
    "cluster.routing.allocation.disk.threshold_enabled": True,
    # free space required, largest first: any real disk is below all three
    "cluster.routing.allocation.disk.watermark.low": "1000tb",
    "cluster.routing.allocation.disk.watermark.high": "999tb",
    "cluster.routing.allocation.disk.watermark.flood_stage": "998tb",
    "cluster.info.update.interval": "10s",  # the smallest allowed
}


def _lift_flood_stage(node: FaultNode, before: dict) -> None:
    """Restore the disk settings as they were and remove the blocks the flood stage left behind."""
    restore = {key: before.get(key) for key in FLOOD}
    restore["cluster.blocks.create_index"] = before.get("cluster.blocks.create_index")
    node.cluster_settings(restore)
    status, body = node.http("PUT", "/_all/_settings?expand_wildcards=all",
                             {"index.blocks.read_only_allow_delete": None})
    assert status == 200, body


class _FloodingEncoder(FakeEncoder):
    """Before the bulk of batch ``flood_at``, sets the flood stage and waits until the node has blocked ``pattern``."""

    def __init__(self, node: FaultNode, pattern: str, flood_at: int):
        super().__init__(dimension=16)
        self.node, self.pattern, self.flood_at = node, pattern, flood_at

    def encode_documents(self, texts):
        vectors = self._encode(texts)
        if len(self.calls) == self.flood_at:
            self.node.cluster_settings(FLOOD)
            deadline = time.monotonic() + 120
            while time.monotonic() < deadline:
                status, body = self.node.http("GET", f"/{self.pattern}/_settings/index.blocks.read_only_allow_delete")
                if status == 200 and body and all(v.get("settings") for v in body.values()):
                    break
                time.sleep(1)
            else:
                raise AssertionError(f"the flood-stage block did not reach {self.pattern} within 120 s: {body}")
        return vectors


def test_flood_stage_watermark_stops_ingest_clearly_alias_kept_rerun_completes(fault_node, tmp_path):
    alias = f"flood-{uuid.uuid4().hex[:8]}"
    state = tmp_path / "state"
    cluster = _cluster(fault_node.url)
    first_corpus, _ = _corpus(tmp_path, 10, "v1.jsonl")
    before = {k: v for k, v in _flat_persistent(fault_node).items() if k in FLOOD or k == "cluster.blocks.create_index"}
    try:
        v1 = deploy(cluster, first_corpus, DeployOptions(alias=alias, vectors="client", progress=False,
                                                          state_dir=state), encoder=FakeEncoder(dimension=16))
        corpus, ids = _corpus(tmp_path, 40, "v2.jsonl")
        options = DeployOptions(alias=alias, vectors="client", batch_size=8, progress=False, state_dir=state)
        sleeps = _Sleeps(real=False)
        started = time.monotonic()
        with pytest.raises(IngestError) as failure:
            deploy(cluster, corpus, options, encoder=_FloodingEncoder(fault_node, f"{alias}-v*", flood_at=2),
                   sleep=sleeps)
        message = str(failure.value)
        assert "flood-stage watermark" in message and "index.blocks.read_only_allow_delete" in message, message
        assert "rerun the same command to resume (8 documents are safe)" in message, message
        assert "cluster_block_exception" in message  # the server's own reason is shown
        assert sleeps.delays == []  # a block is not retried: no 30 s of backoff before saying so
        assert time.monotonic() - started < 150
        assert idx.alias_targets(cluster, alias) == [v1.index]  # readers still see the complete previous index
    finally:
        _lift_flood_stage(fault_node, before)
    try:
        result = deploy(cluster, corpus, options, encoder=FakeEncoder(dimension=16))
        assert result.resumed
        assert (result.report.already_present, result.report.indexed, result.report.failed) == (8, 32, 0)
        assert idx.alias_targets(cluster, alias) == [result.index]
        assert sorted(_ids_in(cluster, alias)) == sorted(ids)
    finally:
        undeploy_everything(cluster, alias)


def test_deploy_started_past_the_flood_stage_creates_no_index_and_names_the_block(fault_node, tmp_path):
    alias = f"flood0-{uuid.uuid4().hex[:8]}"
    cluster = _cluster(fault_node.url)
    corpus, _ = _corpus(tmp_path, 10)
    before = {k: v for k, v in _flat_persistent(fault_node).items() if k in FLOOD or k == "cluster.blocks.create_index"}
    fault_node.cluster_settings(FLOOD)
    try:
        deadline = time.monotonic() + 120
        while _flat_persistent(fault_node).get("cluster.blocks.create_index") != "true":
            assert time.monotonic() < deadline, "the flood stage did not block index creation within 120 s"
            time.sleep(1)
        with pytest.raises(OpenSearchError) as failure:
            deploy(cluster, corpus, DeployOptions(alias=alias, vectors="client", progress=False,
                                                  state_dir=tmp_path / "state"), encoder=FakeEncoder(dimension=16))
        # the server's reason is shown: the deploy lock is the first write, and the flood stage blocks it too (where
        # the lock index does not exist yet, its creation meets the create-index block instead)
        assert ("create-index blocked" in str(failure.value)
                or "disk usage exceeded flood-stage watermark" in str(failure.value)), str(failure.value)
        assert idx.indices_for(cluster, alias) == [] and idx.alias_targets(cluster, alias) == []
        leftovers = cluster.request("GET", f"/_search/pipeline/{alias}-v*", ignore=(404,)) or {}
    finally:
        _lift_flood_stage(fault_node, before)
        for name in list(locals().get("leftovers") or {}):
            cluster.request("DELETE", f"/_search/pipeline/{name}", ignore=(404,))
    # the pipelines are made for the new index before it: a failed creation removes them again
    assert not leftovers, f"pipelines left behind after a failed index creation: {sorted(leftovers)}"


def _flat_persistent(node: FaultNode) -> dict:
    status, body = node.http("GET", "/_cluster/settings?flat_settings=true")
    assert status == 200, body
    return body.get("persistent", {})


# -- ML Commons: a deploy refused by the memory circuit breaker ------------------------------------------------------
def test_ml_deploy_refused_by_memory_circuit_breaker_surfaces_reason_leaves_nothing_half_done(
    fault_node, tiny_export, tmp_path
):
    alias = f"cb-{uuid.uuid4().hex[:8]}"
    cluster = _cluster(fault_node.url)
    package = ml_commons.ModelPackage.from_export_dir(tiny_export)
    options = DeployOptions(alias=alias, vectors="server", export_dir=tiny_export, progress=False,
                            state_dir=tmp_path / "state", deploy_timeout=300, model_group=alias)
    corpus, _ = _corpus(tmp_path, 12)
    key = "plugins.ml_commons.jvm_heap_memory_threshold"
    previous = _flat_persistent(fault_node).get(key)
    fault_node.cluster_settings({key: 1})  # any heap use is "too much": ML Commons refuses to load a model
    try:
        with pytest.raises(ModelDeploymentError) as failure:
            deploy(cluster, corpus, options)
        assert "Memory Circuit Breaker is open" in str(failure.value)  # the server's reason, verbatim
    finally:
        fault_node.cluster_settings({key: previous})
    try:
        models = ml_commons.find_models_by_hash(cluster, package.sha256)
        # the upload completed (every chunk); only the deploy failed: one model, none left REGISTERING
        assert [m["state"] for m in models] == ["DEPLOY_FAILED"], models
        assert idx.indices_for(cluster, alias) == []  # no index, and so no alias, for a deploy that had no model
        for suffix in ("hybrid", "rrf"):
            assert cluster.request("GET", f"/_search/pipeline/{alias}-v*-{suffix}", ignore=(404,)) in (None, {})
        # the rerun after the breaker is reset deploys that same model: nothing is uploaded twice
        result = deploy(cluster, corpus, options)
        assert result.model_id == models[0]["model_id"] and result.model_registered is False
        assert result.report.indexed == 12
        assert [m["model_id"] for m in ml_commons.find_models_by_hash(cluster, package.sha256)] == [result.model_id]
    finally:
        undeploy_everything(cluster, alias)
        for model in ml_commons.find_models_by_hash(cluster, package.sha256):
            ml_commons.delete_model(cluster, model["model_id"])


# -- a package whose hash or size does not match: refused before any upload ------------------------------------------
class _Recording(Cluster):
    """The real cluster, with every request's method and path noted."""

    def __init__(self, cluster: Cluster):
        super().__init__(cluster.transport, cluster.display_url)
        self.calls: list[tuple[str, str]] = []

    def request(self, method, path, *args, **kwargs):
        self.calls.append((method, path))
        return super().request(method, path, *args, **kwargs)


@pytest.mark.parametrize("tamper, rule", [
    ("hash", "model_content_hash_value does not match"),
    ("size", "model_content_size_in_bytes"),
    ("zip", "model_content_hash_value does not match"),  # the zip changed after export
])
def test_package_with_wrong_hash_or_size_is_refused_before_any_upload(opensearch_url, tiny_export, tmp_path,
                                                                       tamper, rule):
    export = tmp_path / "export"
    shutil.copytree(tiny_export, export)
    register_path = export / "ml-commons" / "register.json"
    register = json.loads(register_path.read_text())
    if tamper == "hash":
        register["model_content_hash_value"] = "0" * 64
    elif tamper == "size":
        register["model_content_size_in_bytes"] += 1
    register_path.write_text(json.dumps(register))
    if tamper == "zip":
        with (export / "ml-commons" / "model.zip").open("ab") as handle:
            handle.write(b"\0")  # trailing bytes: still a readable zip, no longer the registered one
        register["model_content_size_in_bytes"] += 1
        register_path.write_text(json.dumps(register))
    alias = f"pkg-{uuid.uuid4().hex[:8]}"
    cluster = _Recording(_cluster(opensearch_url))
    corpus, _ = _corpus(tmp_path, 5)
    with pytest.raises(PackageError, match=rule):
        deploy(cluster, corpus, DeployOptions(alias=alias, vectors="server", export_dir=export, progress=False,
                                              state_dir=tmp_path / "state"))
    assert all(method == "GET" for method, _ in cluster.calls), cluster.calls  # nothing registered or uploaded
    assert idx.indices_for(cluster, alias) == []

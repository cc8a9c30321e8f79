"""ML Commons model lifecycle against the recording fake: chunked register, idempotency by hash, deploy polling."""

from __future__ import annotations

import json

import pytest
from _support import require

from legalsearch.errors import ModelDeploymentError, PackageError
from legalsearch.plugin import ml_commons
from legalsearch.plugin.connection import Cluster
from legalsearch.plugin.testing import FakeOpenSearch, make_export


def no_sleep(_seconds):
    pass


def test_chunked_register_meta_then_chunks(tmp_path):
    package = ml_commons.ModelPackage.from_export_dir(make_export(tmp_path), validate=False)
    fake = FakeOpenSearch()
    model_id = ml_commons.register_model(Cluster(fake), package, "g1", chunk_size=1000)
    meta_call = next(c for c in fake.calls if c.path.endswith("/_register_meta"))
    expected_chunks = -(-package.size // 1000)
    assert meta_call.body["total_chunks"] == expected_chunks
    assert meta_call.body["model_content_hash_value"] == package.sha256
    assert meta_call.body["model_content_size_in_bytes"] == package.size
    assert meta_call.body["model_group_id"] == "g1"
    assert meta_call.body["model_config"]["embedding_dimension"] == 8
    chunk_calls = [c for c in fake.calls if "/upload_chunk/" in c.path]
    assert [c.path for c in chunk_calls] == [
        f"/_plugins/_ml/models/{model_id}/upload_chunk/{n}" for n in range(expected_chunks)]
    assert all(isinstance(c.body, bytes) and len(c.body) <= 1000 for c in chunk_calls)
    assert b"".join(c.body for c in chunk_calls) == package.zip_path.read_bytes()
    assert fake.models[model_id]["model_state"] == "REGISTERED"


def test_chunk_size_never_above_ml_commons_limit(tmp_path):
    package = ml_commons.ModelPackage.from_export_dir(make_export(tmp_path), validate=False)
    with pytest.raises(ValueError):
        ml_commons.register_model(Cluster(FakeOpenSearch()), package, "g", chunk_size=10_000_001)
    assert ml_commons.CHUNK_SIZE == 10_000_000


def test_ensure_model_is_idempotent_by_hash(tmp_path):
    package = ml_commons.ModelPackage.from_export_dir(make_export(tmp_path), validate=False)
    fake = FakeOpenSearch()
    cluster = Cluster(fake)
    first, fresh = ml_commons.ensure_model(cluster, package, sleep=no_sleep)
    assert fresh and fake.models[first]["model_state"] == "DEPLOYED"
    fake.calls.clear()
    second, fresh_again = ml_commons.ensure_model(cluster, package, sleep=no_sleep)
    assert (second, fresh_again) == (first, False)
    assert not any("_register" in c.path or "upload_chunk" in c.path for c in fake.calls)
    assert len(fake.models) == 1
    assert len(fake.model_groups) == 1


def test_registered_but_undeployed_model_is_deployed_not_reregistered(tmp_path):
    package = ml_commons.ModelPackage.from_export_dir(make_export(tmp_path), validate=False)
    fake = FakeOpenSearch()
    cluster = Cluster(fake)
    model_id = ml_commons.register_model(cluster, package, "g1")
    model_id2, fresh = ml_commons.ensure_model(cluster, package, sleep=no_sleep)
    assert model_id2 == model_id and not fresh
    assert sum("/_register_meta" in p for p in fake.paths()) == 1


def test_half_uploaded_model_is_replaced(tmp_path):
    package = ml_commons.ModelPackage.from_export_dir(make_export(tmp_path), validate=False)
    fake = FakeOpenSearch()
    fake.models["stale"] = {"model_content_hash_value": package.sha256, "model_state": "REGISTERING", "chunks": {}}
    model_id, fresh = ml_commons.ensure_model(Cluster(fake), package, sleep=no_sleep)
    assert fresh and model_id != "stale" and "stale" not in fake.models


def test_deploy_failure_carries_server_error(tmp_path):
    package = ml_commons.ModelPackage.from_export_dir(make_export(tmp_path), validate=False)
    fake = FakeOpenSearch(deploy_outcome="FAILED", deploy_error="ai.djl.engine.EngineException: no pytorch native")
    with pytest.raises(ModelDeploymentError) as info:
        ml_commons.ensure_model(Cluster(fake), package, sleep=no_sleep)
    assert "no pytorch native" in str(info.value) and "FAILED" in str(info.value)


def test_deploy_timeout(tmp_path):
    package = ml_commons.ModelPackage.from_export_dir(make_export(tmp_path), validate=False)
    fake = FakeOpenSearch(task_polls_before_done=10**6)
    cluster = Cluster(fake)
    model_id = ml_commons.register_model(cluster, package, "g")
    with pytest.raises(ModelDeploymentError, match="did not finish within 0 s"):
        ml_commons.deploy_model(cluster, model_id, timeout=0.0, sleep=no_sleep)


def test_local_upload_forbidden_hint(tmp_path):
    from legalsearch.plugin.testing import _error

    package = ml_commons.ModelPackage.from_export_dir(make_export(tmp_path), validate=False)
    reason = ("To upload custom model from local file, user needs to enable "
              "allow_registering_model_via_local_file settings.")
    fake = FakeOpenSearch(before=lambda c: _error(400, "illegal_argument_exception", reason)
                          if "upload_chunk" in c.path else None)
    with pytest.raises(ModelDeploymentError) as info:
        ml_commons.register_model(Cluster(fake), package, "g")
    assert "--configure-ml" in str(info.value) and "allow_registering_model_via_local_file" in str(info.value)


@pytest.mark.parametrize(
    "mutate, message",
    [
        (lambda reg: reg.update(model_content_hash_value="0" * 64), "does not match the SHA-256"),
        (lambda reg: reg.update(model_content_size_in_bytes=1), "not the size"),
        (lambda reg: reg["model_config"].pop("embedding_dimension"), "embedding_dimension"),
        (lambda reg: reg.pop("model_format"), "model_format"),
    ],
)
def test_package_rules(tmp_path, mutate, message):
    export = make_export(tmp_path)
    path = export / "ml-commons" / "register.json"
    register = json.loads(path.read_text())
    mutate(register)
    path.write_text(json.dumps(register))
    with pytest.raises(PackageError, match=message):
        ml_commons.ModelPackage.from_export_dir(export, validate=False)


@pytest.mark.parametrize("deployable", [False, True, {"variant": "int8"}, None])
def test_export_with_an_old_format_report_is_refused_with_what_to_do(tmp_path, deployable):
    """A report whose ``deployable`` is not int8/fp32 (older writers, hand-made files) names the file and says
    to re-export, instead of deploying a package nobody vouched for."""
    export = make_export(tmp_path)
    report = export / "export_report.json"
    report.write_text(json.dumps({"deployable": deployable}))
    with pytest.raises(PackageError, match="re-export the model") as caught:
        ml_commons.ModelPackage.from_export_dir(export, validate=False)
    assert str(report) in str(caught.value)


@pytest.mark.parametrize("deployable", ["int8", "fp32"])
def test_package_knows_the_variant_its_report_marks_deployable(tmp_path, deployable):
    package = ml_commons.ModelPackage.from_export_dir(make_export(tmp_path, deployable=deployable), validate=False)
    assert package.variant == deployable


def test_missing_package(tmp_path):
    with pytest.raises(PackageError, match="legalsearch export"):
        ml_commons.ModelPackage.from_export_dir(tmp_path)


def test_predict_reads_sentence_embedding(tmp_path):
    package = ml_commons.ModelPackage.from_export_dir(make_export(tmp_path), validate=False)
    fake = FakeOpenSearch()
    cluster = Cluster(fake)
    model_id, _ = ml_commons.ensure_model(cluster, package, sleep=no_sleep)
    vectors = ml_commons.predict(cluster, model_id, ["a", "b"])
    assert len(vectors) == 2 and len(vectors[0]) == 8
    assert fake.calls[-1].body == {"text_docs": ["a", "b"], "return_number": True,
                                   "target_response": ["sentence_embedding"]}


def test_exporter_validator_rejects_a_package_that_is_not_onnx(tmp_path):
    require("onnx", "onnx")  # legalsearch.exporter.package is always there; its validator reads the graph with onnx
    with pytest.raises(PackageError):
        ml_commons.ModelPackage.from_export_dir(make_export(tmp_path))

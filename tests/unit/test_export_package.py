"""The ML Commons package rules, one broken package per rule (built without torch by ``build_fake_export``)."""

from __future__ import annotations

import errno
import hashlib
import json
import zipfile

import pytest

from legalsearch.errors import PackageError
from legalsearch.exporter import package
from legalsearch.exporter.package import build_package, validate_package
from legalsearch.exporter.testing import build_fake_export


@pytest.fixture()
def export_dir(tmp_path):
    return build_fake_export(tmp_path / "export", texts=["the licensee shall indemnify the licensor"], dim=8)


def _members(zip_path):
    with zipfile.ZipFile(zip_path) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def _rewrite(export_dir, members=None, register=None, fix_hash=True):
    """Rewrite the zip with ``members`` and/or the register body; recompute size and hash unless told not to."""
    ml = export_dir / "ml-commons"
    zip_path, register_path = ml / "model.zip", ml / "register.json"
    if members is not None:
        with zipfile.ZipFile(zip_path, "w") as archive:
            for name, data in members.items():
                archive.writestr(name, data)
    body = register if register is not None else json.loads(register_path.read_text())
    if fix_hash:
        data = zip_path.read_bytes()
        body["model_content_size_in_bytes"] = len(data)
        body["model_content_hash_value"] = hashlib.sha256(data).hexdigest()
    register_path.write_text(json.dumps(body))


def _graph_bytes(export_dir, mutate):
    import onnx

    model = onnx.load(str(export_dir / "int8/model.onnx"))
    mutate(model)
    return model.SerializeToString()


def test_valid_package_passes_and_reports_what_deploy_needs(export_dir):
    info = validate_package(export_dir / "ml-commons/model.zip")
    assert info.onnx_name == "model.onnx" and info.ir_version <= 9 and info.opset <= 19
    assert info.inputs == ("input_ids", "attention_mask", "token_type_ids")
    assert info.embedding_dimension == 8
    assert info.sha256 == hashlib.sha256((export_dir / "ml-commons/model.zip").read_bytes()).hexdigest()
    body = info.register
    assert body["function_name"] == "TEXT_EMBEDDING" and body["model_format"] == "ONNX"
    config = body["model_config"]
    assert config["framework_type"] == "sentence_transformers" and config["pooling_mode"] == "mean"
    assert config["normalize_result"] is True and json.loads(config["all_config"])["model_type"] == "bert"
    # an export directory and its ml-commons/ folder are accepted too (deploy passes either)
    assert validate_package(export_dir).sha256 == validate_package(export_dir / "ml-commons").sha256 == info.sha256


def _no_truncation(m):
    tok = json.loads(m["tokenizer.json"])
    tok["truncation"] = None
    m["tokenizer.json"] = json.dumps(tok).encode()


def _long_truncation(m):
    tok = json.loads(m["tokenizer.json"])
    tok["truncation"]["max_length"] = 1024
    m["tokenizer.json"] = json.dumps(tok).encode()


def _drop_first_input(model):
    model.graph.input.remove(model.graph.input[2])


def _external_data(model):
    import onnx

    init = model.graph.initializer[0]
    init.data_location = onnx.TensorProto.EXTERNAL
    entry = init.external_data.add()
    entry.key, entry.value = "location", "weights.bin"


def _ir10(model):
    model.ir_version = 10


def _opset20(model):
    model.opset_import[0].version = 20


def _rank2_output(model):
    del model.graph.output[0].type.tensor_type.shape.dim[2]


def _custom_op(model):
    model.graph.node[0].domain = "com.example"


def _unverified_contrib_op(model):
    model.graph.node[0].domain = "com.microsoft"
    model.graph.node[0].op_type = "FusedMatMul"  # exists in onnxruntime, but not on the list verified on 1.16.3


def _float_input(model):
    model.graph.input[0].type.tensor_type.elem_type = 1  # FLOAT


ZIP_CASES = [
    ("two graphs", lambda m, d: m.update({"other.onnx": m["model.onnx"]}), "exactly one .onnx"),
    ("graph in a folder", lambda m, d: m.update({"sub/model.onnx": m.pop("model.onnx")}), "exactly one .onnx"),
    ("no tokenizer", lambda m, d: m.pop("tokenizer.json"), "no tokenizer.json"),
    ("external data file", lambda m, d: m.update({"model.onnx_data": b"\0" * 8}), "unexpected files"),
    ("no truncation", lambda m, d: _no_truncation(m), "no truncation"),
    ("truncation over 512", lambda m, d: _long_truncation(m), "at most 512"),
    ("not a graph", lambda m, d: m.update({"model.onnx": b"not protobuf"}), "does not parse"),
    ("IR 10", lambda m, d: m.update({"model.onnx": _graph_bytes(d, _ir10)}), "IR version 10"),
    ("opset 20", lambda m, d: m.update({"model.onnx": _graph_bytes(d, _opset20)}), "opset 20"),
    ("bert without token_type_ids", lambda m, d: m.update({"model.onnx": _graph_bytes(d, _drop_first_input)}),
     "ML Commons feeds"),
    ("float input", lambda m, d: m.update({"model.onnx": _graph_bytes(d, _float_input)}), "must be int64"),
    ("pooled output", lambda m, d: m.update({"model.onnx": _graph_bytes(d, _rank2_output)}), "rank 2"),
    ("custom operator", lambda m, d: m.update({"model.onnx": _graph_bytes(d, _custom_op)}), "non-standard"),
    ("unverified contrib operator", lambda m, d: m.update({"model.onnx": _graph_bytes(d, _unverified_contrib_op)}),
     r"com\.microsoft\.FusedMatMul"),
    ("external initializer", lambda m, d: m.update({"model.onnx": _graph_bytes(d, _external_data)}),
     "external data"),
]


@pytest.mark.parametrize("case, mutate, message", ZIP_CASES, ids=[c[0] for c in ZIP_CASES])
def test_zip_rules(export_dir, case, mutate, message):
    members = _members(export_dir / "ml-commons/model.zip")
    mutate(members, export_dir)
    _rewrite(export_dir, members=members)
    with pytest.raises(PackageError, match=message):
        validate_package(export_dir / "ml-commons/model.zip")


def test_verified_contrib_operators_pass(export_dir):
    """The fused graph's com.microsoft operators (checked on ML Commons' onnxruntime 1.16.3) are allowed."""
    from legalsearch.exporter.fuse import CONTRIB_OPS

    def fused(model):
        for node, op in zip(model.graph.node, sorted(CONTRIB_OPS)):
            node.domain, node.op_type = "com.microsoft", op
        model.opset_import.add(domain="com.microsoft", version=1)

    members = _members(export_dir / "ml-commons/model.zip")
    members["model.onnx"] = _graph_bytes(export_dir, fused)
    _rewrite(export_dir, members=members)
    assert validate_package(export_dir / "ml-commons/model.zip").onnx_name == "model.onnx"


def _set(path, value):
    def mutate(body):
        holder = body
        for key in path[:-1]:
            holder = holder[key]
        if value is KeyError:
            del holder[path[-1]]
        else:
            holder[path[-1]] = value
    return mutate


REGISTER_CASES = [
    ("no name", _set(["name"], KeyError), "missing fields"),
    ("no description", _set(["description"], KeyError), "missing fields"),
    ("function name", _set(["function_name"], "SPARSE_ENCODING"), "TEXT_EMBEDDING"),
    ("format", _set(["model_format"], "TORCH_SCRIPT"), "'ONNX'"),
    ("framework", _set(["model_config", "framework_type"], "huggingface_transformers"), "sentence_transformers"),
    ("pooling", _set(["model_config", "pooling_mode"], "lasttoken"), "pooling_mode"),
    ("normalize flag", _set(["model_config", "normalize_result"], "yes"), "normalize_result"),
    ("no all_config", _set(["model_config", "all_config"], KeyError), "all_config"),
    ("all_config object", _set(["model_config", "all_config"], {"model_type": "bert"}), "JSON object encoded"),
    ("dimension", _set(["model_config", "embedding_dimension"], 16), "graph outputs 8"),
]


@pytest.mark.parametrize("case, mutate, message", REGISTER_CASES, ids=[c[0] for c in REGISTER_CASES])
def test_register_rules(export_dir, case, mutate, message):
    body = json.loads((export_dir / "ml-commons/register.json").read_text())
    mutate(body)
    _rewrite(export_dir, register=body)
    with pytest.raises(PackageError, match=message):
        validate_package(export_dir / "ml-commons/model.zip")


def test_hash_and_size_must_match_the_zip(export_dir):
    register_path = export_dir / "ml-commons/register.json"
    body = json.loads(register_path.read_text())
    register_path.write_text(json.dumps(body | {"model_content_hash_value": "0" * 64}))
    with pytest.raises(PackageError, match="SHA-256"):
        validate_package(export_dir)
    register_path.write_text(json.dumps(body | {"model_content_size_in_bytes": 1}))
    with pytest.raises(PackageError, match="model_content_size_in_bytes"):
        validate_package(export_dir)


def test_missing_files_are_package_errors(tmp_path):
    with pytest.raises(PackageError, match="not found"):
        validate_package(tmp_path / "nothing.zip")
    (tmp_path / "model.zip").write_bytes(b"not a zip")
    with pytest.raises(PackageError, match="register JSON not found"):
        validate_package(tmp_path / "model.zip")


def test_build_package_cleans_up_on_a_full_disk(export_dir, tmp_path, monkeypatch):
    def no_space(*_args, **_kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(package, "_write_zip", no_space)
    out = tmp_path / "pkg"
    with pytest.raises(OSError):
        build_package(export_dir / "int8", out, "test")
    assert list(out.iterdir()) == []

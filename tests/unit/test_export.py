"""``legalsearch export`` on a tiny BERT: ONNX parity with PyTorch, the quality gate, bad inputs, atomic output."""

from __future__ import annotations

import errno
import json
import shutil
import zipfile

import numpy as np
import pytest
from click.testing import CliRunner

from _support import corrupt_int8

from legalsearch.errors import ExportError, ModelError, QualityGateError
from legalsearch.exporter import pipeline, quantize
from legalsearch.exporter.cli import export as export_cmd
from legalsearch.exporter.package import validate_package
from legalsearch.exporter.pipeline import export_model
from legalsearch.exporter.report import ExportReport
from legalsearch.hashing import file_sha256

TEXTS = [
    "The Licensee shall indemnify and hold harmless the Licensor against all claims.",
    "This Agreement shall be governed by the laws of the State of New York.",
    "Either party may terminate this agreement upon thirty days written notice.",
    "confidential information",
]


@pytest.fixture(scope="module")
def exported(tiny_model_dir, tmp_path_factory):
    out = tmp_path_factory.mktemp("export") / "out"
    result = export_model(tiny_model_dir, out)
    return result


def _op_types(graph_path):
    import onnx

    return {node.op_type for node in onnx.load(str(graph_path)).graph.node}


def _leftovers(parent):
    return [p.name for p in parent.iterdir() if p.name.startswith(".")]


def test_export_writes_the_contract_layout(exported):
    out = exported.out_dir
    for rel in ("fp32/model.onnx", "fp32/tokenizer.json", "int8/model.onnx", "int8/tokenizer.json",
                "ml-commons/model.zip", "ml-commons/register.json", "export_report.json"):
        assert (out / rel).is_file(), rel
    report = json.loads((out / "export_report.json").read_text())
    assert report["deployable"] == "int8" == exported.deployable
    assert report["gate"]["passed"] is True
    # what readers get from the file is what the exporter returned, figures included
    assert ExportReport.from_export_dir(out) == exported.report and exported.report.to_dict() == report
    assert exported.report.int8_scheme == report["quantization"]["chosen"]
    assert exported.report.query_cosine == report["gate"]["cosine"]["int8_vs_pytorch"]["queries"]["mean"] >= 0.99
    assert report["quantization"]["chosen"] == report["quantization"]["trials"][0]["scheme"]
    for graph in report["graphs"].values():
        # com.microsoft: the fused attention / skip-LayerNorm / bias-GELU (legalsearch.exporter.fuse)
        assert graph["ir_version"] <= 9 and graph["opset"] <= 19 and graph["custom_domains"] == ["com.microsoft"]
        assert graph["inputs"] == ["input_ids", "attention_mask", "token_type_ids"]
        assert graph["outputs"] == ["token_embeddings"]
    assert {"onnxruntime", "torch", "onnx"} <= set(report["versions"])
    assert report["fusion"]["applied"] is True and report["fusion"]["operators"]["Attention"] == 2  # both layers
    assert _op_types(out / "fp32/model.onnx") >= {"Attention", "SkipLayerNormalization", "BiasGelu"}
    assert "QAttention" in _op_types(out / "int8/model.onnx") and "Softmax" not in _op_types(out / "int8/model.onnx")
    assert _leftovers(out.parent) == []
    # the package holds the deployable (int8) graph
    with zipfile.ZipFile(out / "ml-commons/model.zip") as archive:
        assert sorted(archive.namelist()) == ["model.onnx", "tokenizer.json"]
        assert archive.read("model.onnx") == (out / "int8/model.onnx").read_bytes()
    info = validate_package(out)
    assert info.sha256 == file_sha256(out / "ml-commons/model.zip")


def test_fp32_graph_matches_pytorch(exported, tiny_model_dir):
    import onnxruntime as ort
    import torch
    from sentence_transformers import SentenceTransformer

    from legalsearch.exporter.encoder import OnnxEncoder

    st = SentenceTransformer(str(tiny_model_dir), device="cpu")
    features = st.tokenizer(TEXTS, padding=True, truncation=True, return_tensors="pt")
    with torch.no_grad():
        expected = st[0].auto_model(**features).last_hidden_state.numpy()
    session = ort.InferenceSession(str(exported.out_dir / "fp32/model.onnx"), providers=["CPUExecutionProvider"])
    got = session.run(None, {k: v.numpy() for k, v in features.items()})[0]
    assert got.shape == expected.shape  # [batch, seq, hidden]: ML Commons pools output 0
    np.testing.assert_allclose(got, expected, atol=1e-4)

    reference = st.encode(TEXTS, normalize_embeddings=True)
    for variant, tolerance in (("fp32", 1e-5), ("int8", 0.01)):
        vectors = OnnxEncoder(exported.out_dir / variant).encode_documents(TEXTS, batch_size=3)
        cosine = (vectors * reference).sum(axis=1)
        assert cosine.min() > 1 - tolerance, (variant, cosine)


def test_gate_trips_on_a_broken_int8_graph(tiny_model_dir, tmp_path, monkeypatch):
    monkeypatch.setattr(quantize, "quantize_int8", corrupt_int8(quantize.quantize_int8))
    out = tmp_path / "out"
    out.mkdir()
    (out / "stale.txt").write_text("previous export")
    with pytest.raises(QualityGateError, match="fp32 is marked deployable"):
        export_model(tiny_model_dir, out, overwrite=True)
    report = json.loads((out / "export_report.json").read_text())
    assert report["deployable"] == "fp32" and report["gate"]["passed"] is False
    assert any("mean cosine" in reason for reason in report["gate"]["reasons"])
    assert not (out / "stale.txt").exists()  # replaced as a whole
    with zipfile.ZipFile(out / "ml-commons/model.zip") as archive:
        assert archive.read("model.onnx") == (out / "fp32/model.onnx").read_bytes()
    assert "fp32" in json.loads((out / "ml-commons/register.json").read_text())["description"]

    # the CLI with --allow-degraded exits 0 and still packages fp32
    degraded = CliRunner().invoke(export_cmd, [str(tiny_model_dir), "--out", str(tmp_path / "cli"),
                                               "--allow-degraded"])
    assert degraded.exit_code == 0, degraded.output
    assert "FAILED (--allow-degraded)" in degraded.output and "Deployable: fp32" in degraded.output
    assert json.loads((tmp_path / "cli/export_report.json").read_text())["deployable"] == "fp32"


def test_a_scheme_that_fails_the_gate_hands_over_to_the_next(tiny_model_dir, tmp_path, monkeypatch):
    """The search ships the fastest scheme that passes the gate; the gate's verdicts are in the report."""
    from legalsearch.exporter import gate as gate_module

    real_run_gate = gate_module.run_gate
    judged = []

    def gate_rejecting_the_fastest(reference, fp32_encoder, int8_encoder, *args, **kwargs):
        result = real_run_gate(reference, fp32_encoder, int8_encoder, *args, **kwargs)
        judged.append(int8_encoder)
        if len(judged) == 1:  # the first (most quantized) scheme: pretend it lost too much NDCG@10
            result.passed, result.reasons = False, ["int8 loses 0.0200 ndcg@10 on dev (allowed 0.01)"]
        return result

    monkeypatch.setattr(gate_module, "run_gate", gate_rejecting_the_fastest)
    result = export_model(tiny_model_dir, tmp_path / "out")
    report = json.loads((tmp_path / "out/export_report.json").read_text())
    trials = report["quantization"]["trials"]
    assert [t["accepted"] for t in trials] == [False, True]
    assert [t["gate"]["passed"] for t in trials] == [False, True]
    assert "loses 0.0200" in trials[0]["gate"]["reasons"][0]
    assert report["quantization"]["chosen"] == trials[1]["scheme"] == quantize.SCHEMES[1].name
    assert result.deployable == "int8" and report["gate"]["passed"] is True
    assert len(judged) == 2  # the chosen scheme's verdict is reused, not recomputed


def test_cli_exits_1_when_the_gate_fails(tmp_path, monkeypatch):
    def gate_fails(*_args, **_kwargs):
        raise QualityGateError("int8 mean cosine to PyTorch on documents is 0.9500 < 0.99")

    monkeypatch.setattr(pipeline, "export_model", gate_fails)
    model = tmp_path / "model"
    model.mkdir()
    result = CliRunner().invoke(export_cmd, [str(model), "--out", str(tmp_path / "out")])
    assert result.exit_code == 1
    assert "quality gate failed: int8 mean cosine" in result.output


def _copy_model(src, dst):
    shutil.copytree(src, dst)
    return dst


@pytest.mark.parametrize("breakage, message", [
    ("no_modules", "not a sentence-transformers model directory"),
    ("no_tokenizer", "missing tokenizer"),
    ("architecture", "unsupported architecture"),
    ("dense_module", "unsupported module stack"),
    ("pooling", "cannot be reproduced by ML Commons"),
])
def test_bad_model_directories_fail_cleanly(tiny_model_dir, tmp_path, breakage, message):
    model = _copy_model(tiny_model_dir, tmp_path / "model")
    if breakage == "no_modules":
        (model / "modules.json").unlink()
    elif breakage == "no_tokenizer":
        for name in ("tokenizer.json", "vocab.txt"):
            (model / name).unlink(missing_ok=True)
    elif breakage == "architecture":
        config = json.loads((model / "config.json").read_text())
        (model / "config.json").write_text(json.dumps(config | {"model_type": "gpt2"}))
    elif breakage == "dense_module":
        modules = json.loads((model / "modules.json").read_text())
        modules.append({"idx": 3, "name": "3", "path": "3_Dense", "type": "sentence_transformers.models.Dense"})
        (model / "modules.json").write_text(json.dumps(modules))
    elif breakage == "pooling":
        (model / "1_Pooling/config.json").write_text(json.dumps({"embedding_dimension": 32, "pooling_mode": "lasttoken"}))
    out_parent = tmp_path / "exports"
    out_parent.mkdir()
    with pytest.raises(ModelError, match=message):
        export_model(model, out_parent / "out")
    assert list(out_parent.iterdir()) == []

    result = CliRunner().invoke(export_cmd, [str(model), "--out", str(out_parent / "out")])
    assert result.exit_code == 1 and message in result.output


def test_full_disk_leaves_nothing_behind(tiny_model_dir, tmp_path, monkeypatch):
    from legalsearch.exporter import export

    def no_space(*_args, **_kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    # the first file the export writes (the package's zip write fails the same way: see test_export_package)
    monkeypatch.setattr(export, "write_tokenizer", no_space)
    out_parent = tmp_path / "exports"
    out_parent.mkdir()
    with pytest.raises(ExportError, match="no space left on device"):
        export_model(tiny_model_dir, out_parent / "out")
    assert list(out_parent.iterdir()) == []


def test_existing_output_is_refused(tiny_model_dir, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "keep.txt").write_text("x")
    with pytest.raises(ExportError, match="--overwrite"):
        export_model(tiny_model_dir, out)
    assert (out / "keep.txt").read_text() == "x"


@pytest.mark.parametrize("args, fragment", [
    (["--min-cosine", "1.5"], "--min-cosine"),
    (["--max-ndcg-loss", "-0.1"], "--max-ndcg-loss"),
    (["--max-length", "4096"], "--max-length"),
])
def test_cli_rejects_bad_option_values(tiny_model_dir, tmp_path, args, fragment):
    result = CliRunner().invoke(export_cmd, [str(tiny_model_dir), "--out", str(tmp_path / "o"), *args])
    assert result.exit_code == 2 and fragment in result.output
    assert not (tmp_path / "o").exists()


def test_cli_is_reachable_from_the_main_group():
    from legalsearch.cli import cli

    result = CliRunner().invoke(cli, ["export", "--help"])
    assert result.exit_code == 0
    for option in ("--out", "--dataset", "--split", "--max-ndcg-loss", "--min-cosine", "--allow-degraded",
                   "--max-length", "--no-ndcg"):
        assert option in result.output


def test_partials_of_dead_exports_are_removed(tmp_path):
    out = tmp_path / "out"
    dead = tmp_path / ".out.partial-999999999-abcd1234"  # no such pid
    alive = tmp_path / f".out.partial-{__import__('os').getpid()}-abcd1234"
    for d in (dead, alive):
        d.mkdir()
    pipeline._remove_stale_partials(out)
    assert not dead.exists() and alive.exists()


def test_cli_scheme_names_match_the_quantizer():
    from legalsearch.exporter.cli import SCHEME_NAMES
    from legalsearch.exporter.quantize import SCHEMES

    assert SCHEME_NAMES == tuple(s.name for s in SCHEMES)


def test_forced_int8_scheme_is_used_without_search(exported, tiny_model_dir, tmp_path):
    result = export_model(tiny_model_dir, tmp_path / "out", int8_scheme="dynamic-matmul-perchannel-keep-ffn-out")
    trials = result.report.quantization["trials"]
    assert [t["scheme"] for t in trials] == ["dynamic-matmul-perchannel-keep-ffn-out"]
    with pytest.raises(ExportError, match="unknown int8 scheme"):
        export_model(tiny_model_dir, tmp_path / "other", int8_scheme="int4")


def test_export_reads_as_many_tokens_as_the_pytorch_model(exported, tiny_model_dir):
    """sentence-transformers 6 keeps max_seq_length in tokenizer_config.json; the export must match it."""
    from sentence_transformers import SentenceTransformer

    from legalsearch.exporter.encoder import OnnxEncoder
    from legalsearch.exporter.spec import inspect_model

    native = SentenceTransformer(str(tiny_model_dir), device="cpu").max_seq_length
    assert inspect_model(tiny_model_dir).max_seq_length == native
    assert exported.report.max_seq_length == native
    tokenizer = json.loads((exported.out_dir / "int8/tokenizer.json").read_text())
    assert tokenizer["truncation"]["max_length"] == native
    assert OnnxEncoder(exported.out_dir / "int8").max_seq_length == native



@pytest.fixture(scope="module")
def unfused(tiny_model_dir, tmp_path_factory):
    return export_model(tiny_model_dir, tmp_path_factory.mktemp("unfused") / "out", fuse=False)


def test_unfused_export_keeps_standard_operators_and_the_same_embeddings(exported, unfused):
    from legalsearch.exporter.encoder import OnnxEncoder

    assert unfused.report.fusion["applied"] is False
    assert all(graph["custom_domains"] == [] for graph in unfused.report.graphs.values())
    validate_package(unfused.out_dir)
    for variant, tolerance in (("fp32", 1e-6), ("int8", 0.01)):
        fused = OnnxEncoder(exported.out_dir / variant).encode_documents(TEXTS, batch_size=3)
        plain = OnnxEncoder(unfused.out_dir / variant).encode_documents(TEXTS, batch_size=3)
        assert (fused * plain).sum(axis=1).min() > 1 - tolerance, variant


def test_fused_graph_runs_batch_one_as_ml_commons_feeds_it(exported):
    """ML Commons feeds one text at a time with an all-ones mask; the fused attention reads the mask as lengths."""
    import onnxruntime as ort

    sessions = {v: ort.InferenceSession(str(exported.out_dir / v / "model.onnx"), providers=["CPUExecutionProvider"])
                for v in ("fp32", "int8")}
    ids = np.array([[2, 10, 11, 12, 3]], dtype=np.int64)
    feeds = {"input_ids": ids, "attention_mask": np.ones_like(ids), "token_type_ids": np.zeros_like(ids)}
    outputs = {v: s.run(None, feeds)[0] for v, s in sessions.items()}
    assert outputs["fp32"].shape == outputs["int8"].shape == (1, 5, 32)
    fp32, int8 = outputs["fp32"].mean(axis=1)[0], outputs["int8"].mean(axis=1)[0]
    assert float(fp32 @ int8 / np.linalg.norm(fp32) / np.linalg.norm(int8)) > 0.99


def test_fusion_is_kept_only_when_the_fused_graph_is_equal(exported, unfused, monkeypatch, tmp_path):
    import onnx

    from legalsearch.exporter import fuse
    from legalsearch.exporter.export import check_graph
    from legalsearch.exporter.spec import ModelSpec

    spec = ModelSpec.load(unfused.out_dir / "fp32")
    graph = tmp_path / "model.onnx"
    shutil.copyfile(unfused.out_dir / "fp32/model.onnx", graph)
    before = graph.read_bytes()
    monkeypatch.setattr(fuse, "FUSION_ATOL", -1.0)  # any difference is too much
    fusion = fuse.fuse_graph(graph, spec)
    assert fusion.applied is False and "differ" in fusion.reason
    assert graph.read_bytes() == before and check_graph(graph)["custom_domains"] == []

    monkeypatch.undo()
    fusion = fuse.fuse_graph(graph, spec)
    assert fusion.applied is True and fusion.max_abs_diff <= fuse.FUSION_ATOL
    assert {"com.microsoft"} == {o.domain for o in onnx.load(str(graph)).opset_import} - {""}
    assert fuse.fuse_graph(graph, spec).max_abs_diff == 0.0  # fusing a fused graph changes nothing


def test_int8_vector_of_a_text_does_not_depend_on_its_batch(exported):
    """DynamicQuantizeLinear scales a whole batch tensor at once: int8 runs one text at a time (as ML Commons
    does), so a passage gets one vector offline, at client-side ingest and in the cluster; fp32 keeps batching."""
    import numpy as np

    from legalsearch.exporter.encoder import OnnxEncoder, dynamically_quantized

    int8, fp32 = exported.out_dir / "int8", exported.out_dir / "fp32"
    assert "DynamicQuantizeLinear" in _op_types(int8 / "model.onnx")
    assert dynamically_quantized(int8 / "model.onnx") and not dynamically_quantized(fp32 / "model.onnx")
    encoder = OnnxEncoder(int8, threads=1)
    assert encoder.per_text and not OnnxEncoder(fp32, threads=1).per_text
    alone = np.vstack([encoder.encode_documents([text]) for text in TEXTS])
    for batch in (TEXTS, TEXTS[::-1] + ["a much longer text " * 20]):
        vectors = encoder.encode_documents(batch, batch_size=32)[:len(TEXTS)]
        np.testing.assert_array_equal(vectors if batch is TEXTS else vectors[::-1], alone)
    assert encoder.fingerprint.endswith(":per-text")  # embeddings cached from batched int8 runs are not reused

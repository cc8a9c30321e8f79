"""The onnxruntime-only encoder: the Encoder protocol, pooling, length batching, prompts, and no torch import."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import numpy as np
import pytest

from legalsearch.encoders import Encoder
from legalsearch.errors import ModelError
from legalsearch.exporter.encoder import OnnxEncoder, pool
from legalsearch.exporter.gate import run_gate
from legalsearch.exporter.testing import build_fake_export

TEXTS = [
    "the licensee shall indemnify the licensor",
    "governing law",
    "either party may terminate this agreement upon written notice to the other party",
    "notice",
]


@pytest.fixture()
def export_dir(tmp_path):
    return build_fake_export(tmp_path / "export", texts=TEXTS, dim=8)


def test_encoder_implements_the_protocol(export_dir):
    encoder = OnnxEncoder(export_dir / "int8", threads=1)
    assert isinstance(encoder, Encoder)
    assert encoder.dimension == 8 and encoder.max_seq_length == 128
    assert encoder.tokenizer_path.name == "tokenizer.json" and encoder.tokenizer_path.is_file()
    for vectors in (encoder.encode_queries(TEXTS), encoder.encode_documents(TEXTS, batch_size=2)):
        assert vectors.dtype == np.float32 and vectors.shape == (4, 8)
        np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert encoder.encode_documents([]).shape == (0, 8)


def test_length_sorted_batches_keep_input_order(export_dir):
    encoder = OnnxEncoder(export_dir / "fp32", threads=1)
    batched = encoder.encode_documents(TEXTS, batch_size=3)
    one_by_one = np.vstack([encoder.encode_documents([t]) for t in TEXTS])
    np.testing.assert_allclose(batched, one_by_one, atol=1e-5)


def test_query_prompt_is_prepended(export_dir):
    spec_path = export_dir / "fp32" / "legalsearch_encoder.json"
    spec = json.loads(spec_path.read_text())
    spec["prompts"] = {"query": "notice ", "document": ""}
    spec_path.write_text(json.dumps(spec))
    encoder = OnnxEncoder(export_dir / "fp32", threads=1)
    np.testing.assert_allclose(encoder.encode_queries(["governing law"]),
                               encoder.encode_documents(["notice governing law"]), atol=1e-6)


@pytest.mark.parametrize("mode", ["mean", "cls", "max", "mean_sqrt_len_tokens"])
def test_pooling_matches_sentence_transformers_rules(mode):
    rng = np.random.default_rng(0)
    hidden = rng.standard_normal((2, 5, 3)).astype(np.float32)
    mask = np.array([[1, 1, 1, 0, 0], [1, 1, 1, 1, 1]])
    got = pool(hidden, mask, mode)
    expected = []
    for row, m in zip(hidden, mask):
        tokens = row[m.astype(bool)]
        expected.append({"mean": tokens.mean(0), "cls": row[0], "max": tokens.max(0),
                         "mean_sqrt_len_tokens": tokens.sum(0) / np.sqrt(len(tokens))}[mode])
    np.testing.assert_allclose(got, np.array(expected), atol=1e-6)


def test_missing_files_are_model_errors(tmp_path, export_dir):
    with pytest.raises(ModelError, match="no model.onnx"):
        OnnxEncoder(tmp_path)
    (export_dir / "int8" / "legalsearch_encoder.json").unlink()
    with pytest.raises(ModelError, match="legalsearch export"):
        OnnxEncoder(export_dir / "int8")


def test_encoding_never_imports_torch(export_dir):
    code = textwrap.dedent(f"""
        import sys
        from legalsearch.exporter import load_encoder
        encoder = load_encoder({str(export_dir)!r})
        encoder.encode_queries(["indemnify"])
        encoder.encode_documents(["the licensee shall indemnify"])
        from legalsearch.exporter.package import validate_package
        validate_package({str(export_dir)!r})
        heavy = sorted(m for m in ("torch", "transformers", "sentence_transformers") if m in sys.modules)
        print(type(encoder).__name__, heavy)
    """)
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "OnnxEncoder []"


class _Fixed:
    """An encoder stub returning fixed vectors (for the gate's arithmetic)."""

    def __init__(self, queries, documents, name="stub"):
        self.q, self.d, self.name = queries, documents, name

    def encode_queries(self, texts, batch_size=32, show_progress=False):
        return self.q

    def encode_documents(self, texts, batch_size=32, show_progress=False):
        return self.d


def _unit(x):
    return x / np.linalg.norm(x, axis=1, keepdims=True)


def test_gate_checks_cosine_and_ndcg_loss():
    rng = np.random.default_rng(0)
    q, d = _unit(rng.standard_normal((4, 8))), _unit(rng.standard_normal((6, 8)))
    noisy = (_unit(q + 0.3 * rng.standard_normal(q.shape)), d)
    scores = {"fp32": 0.50, "int8": 0.47}

    def evaluate(encoder, dataset, split, metrics):
        return {metrics[0]: scores[encoder.name]}

    fp32, good_int8 = _Fixed(q, d, "fp32"), _Fixed(q, d, "int8")
    result = run_gate((q, d), fp32, good_int8, ["q"] * 4, ["d"] * 6, dataset=object(), evaluate=evaluate)
    assert not result.passed and result.ndcg["loss"] == pytest.approx(0.03)
    assert result.reasons == ["int8 loses 0.0300 ndcg@10 on dev (allowed 0.02)"]

    loose = run_gate((q, d), fp32, good_int8, ["q"] * 4, ["d"] * 6, dataset=object(), evaluate=evaluate,
                     max_ndcg_loss=0.05)
    assert loose.passed

    bad = run_gate((q, d), fp32, _Fixed(*noisy, "int8"), ["q"] * 4, ["d"] * 6)
    assert not bad.passed and "on queries" in bad.reasons[0] and bad.ndcg is None
    assert bad.cosine["int8_vs_pytorch"]["documents"]["mean"] == pytest.approx(1.0)


def test_gate_refuses_an_fp32_graph_that_does_not_match_pytorch():
    from legalsearch.errors import ExportError

    rng = np.random.default_rng(1)
    q, d = _unit(rng.standard_normal((3, 8))), _unit(rng.standard_normal((3, 8)))
    wrong = _Fixed(_unit(rng.standard_normal((3, 8))), d)
    with pytest.raises(ExportError, match="export bug"):
        run_gate((q, d), wrong, wrong, ["q"] * 3, ["d"] * 3)


@pytest.mark.parametrize("variant", ["fp32", "int8"])
def test_length_sorted_padded_batches_keep_each_vector_within_cosine_0_9999(export_dir, variant):
    """What client-side ingest relies on: a passage's vector does not depend on its batch mates or their padding.
    fp32 batches by length; the dynamically quantized int8 graph runs one text at a time (batched, its activation
    scale would span the batch: MiniLM int8 on ACORD passages, cosine 0.986 in batches of 8), so both agree."""
    encoder = OnnxEncoder(export_dir / variant, threads=1)
    texts = TEXTS * 3 + [" ".join(TEXTS)]
    batched = encoder.encode_documents(texts, batch_size=32)
    alone = np.vstack([encoder.encode_documents([t]) for t in texts])
    assert (batched * alone).sum(axis=1).min() >= 0.9999


def test_fastest_device_is_cuda_only_when_onnxruntime_sees_a_gpu(monkeypatch):
    import onnxruntime as ort

    from legalsearch.exporter.encoder import onnx_providers

    monkeypatch.setattr(ort, "get_available_providers", lambda: ["CPUExecutionProvider"])
    assert onnx_providers() == onnx_providers("auto") == onnx_providers("cpu") == ["CPUExecutionProvider"]
    with pytest.raises(ModelError, match="onnxruntime sees no GPU"):
        onnx_providers("cuda")
    monkeypatch.setattr(ort, "get_available_providers", lambda: ["CUDAExecutionProvider", "CPUExecutionProvider"])
    assert onnx_providers() == ["CUDAExecutionProvider", "CPUExecutionProvider"]
    assert onnx_providers("cpu") == ["CPUExecutionProvider"]
    with pytest.raises(ModelError, match="unknown device 'tpu'"):
        onnx_providers("tpu")

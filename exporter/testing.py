"""A valid export directory made in milliseconds, without torch: for tests of ``deploy`` and the encoder plumbing.

:func:`build_fake_export` writes the same layout as ``legalsearch export`` — ``fp32/``, ``int8/``,
``ml-commons/model.zip`` + ``register.json`` and ``export_report.json`` — around a hand-built ONNX graph (token
embedding lookup, masked) and a word-level ``tokenizer.json``. The package passes
:func:`legalsearch.exporter.package.validate_package` and :class:`~legalsearch.exporter.encoder.OnnxEncoder`
loads both variants, so tests exercise the real rules instead of a stub.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from legalsearch.exporter.gate import GateResult
from legalsearch.exporter.package import build_package
from legalsearch.exporter.report import ExportReport
from legalsearch.exporter.spec import ModelSpec

_SPECIAL = ["[PAD]", "[UNK]", "[CLS]", "[SEP]"]


def _tokenizer(words: list[str], max_length: int):
    from tokenizers import Tokenizer, models, normalizers, pre_tokenizers, processors

    vocab = {token: i for i, token in enumerate(_SPECIAL + sorted(set(words) - set(_SPECIAL)))}
    tokenizer = Tokenizer(models.WordLevel(vocab, unk_token="[UNK]"))
    tokenizer.normalizer = normalizers.Lowercase()
    tokenizer.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    tokenizer.post_processor = processors.TemplateProcessing(
        single="[CLS] $A [SEP]", pair="[CLS] $A [SEP] $B:1 [SEP]:1",
        special_tokens=[("[CLS]", vocab["[CLS]"]), ("[SEP]", vocab["[SEP]"])],
    )
    tokenizer.enable_truncation(max_length=max_length)
    tokenizer.enable_padding(pad_id=0, pad_token="[PAD]")
    return tokenizer, len(vocab)


def _graph(vocab_size: int, dim: int, seed: int):
    import numpy as np
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    rng = np.random.default_rng(seed)
    table = numpy_helper.from_array(rng.standard_normal((vocab_size, dim)).astype(np.float32), "word_embeddings")
    types = numpy_helper.from_array(rng.standard_normal((2, dim)).astype(np.float32) * 0.1, "type_embeddings")
    axes = numpy_helper.from_array(np.array([2], dtype=np.int64), "axis2")
    nodes = [
        helper.make_node("Gather", ["word_embeddings", "input_ids"], ["words"]),
        helper.make_node("Gather", ["type_embeddings", "token_type_ids"], ["types"]),
        helper.make_node("Add", ["words", "types"], ["summed"]),
        helper.make_node("Cast", ["attention_mask"], ["mask_f"], to=TensorProto.FLOAT),
        helper.make_node("Unsqueeze", ["mask_f", "axis2"], ["mask3"]),
        helper.make_node("Mul", ["summed", "mask3"], ["token_embeddings"]),
    ]
    inputs = [helper.make_tensor_value_info(n, TensorProto.INT64, ["batch", "sequence"])
              for n in ("input_ids", "attention_mask", "token_type_ids")]
    output = helper.make_tensor_value_info("token_embeddings", TensorProto.FLOAT, ["batch", "sequence", dim])
    graph = helper.make_graph(nodes, "fake_text_embedding", inputs, [output], [table, types, axes])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], producer_name="legalsearch-test")
    model.ir_version = 8
    onnx.checker.check_model(model)
    return model


def fake_gate(passed: bool = True, cosine: float = 0.995, ndcg_loss: float | None = None) -> GateResult:
    """Quality-gate figures of the given shape (every int8 mean cosine ``cosine``), for reports built in tests."""
    stats = {"mean": cosine, "min": cosine}
    pair = {"queries": dict(stats), "documents": dict(stats)}
    ndcg = None if ndcg_loss is None else {"metric": "ndcg@10", "split": "dev", "fp32": 0.5, "int8": 0.5 - ndcg_loss,
                                           "loss": ndcg_loss}
    return GateResult(
        passed=passed, reasons=[] if passed else ["int8 failed the gate (test report)"],
        thresholds={"min_cosine": 0.99, "max_ndcg_loss": 0.02, "fp32_min_cosine": 0.999},
        cosine={"fp32_vs_pytorch": pair, "int8_vs_pytorch": pair, "int8_vs_fp32": pair}, ndcg=ndcg,
        texts={"queries": 2, "documents": 2},
    )


def build_fake_export(
    out: str | Path, texts: list[str] | None = None, dim: int = 8, deployable: str = "int8", max_length: int = 128,
    name: str = "fake-legal-model", seed: int = 0,
) -> Path:
    """Write a complete, valid export to ``out`` (created) and return it.

    Args:
        out: export directory to create.
        texts: words of these texts form the vocabulary (anything else maps to [UNK]).
        dim: embedding dimension.
        deployable: ``"int8"`` or ``"fp32"``: which variant the report marks deployable and the zip holds.
    """
    import onnx

    out = Path(out)
    words = [w for t in (texts or ["the party shall indemnify the licensee"]) for w in re.findall(r"\w+|[^\w\s]",
                                                                                                   t.lower())]
    tokenizer, vocab_size = _tokenizer(words, max_length)
    spec = ModelSpec(
        name=name, model_type="bert", dimension=dim, max_seq_length=max_length, pooling_mode="mean", normalize=True,
        input_names=["input_ids", "attention_mask", "token_type_ids"], prompts={},
        hf_config={"model_type": "bert", "hidden_size": dim, "vocab_size": vocab_size},
    )
    model = _graph(vocab_size, dim, seed)
    for variant in ("fp32", "int8"):
        variant_dir = out / variant
        variant_dir.mkdir(parents=True, exist_ok=True)
        onnx.save_model(model, str(variant_dir / "model.onnx"))
        tokenizer.save(str(variant_dir / "tokenizer.json"))
        spec.save(variant_dir)
    zip_path, _ = build_package(out / deployable, out / "ml-commons", f"{name} (test package)")
    register = json.loads((out / "ml-commons" / "register.json").read_text())
    ExportReport(
        deployable=deployable, max_seq_length=max_length, gate=fake_gate(passed=deployable == "int8"),
        package={"zip": "ml-commons/model.zip", "register": "ml-commons/register.json", "variant": deployable,
                 "size_bytes": zip_path.stat().st_size, "sha256": register["model_content_hash_value"]},
        quantization={"chosen": "dynamic-matmul-perchannel", "trials": []},
        model={k: v for k, v in spec.to_dict().items() if k != "hf_config"},
    ).save(out)
    return out

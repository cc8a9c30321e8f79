"""A tiny ONNX text-embedding model that ML Commons accepts, made on the spot (no download).

A randomly initialised 2-layer BERT is exported with the TorchScript ONNX exporter at opset 17 and stored with
IR version 8, which the onnxruntime 1.16 bundled in ml-commons 3.x loads (it reads IR <= 9, opset <= 19). The
zip holds ``model.onnx`` and ``tokenizer.json`` at its root, the layout ML Commons' ONNX text-embedding loader
expects; pooling and normalisation are done by ML Commons from ``model_config``.
"""

from __future__ import annotations

import hashlib
import re
import warnings
import zipfile
from dataclasses import dataclass
from pathlib import Path

_SPECIAL = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
OPSET = 17
IR_VERSION = 8


@dataclass(frozen=True)
class TinyOnnxModel:
    """The zip and what ML Commons' ``_register`` needs to know about it."""

    zip_path: Path
    dimension: int
    sha256: str
    size: int

    def chunks(self, chunk_size: int) -> list[bytes]:
        data = self.zip_path.read_bytes()
        return [data[i:i + chunk_size] for i in range(0, len(data), chunk_size)]

    def model_config(self) -> dict:
        return {
            "model_type": "bert",
            "embedding_dimension": self.dimension,
            "framework_type": "sentence_transformers",
            "pooling_mode": "mean",
            "normalize_result": True,
            "all_config": '{"model_type": "bert"}',
        }


def build_tiny_onnx_zip(out_dir: Path, texts: list[str], hidden: int = 32, seed: int = 0) -> TinyOnnxModel:
    """Export a random 2-layer BERT whose WordPiece vocabulary covers ``texts`` to ``out_dir/tiny-bert-onnx.zip``."""
    import onnx
    import torch
    from transformers import BertConfig, BertModel, BertTokenizerFast

    torch.manual_seed(seed)
    out_dir.mkdir(parents=True, exist_ok=True)
    words = sorted({w for t in texts for w in re.findall(r"\w+|[^\w\s]", t.lower())})
    chars = sorted({c for w in words for c in w})
    vocab = _SPECIAL + chars + [f"##{c}" for c in chars] + [w for w in words if w not in chars]
    vocab_file = out_dir / "vocab.txt"
    vocab_file.write_text("\n".join(vocab) + "\n", encoding="utf-8")
    tokenizer = BertTokenizerFast(vocab_file=str(vocab_file), do_lower_case=True, model_max_length=128)
    tokenizer_json = out_dir / "tokenizer.json"
    tokenizer.backend_tokenizer.save(str(tokenizer_json))

    config = BertConfig(
        vocab_size=len(vocab), hidden_size=hidden, num_hidden_layers=2, num_attention_heads=2,
        intermediate_size=hidden * 2, max_position_embeddings=256,
    )
    config._attn_implementation = "eager"  # plain MatMul/Softmax attention traces to a portable graph
    bert = BertModel(config).eval()

    class LastHiddenState(torch.nn.Module):
        def __init__(self, model):
            super().__init__()
            self.model = model

        def forward(self, input_ids, attention_mask, token_type_ids):
            return self.model(
                input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
            ).last_hidden_state

    sample = tokenizer(["a sample sentence", "another"], padding=True, return_tensors="pt")
    names = ["input_ids", "attention_mask", "token_type_ids"]
    onnx_path = out_dir / "model.onnx"
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # tracer notes about shape-dependent Python branches in transformers
        torch.onnx.export(
            LastHiddenState(bert), tuple(sample[n] for n in names), str(onnx_path),
            input_names=names, output_names=["last_hidden_state"],
            dynamic_axes={n: {0: "batch", 1: "sequence"} for n in [*names, "last_hidden_state"]},
            opset_version=OPSET, dynamo=False,
        )
    model = onnx.load(str(onnx_path))
    model.ir_version = IR_VERSION
    onnx.checker.check_model(model)
    onnx.save(model, str(onnx_path))

    zip_path = out_dir / "tiny-bert-onnx.zip"
    with zipfile.ZipFile(zip_path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.write(onnx_path, "model.onnx")
        archive.write(tokenizer_json, "tokenizer.json")
    data = zip_path.read_bytes()
    return TinyOnnxModel(zip_path, hidden, hashlib.sha256(data).hexdigest(), len(data))


def reference_embeddings(out_dir: Path, texts: list[str]) -> list[list[float]]:
    """Mean-pooled, L2-normalised embeddings of ``texts`` computed with onnxruntime here (for comparison)."""
    import numpy as np
    import onnxruntime
    from tokenizers import Tokenizer

    tokenizer = Tokenizer.from_file(str(out_dir / "tokenizer.json"))
    session = onnxruntime.InferenceSession(str(out_dir / "model.onnx"), providers=["CPUExecutionProvider"])
    vectors = []
    for text in texts:
        encoding = tokenizer.encode(text)
        feed = {
            "input_ids": np.array([encoding.ids], dtype=np.int64),
            "attention_mask": np.array([encoding.attention_mask], dtype=np.int64),
            "token_type_ids": np.array([encoding.type_ids], dtype=np.int64),
        }
        hidden = session.run(None, feed)[0][0]
        mask = feed["attention_mask"][0][:, None]
        pooled = (hidden * mask).sum(axis=0) / max(mask.sum(), 1e-9)
        vectors.append((pooled / np.linalg.norm(pooled)).tolist())
    return vectors

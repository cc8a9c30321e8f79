"""Helpers shared by the test tiers (imported as ``_support``; ``tests/`` is on sys.path through conftest)."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent
SHARED_DATASETS = REPO_ROOT.parent / "shared" / "datasets"

_SPECIAL = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]


def build_tiny_model(out_dir: Path, texts: list[str], hidden: int = 32, seed: int = 0) -> Path:
    """Save a randomly initialised 2-layer BERT sentence-transformer (mean pooling, normalized) to ``out_dir``.

    The WordPiece vocabulary is every lower-cased word and punctuation mark of ``texts`` plus single characters,
    so tokenization behaves like a real BERT on legal text while the model stays a few hundred kilobytes.
    """
    import torch
    from sentence_transformers import SentenceTransformer, models
    from transformers import BertConfig, BertModel, BertTokenizerFast

    torch.manual_seed(seed)
    words = sorted({w for t in texts for w in re.findall(r"\w+|[^\w\s]", t.lower())})
    chars = sorted({c for w in words for c in w})
    vocab = _SPECIAL + chars + [f"##{c}" for c in chars] + [w for w in words if w not in chars]
    out_dir.mkdir(parents=True, exist_ok=True)
    hf_dir = out_dir / "hf"
    hf_dir.mkdir(exist_ok=True)
    (hf_dir / "vocab.txt").write_text("\n".join(vocab) + "\n", encoding="utf-8")
    tokenizer = BertTokenizerFast(vocab_file=str(hf_dir / "vocab.txt"), do_lower_case=True, model_max_length=128)
    config = BertConfig(
        vocab_size=len(vocab), hidden_size=hidden, num_hidden_layers=2, num_attention_heads=2,
        intermediate_size=hidden * 2, max_position_embeddings=256,
    )
    BertModel(config).save_pretrained(hf_dir)
    tokenizer.save_pretrained(hf_dir)
    transformer = models.Transformer(str(hf_dir), max_seq_length=128)
    # sentence-transformers 6 renamed the method (the old name warns); getattr's default would call the old one
    # eagerly, warning on every build
    dimension = (getattr(transformer, "get_embedding_dimension", None) or transformer.get_word_embedding_dimension)()
    pooling = models.Pooling(dimension, pooling_mode="mean")
    model = SentenceTransformer(modules=[transformer, pooling, models.Normalize()], device="cpu")
    model_dir = out_dir / "model"
    model.save(str(model_dir))
    return model_dir


def shared_dataset(name: str) -> Path:
    """Path of ../shared/datasets/NAME; skipped when absent, but a failure under CI=true (CI must run it)."""
    path = SHARED_DATASETS / name
    if not (path / "corpus.jsonl").is_file():
        message = f"dataset {name} not found at {path} (it lives beside the checkout in shared/datasets)"
        if os.environ.get("CI") == "true":
            pytest.fail(message + "; under CI=true this test must run")
        pytest.skip(message)
    return path


def require(module: str, extra: str):
    """Import an optional dependency; skipped when absent, but a failure under CI=true (CI installs every extra)."""
    import importlib

    try:
        return importlib.import_module(module)
    except ImportError as exc:
        message = f"{module} is not installed ({exc}); pip install 'legalsearch[{extra}]'"
        if os.environ.get("CI") == "true":
            pytest.fail(message + "; under CI=true this test must run")
        pytest.skip(message, allow_module_level=True)


def corrupt_int8(real_quantize):
    """A quantize_int8 that shuffles the int8 weights and scrambles their scales: a deliberately broken graph.

    (A random tiny BERT's layers add little to its embeddings, so the scales are blown up too, to be sure.)
    """
    def broken(fp32_dir, out_dir, scheme):
        import numpy as np
        import onnx
        from onnx import numpy_helper

        target = real_quantize(fp32_dir, out_dir, scheme)
        model = onnx.load(str(target))
        rng = np.random.default_rng(0)
        for init in model.graph.initializer:
            if init.data_type == onnx.TensorProto.INT8:
                values = numpy_helper.to_array(init).copy()
                rng.shuffle(values.reshape(-1))
                init.CopyFrom(numpy_helper.from_array(values, init.name))
            elif init.name.endswith("_scale") and init.data_type == onnx.TensorProto.FLOAT:
                values = numpy_helper.to_array(init)
                values = (values * rng.uniform(-50, 50, size=values.shape)).astype(np.float32)
                init.CopyFrom(numpy_helper.from_array(values, init.name))
        onnx.save_model(model, str(target))
        return target
    return broken

"""ONNX side of legalsearch: export, int8 quantization, quality gate, ML Commons package, fast local encoder.

Importing this package registers the ONNX encoder with :func:`legalsearch.encoders.load_encoder`, so that the core
loads exports without importing the exporter (the core sits below it: tests/unit/test_layers.py). Nothing heavy is
imported here; onnxruntime loads when an ONNX model does.
"""

from __future__ import annotations

from pathlib import Path

from legalsearch import encoders as _encoders


def _load_onnx(path: Path, max_seq_length: int | None):
    from legalsearch.exporter.encoder import load_onnx_encoder

    return load_onnx_encoder(path, max_seq_length=max_seq_length)


_encoders.register_loader("onnx", _load_onnx)


def load_encoder(name_or_path: str | Path, max_seq_length: int | None = None):
    """:func:`legalsearch.encoders.load_encoder` with the ONNX loader registered: an export (its deployable
    variant), an ONNX variant directory, or anything sentence-transformers loads."""
    return _encoders.load_encoder(name_or_path, max_seq_length=max_seq_length)

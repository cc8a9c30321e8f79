"""Session fixtures shared by every test tier.

No test downloads anything: models are tiny sentence-transformers (BERT by default; MPNet, XLM-RoBERTa, ModernBERT
and DistilBERT through ``tiny_model_of``) built here with tokenizers made from the test texts, and the Hugging Face
hub is switched off for the whole session.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("LEGALSEARCH_OFFLINE", "1")

from _support import REPO_ROOT, SHARED_DATASETS, build_tiny_model, shared_dataset  # noqa: F401


@pytest.fixture(scope="session")
def sample_path() -> Path:
    from legalsearch.data import sample_dataset_path

    return sample_dataset_path()


@pytest.fixture(scope="session")
def sample_texts(sample_path) -> list[str]:
    """Every document and query of the bundled sample (what the tiny models' tokenizers are made from)."""
    import json

    texts = []
    for name in ("corpus.jsonl", "queries.jsonl"):
        for line in (sample_path / name).read_text(encoding="utf-8").splitlines():
            if line.strip():
                row = json.loads(line)
                texts.append(row.get("title", "") + " " + row.get("text", ""))
    return texts


@pytest.fixture(scope="session")
def tiny_model_dir(tmp_path_factory, sample_texts) -> Path:
    """A tiny sentence-transformers model whose vocabulary covers the bundled sample."""
    return build_tiny_model(tmp_path_factory.mktemp("tiny-bert"), sample_texts)


@pytest.fixture(scope="session")
def tiny_model_of(tmp_path_factory, sample_texts):
    """``tiny_model_of("modernbert", pooling="cls", prompts={...})``: a tiny model, built once per session and arguments."""
    import json

    built: dict[tuple, Path] = {}

    def build(architecture: str, pooling: str = "mean", prompts: dict | None = None, normalize: bool = True) -> Path:
        key = (architecture, pooling, json.dumps(prompts, sort_keys=True), normalize)
        if key not in built:
            built[key] = build_tiny_model(tmp_path_factory.mktemp(f"tiny-{architecture}"), sample_texts,
                                          architecture=architecture, pooling=pooling, prompts=prompts,
                                          normalize=normalize)
        return built[key]

    return build


@pytest.fixture(scope="session")
def tiny_export_of(tiny_model_of, tmp_path_factory):
    """``tiny_export_of("mpnet", ...)``: that tiny model exported by ``legalsearch export`` (once per session).

    One int8 scheme, no scheme search and no fusion (both are tested on the default BERT, and fusion is most of
    the export's time): what matters here is the architecture. Extra keyword arguments go to :func:`legalsearch.exporter.pipeline.export_model`
    (``query_prompt=``, ``passage_prompt=``).
    """
    import json

    from _support import require

    exported: dict[tuple, Path] = {}

    def export(architecture: str, pooling: str = "mean", prompts: dict | None = None, **options) -> Path:
        key = (architecture, pooling, json.dumps(prompts, sort_keys=True), json.dumps(options, sort_keys=True))
        if key not in exported:
            pipeline = require("legalsearch.exporter.pipeline", "onnx")
            out = tmp_path_factory.mktemp(f"tiny-{architecture}-export") / "export"
            pipeline.export_model(tiny_model_of(architecture, pooling, prompts), out, allow_degraded=True,
                                  **{"int8_scheme": "dynamic-matmul-perchannel", "fuse": False, **options})
            exported[key] = out
        return exported[key]

    return export

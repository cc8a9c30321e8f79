"""Session fixtures shared by every test tier.

No test downloads anything: models are tiny BERTs built here from a vocabulary made of the test texts, and the
Hugging Face hub is switched off for the whole session.
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
def tiny_model_dir(tmp_path_factory, sample_path) -> Path:
    """A tiny sentence-transformers model whose vocabulary covers the bundled sample."""
    import json

    texts = []
    for name in ("corpus.jsonl", "queries.jsonl"):
        for line in (sample_path / name).read_text(encoding="utf-8").splitlines():
            if line.strip():
                row = json.loads(line)
                texts.append(row.get("title", "") + " " + row.get("text", ""))
    return build_tiny_model(tmp_path_factory.mktemp("tiny-bert"), texts)

"""SHA-256 of files, read in 1 MiB blocks: the one file hasher (triplets, ONNX graphs, ML Commons packages)."""

from __future__ import annotations

import hashlib
from pathlib import Path

_BLOCK = 1 << 20


def update_digest(digest, path: str | Path) -> int:
    """Feed the bytes of ``path`` to ``digest`` (a ``hashlib`` object); returns how many were read."""
    size = 0
    with Path(path).open("rb") as handle:
        for block in iter(lambda: handle.read(_BLOCK), b""):
            digest.update(block)
            size += len(block)
    return size


def file_digest(path: str | Path) -> tuple[str, int]:
    """(hex SHA-256, size in bytes) of one file."""
    digest = hashlib.sha256()
    size = update_digest(digest, path)
    return digest.hexdigest(), size


def file_sha256(path: str | Path) -> str:
    """Hex SHA-256 of one file."""
    return file_digest(path)[0]

"""Resumable ``bench --seeds N``: a completion marker per finished seed, so that a rerun reuses what is done.

Each seed writes its complete results under ``OUT/seed-S`` (results.json, hybrid.json, the mined triplets, the
training report) and then, last, :data:`MARKER`: what those results depend on (:func:`seed_inputs`) and the
SHA-256 of each of those files. The marker is written atomically (a temporary file renamed over it), so a process
killed at any point leaves either a finished seed with its marker or an unfinished one without. A rerun of the same
command reuses every seed whose marker records the same inputs (:func:`check_seed`) and refuses a seed finished
with other inputs rather than mixing two recipes or two datasets in one table.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from legalsearch import __version__
from legalsearch.errors import BenchError
from legalsearch.hashing import file_sha256, update_digest

MARKER = "seed-complete.json"
FORMAT = 1
# What a finished seed is made of, relative to its directory; the marker keeps their SHA-256. The first two are
# what the aggregate is built from and must be there; the mined triplets and the training report are kept when the
# training path wrote them.
REQUIRED_FILES = ("results.json", "hybrid.json")
SEED_FILES = (*REQUIRED_FILES, "triplets.jsonl", "model/training_report.json")
# Files that identify a model on disk: weights, configuration, tokenizer. Checkpoints and caches are left out.
_MODEL_SUFFIXES = {".safetensors", ".bin", ".onnx", ".json", ".txt", ".model"}


def model_identity(name_or_path: str | Path | None) -> dict | None:
    """A model's identity for the marker: for a directory, the SHA-256 of its weight, configuration and tokenizer
    files (content, not path or mtime: the bundled model reinstalled, or a base directory copied, is the same
    model); for a hub name, the name."""
    if name_or_path is None:
        return None
    path = Path(name_or_path)
    if not path.is_dir():
        return {"name": str(name_or_path)}
    digest = hashlib.sha256()
    files = sorted(f for f in path.rglob("*") if f.is_file() and f.suffix in _MODEL_SUFFIXES
                   and "checkpoints" not in f.relative_to(path).parts)
    for file in files:
        digest.update(file.relative_to(path).as_posix().encode())
        update_digest(digest, file)
    return {"sha256": digest.hexdigest(), "files": len(files)}


def seed_inputs(*, dataset_sha256: str, relevant_grade: int, skip_invalid: bool, recipe_values: dict,
                base_model: dict | None, device: str, split: str, hybrid_split: str | None,
                metrics, bootstrap_samples: int, prompts: dict, first_seed: dict | None) -> dict:
    """Everything a seed's figures depend on, as JSON values. ``hybrid_split``: the split that tunes the hybrid as
    ``bench`` resolved it from --dev-split (None: not tuned). ``first_seed``: the first seed's extra duties (export,
    speed, cluster), None for the others (which never have them)."""
    return json.loads(json.dumps({
        "legalsearch_version": __version__,
        "dataset": {"sha256": dataset_sha256, "relevant_grade": relevant_grade, "skip_invalid": skip_invalid},
        "recipe": recipe_values,
        "base_model": base_model,
        # the default time budget, and so what fits in it, depends on the kind of device (cpu, cuda, mps)
        "device": device.split(":")[0],
        "split": split, "hybrid_split": hybrid_split,
        "metrics": list(metrics), "bootstrap_samples": bootstrap_samples,
        "prompts": prompts,
        "first_seed": first_seed,
    }, sort_keys=True))


@dataclass(frozen=True)
class FinishedSeed:
    """A seed found finished with the same inputs: where, and when it finished (local time, to the minute)."""

    seed: int
    directory: Path
    finished: str

    def describe(self) -> str:
        return f"seed {self.seed}: reused {self.directory}, finished {self.finished}"


def write_marker(seed_dir: Path, seed: int, inputs: dict) -> Path:
    """Mark ``seed_dir`` finished: its inputs and the SHA-256 of its files, written last and atomically."""
    seed_dir = Path(seed_dir)
    missing = [name for name in REQUIRED_FILES if not (seed_dir / name).is_file()]
    if missing:
        raise BenchError(f"{seed_dir}: cannot mark the seed finished, {', '.join(missing)} missing")
    marker = {"format": FORMAT, "seed": seed, "finished": time.strftime("%Y-%m-%d %H:%M"),
              "finished_unix": round(time.time(), 3), "inputs": inputs,
              "files": {name: file_sha256(seed_dir / name) for name in SEED_FILES if (seed_dir / name).is_file()}}
    path = seed_dir / MARKER
    handle, tmp = tempfile.mkstemp(dir=seed_dir, prefix=f".{MARKER}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "w") as out:
            out.write(json.dumps(marker, indent=2, sort_keys=True))
            out.flush()
            os.fsync(out.fileno())  # the marker must not name files that a power cut could still lose
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def check_seed(seed_dir: Path, seed: int, inputs: dict) -> FinishedSeed | None:
    """The finished seed in ``seed_dir`` when its marker records these ``inputs`` and its files are intact; None
    when it has no marker (never started, or interrupted). Raises :class:`BenchError` (one line, what to do) when
    the marker records other inputs, or a file it names was changed or removed since."""
    seed_dir = Path(seed_dir)
    path = seed_dir / MARKER
    if not path.is_file():
        return None
    remedy = f"rerun with another --out, or delete {seed_dir} to compute that seed again"
    try:
        marker = json.loads(path.read_text())
        recorded, files, finished = marker["inputs"], marker["files"], marker["finished"]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise BenchError(f"{path} cannot be read ({exc}): {remedy}") from exc
    if marker.get("format") != FORMAT or marker.get("seed") != seed:
        raise BenchError(f"{seed_dir} holds seed {marker.get('seed')} in marker format {marker.get('format')}, "
                         f"not seed {seed} in format {FORMAT}: {remedy}")
    if recorded != inputs:
        changed = "; ".join(differences(recorded, inputs))
        raise BenchError(f"{seed_dir} holds seed {seed} finished {finished} with other inputs ({changed}), whose "
                         f"results must not be mixed with this run's: {remedy}")
    for name, sha in files.items():
        if not (seed_dir / name).is_file() or file_sha256(seed_dir / name) != sha:
            raise BenchError(f"{seed_dir / name} was changed or removed after seed {seed} finished {finished}: "
                             f"{remedy}")
    return FinishedSeed(seed, seed_dir, finished)


def differences(recorded: dict, current: dict, limit: int = 3) -> list[str]:
    """What differs between two inputs, as ``key: recorded → current`` (nested keys dotted, long values cut),
    at most ``limit`` of them and a count of the rest."""
    flat_old, flat_new = _flatten(recorded), _flatten(current)
    keys = sorted(k for k in flat_old.keys() | flat_new.keys() if flat_old.get(k, _ABSENT) != flat_new.get(k, _ABSENT))
    shown = [f"{key}: {_short(flat_old.get(key, _ABSENT))} → {_short(flat_new.get(key, _ABSENT))}"
             for key in keys[:limit]]
    if len(keys) > limit:
        shown.append(f"{len(keys) - limit} more")
    return shown


_ABSENT = "(absent)"


def _flatten(value, prefix: str = "") -> dict:
    if isinstance(value, dict) and value:
        out = {}
        for key, inner in value.items():
            out.update(_flatten(inner, f"{prefix}.{key}" if prefix else str(key)))
        return out
    return {prefix: value}


def _short(value) -> str:
    text = value if isinstance(value, str) else json.dumps(value)
    return text if len(text) <= 24 else text[:12] + "…"


def load_seed_results(seed_dir: Path) -> dict:
    """A finished seed's results.json (the aggregate over seeds is built from these files, reused or not)."""
    return json.loads((Path(seed_dir) / "results.json").read_text())

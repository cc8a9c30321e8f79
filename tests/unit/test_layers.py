"""One-way dependencies: core ← exporter ← plugin ← bench and the CLI, checked on the source of every module.

The layers, lowest first:

* **core** — every module of ``legalsearch/`` except the ones named below: data, passages, mining, training,
  retrieval, evaluation, hybrid, encoders (the Encoder protocol and the PyTorch encoder), comparison, batching,
  hashing, errors, analysis, and whatever is added there later (new modules are core unless listed here). The core
  reaches the ONNX encoder only through :func:`legalsearch.encoders.register_loader` (the exporter registers
  itself) and the cluster not at all.
* **exporter** — ``exporter/`` (``legalsearch.exporter``): may import the core.
* **plugin** — ``plugin/`` (``legalsearch.plugin``): may import the core and the exporter.
* **bench** — ``bench/`` (installed as ``legalsearch.bench``): may import everything below it.
* **CLI** — ``legalsearch/cli.py``, ``clidoc.py``, ``__main__.py``, ``legalsearch/commands/`` and the two click
  modules ``exporter/cli.py`` and ``plugin/cli.py``: may import everything.

Imports are read with ``ast`` from each file, at any depth (inside functions and methods too, and
``importlib.import_module("...")`` calls with a literal name), relative ones resolved; and a layer's rule holds
for everything its modules reach transitively through other ``legalsearch`` modules.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
# source folder -> the package it installs as (pyproject.toml [tool.setuptools] package-dir)
PACKAGE_DIRS = {"legalsearch": "legalsearch", "exporter": "legalsearch.exporter", "plugin": "legalsearch.plugin",
                "bench": "legalsearch.bench"}
NAMED_CORE = ("data", "passages", "mining", "training", "retrieval", "evaluation", "hybrid", "encoders")

CLI_MODULES = ("legalsearch.cli", "legalsearch.clidoc", "legalsearch.__main__", "legalsearch.exporter.cli",
               "legalsearch.plugin.cli")
LAYER_ORDER = ("core", "exporter", "plugin", "bench", "cli")


def _inside(module: str, package: str) -> bool:
    return module == package or module.startswith(package + ".")


def layer_of(module: str) -> str | None:
    """The layer of a ``legalsearch`` module, None for anything else (third-party, stdlib)."""
    if not _inside(module, "legalsearch"):
        return None
    if module in CLI_MODULES or _inside(module, "legalsearch.commands"):
        return "cli"
    for layer in ("bench", "exporter", "plugin"):
        if _inside(module, f"legalsearch.{layer}"):
            return layer
    return "core"  # legalsearch itself, its modules, legalsearch.sample and legalsearch.mappings (data only)


def _module_name(path: Path) -> tuple[str, bool]:
    """(dotted name, is a package __init__) of a source file under one of PACKAGE_DIRS."""
    rel = path.relative_to(ROOT)
    parts = [PACKAGE_DIRS[rel.parts[0]], *rel.parts[1:]]
    is_package = parts[-1] == "__init__.py"
    parts = parts[:-1] if is_package else [*parts[:-1], parts[-1][:-3]]
    return ".".join(parts), is_package


def imported_modules(source: str, module: str, is_package: bool = False) -> set[str]:
    """Every module ``source`` imports, anywhere in the file; ``from a import b`` counts ``a`` and ``a.b``."""
    package = module if is_package else module.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[:len(base) - (node.level - 1)]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            found.add(target)
            found.update(f"{target}.{alias.name}" for alias in node.names if alias.name != "*")
        elif isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant) \
                and isinstance(node.args[0].value, str):
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            if name in ("import_module", "__import__"):
                found.add(node.args[0].value.split(":")[0])
    return {name for name in found if name}


def _graph() -> dict[str, set[str]]:
    """legalsearch module -> the legalsearch modules it imports (including the parents an import runs)."""
    graph = {}
    for folder in PACKAGE_DIRS:
        for path in sorted((ROOT / folder).rglob("*.py")):
            module, is_package = _module_name(path)
            edges = set()
            for name in imported_modules(path.read_text(encoding="utf-8"), module, is_package):
                if layer_of(name) is None:
                    continue
                parts = name.split(".")
                edges.update(".".join(parts[:i]) for i in range(1, len(parts) + 1))
            graph[module] = edges - {module}
    return graph


GRAPH = _graph()


def _allowed(importer: str, imported: str) -> bool:
    low, high = layer_of(imported), layer_of(importer)
    return LAYER_ORDER.index(low) <= LAYER_ORDER.index(high)


def _violations(start: str) -> list[str]:
    """Chains ``start -> ... -> X`` through which ``start`` reaches a module of a layer above its own."""
    bad, seen, stack = [], {start}, [(start, [start])]
    while stack:
        current, chain = stack.pop()
        for target in sorted(GRAPH.get(current, ())):
            if not _allowed(start, target):
                bad.append(" -> ".join(chain + [target]))
            elif target not in seen and target in GRAPH:
                seen.add(target)
                stack.append((target, chain + [target]))
    return bad


def test_the_walker_finds_imports_at_any_depth():
    """The checker itself: imports inside functions and methods, relative ones, and import_module strings."""
    source = '''
import os
def later():
    from legalsearch.exporter.encoder import OnnxEncoder
class Loader:
    def load(self):
        from . import deploy
        import importlib
        importlib.import_module("legalsearch.bench.cluster")
'''
    found = imported_modules(source, "legalsearch.plugin.search")
    assert {"os", "legalsearch.exporter.encoder", "legalsearch.exporter.encoder.OnnxEncoder",
            "legalsearch.plugin.deploy", "legalsearch.bench.cluster"} <= found
    assert imported_modules("from .. import errors", "legalsearch.exporter.report") >= {"legalsearch.errors"}


def test_layers_of_the_named_modules():
    for name in NAMED_CORE:
        assert f"legalsearch.{name}" in GRAPH and layer_of(f"legalsearch.{name}") == "core", name
    assert layer_of("legalsearch.exporter.pipeline") == "exporter"
    assert layer_of("legalsearch.plugin.deploy") == "plugin"
    assert {"legalsearch.bench.offline", "legalsearch.bench.cluster"} <= set(GRAPH)
    assert layer_of("legalsearch.bench.cluster") == "bench"
    assert layer_of("legalsearch.exporter.cli") == layer_of("legalsearch.commands.bench_cmd") == "cli"
    assert "legalsearch.cluster_bench" not in GRAPH  # moved into the bench layer


@pytest.mark.parametrize("module", sorted(m for m in GRAPH if layer_of(m) != "cli"))
def test_no_module_reaches_a_layer_above_its_own(module):
    """Core imports no exporter, plugin, bench or CLI module; the exporter no plugin, bench or CLI one; the plugin
    no bench or CLI one; the bench no CLI one — directly or through any chain of legalsearch modules."""
    chains = _violations(module)
    assert not chains, "imports above its layer:\n" + "\n".join(chains)

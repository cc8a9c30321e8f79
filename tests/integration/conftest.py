"""Fixtures for tests that need a real OpenSearch node with ML Commons, k-NN and neural-search.

``opensearch_url`` uses ``LEGALSEARCH_OPENSEARCH_URL`` when it is set (for example the docker-compose node,
``https://admin:PASSWORD@localhost:9200`` with ``LEGALSEARCH_OPENSEARCH_INSECURE=1`` for its demo certificate);
otherwise it runs ``scripts/opensearch-node start`` once per session and stops the node at the end only if this
session started it. A node that cannot be had skips the tests with the reason, except under ``CI=true``, where it
fails them: CI must run them.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
NODE_SCRIPT = REPO_ROOT / "scripts" / "opensearch-node"
START_TIMEOUT_S = 1200  # a cold start downloads ~900 MB through mvn before booting


def pytest_configure(config):
    # pyproject.toml registers the marker; register it here too so this folder works on its own (--strict-markers)
    if not any(line.startswith("opensearch:") for line in config.getini("markers")):
        config.addinivalue_line("markers", "opensearch: needs a real OpenSearch node (tests/integration/conftest.py)")


def _unavailable(reason: str):
    if os.environ.get("CI") == "true":
        pytest.fail(f"OpenSearch node unavailable under CI=true: {reason}", pytrace=False)
    pytest.skip(f"OpenSearch node unavailable: {reason}")


def _node(*args: str, timeout: float = 60) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, str(NODE_SCRIPT), *args], capture_output=True, text=True, timeout=timeout,
    )


@pytest.fixture(scope="session")
def opensearch_url():
    """Base URL of a running node (no trailing slash)."""
    url = os.environ.get("LEGALSEARCH_OPENSEARCH_URL")
    if url:
        yield url.rstrip("/")
        return
    status = _node("status")
    if status.returncode == 0:  # already running (CI starts it before pytest): use it, leave it running
        yield status.stdout.strip()
        return
    try:
        started = _node("start", timeout=START_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        _unavailable(f"`scripts/opensearch-node start` did not finish within {START_TIMEOUT_S}s")
    if started.returncode != 0:
        tail = "\n".join(started.stderr.strip().splitlines()[-30:])
        _unavailable(f"`scripts/opensearch-node start` failed (exit {started.returncode}):\n{tail}")
    try:
        yield started.stdout.strip().splitlines()[-1]
    finally:
        _node("stop", timeout=120)


@pytest.fixture(scope="session")
def opensearch_client(opensearch_url):
    """An opensearch-py client for the node; fails (CI) or skips when the node does not answer."""
    try:
        from opensearchpy import OpenSearch
        from opensearchpy.exceptions import OpenSearchException
    except ImportError:
        _unavailable("opensearch-py is not installed (pip install opensearch-py)")
    insecure = os.environ.get("LEGALSEARCH_OPENSEARCH_INSECURE") == "1"
    client = OpenSearch(hosts=[opensearch_url], timeout=120, verify_certs=not insecure, ssl_show_warn=False)
    try:
        client.info()
    except (OpenSearchException, OSError) as error:
        _unavailable(f"{opensearch_url} does not answer: {error}")
    return client


@pytest.fixture(scope="session")
def tiny_export(tiny_model_dir, tmp_path_factory):
    """The session's tiny model exported by our exporter (fp32, int8 and the ML Commons package)."""
    from _support import require

    pipeline = require("legalsearch.exporter.pipeline", "onnx")
    out = tmp_path_factory.mktemp("tiny-export") / "export"
    pipeline.export_model(tiny_model_dir, out, allow_degraded=True)
    return out

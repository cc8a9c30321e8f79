"""Deploys that meet on one alias, as real `legalsearch deploy` processes against the real node.

The alias's lock (:mod:`legalsearch.plugin.lock`) serialises them: a deploy started while another holds the lock
waits for it (``--lock-wait``) or stops naming the holder; ``--prune`` never deletes an index another deploy is
loading, nor one that an interrupted deploy left for its rerun. Client-side vectors from the session's tiny ONNX
export, the bundled sample's documents (repeated under new ids where a load must last long enough to be met).
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from legalsearch.plugin import index as idx
from legalsearch.plugin.connection import Cluster, connect, resolve_settings
from legalsearch.plugin.deploy import undeploy_everything
from legalsearch.plugin.lock import read_lock

pytestmark = pytest.mark.opensearch


@pytest.fixture(scope="module")
def cluster(opensearch_url) -> Cluster:
    return connect(resolve_settings(url=opensearch_url,
                                    insecure=os.environ.get("LEGALSEARCH_OPENSEARCH_INSECURE") == "1" or None))


@pytest.fixture
def alias(cluster):
    name = f"lock-{uuid.uuid4().hex[:8]}"
    yield name
    undeploy_everything(cluster, name)  # indices, pipelines, alias and the lock document


def _corpus(folder: Path, copies: int) -> tuple[Path, int]:
    """The sample's documents ``copies`` times, each copy under its own ids."""
    from legalsearch.data import sample_dataset_path

    rows = [json.loads(line) for line in (sample_dataset_path() / "corpus.jsonl").read_text(encoding="utf-8")
            .splitlines() if line.strip()]
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "corpus.jsonl"
    with path.open("w", encoding="utf-8") as handle:
        for copy in range(copies):
            for row in rows:
                handle.write(json.dumps({**row, "_id": f"{row['_id']}-{copy}"}) + "\n")
    return path, copies * len(rows)


def _start(opensearch_url: str, export: Path, corpus: Path, alias: str, state: Path, *extra: str) -> subprocess.Popen:
    # small bulks: the load lasts long enough (tens of seconds) for the other processes to start while it runs
    command = [sys.executable, "-m", "legalsearch", "deploy", str(corpus), "--export", str(export),
               "--vectors", "client", "--index", alias, "--url", opensearch_url, "--state-dir", str(state),
               "--batch-size", "2", "--quiet", "--json", *extra]
    return subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, "PYTHONUNBUFFERED": "1"})


def _finish(process: subprocess.Popen, timeout: float = 600) -> tuple[int, str, str]:
    out, err = process.communicate(timeout=timeout)
    return process.returncode, out, err


def _wait_for_loading(cluster: Cluster, alias: str, pid: int, timeout: float = 300) -> dict:
    """The lock document once the process ``pid`` holds it and is loading its index."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        held = read_lock(cluster, alias)
        if held and held[0]["owner"] and held[0]["owner"]["pid"] == pid and held[0]["loading"]:
            return held[0]
        time.sleep(0.05)
    raise AssertionError(f"process {pid} did not start loading within {timeout} s")


def _stamp(epoch: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(epoch))


def _counts_add_up(result: dict, total: int) -> None:
    ingest = result["ingest"]
    assert ingest["read"] == total
    assert ingest["read"] == ingest["indexed"] + ingest["already_present"] + ingest["failed"]
    assert ingest["failed"] == 0


def test_two_deploys_at_once_one_with_prune_are_serialised_and_nothing_loading_is_deleted(
        opensearch_url, cluster, alias, tiny_export, tmp_path):
    first, _ = _corpus(tmp_path / "first", 1)
    code, out, err = _finish(_start(opensearch_url, tiny_export, first, alias, tmp_path / "s0"))
    assert code == 0, err
    old = json.loads(out)["index"]  # a complete earlier version: what --prune is for

    corpus, total = _corpus(tmp_path / "big", 8)
    pruner = _start(opensearch_url, tiny_export, corpus, alias, tmp_path / "a", "--prune", "--lock-wait", "0")
    holder = _wait_for_loading(cluster, alias, pruner.pid)
    loading_a = holder["loading"]
    # a third deploy that will not wait: one line naming the holder, nothing changed
    code, out, err = _finish(_start(opensearch_url, tiny_export, corpus, alias, tmp_path / "c", "--lock-wait", "0"))
    assert code == 1 and out == ""
    assert err.splitlines() == [
        f"Error: alias '{alias}' is locked by deploy by host {socket.gethostname()} (pid {pruner.pid}) since "
        f"{_stamp(holder['acquired'])}, expires {_stamp(holder['expires'])}; waited 0 s (--lock-wait): rerun when "
        "it is done"], err
    assert idx.indices_for(cluster, alias) == sorted([old, loading_a])  # it created nothing
    # the second deploy, started while the pruning one loads, waits for it
    waiter = _start(opensearch_url, tiny_export, corpus, alias, tmp_path / "b", "--lock-wait", "600")
    code_a, out_a, err_a = _finish(pruner)
    code_b, out_b, err_b = _finish(waiter)
    assert (code_a, code_b) == (0, 0), (err_a, err_b)
    a, b = json.loads(out_a), json.loads(out_b)
    assert a["index"] == loading_a and b["index"] not in (old, loading_a)
    _counts_add_up(a, total)
    _counts_add_up(b, total)
    # the prune ran before the waiting deploy created its index: only the old version went
    assert a["pruned"] == [old]
    assert b["previous"] == [loading_a]
    assert idx.alias_targets(cluster, alias) == [b["index"]]
    assert idx.indices_for(cluster, alias) == sorted([loading_a, b["index"]])
    for name in (loading_a, b["index"]):
        idx.refresh(cluster, name)
        assert idx.doc_count(cluster, name) == total
    assert read_lock(cluster, alias) is None  # both released it


def test_an_interrupted_deploy_keeps_its_index_through_another_machines_prune(
        opensearch_url, cluster, alias, tiny_export, tmp_path):
    corpus, total = _corpus(tmp_path / "big", 8)
    interrupted = _start(opensearch_url, tiny_export, corpus, alias, tmp_path / "here")
    loading = _wait_for_loading(cluster, alias, interrupted.pid)["loading"]
    checkpoint = tmp_path / "here" / f"{loading}.ids"  # the ids the node acknowledged
    deadline = time.monotonic() + 300
    while not checkpoint.is_file() or len(checkpoint.read_text().split()) < 40:
        assert time.monotonic() < deadline and interrupted.poll() is None, "no 40 documents acknowledged"
        time.sleep(0.05)
    interrupted.send_signal(signal.SIGINT)  # Ctrl-C: the deploy stops, releases its lock, keeps its index
    code, out, err = _finish(interrupted)
    assert code != 0 and out == "", (code, out, err)
    doc = read_lock(cluster, alias)[0]
    assert doc["released"] and list(doc["unfinished"]) == [loading]
    assert doc["unfinished"][loading]["pid"] == interrupted.pid

    # another machine (its own state directory), a smaller corpus, --prune: the interrupted index is kept
    small, small_total = _corpus(tmp_path / "small", 1)
    code, out, err = _finish(_start(opensearch_url, tiny_export, small, alias, tmp_path / "there", "--prune"))
    assert code == 0, err
    other = json.loads(out)
    _counts_add_up(other, small_total)
    assert other["pruned"] == [] and idx.index_exists(cluster, loading)
    assert idx.alias_targets(cluster, alias) == [other["index"]]

    # the first machine's rerun resumes into its index and completes; its record goes with it
    code, out, err = _finish(_start(opensearch_url, tiny_export, corpus, alias, tmp_path / "here", "--prune"))
    assert code == 0, err
    again = json.loads(out)
    assert again["resumed"] and again["index"] == loading
    _counts_add_up(again, total)
    assert again["ingest"]["already_present"] >= 40
    assert again["pruned"] == [other["index"]]
    assert idx.alias_targets(cluster, alias) == [loading] and idx.indices_for(cluster, alias) == [loading]
    idx.refresh(cluster, loading)
    assert idx.doc_count(cluster, loading) == total
    assert read_lock(cluster, alias) is None

"""The deploy lock in the cluster, prune's protection of loading and unfinished indices, and the local state file,
against the recording fake (no server)."""

from __future__ import annotations

import json
import logging
import os
import socket
import threading
import time

import pytest
from click.testing import CliRunner

from legalsearch.errors import LockHeldError, LockLostError, StateFileError
from legalsearch.plugin import deploy as deploy_mod
from legalsearch.plugin import index as idx
from legalsearch.plugin.connection import Cluster
from legalsearch.plugin.deploy import DeployOptions, deploy, prune, read_state, write_state
from legalsearch.plugin.lock import LOCK_INDEX, LOCK_INDEX_BODY, DeployLock, machine_identity
from legalsearch.plugin.testing import FakeEncoder, FakeOpenSearch


@pytest.fixture(autouse=True)
def skip_graph_validation(monkeypatch):
    """The fake package holds no real ONNX graph; the exporter's own tests cover validate_package."""
    monkeypatch.setattr("legalsearch.plugin.ml_commons._run_exporter_validator", lambda export_dir: None)

T0 = 1_796_000_000.0  # a fixed clock for the locks these tests take
SINCE = "2026-11-30T00:53:20Z"  # T0
FAR = 4_102_444_800.0  # 2100-01-01T00:00:00Z: a lock that is live whatever the real clock says


def clock_at(value: float):
    return lambda: value


def held_by(fake: FakeOpenSearch, alias: str = "legalsearch", *, expires: float = T0 + 300, loading=None,
            unfinished=None, released: bool = False, seq_no: int = 900) -> dict:
    """A lock document written by another process (host build-7, pid 4242) into the fake's lock index."""
    doc = {"alias": alias, "operation": "deploy", "owner": {"host": "build-7", "pid": 4242, "token": "other"},
           "acquired": T0, "expires": expires, "loading": loading, "unfinished": unfinished or {},
           "released": released}
    fake.hidden_indices.setdefault(LOCK_INDEX, {"body": LOCK_INDEX_BODY, "docs": {}})["docs"][alias] = {
        "_source": doc, "_seq_no": seq_no, "_primary_term": 1}
    return doc


def lock_doc(fake: FakeOpenSearch, alias: str = "legalsearch") -> dict | None:
    entry = fake.hidden_indices.get(LOCK_INDEX, {"docs": {}})["docs"].get(alias)
    return entry["_source"] if entry else None


def lock_calls(fake: FakeOpenSearch) -> list[tuple[str, str, dict | None]]:
    return [(c.method, c.path, c.params) for c in fake.calls if c.path.startswith(f"/{LOCK_INDEX}")]


def corpus(tmp_path, n=5, name="corpus.jsonl"):
    path = tmp_path / name
    path.write_text("".join(json.dumps({"_id": f"d{i}", "title": "", "text": f"clause {i}"}) + "\n" for i in range(n)))
    return path


def options(tmp_path, **kw):
    return DeployOptions(vectors="client", state_dir=tmp_path / "state", progress=False, **kw)


def no_sleep(_):
    pass


def names(*stamps: str):
    """Distinct versioned names for successive deploys within one second."""
    clock = iter(stamps)
    return lambda alias: f"{alias}-v{next(clock)}"


# -- the lock itself ---------------------------------------------------------------------------------------------
def test_acquire_creates_the_hidden_lock_index_then_the_document_and_release_deletes_only_our_version():
    fake = FakeOpenSearch()
    lock = DeployLock.acquire(Cluster(fake), "legalsearch", "deploy", ttl=300, clock=clock_at(T0))
    assert fake.hidden_indices[LOCK_INDEX]["body"] == {
        "settings": {"index": {"number_of_shards": 1, "auto_expand_replicas": "0-1", "hidden": True}},
        "mappings": {"dynamic": False, "properties": {}}}
    assert LOCK_INDEX not in fake.indices  # hidden: `_cat/indices` never lists it beside the versioned indices
    doc = lock_doc(fake)
    assert doc["owner"]["host"] == socket.gethostname() and doc["owner"]["pid"] == os.getpid()
    assert len(doc["owner"]["token"]) == 16
    assert (doc["acquired"], doc["expires"], doc["loading"], doc["unfinished"]) == (T0, T0 + 300, None, {})
    seq_no = fake.hidden_indices[LOCK_INDEX]["docs"]["legalsearch"]["_seq_no"]
    lock.release()
    assert lock_calls(fake) == [
        ("HEAD", f"/{LOCK_INDEX}", None),
        ("PUT", f"/{LOCK_INDEX}", None),
        ("PUT", f"/{LOCK_INDEX}/_create/legalsearch", None),
        ("DELETE", f"/{LOCK_INDEX}/_doc/legalsearch", {"if_seq_no": seq_no, "if_primary_term": 1}),
    ]
    assert lock_doc(fake) is None


def test_a_held_lock_fails_at_once_with_one_line_naming_the_holder():
    fake = FakeOpenSearch()
    held_by(fake)
    with pytest.raises(LockHeldError) as info:
        DeployLock.acquire(Cluster(fake), "legalsearch", wait=0, clock=clock_at(T0 + 10))
    assert str(info.value) == (
        f"alias 'legalsearch' is locked by deploy by host build-7 (pid 4242) since {SINCE}, expires "
        "2026-11-30T00:58:20Z; waited 0 s (--lock-wait): rerun when it is done")
    assert info.value.holder.startswith("deploy by host build-7 (pid 4242)")
    assert lock_doc(fake)["owner"]["token"] == "other"  # untouched


def test_a_second_process_waits_for_the_lock_and_takes_it_when_released():
    fake = FakeOpenSearch()
    held_by(fake)
    now = [T0]
    sleeps = []

    def sleep(seconds):
        sleeps.append(seconds)
        now[0] += seconds
        if len(sleeps) == 3:  # the holder finishes while we wait
            del fake.hidden_indices[LOCK_INDEX]["docs"]["legalsearch"]

    lock = DeployLock.acquire(Cluster(fake), "legalsearch", wait=10, sleep=sleep, clock=lambda: now[0])
    assert sleeps == [1.0, 1.0, 1.0] and lock.took_over is None
    assert lock_doc(fake)["owner"]["pid"] == os.getpid()


def test_waiting_is_bounded_by_lock_wait():
    fake = FakeOpenSearch()
    held_by(fake, expires=T0 + 3600)
    now = [T0]
    sleeps = []

    def sleep(seconds):
        sleeps.append(seconds)
        now[0] += seconds

    with pytest.raises(LockHeldError, match=r"waited 2\.5 s \(--lock-wait\)"):
        DeployLock.acquire(Cluster(fake), "legalsearch", wait=2.5, sleep=sleep, clock=lambda: now[0])
    assert sleeps == [1.0, 1.0, 0.5]


def _held_on_this_host(fake: FakeOpenSearch, pid: int, token: str = "earlier-run") -> None:
    held_by(fake, expires=FAR, loading="legalsearch-v20261129t005320")
    doc = fake.hidden_indices[LOCK_INDEX]["docs"]["legalsearch"]["_source"]
    doc["owner"] = {"host": socket.gethostname(), "machine": machine_identity(), "pid": pid, "token": token}


def _ended_pid() -> int:
    import subprocess
    import sys

    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid  # reaped: no process has this id now (pids are not reused this quickly)


def test_an_unexpired_lock_whose_process_on_this_host_has_ended_is_taken_over_at_once(caplog):
    fake = FakeOpenSearch()
    pid = _ended_pid()
    _held_on_this_host(fake, pid)
    with caplog.at_level(logging.WARNING, logger="legalsearch.plugin.lock"):
        lock = DeployLock.acquire(Cluster(fake), "legalsearch", wait=0, clock=clock_at(T0))
    assert [r.getMessage() for r in caplog.records] == [
        f"took over the abandoned (its process {pid} on this host has ended) deploy lock on legalsearch (deploy by "
        f"host {socket.gethostname()} (pid {pid}) since {SINCE}, expires 2100-01-01T00:00:00Z)"]
    assert lock.took_over is not None
    assert "legalsearch-v20261129t005320" in lock_doc(fake)["unfinished"]  # what it was loading stays protected
    lock.release()


def test_a_lock_this_process_took_in_an_earlier_run_and_could_not_release_is_taken_over(caplog):
    # e.g. the node was killed mid-ingest, or the flood stage blocked the lock's deletion: the rerun in the same
    # process must not wait out the expiry of a lock nobody holds
    fake = FakeOpenSearch()
    _held_on_this_host(fake, os.getpid(), token="released-long-ago")
    with caplog.at_level(logging.WARNING, logger="legalsearch.plugin.lock"):
        lock = DeployLock.acquire(Cluster(fake), "legalsearch", wait=0, clock=clock_at(T0))
    assert caplog.records[0].getMessage().startswith(
        "took over the abandoned (by an earlier run in this process) deploy lock on legalsearch")
    lock.release()


def test_a_lock_this_process_holds_now_is_not_taken_over_by_a_second_acquire():
    fake = FakeOpenSearch()
    first = DeployLock.acquire(Cluster(fake), "legalsearch", wait=0, clock=clock_at(T0))
    with pytest.raises(LockHeldError, match=f"locked by deploy by host {socket.gethostname()} \\(pid {os.getpid()}\\)"):
        DeployLock.acquire(Cluster(fake), "legalsearch", wait=0, clock=clock_at(T0))
    first.release()
    again = DeployLock.acquire(Cluster(fake), "legalsearch", wait=0, clock=clock_at(T0))  # free once released
    assert again.took_over is None
    again.release()


def test_a_lock_from_another_machine_with_the_same_host_name_is_judged_by_expiry_only():
    # containers or VMs that share a host name: the holder's pid means nothing in this process table
    fake = FakeOpenSearch()
    _held_on_this_host(fake, _ended_pid())
    fake.hidden_indices[LOCK_INDEX]["docs"]["legalsearch"]["_source"]["owner"]["machine"] = "another-boot:4026531836"
    with pytest.raises(LockHeldError):
        DeployLock.acquire(Cluster(fake), "legalsearch", wait=0, clock=clock_at(T0))


def test_an_expired_lock_is_taken_over_with_its_version_and_one_warning(caplog):
    fake = FakeOpenSearch()
    held_by(fake, expires=T0 - 1, loading="legalsearch-v20261129t005320", seq_no=900)
    with caplog.at_level(logging.WARNING, logger="legalsearch.plugin.lock"):
        lock = DeployLock.acquire(Cluster(fake), "legalsearch", wait=0, clock=clock_at(T0))
    assert [r.getMessage() for r in caplog.records] == [
        "took over the expired deploy lock on legalsearch (deploy by host build-7 (pid 4242) since "
        f"{SINCE}, expires 2026-11-30T00:53:19Z)"]
    assert lock.took_over.startswith("deploy by host build-7")
    takeover = [c for c in fake.calls if c.method == "PUT" and c.path == f"/{LOCK_INDEX}/_doc/legalsearch"]
    assert [c.params for c in takeover] == [{"if_seq_no": 900, "if_primary_term": 1}]
    # what the dead holder was loading is now an unfinished deploy: no prune may delete it
    assert lock_doc(fake)["unfinished"] == {
        "legalsearch-v20261129t005320": {"host": "build-7", "pid": 4242, "since": T0}}


def test_two_processes_taking_over_the_same_expired_lock_one_wins():
    """The loser's conditional write meets the winner's new version (409): it reads again and finds a live lock."""
    fake = FakeOpenSearch()
    held_by(fake, expires=T0 - 1)
    winner = {}

    def race(call):
        if call.method == "PUT" and call.path.endswith("/_doc/legalsearch") and not winner:
            winner["done"] = True
            held_by(fake, expires=T0 + 300, seq_no=901)  # another process's takeover landed first
        return None

    fake.before = race
    with pytest.raises(LockHeldError, match="build-7"):
        DeployLock.acquire(Cluster(fake), "legalsearch", wait=0, clock=clock_at(T0))
    assert lock_doc(fake)["expires"] == T0 + 300


def test_a_lost_lock_stops_the_alias_swap_before_it_touches_the_alias():
    fake = FakeOpenSearch()
    cluster = Cluster(fake)
    fake.indices["legalsearch-v1"] = {"body": {}, "docs": {}}
    lock = DeployLock.acquire(cluster, "legalsearch", clock=clock_at(T0))
    held_by(fake, seq_no=999)  # it expired and another process took it over
    with pytest.raises(LockLostError, match="taken over by another process"):
        idx.swap_alias(cluster, "legalsearch", "legalsearch-v1", lock=lock)
    assert "/_aliases" not in fake.paths() and "legalsearch" not in fake.aliases
    lock.release()  # not ours any more: nothing deleted
    assert lock_doc(fake)["owner"]["token"] == "other"


def test_swap_alias_alone_takes_and_releases_the_lock():
    fake = FakeOpenSearch()
    fake.indices["legalsearch-v1"] = {"body": {}, "docs": {}}
    assert idx.swap_alias(Cluster(fake), "legalsearch", "legalsearch-v1") == []
    assert fake.aliases["legalsearch"] == {"legalsearch-v1"}
    methods = [(m, p.rsplit("/", 2)[-2]) for m, p, _ in lock_calls(fake)]
    assert methods == [("HEAD", ""), ("PUT", ""), ("PUT", "_create"), ("PUT", "_doc"), ("DELETE", "_doc")]
    assert lock_doc(fake) is None
    held_by(fake, expires=FAR)
    with pytest.raises(LockHeldError):
        idx.swap_alias(Cluster(fake), "legalsearch", "legalsearch-v1")


def test_the_heartbeat_pushes_the_expiry_while_the_lock_is_held():
    fake = FakeOpenSearch()
    now = [T0]
    lock = DeployLock.acquire(Cluster(fake), "legalsearch", ttl=60, clock=lambda: now[0])
    beats = threading.Event()
    fake.before = lambda call: beats.set() if call.method == "PUT" and "_doc" in call.path else None
    now[0] = T0 + 50
    lock.start_heartbeat(interval=0.01)
    assert beats.wait(5)
    lock.release()
    assert lock_doc(fake) is None
    refreshed = [c.body["expires"] for c in fake.calls if c.method == "PUT" and "_doc" in c.path]
    assert refreshed and set(refreshed) == {T0 + 110}


def test_release_with_an_index_still_loading_records_it_as_unfinished_and_the_next_taker_keeps_it(caplog):
    fake = FakeOpenSearch()
    cluster = Cluster(fake)
    lock = DeployLock.acquire(cluster, "legalsearch", clock=clock_at(T0))
    lock.set_loading("legalsearch-v20261129t005320")
    lock.release()
    doc = lock_doc(fake)
    assert doc["released"] and doc["loading"] is None
    assert doc["unfinished"] == {"legalsearch-v20261129t005320": {
        "host": socket.gethostname(), "pid": os.getpid(), "since": T0}}
    with caplog.at_level(logging.WARNING, logger="legalsearch.plugin.lock"):
        again = DeployLock.acquire(cluster, "legalsearch", wait=0, clock=clock_at(T0 + 5))
    assert not caplog.records and again.took_over is None  # a released lock is free, not stale
    assert list(again.protected()) == ["legalsearch-v20261129t005320"]
    again.finish_loading("legalsearch-v20261129t005320")  # the resumed deploy completed it
    again.release()
    assert lock_doc(fake) is None


# -- prune -------------------------------------------------------------------------------------------------------
def test_prune_keeps_loading_unfinished_and_locally_resumable_indices_and_says_why(tmp_path):
    fake = FakeOpenSearch()
    cluster = Cluster(fake)
    for stamp in ("20261101t000000", "20261102t000000", "20261103t000000", "20261104t000000", "20261105t000000"):
        fake.indices[f"legalsearch-v{stamp}"] = {"body": {}, "docs": {}}
    fake.indices["legalsearch-vat-v20261101t000000"] = {"body": {}, "docs": {}}  # another alias's index
    fake.aliases["legalsearch"] = {"legalsearch-v20261105t000000"}
    held_by(fake, released=True, unfinished={
        "legalsearch-v20261102t000000": {"host": "build-7", "pid": 4242, "since": T0},
        "legalsearch-v20261001t000000": {"host": "build-7", "pid": 4241, "since": T0}})  # deleted since
    write_state(tmp_path / "legalsearch.json", {"index": "legalsearch-v20261103t000000", "fingerprint": "f"})
    said = []
    pruned = prune(cluster, "legalsearch", state_dir=tmp_path, echo=said.append)
    assert pruned == ["legalsearch-v20261101t000000", "legalsearch-v20261104t000000"]
    assert said == [
        f"kept legalsearch-v20261102t000000: an unfinished deploy by host build-7 (pid 4242, since {SINCE}) can "
        "resume into it",
        f"kept legalsearch-v20261103t000000: the interrupted deploy in {tmp_path / 'legalsearch.json'} resumes "
        "into it"]
    assert sorted(fake.indices) == ["legalsearch-v20261102t000000", "legalsearch-v20261103t000000",
                                    "legalsearch-v20261105t000000", "legalsearch-vat-v20261101t000000"]
    # the record of the index deleted since is dropped; the live one stays, and the lock is free again
    doc = lock_doc(fake)
    assert doc["released"] and list(doc["unfinished"]) == ["legalsearch-v20261102t000000"]


def test_prune_waits_for_a_running_deploy_and_never_runs_beside_it(tmp_path):
    fake = FakeOpenSearch()
    fake.indices["legalsearch-v20261101t000000"] = {"body": {}, "docs": {}}
    held_by(fake, expires=FAR, loading="legalsearch-v20261101t000000")
    with pytest.raises(LockHeldError, match="build-7"):
        prune(Cluster(fake), "legalsearch", lock_wait=0)
    assert "legalsearch-v20261101t000000" in fake.indices


def test_indices_for_ignores_another_alias_that_starts_with_this_one():
    fake = FakeOpenSearch()
    for name in ("legal-v20261101t000000", "legal-vat-v20261101t000000", "legal-v2-v20261101t000000",
                 "legal-v1000000000"):
        fake.indices[name] = {"body": {}, "docs": {}}
    assert idx.indices_for(Cluster(fake), "legal") == ["legal-v1000000000", "legal-v20261101t000000"]


# -- deploy under the lock ---------------------------------------------------------------------------------------
def test_deploy_takes_the_lock_for_its_whole_run_and_releases_it(tmp_path):
    fake = FakeOpenSearch()
    result = deploy(Cluster(fake), corpus(tmp_path), options(tmp_path), encoder=FakeEncoder(dimension=4),
                    sleep=no_sleep)
    paths = [(c.method, c.path) for c in fake.calls]
    create = paths.index(("PUT", f"/{LOCK_INDEX}/_create/legalsearch"))
    assert create < paths.index(("PUT", f"/{result.index}"))  # before the first write
    loading = [c.body["loading"] for c in fake.calls if c.method == "PUT" and c.path == f"/{LOCK_INDEX}/_doc/legalsearch"]
    assert loading == [result.index, result.index, None]  # set_loading, refresh before the swap, finish_loading
    assert paths[-1] == ("DELETE", f"/{LOCK_INDEX}/_doc/legalsearch") and lock_doc(fake) is None


def test_a_second_deploy_on_a_locked_alias_changes_nothing_and_names_the_holder(tmp_path):
    fake = FakeOpenSearch()
    held_by(fake, expires=FAR)
    with pytest.raises(LockHeldError, match=r"^alias 'legalsearch' is locked by deploy by host build-7 \(pid 4242\)"):
        deploy(Cluster(fake), corpus(tmp_path), options(tmp_path, lock_wait=0), encoder=FakeEncoder(dimension=4),
               sleep=no_sleep)
    assert not fake.indices and not fake.search_pipelines
    assert lock_doc(fake)["owner"]["token"] == "other"


def test_interrupted_deploy_leaves_an_unfinished_record_that_another_deploys_prune_keeps(tmp_path, monkeypatch):
    fake = FakeOpenSearch()
    cluster = Cluster(fake)
    monkeypatch.setattr(deploy_mod.idx, "versioned_name",
                        names("20261101t000000", "20261102t000000", "20261103t000000"))
    path = corpus(tmp_path)  # written once: the resume fingerprint holds its mtime
    deploy(cluster, path, options(tmp_path), encoder=FakeEncoder(dimension=4), sleep=no_sleep)
    fake.before = lambda call: KeyboardInterrupt() if call.path == "/_bulk" else None
    with pytest.raises(KeyboardInterrupt):
        deploy(cluster, path, options(tmp_path, batch_size=2), encoder=FakeEncoder(dimension=4), sleep=no_sleep)
    fake.before = None
    doc = lock_doc(fake)
    since = doc["unfinished"]["legalsearch-v20261102t000000"]["since"]
    assert doc["released"] and doc["unfinished"] == {"legalsearch-v20261102t000000": {
        "host": socket.gethostname(), "pid": os.getpid(), "since": since}}
    # another machine (another state directory), another corpus, with --prune: the interrupted index survives
    other = tmp_path / "other"
    other.mkdir()
    said = []
    result = deploy(cluster, corpus(other, 3), options(other, prune=True), encoder=FakeEncoder(dimension=4),
                    sleep=no_sleep, echo=said.append)
    assert result.pruned == ["legalsearch-v20261101t000000"]
    assert [line for line in said if line.startswith("kept")] == [
        "kept legalsearch-v20261102t000000: an unfinished deploy by host "
        f"{socket.gethostname()} (pid {os.getpid()}, since {time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime(since))}) "
        "can resume into it"]
    assert sorted(fake.indices) == ["legalsearch-v20261102t000000", "legalsearch-v20261103t000000"]
    # the first machine's rerun resumes into it and completes; the record goes with it
    again = deploy(cluster, path, options(tmp_path, batch_size=2), encoder=FakeEncoder(dimension=4),
                   sleep=no_sleep)
    assert again.resumed and again.index == "legalsearch-v20261102t000000"
    assert lock_doc(fake) is None


def test_deploy_takes_over_an_expired_lock_and_says_so(tmp_path):
    fake = FakeOpenSearch()
    held_by(fake, expires=1.0)  # expired long ago
    said = []
    deploy(Cluster(fake), corpus(tmp_path), options(tmp_path), encoder=FakeEncoder(dimension=4), sleep=no_sleep,
           echo=said.append)
    assert said[0] == ("warning: took over the expired deploy lock on legalsearch (deploy by host build-7 "
                       f"(pid 4242) since {SINCE}, expires 1970-01-01T00:00:01Z)")


# -- local state -------------------------------------------------------------------------------------------------
def test_state_is_written_atomically_and_read_back(tmp_path):
    path = tmp_path / "state" / "legalsearch.json"
    write_state(path, {"index": "legalsearch-v1", "fingerprint": "abc"})
    write_state(path, {"index": "legalsearch-v2", "fingerprint": "def"})
    assert read_state(path) == {"index": "legalsearch-v2", "fingerprint": "def"}
    assert os.listdir(path.parent) == ["legalsearch.json"]  # no temporary file left behind
    assert read_state(tmp_path / "missing.json") is None


def test_a_failed_write_keeps_the_old_state(tmp_path, monkeypatch):
    path = tmp_path / "legalsearch.json"
    write_state(path, {"index": "legalsearch-v1", "fingerprint": "abc"})

    def full_disk(fd):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(deploy_mod.os, "fsync", full_disk)
    with pytest.raises(OSError, match="No space left"):
        write_state(path, {"index": "legalsearch-v2", "fingerprint": "def"})
    assert read_state(path) == {"index": "legalsearch-v1", "fingerprint": "abc"}
    assert os.listdir(tmp_path) == ["legalsearch.json"]


@pytest.mark.parametrize("content, why", [
    ('{"index": "legalsearch-v1", "finger', "not JSON: Unterminated string starting at: line 1 column 29 (char 28)"),
    ("", "not JSON: Expecting value: line 1 column 1 (char 0)"),
    ('["legalsearch-v1"]', "not an object with 'index' and 'fingerprint'"),
    ('{"index": "legalsearch-v1"}', "not an object with 'index' and 'fingerprint'"),
])
def test_a_corrupt_state_file_is_a_typed_error_naming_the_file(tmp_path, content, why):
    path = tmp_path / "legalsearch.json"
    path.write_text(content)
    with pytest.raises(StateFileError) as info:
        read_state(path)
    assert str(info.value) == (f"{path}: deploy state file is corrupt or truncated ({why}); delete it and rerun "
                               "to start a new deploy")


def test_cli_truncated_state_file_is_one_line_and_releases_the_lock(tmp_path, monkeypatch):
    from legalsearch.cli import cli
    from legalsearch.plugin.testing import make_export

    fake = FakeOpenSearch()
    monkeypatch.setattr("legalsearch.plugin.connection.connect",
                        lambda settings, check=True: Cluster(fake, display_url=settings.display_url))
    state = tmp_path / "s"
    state.mkdir()
    (state / "legalsearch.json").write_text('{"index": "legalsearch-v2026')
    result = CliRunner().invoke(cli, ["deploy", str(corpus(tmp_path)), "--export", str(make_export(tmp_path)),
                                      "--quiet", "--state-dir", str(state)], catch_exceptions=False)
    assert result.exit_code == 1
    assert result.output.splitlines() == [
        f"Error: {state / 'legalsearch.json'}: deploy state file is corrupt or truncated (not JSON: Unterminated "
        "string starting at: line 1 column 11 (char 10)); delete it and rerun to start a new deploy"]
    assert lock_doc(fake) is None and not fake.indices


def test_cli_locked_alias_is_one_line_exit_1(tmp_path, monkeypatch):
    from legalsearch.cli import cli
    from legalsearch.plugin.testing import make_export

    fake = FakeOpenSearch()
    held_by(fake, expires=FAR)
    monkeypatch.setattr("legalsearch.plugin.connection.connect",
                        lambda settings, check=True: Cluster(fake, display_url=settings.display_url))
    result = CliRunner().invoke(cli, ["deploy", str(corpus(tmp_path)), "--export", str(make_export(tmp_path)),
                                      "--quiet", "--state-dir", str(tmp_path / "s"), "--lock-wait", "0"],
                                catch_exceptions=False)
    assert result.exit_code == 1
    assert result.output.splitlines() == [
        f"Error: alias 'legalsearch' is locked by deploy by host build-7 (pid 4242) since {SINCE}, expires "
        "2100-01-01T00:00:00Z; waited 0 s (--lock-wait): rerun when it is done"]

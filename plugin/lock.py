"""A lock per alias in the cluster, so that two deploys (or a deploy and a prune) never work on one alias at once.

The lock is one document in the hidden index ``legalsearch-locks``, its id the alias. It is taken with
``op_type=create`` (HTTP 409 when another process holds it) and every later write or delete names the
``_seq_no``/``_primary_term`` it read (optimistic concurrency), so two processes can never both believe they own it.
The index is hidden, not named with a leading dot: OpenSearch reserves dot-names for system indices and warns on
every request that creates or writes one.

The document says who holds the lock (host, pid, a random token), for what, since when and until when
(``expires``: the holder's clock plus ``ttl``; a heartbeat thread pushes it forward while a long ingest runs), the
index its owner is loading, and ``unfinished``: indices of deploys that stopped before their alias swap and that a
rerun can resume. ``prune`` never deletes those, from any machine. A lock past its expiry (its holder died or lost
the cluster for longer than ``ttl``) is taken over, with a warning naming the old holder; its loading index then
counts as unfinished. Clocks of the machines that deploy must agree to well within ``ttl`` (NTP).
"""

from __future__ import annotations

import copy
import logging
import os
import secrets
import socket
import threading
import time
from pathlib import Path
from typing import Any, Callable

from legalsearch.errors import LockHeldError, LockLostError, OpenSearchError

from .connection import Cluster

log = logging.getLogger(__name__)

LOCK_INDEX = "legalsearch-locks"
DEFAULT_TTL = 300.0  # seconds a lock outlives its last heartbeat (a killed deploy blocks the alias this long)
DEFAULT_WAIT = 10.0  # seconds a second deploy waits for the lock before it gives up (--lock-wait)
POLL = 1.0  # seconds between two looks at a held lock
LOCK_INDEX_BODY = {
    # one shard; a replica only where there is a second node (a single-node cluster stays green)
    "settings": {"index": {"number_of_shards": 1, "auto_expand_replicas": "0-1", "hidden": True}},
    "mappings": {"dynamic": False, "properties": {}},  # read by id only: nothing to index
}


def _stamp(epoch: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(epoch))


def describe_holder(doc: dict[str, Any]) -> str:
    """``deploy by host h1 (pid 42) since 2026-12-08T01:00:00Z, expires 2026-12-08T01:05:00Z``."""
    owner = doc.get("owner") or {}
    return (f"{doc.get('operation', 'a deploy')} by host {owner.get('host', '?')} (pid {owner.get('pid', '?')}) "
            f"since {_stamp(float(doc.get('acquired', 0)))}, expires {_stamp(float(doc.get('expires', 0)))}")


def _doc_path(alias: str) -> str:
    return f"/{LOCK_INDEX}/_doc/{alias}"


def ensure_lock_index(cluster: Cluster) -> None:
    """Create the hidden lock index once per cluster (two processes racing to create it is fine)."""
    if cluster.request("HEAD", f"/{LOCK_INDEX}", what=f"checking index {LOCK_INDEX}", ignore=(404,)):
        return
    try:
        cluster.request("PUT", f"/{LOCK_INDEX}", body=LOCK_INDEX_BODY, what=f"creating the lock index {LOCK_INDEX}")
    except OpenSearchError as exc:
        if "resource_already_exists" not in str(exc.root_cause or exc):
            raise


def read_lock(cluster: Cluster, alias: str) -> tuple[dict[str, Any], int, int] | None:
    """The lock document of ``alias`` with its ``_seq_no`` and ``_primary_term``; None when nobody holds one."""
    found = cluster.request("GET", _doc_path(alias), what=f"reading the deploy lock of {alias}", ignore=(404,))
    if not found or not found.get("found"):
        return None
    return found["_source"], int(found["_seq_no"]), int(found["_primary_term"])


class DeployLock:
    """The lock on one alias, held by this process. Use :meth:`acquire`; release with :meth:`release` (or ``with``).

    Args (of :meth:`acquire`):
        cluster: the cluster.
        alias: the alias to lock (the document id).
        operation: what the lock is for, shown to whoever waits for it (``deploy``, ``prune``, ``alias swap``).
        wait: seconds to wait for a held lock before :class:`LockHeldError` (0: fail at once).
        ttl: seconds the lock lives past its last heartbeat.
    """

    def __init__(self, cluster: Cluster, alias: str, doc: dict[str, Any], seq_no: int, primary_term: int,
                 ttl: float, clock: Callable[[], float] = time.time, took_over: str | None = None):
        self.cluster, self.alias, self.doc, self.ttl, self.clock = cluster, alias, doc, ttl, clock
        self.seq_no, self.primary_term = seq_no, primary_term
        self.took_over = took_over  # the stale holder this lock replaced, described; None when it was free
        _HELD_TOKENS.add(doc["owner"]["token"])
        self.lost: str | None = None  # why this process no longer owns the lock (the heartbeat met a conflict)
        self._mutex = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    # -- taking it -------------------------------------------------------------------------------------------------
    @classmethod
    def acquire(cls, cluster: Cluster, alias: str, operation: str = "deploy", wait: float = DEFAULT_WAIT,
                ttl: float = DEFAULT_TTL, sleep: Callable[[float], None] = time.sleep,
                clock: Callable[[], float] = time.time) -> DeployLock:
        ensure_lock_index(cluster)
        token = secrets.token_hex(8)
        deadline = clock() + wait
        while True:
            now = clock()
            doc = {"alias": alias, "operation": operation,
                   "owner": {"host": socket.gethostname(), "machine": machine_identity(), "pid": os.getpid(),
                             "token": token},
                   "acquired": now, "expires": now + ttl, "loading": None, "unfinished": {}, "released": False}
            made = cluster.request("PUT", f"/{LOCK_INDEX}/_create/{alias}", body=copy.deepcopy(doc),
                                   what=f"taking the deploy lock of {alias}", ignore=(409,))
            if made:
                return cls(cluster, alias, doc, int(made["_seq_no"]), int(made["_primary_term"]), ttl, clock)
            held = read_lock(cluster, alias)
            if held is None:  # released between our create and our read: try again at once
                continue
            current, seq_no, term = held
            gone = None if current.get("released") else _holder_gone(current)
            stale = not current.get("released") and (float(current.get("expires", 0)) <= now or gone is not None)
            if current.get("released") or stale:
                # a released lock keeps the unfinished deploys it records; a stale holder's index becomes one
                doc["unfinished"] = dict(current.get("unfinished") or {})
                if stale and current.get("loading"):
                    doc["unfinished"][current["loading"]] = _unfinished_entry(current)
                replaced = cluster.request("PUT", _doc_path(alias), body=copy.deepcopy(doc),
                                           params={"if_seq_no": seq_no, "if_primary_term": term},
                                           what=f"taking the deploy lock of {alias}", ignore=(409,))
                if not replaced:  # someone else was quicker: look again
                    continue
                took_over = describe_holder(current) if stale else None
                if took_over:
                    log.warning("took over the %s deploy lock on %s (%s)", gone or "expired", alias, took_over)
                return cls(cluster, alias, doc, int(replaced["_seq_no"]), int(replaced["_primary_term"]), ttl,
                           clock, took_over=took_over)
            if now >= deadline:
                raise LockHeldError(alias, describe_holder(current), wait)
            sleep(min(POLL, max(deadline - now, 0.0)))

    # -- holding it ------------------------------------------------------------------------------------------------
    def _write(self) -> None:
        """Write ``self.doc`` over the version we last wrote; a conflict means another process took the lock."""
        written = self.cluster.request(
            "PUT", _doc_path(self.alias), body=copy.deepcopy(self.doc),  # a snapshot: the heartbeat may change it
            params={"if_seq_no": self.seq_no, "if_primary_term": self.primary_term},
            what=f"updating the deploy lock of {self.alias}", ignore=(409,))
        if not written:
            self.lost = "another process took it over after it expired"
            raise LockLostError(
                f"the deploy lock on {self.alias} was taken over by another process while this one held it "
                f"(no heartbeat for {self.ttl:.0f} s?); nothing more is changed: check the alias, then rerun")
        self.seq_no, self.primary_term = int(written["_seq_no"]), int(written["_primary_term"])

    def refresh(self) -> None:
        """Push the expiry ``ttl`` seconds ahead; raise :class:`LockLostError` if the lock is no longer ours."""
        with self._mutex:
            self._check()
            self.doc["expires"] = self.clock() + self.ttl
            self._write()

    def set_loading(self, index: str) -> None:
        """Record the index this deploy is loading (prune on any machine keeps it)."""
        with self._mutex:
            self._check()
            self.doc["loading"] = index
            self.doc["expires"] = self.clock() + self.ttl
            self._write()

    def finish_loading(self, index: str) -> None:
        """The alias points at ``index`` now: it is complete, no longer loading nor unfinished."""
        with self._mutex:
            self._check()
            if self.doc.get("loading") == index:
                self.doc["loading"] = None
            self.doc["unfinished"].pop(index, None)
            self._write()

    def forget(self, indices: set[str]) -> None:
        """Drop unfinished records of indices that are gone or that the alias serves (complete after all)."""
        with self._mutex:
            if not indices & set(self.doc["unfinished"]):
                return
            self._check()
            for name in indices:
                self.doc["unfinished"].pop(name, None)
            self._write()

    def protected(self) -> dict[str, str]:
        """Index -> why prune must keep it: what this lock's owner loads, and every unfinished deploy's index."""
        out = {name: f"an unfinished deploy by host {entry.get('host', '?')} (pid {entry.get('pid', '?')}, since "
                     f"{_stamp(float(entry.get('since', 0)))}) can resume into it"
               for name, entry in self.doc["unfinished"].items()}
        if self.doc.get("loading"):
            out[self.doc["loading"]] = "this deploy is loading it"
        return out

    def _check(self) -> None:
        if self.lost:
            raise LockLostError(f"the deploy lock on {self.alias} is no longer held by this process ({self.lost})")

    def start_heartbeat(self, interval: float | None = None) -> None:
        """Refresh the lock every ``interval`` seconds (default ``ttl / 4``) in a daemon thread until release."""
        interval = interval if interval is not None else self.ttl / 4

        def beat() -> None:
            while not self._stop.wait(interval):
                try:
                    self.refresh()
                except LockLostError:
                    log.warning("lost the deploy lock on %s: another process took it over", self.alias)
                    return
                except OpenSearchError as exc:  # the cluster is busy or away: try again at the next beat
                    log.info("could not refresh the deploy lock on %s (%s)", self.alias, exc)

        self._thread = threading.Thread(target=beat, name=f"lock-heartbeat-{self.alias}", daemon=True)
        self._thread.start()

    # -- giving it back --------------------------------------------------------------------------------------------
    def release(self) -> None:
        """Give the lock back (only if still ours). An index still loading is recorded as unfinished, so that
        prune keeps it for the rerun that resumes it; a lock with no unfinished deploy is deleted."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=30)
        _HELD_TOKENS.discard(self.doc["owner"]["token"])  # from here on this process holds it no more
        with self._mutex:
            if self.lost:
                return
            try:
                if self.doc.get("loading"):
                    self.doc["unfinished"][self.doc["loading"]] = _unfinished_entry(self.doc)
                    self.doc["loading"] = None
                if self.doc["unfinished"]:
                    self.doc.update(released=True, expires=self.clock())
                    self._write()
                else:
                    gone = self.cluster.request(
                        "DELETE", _doc_path(self.alias),
                        params={"if_seq_no": self.seq_no, "if_primary_term": self.primary_term},
                        what=f"releasing the deploy lock of {self.alias}", ignore=(404, 409))
                    if gone is None:
                        log.warning("the deploy lock on %s was taken over before this process released it",
                                    self.alias)
            except (OpenSearchError, LockLostError) as exc:  # never hide the outcome of the run it guarded
                log.warning("could not release the deploy lock on %s (%s); it expires at %s", self.alias, exc,
                            _stamp(float(self.doc["expires"])))
            self.lost = "released"

    def __enter__(self) -> DeployLock:
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()


_HELD_TOKENS: set[str] = set()  # tokens of the locks this process holds now (a DeployLock between acquire and release)


def machine_identity() -> str | None:
    """This boot of this machine and this process-id namespace: two containers (or VMs) with the same host name
    differ in one of them, so a pid is only ever looked up where it means the same process. None where Linux's
    /proc does not tell (then holders are judged by expiry only)."""
    try:
        boot = Path("/proc/sys/kernel/random/boot_id").read_text().strip()
        namespace = os.stat("/proc/self/ns/pid").st_ino
    except OSError:
        return None
    return f"{boot}:{namespace}"


def _process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process: alive
        return True
    return True


def _holder_gone(doc: dict[str, Any]) -> str | None:
    """Why an unexpired lock's holder is known to be gone, or None: a lock taken on this host by a process that no
    longer runs (killed, or its release could not reach the cluster), or by this very process in a run that ended
    without releasing it (the cluster was away or blocked writes). Such a lock would otherwise block the alias
    until it expires, although nobody is working on it. Holders on other hosts are judged by expiry only."""
    owner = doc.get("owner") or {}
    here = machine_identity()
    if here is None or owner.get("host") != socket.gethostname() or owner.get("machine") != here:
        return None  # another machine (or container) whose process ids mean nothing here
    try:
        pid = int(owner.get("pid"))
    except (TypeError, ValueError):
        return None
    if pid == os.getpid():
        return None if owner.get("token") in _HELD_TOKENS else "abandoned (by an earlier run in this process)"
    return None if _process_alive(pid) else f"abandoned (its process {pid} on this host has ended)"


def _unfinished_entry(doc: dict[str, Any]) -> dict[str, Any]:
    owner = doc.get("owner") or {}
    return {"host": owner.get("host"), "pid": owner.get("pid"), "since": doc.get("acquired")}


def delete_lock(cluster: Cluster, alias: str) -> None:
    """Remove the alias's lock document whoever holds it (teardown of the whole deployment)."""
    cluster.request("DELETE", _doc_path(alias), what=f"deleting the deploy lock of {alias}", ignore=(404,))

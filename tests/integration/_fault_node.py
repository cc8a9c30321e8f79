"""A second, private OpenSearch node for the fault tests: killed, restarted, throttled and filled without touching
the shared node that every other integration test uses.

It is started by ``scripts/opensearch-node`` itself (``--port`` and ``LEGALSEARCH_OPENSEARCH_CACHE``), so it is the
same distribution, plugins and start-up path as the shared node. The already-assembled distribution is reused:
the private cache's ``home/`` holds symbolic links to the shared ``home/`` entries (``bin``, ``lib``, ``modules``,
``plugins``...), and ``djl/`` links to the shared PyTorch natives. Only ``config/`` is a real copy, and the node reads
its settings from its own configuration folder (``OPENSEARCH_PATH_CONF``), where static node settings such as a tiny
write queue can be set. Data, logs, pid and port live in the private cache and go away with it.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[2]
NODE_SCRIPT = REPO_ROOT / "scripts" / "opensearch-node"


def _version() -> str:
    for line in (REPO_ROOT / "scripts" / "opensearch-versions.env").read_text().splitlines():
        if line.startswith("OPENSEARCH_VERSION="):
            return line.split("=", 1)[1].strip()
    raise RuntimeError("OPENSEARCH_VERSION missing from scripts/opensearch-versions.env")


def shared_root() -> Path:
    """The version folder of the shared node's cache (where `scripts/opensearch-node assemble` puts it)."""
    base = os.environ.get("LEGALSEARCH_OPENSEARCH_CACHE")
    if base:
        root = Path(base)
    else:
        root = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "legalsearch" / "opensearch"
    return root / _version()


class FaultNode:
    """A private single node. ``settings`` go into its ``opensearch.yml`` (static node settings are allowed)."""

    def __init__(self, root: Path, settings: dict[str, Any] | None = None, heap: str = "768m"):
        self.cache = Path(root)
        self.root = self.cache / _version()
        self.conf = self.cache / "conf"
        self.settings = dict(settings or {})
        self.heap = heap
        self.port: int | None = None
        self.url: str | None = None

    # -- set-up --------------------------------------------------------------------------------------------------
    def _env(self) -> dict[str, str]:
        return dict(os.environ, LEGALSEARCH_OPENSEARCH_CACHE=str(self.cache), OPENSEARCH_PATH_CONF=str(self.conf))

    def prepare(self) -> None:
        """Assemble the shared distribution if needed (no-op when it is there), then link it into the private cache."""
        assembled = subprocess.run([sys.executable, str(NODE_SCRIPT), "assemble"], capture_output=True, text=True,
                                   timeout=1200)
        if assembled.returncode != 0:
            raise RuntimeError(f"scripts/opensearch-node assemble failed:\n{assembled.stderr[-3000:]}")
        shared = shared_root()
        home = self.root / "home"
        home.mkdir(parents=True, exist_ok=True)
        for entry in (shared / "home").iterdir():
            target = home / entry.name
            if entry.name == "config":
                if not target.exists():
                    shutil.copytree(entry, target)
            elif entry.name == "logs":
                target.mkdir(exist_ok=True)
            elif entry.name.startswith(".legalsearch-assembled"):
                shutil.copy2(entry, target)  # the assembled marker: `start` then skips assembling
            elif not target.exists() and not target.is_symlink():
                target.symlink_to(entry, target_is_directory=entry.is_dir())
        djl = self.root / "djl"
        if not djl.exists() and not djl.is_symlink():
            djl.symlink_to(shared / "djl", target_is_directory=True)
        if not self.conf.exists():
            shutil.copytree(shared / "home" / "config", self.conf)
        lines = [
            "# written by tests/integration/_fault_node.py",
            "cluster.name: legalsearch-fault-test",
            "node.name: legalsearch-fault-node",
            "discovery.type: single-node",
            "network.host: 127.0.0.1",
            "action.auto_create_index: true",
        ]
        lines += [f"{key}: {json.dumps(value)}" for key, value in self.settings.items()]
        (self.conf / "opensearch.yml").write_text("\n".join(lines) + "\n", encoding="utf-8")

    # -- life cycle ----------------------------------------------------------------------------------------------
    def _script(self, *args: str, timeout: float = 600) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, str(NODE_SCRIPT), *args], capture_output=True, text=True,
                              timeout=timeout, env=self._env())

    def start(self, timeout: float = 480) -> str:
        if self.port is None:  # never 9200: that is where the shared node (or a developer's) is expected
            with socket.socket() as sock:
                sock.bind(("127.0.0.1", 0))
                self.port = sock.getsockname()[1]
        # a restart comes back on the same port, so URLs held by the test stay valid
        args = ["start", "--heap", self.heap, "--timeout", str(int(timeout)), "--port", str(self.port)]
        started = self._script(*args, timeout=timeout + 120)
        if started.returncode != 0:
            raise RuntimeError(f"fault node did not start (exit {started.returncode}):\n{started.stderr[-4000:]}")
        self.url = started.stdout.strip().splitlines()[-1]
        self.port = int(self.url.rsplit(":", 1)[1])
        return self.url

    def pid(self) -> int | None:
        try:
            return int((self.root / "run" / "pid").read_text().strip())
        except (OSError, ValueError):
            return None

    def kill(self, timeout: float = 60) -> None:
        """SIGKILL the node (no shutdown hooks, no flush: what a crashed or OOM-killed machine does)."""
        pid = self.pid()
        if pid is None:
            raise RuntimeError("fault node has no pid file")
        os.kill(pid, signal.SIGKILL)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                return
            if Path(f"/proc/{pid}/stat").is_file() and " Z " in Path(f"/proc/{pid}/stat").read_text():
                try:
                    os.waitpid(pid, os.WNOHANG)
                except ChildProcessError:
                    pass
                return
            time.sleep(0.2)
        raise RuntimeError(f"fault node pid {pid} survived SIGKILL for {timeout:.0f}s")

    def stop(self) -> None:
        self._script("stop", timeout=180)

    # -- REST without legalsearch (set-up and restore must not depend on the code under test) --------------------
    def http(self, method: str, path: str, body: Any = None, timeout: float = 60) -> tuple[int, Any]:
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(f"{self.url}{path}", data=data, method=method,
                                         headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                raw, status = response.read().decode(), response.status
        except urllib.error.HTTPError as error:
            raw, status = error.read().decode(errors="replace"), error.code
        try:
            return status, json.loads(raw)
        except ValueError:
            return status, raw

    def cluster_settings(self, persistent: dict[str, Any]) -> None:
        status, body = self.http("PUT", "/_cluster/settings", {"persistent": persistent})
        if status != 200:
            raise RuntimeError(f"PUT _cluster/settings {persistent} failed ({status}): {body}")


class FaultCluster(FaultNode):
    """A private loopback cluster (``scripts/opensearch-node start --nodes N --ml-nodes M``) for node-loss tests.

    Same linked distribution as :class:`FaultNode`; each node has its own config, data and logs under the private
    cache's ``nodes/<name>/`` and its pid in ``run/<name>.pid`` (listed in ``run/cluster.json``).
    """

    def __init__(self, root: Path, nodes: int = 3, ml_nodes: int = 1, heap: str = "768m"):
        super().__init__(root, heap=heap)
        self.nodes, self.ml_nodes = nodes, ml_nodes

    def _env(self) -> dict[str, str]:
        env = dict(os.environ, LEGALSEARCH_OPENSEARCH_CACHE=str(self.cache))
        env.pop("OPENSEARCH_PATH_CONF", None)  # each cluster node gets its own config folder from the script
        return env

    def start(self, timeout: float = 480) -> str:
        if self.port is None:
            with socket.socket() as sock:
                sock.bind(("127.0.0.1", 0))
                self.port = sock.getsockname()[1]
        # the first start makes the whole cluster; a later one starts only the nodes that are down
        args = ["start", "--nodes", str(self.nodes), "--ml-nodes", str(self.ml_nodes), "--heap", self.heap,
                "--timeout", str(int(timeout)), "--port", str(self.port)]
        started = self._script(*args, timeout=timeout + 120)
        if started.returncode != 0:
            raise RuntimeError(f"fault cluster did not start (exit {started.returncode}):\n{started.stderr[-4000:]}")
        self.url = started.stdout.strip().splitlines()[-1]
        return self.url

    def layout(self) -> dict[str, Any]:
        return json.loads((self.root / "run" / "cluster.json").read_text())

    def node_url(self, name: str) -> str:
        node = next(n for n in self.layout()["nodes"] if n["name"] == name)
        return f"http://127.0.0.1:{node['http_port']}"

    def node_pid(self, name: str) -> int | None:
        try:
            return int((self.root / "run" / f"{name}.pid").read_text().strip())
        except (OSError, ValueError):
            return None

    def kill_node(self, name: str, timeout: float = 60) -> None:
        """SIGKILL one node of the cluster."""
        pid = self.node_pid(name)
        if pid is None:
            raise RuntimeError(f"cluster node {name} has no pid file")
        os.kill(pid, signal.SIGKILL)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            stat = Path(f"/proc/{pid}/stat")
            if not stat.is_file() or " Z " in stat.read_text():
                return
            time.sleep(0.2)
        raise RuntimeError(f"cluster node {name} (pid {pid}) survived SIGKILL for {timeout:.0f}s")

    def http(self, method: str, path: str, body: Any = None, timeout: float = 60, url: str | None = None):
        saved = self.url
        try:
            self.url = url or self.url
            return super().http(method, path, body, timeout)
        finally:
            self.url = saved

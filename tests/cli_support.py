"""Running the real ``legalsearch`` command in a subprocess, as a user's terminal shows it (unit and integration
tests of the CLI's error messages share these)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

from _support import REPO_ROOT


def run_cli(*args: str, home: Path, timeout: float = 60) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LEGALSEARCH_OPENSEARCH")}
    env["HOME"] = str(home)  # no user config file
    return subprocess.run([sys.executable, "-m", "legalsearch", *args], capture_output=True, text=True,
                          env=env, cwd=REPO_ROOT, timeout=timeout)


def assert_short_and_helpful(result: subprocess.CompletedProcess, *needles: str) -> None:
    output = (result.stdout + result.stderr).strip()
    assert result.returncode == 1, output
    assert "Traceback" not in output, output
    lines = output.splitlines()
    assert len(lines) <= 2, output
    assert lines[0].startswith("Error: "), output
    for needle in needles:
        assert needle in output, f"{needle!r} not in:\n{output}"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]

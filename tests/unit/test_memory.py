"""Freed memory handed back between bench's seeds (legalsearch.memory): the figures it logs come from /proc, and a
libc without malloc_trim still gets the collection."""

from __future__ import annotations

import gc
import logging
import sys

import pytest

from legalsearch import memory

linux = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc/self/status")


@linux
def test_resident_set_is_read_from_proc():
    figures = memory.resident_mb()
    assert figures["now"] > 0 and figures["peak"] >= figures["now"]


# Run in a fresh interpreter: in the test session's own process, what earlier tests freed decides what a trim finds.
HOLES = """
import json
from legalsearch import memory

# medium blocks from glibc's heap (below its mmap threshold), each followed by a small one that stays alive:
# freeing the medium ones leaves holes the heap cannot shrink past, which stay resident until trimmed
blocks, pins = [], []
for _ in range(3000):  # ~190 MiB, touched
    blocks.append(bytearray(64 * 1024))
    pins.append(bytearray(1024))  # above pymalloc's 512 bytes: from the same glibc heap
grown = memory.resident_mb()["now"]
del blocks
print(json.dumps({"grown": grown, **memory.release_freed_memory("a test stage"), "pins": len(pins)}))
"""


@linux
def test_release_returns_a_freed_heap_to_the_system():
    import json
    import subprocess

    done = subprocess.run([sys.executable, "-c", HOLES], capture_output=True, text=True, check=True)
    figures = json.loads(done.stdout)
    assert figures["before"] > figures["grown"] - 20  # freed, but still resident
    assert figures["after"] < figures["before"] - 100
    assert figures["peak"] > figures["after"] + 100  # the kernel's counters lag by a few pages: no exact equality


def test_release_logs_what_it_did(caplog):
    with caplog.at_level(logging.INFO, logger="legalsearch.memory"):
        figures = memory.release_freed_memory("a test stage")
    assert "memory after a test stage" in caplog.text and "MiB peak so far" in caplog.text
    assert set(figures) == {"before", "after", "peak"}


def test_without_malloc_trim_the_collection_still_runs(monkeypatch, caplog):
    monkeypatch.setattr(memory.ctypes.util, "find_library", lambda name: None)
    memory._libc_malloc_trim.cache_clear()  # looked up once per process: look again without a libc
    collected = []
    monkeypatch.setattr(memory.gc, "collect", lambda: collected.append(True) or 0)
    with caplog.at_level(logging.INFO, logger="legalsearch.memory"):
        memory.release_freed_memory("a stage")
    assert collected == [True]
    assert "malloc_trim unavailable" in caplog.text
    monkeypatch.undo()
    memory._libc_malloc_trim.cache_clear()
    gc.collect()


def test_the_release_can_be_turned_off_for_the_benchmark(monkeypatch):
    monkeypatch.setenv("LEGALSEARCH_RELEASE_MEMORY", "0")
    monkeypatch.setattr(memory.gc, "collect", lambda: pytest.fail("collected although the release is off"))
    figures = memory.release_freed_memory("a stage")
    assert figures["after"] == figures["before"]

"""Give freed memory back to the operating system between the long stages of one process.

``bench --seeds N`` mines, trains, exports and evaluates N times in one process. Without this, the ACORD run of
2026-12-01 peaked at 3,500 MiB during its first seed and at 4,066 MiB from its second on: what the first seed's
models, ONNX sessions and training batches had freed stayed mapped in glibc's heap (CPython and torch allocate
through it, and after large frees glibc raises its mmap threshold, so later large blocks come from that heap and
fragment it). :func:`release_freed_memory` collects reference cycles and asks glibc to return free heap pages;
the figures it reports are the process's resident set now and its high-water mark, from ``/proc``.
``LEGALSEARCH_RELEASE_MEMORY=0`` turns the release off (``benchmarks/seed_memory.py`` measures with and without).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
import gc
import logging
import os
from pathlib import Path

log = logging.getLogger(__name__)


def resident_mb() -> dict[str, float | None]:
    """``{"now": VmRSS, "peak": VmHWM}`` of this process in MiB (``None`` where ``/proc`` does not say)."""
    values: dict[str, float | None] = {"now": None, "peak": None}
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            key, _, rest = line.partition(":")
            if key in ("VmRSS", "VmHWM"):
                values["now" if key == "VmRSS" else "peak"] = round(int(rest.split()[0]) / 1024, 1)
    except OSError:
        pass
    return values


def release_freed_memory(stage: str) -> dict[str, float | None]:
    """Collect garbage and return free heap pages to the system (glibc's ``malloc_trim``; elsewhere only the
    collection); log and return the resident set before and after, so the effect shows in ``-v`` output."""
    before = resident_mb()["now"]
    if os.environ.get("LEGALSEARCH_RELEASE_MEMORY", "1") == "0":
        log.info("memory after %s: %s MiB resident (release off: LEGALSEARCH_RELEASE_MEMORY=0)", stage, before)
        return {"before": before, "after": before, "peak": resident_mb()["peak"]}
    gc.collect()
    trimmed = _malloc_trim()
    after = resident_mb()
    log.info("memory after %s: %s MiB resident (was %s before release%s), %s MiB peak so far", stage,
             after["now"], before, "" if trimmed else "; malloc_trim unavailable", after["peak"])
    return {"before": before, "after": after["now"], "peak": after["peak"]}


@functools.lru_cache(maxsize=1)
def _libc_malloc_trim():
    """glibc's ``malloc_trim``, looked up once (``find_library`` runs a subprocess on some systems); ``None`` on
    musl or macOS, which have none."""
    name = ctypes.util.find_library("c")
    try:
        libc = ctypes.CDLL(name) if name else None
    except OSError:
        return None
    return getattr(libc, "malloc_trim", None)


def _malloc_trim() -> bool:
    trim = _libc_malloc_trim()
    if trim is None:  # the collection in release_freed_memory is all there is
        return False
    trim(0)
    return True

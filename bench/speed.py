"""Encoder speed, measured one way for ``legalsearch bench`` and ``benchmarks/encode_speed.py``.

Both used to time encoders their own way, and on the same machine they disagreed by more than the effect they
measure: on a held-out statute set ``bench`` reported int8 at 7.6 ms per query (2.6× PyTorch) where
``encode_speed`` reported 2.6 ms (6.5–7×). ``bench`` timed each encoder once, one after the other, right after
encoding the corpus with the one before: whatever ran just before (another encoder's spinning thread pool, a
garbage-collection pass, another job on the machine) landed on one encoder only, and a single pass has no spread
to show it. This module is what both call now:

* every encoder is warmed up at both shapes it is timed at (batch 1 and the largest full batch), so one-time costs
  (graph optimization, the memory arena, kernel selection) stay out of the timed passes;
* the encoders are timed in interleaved rounds, alternating their order, so load from other processes and the
  state one leaves behind fall on all of them alike; the medians over rounds are reported;
* a short pause between encoders lets thread pools that spin after their work (onnxruntime's, OpenMP's) go idle
  before the next one is timed;
* PyTorch and onnxruntime get the same number of threads, and the result records the threads, the clock and the
  load average before and after, so a figure taken on a busy machine says so.
"""

from __future__ import annotations

import os
import statistics
import time
from dataclasses import asdict, dataclass, field
from typing import Callable

import numpy as np

DEFAULT_ROUNDS = 3
DOCUMENT_BATCH = 32
SETTLE_S = 0.05  # long enough for onnxruntime's and OpenMP's spinning worker threads to park


@dataclass
class SpeedConditions:
    """What the figures were measured under (stored beside them: a figure without its load is not comparable)."""

    threads: int
    clock: str
    rounds: int
    queries: int
    documents: int
    document_batch: int
    load_average_at_start: tuple[float, float, float]
    load_average_at_end: tuple[float, float, float] | None = None
    reference: str | None = None

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass
class SpeedResult:
    """Per-encoder figures (label -> dict, the shape ``results.json["speed"]`` has) and their conditions."""

    encoders: dict[str, dict] = field(default_factory=dict)
    conditions: SpeedConditions | None = None

    def to_dict(self) -> dict:
        return {"encoders": self.encoders, "conditions": self.conditions.to_dict() if self.conditions else None}


def percentile_ms(seconds: list[float]) -> dict:
    values = np.array(seconds) * 1000.0
    return {"p50_ms": float(np.percentile(values, 50)), "p90_ms": float(np.percentile(values, 90)),
            "p99_ms": float(np.percentile(values, 99)), "n": int(len(values))}


def align_threads(threads: int) -> None:
    """Give PyTorch the thread count the ONNX sessions use (only when PyTorch is already loaded: no import here)."""
    import sys

    torch = sys.modules.get("torch")
    if torch is not None and threads:
        torch.set_num_threads(threads)


def measure_speed(
    encoders: dict,
    queries: list[str],
    documents: list[str],
    rounds: int = DEFAULT_ROUNDS,
    threads: int | None = None,
    clock: Callable[[], float] = time.perf_counter,
    reference: str | None = "pytorch",
    settle_s: float = SETTLE_S,
) -> SpeedResult:
    """Batch-1 query latency and batch-32 document throughput of each encoder, measured side by side.

    Args:
        encoders: label -> object with ``encode_queries(texts, batch_size)`` and ``encode_documents(...)``.
        queries: texts timed one at a time (each round times all of them).
        documents: texts encoded in batches of 32 once per round; docs/s is the median over rounds.
        rounds: interleaved rounds; odd rounds run the encoders in reverse order.
        threads: recorded in the conditions (the encoders were built with it; see :func:`align_threads`).
        clock: ``time.perf_counter`` (wall) or ``time.process_time`` (CPU time, for a busy machine).
        reference: label the ratios (query speed-up, docs/s ratio) are taken against, when present.
    """
    if not encoders:
        raise ValueError("measure_speed needs at least one encoder")
    if not queries or not documents:
        raise ValueError("measure_speed needs at least one query and one document")
    rounds = max(1, int(rounds))
    load_at_start = os.getloadavg()
    widest = sorted(documents, key=len, reverse=True)[:DOCUMENT_BATCH]
    for encoder in encoders.values():
        encoder.encode_queries(queries[:2], batch_size=1)
        # the first large batches pay onnxruntime's one-time costs (memory arena, kernel set-up), which would
        # otherwise land in the first timed round (on ACORD: int8 16.2 docs/s cold, 24.6 warmed)
        encoder.encode_documents(widest, batch_size=DOCUMENT_BATCH)

    latencies: dict[str, list[float]] = {label: [] for label in encoders}
    rates: dict[str, list[float]] = {label: [] for label in encoders}
    labels = list(encoders)
    for round_no in range(rounds):
        for label in (labels if round_no % 2 == 0 else labels[::-1]):
            encoder = encoders[label]
            time.sleep(settle_s)
            for text in queries:
                started = clock()
                encoder.encode_queries([text], batch_size=1)
                latencies[label].append(clock() - started)
            time.sleep(settle_s)
            started = clock()
            encoder.encode_documents(documents, batch_size=DOCUMENT_BATCH)
            elapsed = clock() - started
            rates[label].append(len(documents) / elapsed if elapsed > 0 else float("nan"))

    figures = {}
    for label in labels:
        figures[label] = {"query_latency": percentile_ms(latencies[label]),
                          "documents_per_second": float(statistics.median(rates[label])),
                          "documents_per_second_rounds": [round(r, 2) for r in rates[label]],
                          "documents": len(documents)}
    if reference in figures:
        ref = figures[reference]
        for row in figures.values():
            row["query_speedup"] = ref["query_latency"]["p50_ms"] / row["query_latency"]["p50_ms"]
            row["throughput_ratio"] = row["documents_per_second"] / ref["documents_per_second"]
    conditions = SpeedConditions(
        threads=threads or 0, clock="process CPU time" if clock is time.process_time else "wall clock",
        rounds=rounds, queries=len(queries), documents=len(documents), document_batch=DOCUMENT_BATCH,
        load_average_at_start=load_at_start, load_average_at_end=os.getloadavg(),
        reference=reference if reference in figures else None,
    )
    return SpeedResult(figures, conditions)

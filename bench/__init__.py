"""The bench layer: ``legalsearch bench``'s measurements, above the core, the exporter and the plugin.

:mod:`~legalsearch.bench.offline` measures offline (core retrievers on the held-out split, bootstrap intervals,
encoder speed), :mod:`~legalsearch.bench.models` picks the exported graphs to measure from the export's report and
the deployment, :mod:`~legalsearch.bench.cluster` measures through a deployed index (the plugin),
:mod:`~legalsearch.bench.report` renders ``report.md`` / ``report.html``, and :mod:`~legalsearch.bench.resume` marks
each finished seed of ``bench --seeds N`` so that the same command run again reuses it. Nothing below this layer
imports it (tests/unit/test_layers.py).
"""

from legalsearch.bench.offline import (  # noqa: F401  (the offline API, as `from legalsearch.bench import ...`)
    HYBRID_ROW,
    BenchResult,
    library_versions,
    machine_info,
    mean_interval,
    onnx_row,
    paired_bootstrap,
    percentile_ms,
    run_bench,
    summarize_seeds,
    tune_hybrid,
)

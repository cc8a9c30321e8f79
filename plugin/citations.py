"""Citations for the index's ``citations`` keyword field: the core's extractor, used at ingest and at search time.

The patterns live in :mod:`legalsearch.citations` (one definition), because offline BM25 sends the same
``citations`` boost the deployed query does and so needs them without the plugin.
"""

from legalsearch.citations import extract_citations, normalize_citation

__all__ = ["extract_citations", "normalize_citation"]

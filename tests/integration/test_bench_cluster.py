"""`legalsearch bench --url` against the real node: the bundled sample, a tiny model and its int8 export.

The documented workflow (docs/benchmarks.md), end to end through the CLI: bench offline (tunes hybrid.json on dev)
→ deploy with client-side vectors and that hybrid.json → bench --url. Checked: the cluster table sits in
results.json beside the offline one, each mode's agreement flag follows the 0.01 NDCG@10 tolerance and the report
marks exactly the disagreeing modes, latency p50/p99 per mode and the deploy's ingest throughput are there, both
reports render the cluster section; and the clear errors for a model of another dimension and a missing index.
"""

from __future__ import annotations

import json
import os
import uuid
from html.parser import HTMLParser

import pytest
from click.testing import CliRunner

from legalsearch.cli import cli

pytestmark = pytest.mark.opensearch

MODES = ("bm25", "neural", "hybrid")
METRICS = ("ndcg@10", "recall@20", "mrr@10")


def _connection_args(url: str) -> list[str]:
    insecure = os.environ.get("LEGALSEARCH_OPENSEARCH_INSECURE") == "1"  # the compose node's demo certificate
    return ["--url", url] + (["--insecure"] if insecure else [])


def _invoke(args: list[str]):
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    return result


@pytest.fixture(scope="module")
def deployed(opensearch_url, tiny_model_dir, sample_path, tmp_path_factory):
    """Offline bench → deploy with its hybrid.json → (alias, export dir, offline output dir)."""
    from legalsearch.plugin.connection import connect, resolve_settings
    from legalsearch.plugin.deploy import undeploy_everything

    root = tmp_path_factory.mktemp("bench-cluster")
    export = root / "export"
    _invoke(["export", str(tiny_model_dir), "--out", str(export), "--no-ndcg", "--allow-degraded"])
    _invoke(["bench", "--model", str(tiny_model_dir), "--base", str(tiny_model_dir), "--onnx", str(export),
             "--bootstrap", "100", "--no-speed", "-o", str(root / "offline")])
    alias = f"it-bench-{uuid.uuid4().hex[:8]}"
    insecure = os.environ.get("LEGALSEARCH_OPENSEARCH_INSECURE") == "1" or None
    cluster = connect(resolve_settings(url=opensearch_url, insecure=insecure))
    try:
        _invoke(["deploy", str(sample_path), "--export", str(export), "--vectors", "client", "--index", alias,
                 "--hybrid-config", str(root / "offline" / "hybrid.json"), "--state-dir", str(root / "state"),
                 "--quiet", *_connection_args(opensearch_url)])
        yield alias, export, root
    finally:
        undeploy_everything(cluster, alias)


@pytest.fixture(scope="module")
def bench_cluster(opensearch_url, deployed, tiny_model_dir):
    alias, export, root = deployed
    out = root / "cluster"
    _invoke(["bench", "--model", str(tiny_model_dir), "--base", str(tiny_model_dir), "--onnx", str(export),
             "--bootstrap", "100", "--no-speed", "--index", alias, "-o", str(out), *_connection_args(opensearch_url)])
    return json.loads((out / "results.json").read_text()), out


def test_cluster_table_sits_beside_the_offline_one(bench_cluster, deployed):
    from legalsearch.bench.cluster import offline_row
    from legalsearch.exporter.report import ExportReport

    results, _ = bench_cluster
    alias, export = deployed[0], deployed[1]
    offline = {row["name"]: row for row in results["rows"]}
    deployable = ExportReport.from_export_dir(export).deployable  # deploy's default: what the index serves
    assert list(offline) == ["bm25", "base", "fine-tuned", f"fine-tuned (onnx {deployable})",
                             "hybrid (bm25 + fine-tuned)"]
    cluster = results["cluster"]
    assert cluster["index"].startswith(f"{alias}-v") and cluster["vectors"] == "client"
    assert list(cluster["modes"]) == list(MODES)
    for mode, row in cluster["modes"].items():
        assert set(row["metrics"]) == set(METRICS) and all(0 <= v <= 1 for v in row["metrics"].values())
        assert row["offline_row"] == offline_row(mode, deployable)
        assert row["offline_ndcg@10"] == offline[offline_row(mode, deployable)]["metrics"]["ndcg@10"]
    # the index's default pipeline has the setting bench tuned on dev, read back from the hybrid.json deploy took
    assert cluster["hybrid_config"] == results["hybrid"]["config"] and cluster["hybrid_same_as_offline"] is True
    assert json.loads((deployed[2] / "offline" / "hybrid.json").read_text()) == results["hybrid"]["config"]


def test_agreement_flags_follow_the_tolerance_and_the_report_marks_them(bench_cluster):
    results, out = bench_cluster
    cluster = results["cluster"]
    assert cluster["tolerance"] == 0.01
    table = {line.split("|")[1].strip(): line for line in (out / "report.md").read_text().splitlines()
             if line.startswith("| ") and line.split("|")[1].strip() in MODES}
    for mode, row in cluster["modes"].items():
        difference = abs(row["metrics"]["ndcg@10"] - row["offline_ndcg@10"])
        assert row["agrees"] == (difference <= 0.01), (mode, difference)
        assert ("**NO**" in table[mode]) == (not row["agrees"]), table[mode]
    # same ONNX encoder, same passages as the offline MaxP: dense retrieval through k-NN must reproduce offline
    assert cluster["modes"]["neural"]["agrees"], cluster["modes"]["neural"]


def test_latency_per_mode_and_ingest_throughput(bench_cluster, sample_path):
    results, _ = bench_cluster
    cluster = results["cluster"]
    test_queries = results["dataset"]["splits"]["test"]["queries"]
    for mode, row in cluster["modes"].items():
        latency = row["latency"]
        assert latency["n"] == test_queries and 0 < latency["p50_ms"] <= latency["p99_ms"], (mode, latency)
    ingest = cluster["ingest"]
    assert (ingest["read"], ingest["indexed"], ingest["failed"]) == (269, 269, 0)
    assert ingest["seconds"] > 0 and ingest["docs_per_second"] == pytest.approx(269 / ingest["seconds"])
    assert ingest["batch_size"] == 64 and ingest["resumed"] is False


class _Page(HTMLParser):
    """Headings, <img> sources and the number of body rows of each table, in document order."""

    def __init__(self):
        super().__init__()
        self.headings, self.images, self.tables = [], [], []
        self._in_heading = self._in_body = False

    def handle_starttag(self, tag, attrs):
        if tag == "h2":
            self._in_heading = True
            self.headings.append("")
        elif tag == "img":
            self.images.append(dict(attrs).get("src", ""))
        elif tag == "tbody":
            self._in_body = True
            self.tables.append(0)
        elif tag == "tr" and self._in_body:
            self.tables[-1] += 1

    def handle_endtag(self, tag):
        if tag == "h2":
            self._in_heading = False
        elif tag == "tbody":
            self._in_body = False

    def handle_data(self, data):
        if self._in_heading:
            self.headings[-1] += data


def test_reports_render_the_cluster_section(bench_cluster):
    results, out = bench_cluster
    markdown = (out / "report.md").read_text()
    section = markdown.split("## Through OpenSearch", 1)[1]
    assert "| mode (through OpenSearch) |" in section and "p50 ms | p99 ms |" in section
    assert all(f"\n| {mode} |" in section for mode in MODES)
    assert f"{results['cluster']['ingest']['docs_per_second']:.1f} docs/s" in section
    assert "the offline setting." in section and "not** the offline setting" not in section

    page = _Page()
    page.feed((out / "report.html").read_text())
    assert page.headings == ["Retrieval quality", "Encoder speed", "Through OpenSearch"]
    assert page.tables[-1] == len(MODES)  # the cluster table, one row per mode
    assert len(page.images) == 2 and all(src.startswith("data:image/png;base64,") for src in page.images)
    assert "docs/s</b>" in (out / "report.html").read_text()


def test_model_of_another_dimension_is_refused_before_the_offline_half(opensearch_url, deployed, sample_path,
                                                                        tmp_path):
    """The index holds the tiny model's 32-dimensional vectors; a 16-dimensional model must not be benchmarked."""
    from _support import build_tiny_model

    texts = [json.loads(line)["text"] for line in (sample_path / "queries.jsonl").read_text().splitlines() if line]
    narrow = build_tiny_model(tmp_path / "narrow", texts, hidden=16)
    out = tmp_path / "out"
    result = CliRunner().invoke(cli, ["bench", "--model", str(narrow), "--base", str(narrow), "--no-onnx",
                                      "--no-speed", "--index", deployed[0], "-o", str(out),
                                      *_connection_args(opensearch_url)])
    assert result.exit_code == 1, result.output
    assert "holds 32-dimensional vectors but the benchmarked model makes 16" in result.output
    assert "legalsearch deploy" in result.output
    assert not (out / "results.json").exists()


def test_missing_index_is_named_before_anything_runs(opensearch_url, tmp_path):
    missing = f"it-missing-{uuid.uuid4().hex[:8]}"
    result = CliRunner().invoke(cli, ["bench", "--no-onnx", "--index", missing, "-o", str(tmp_path / "out"),
                                      *_connection_args(opensearch_url)])
    assert result.exit_code == 1, result.output
    assert f"has no index or alias '{missing}'" in result.output and "legalsearch deploy" in result.output
    assert not (tmp_path / "out").exists()

"""`legalsearch bench --url` against an fp32 deployment embeds its queries with fp32, through the real node.

The export's int8 graph is broken on purpose so that the quality gate fails it and fp32 is the deployable variant;
deploy with client-side vectors embeds the documents with fp32 and records it in the index's ``_meta``. Every query
vector that bench then sends must be the fp32 graph's (not int8's), and the neural mode is compared with the fp32
offline row.
"""

from __future__ import annotations

import json
import os
import uuid

import numpy as np
import pytest
from click.testing import CliRunner

from legalsearch.cli import cli

pytestmark = pytest.mark.opensearch


def _connection_args(url: str) -> list[str]:
    insecure = os.environ.get("LEGALSEARCH_OPENSEARCH_INSECURE") == "1"  # the compose node's demo certificate
    return ["--url", url] + (["--insecure"] if insecure else [])


def _invoke(args: list[str]):
    result = CliRunner().invoke(cli, [str(a) for a in args])
    assert result.exit_code == 0, result.output
    return result


def test_bench_url_sends_the_deployed_fp32_graphs_query_vectors(opensearch_url, tiny_model_dir, sample_path,
                                                               tmp_path, monkeypatch):
    from legalsearch.exporter.encoder import OnnxEncoder
    from legalsearch.exporter.report import ExportReport
    from legalsearch.plugin import search as search_mod
    from legalsearch.plugin.connection import connect, resolve_settings
    from legalsearch.plugin.deploy import undeploy_everything

    from _support import corrupt_int8

    from legalsearch.exporter import quantize

    export = tmp_path / "export"
    with monkeypatch.context() as patch:  # a broken int8 graph: the gate fails it and fp32 ships
        patch.setattr(quantize, "quantize_int8", corrupt_int8(quantize.quantize_int8))
        _invoke(["export", tiny_model_dir, "--out", export, "--no-ndcg", "--allow-degraded"])
    report = ExportReport.from_export_dir(export)
    assert report.deployable == "fp32" and not report.gate_passed, report.summary()  # the setup under test

    alias = f"it-fp32-{uuid.uuid4().hex[:8]}"
    insecure = os.environ.get("LEGALSEARCH_OPENSEARCH_INSECURE") == "1" or None
    cluster = connect(resolve_settings(url=opensearch_url, insecure=insecure))
    sent = []  # (mode, query text, vector) of every query bench builds for the cluster
    build_query = search_mod.build_query

    def recording_build_query(mode, text, k, info, vector=None, **kw):
        sent.append((mode, text, None if vector is None else np.asarray(vector, dtype=np.float32)))
        return build_query(mode, text, k, info, vector, **kw)

    try:
        _invoke(["deploy", sample_path, "--export", export, "--vectors", "client", "--index", alias,
                 "--state-dir", tmp_path / "state", "--quiet", *_connection_args(opensearch_url)])
        assert search_mod.DeploymentInfo.read(cluster, alias).variant == "fp32"

        monkeypatch.setattr(search_mod, "build_query", recording_build_query)
        out = tmp_path / "bench"
        _invoke(["bench", "--model", tiny_model_dir, "--base", tiny_model_dir, "--onnx", export, "--bootstrap", "100",
                 "--no-speed", "--index", alias, "-o", out, *_connection_args(opensearch_url)])
    finally:
        undeploy_everything(cluster, alias)

    results = json.loads((out / "results.json").read_text())
    measured = results["cluster"]
    assert measured["deployed_variant"] == "fp32" and measured["query_encoder"]["variant"] == "fp32"
    assert "fine-tuned (onnx fp32)" in [row["name"] for row in results["rows"]]
    assert "fine-tuned (onnx int8)" not in [row["name"] for row in results["rows"]]
    # the rejected int8 graph is benched all the same, under a name that says it is not what the cluster serves
    per_query = results["per_query"]
    assert per_query["fine-tuned (onnx int8, failed the quality gate)"]["ndcg@10"] != \
        per_query["fine-tuned (onnx fp32)"]["ndcg@10"]  # the broken graph's own scores, not fp32's
    assert measured["modes"]["neural"]["offline_row"] == "fine-tuned (onnx fp32)"

    dense = [(text, vector) for mode, text, vector in sent if mode in ("neural", "hybrid")]
    test_queries = results["dataset"]["splits"]["test"]["queries"]
    assert len(dense) == 2 * test_queries and all(vector is not None for _, vector in dense)
    texts = [text for text, _ in dense]
    vectors = np.stack([vector for _, vector in dense])
    fp32 = OnnxEncoder(export / "fp32").encode_queries(texts)
    int8 = OnnxEncoder(export / "int8").encode_queries(texts)
    np.testing.assert_allclose(vectors, fp32, atol=1e-5)  # the very vectors of the deployed graph
    assert np.abs(vectors - int8).max() > 1e-4  # and int8's are measurably different, so this tells them apart
    # same graph, same passages as the offline MaxP: dense retrieval through k-NN reproduces the fp32 row
    assert measured["modes"]["neural"]["agrees"], measured["modes"]["neural"]

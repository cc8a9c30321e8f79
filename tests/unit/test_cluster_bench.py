"""The cluster half of `legalsearch bench` against the recording fake: agreement flags, report notes, errors.

The fake answers every search with the whole corpus, so the cluster's numbers are fixed and the offline numbers
can be placed just inside and just outside the 0.01 tolerance. tests/integration/test_bench_cluster.py runs the
same path through the CLI against the real node.
"""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from legalsearch.bench.cluster import ClusterTarget, agrees, cluster_bench
from legalsearch.errors import BenchError
from legalsearch.hybrid import HybridConfig
from legalsearch.plugin.connection import Cluster
from legalsearch.plugin.deploy import DeployOptions, deploy
from legalsearch.plugin.search import DeploymentInfo
from legalsearch.plugin.testing import FakeEncoder, FakeOpenSearch
from legalsearch.bench.report import cluster_markdown, cluster_notes

TUNED = {"technique": "l2", "combination": "arithmetic_mean", "weights": [0.7, 0.3], "rank_constant": 60}


@pytest.fixture
def deployed(tmp_path):
    from legalsearch.data import load_dataset
    from test_data import make_dataset

    root = make_dataset(tmp_path / "data")
    cluster = Cluster(FakeOpenSearch())
    deploy(cluster, root, DeployOptions(alias="legal", vectors="client", hybrid=HybridConfig.from_dict(TUNED),
                                        progress=False, state_dir=tmp_path / "state", batch_size=2),
           encoder=FakeEncoder(dimension=8))
    return ClusterTarget(cluster, DeploymentInfo.read(cluster, "legal")), load_dataset(root)


def _offline(ndcg: dict[str, float], hybrid: dict = TUNED) -> dict:
    return {"rows": [{"name": name, "metrics": {"ndcg@10": value}} for name, value in ndcg.items()],
            "hybrid": {"config": hybrid}}


def _rows(bm25=0.0, tuned=0.0, int8=0.0, hybrid=0.0) -> dict[str, float]:
    return {"bm25": bm25, "fine-tuned": tuned, "fine-tuned (onnx int8)": int8, "hybrid (bm25 + fine-tuned)": hybrid}


@pytest.mark.parametrize("cluster_value, offline_value, expected", [
    (0.50, 0.50, True), (0.50, 0.509, True), (0.50, 0.491, True), (0.50, 0.511, False), (0.50, 0.489, False),
    (0.0, 0.02, False),
])
def test_agreement_tolerance_table(cluster_value, offline_value, expected):
    assert agrees(cluster_value, offline_value) is expected


def test_flags_follow_each_mode_and_the_report_marks_only_the_disagreeing_one(deployed):
    target, dataset = deployed
    encoder = FakeEncoder(dimension=8)
    measured = cluster_bench(target, dataset, "test", _offline(_rows()), encoder)
    value = measured["modes"]["bm25"]["metrics"]["ndcg@10"]  # the fake ranks alike in every mode
    assert 0.02 < value <= 1
    result = cluster_bench(target, dataset, "test",
                           _offline(_rows(bm25=value - 0.009, int8=value - 0.011, hybrid=value)), encoder,
                           variant="int8")
    modes = result["modes"]
    assert [modes[m]["agrees"] for m in ("bm25", "neural", "hybrid")] == [True, False, True]
    assert modes["neural"]["offline_row"] == "fine-tuned (onnx int8)"
    assert modes["neural"]["offline_ndcg@10"] == pytest.approx(value - 0.011)
    assert all(modes[m]["latency"]["n"] == 1 for m in modes)  # one test query, one _search each

    table = cluster_markdown({"metrics": ["ndcg@10", "recall@20", "mrr@10"], "cluster": result})
    flagged = [line.split("|")[1].strip() for line in table.splitlines() if "**NO**" in line]
    assert flagged == ["neural"] and "agrees (±0.01)" in table


def test_neural_is_compared_with_the_offline_row_of_the_variant_that_embeds_the_queries(deployed):
    """An fp32 deployment: the fp32 ONNX row is the reference (not int8's), and results say fp32 embedded them."""
    target, dataset = deployed
    encoder = FakeEncoder(dimension=8)
    value = cluster_bench(target, dataset, "test", _offline(_rows()), encoder)["modes"]["neural"]["metrics"]["ndcg@10"]
    rows = {**_rows(int8=value - 0.5), "fine-tuned (onnx fp32)": value}
    result = cluster_bench(target, dataset, "test", _offline(rows), encoder, variant="fp32")
    neural = result["modes"]["neural"]
    assert neural["offline_row"] == "fine-tuned (onnx fp32)" and neural["agrees"]
    assert result["query_encoder"] == {"variant": "fp32", "name": encoder.name}


def test_the_deployed_encoder_is_the_export_and_variant_deploy_recorded(tmp_path, deployed):
    """bench --url --no-onnx: the queries still go out as vectors of the graph that embedded the documents."""
    from legalsearch.data import load_dataset
    from legalsearch.exporter.testing import build_fake_export
    from test_data import make_dataset

    fallback = FakeEncoder(dimension=8)
    assert deployed[0].deployed_encoder(fallback) == (fallback, None)  # a deploy from an in-memory encoder

    export = build_fake_export(tmp_path / "export", texts=["clause"], dim=8, deployable="fp32")
    cluster = Cluster(FakeOpenSearch())
    deploy(cluster, make_dataset(tmp_path / "data2"), DeployOptions(alias="legal", vectors="client", export_dir=export,
                                                                     progress=False, state_dir=tmp_path / "state2"))
    target = ClusterTarget(cluster, DeploymentInfo.read(cluster, "legal"))
    encoder, variant = target.deployed_encoder(fallback)
    assert (encoder.model_dir, variant, target.variant) == (export / "fp32", "fp32", "fp32")
    result = cluster_bench(target, load_dataset(tmp_path / "data2"), "test", _offline(_rows()), encoder, variant)
    assert result["query_encoder"]["variant"] == result["deployed_variant"] == "fp32"


def test_deployed_hybrid_setting_and_ingest_throughput_are_reported(deployed):
    target, dataset = deployed
    result = cluster_bench(target, dataset, "test", _offline(_rows()), FakeEncoder(dimension=8))
    assert result["hybrid_config"] == TUNED and result["hybrid_same_as_offline"] is True
    ingest = result["ingest"]
    assert (ingest["read"], ingest["indexed"], ingest["failed"], ingest["batch_size"]) == (3, 3, 0, 2)
    notes = " ".join(cluster_notes({"cluster": result, "hybrid": {"config": TUNED}}))
    assert "l2 0.7/0.3, the offline setting" in notes and "3 documents in" in notes and "docs/s" in notes


def test_a_different_deployed_hybrid_setting_is_called_out(deployed):
    target, dataset = deployed
    other = {**TUNED, "technique": "min_max", "weights": [0.5, 0.5]}
    result = cluster_bench(target, dataset, "test", _offline(_rows(), hybrid=other), FakeEncoder(dimension=8))
    assert result["hybrid_same_as_offline"] is False
    notes = " ".join(cluster_notes({"cluster": result, "hybrid": {"config": other}}))
    assert "l2 0.7/0.3, **not** the offline setting (min_max 0.5/0.5)" in notes
    assert "--hybrid-config hybrid.json" in notes


def test_index_deployed_without_an_ingest_record_says_so(deployed):
    target, dataset = deployed
    target.info.ingest = None  # an index deployed before deploy kept its ingest report in _meta
    result = cluster_bench(target, dataset, "test", _offline(_rows()), FakeEncoder(dimension=8))
    assert result["ingest"] is None
    assert any("Ingest throughput not recorded" in n for n in cluster_notes({"cluster": result, "hybrid": {}}))


def test_model_of_another_dimension_is_a_clear_error(deployed):
    target, dataset = deployed
    with pytest.raises(BenchError, match=r"holds 8-dimensional vectors but the benchmarked model makes 16: deploy"):
        target.check_dimension(16)
    with pytest.raises(BenchError, match="8-dimensional"):
        cluster_bench(target, dataset, "test", _offline(_rows()), FakeEncoder(dimension=16))
    target.check_dimension(8)


def test_bench_talks_to_a_cluster_only_with_a_url(monkeypatch, tmp_path):
    """--url (or LEGALSEARCH_OPENSEARCH_URL) turns the cluster half on, with the shared connection options; a
    config file alone (written for deploy) must not send an offline benchmark to a cluster."""
    from legalsearch.cli import cli

    opened = []

    def fake_open(cls, settings, index):
        opened.append((settings, index))
        raise BenchError("cluster opened")

    def offline_half(name):
        raise BenchError("offline half reached")

    monkeypatch.setattr(ClusterTarget, "open", classmethod(fake_open))
    monkeypatch.setattr("legalsearch.encoders.resolve_model_name", offline_half)
    config = tmp_path / "opensearch.toml"
    config.write_text('[opensearch]\nurl = "http://config-host:9200"\n')
    env = {"LEGALSEARCH_OPENSEARCH_URL": None, "LEGALSEARCH_OPENSEARCH_USER": None,
           "LEGALSEARCH_OPENSEARCH_PASSWORD": None, "LEGALSEARCH_OPENSEARCH_CONFIG": str(config)}
    runner = CliRunner()
    without = runner.invoke(cli, ["bench", "--no-onnx"], env=env)
    assert "offline half reached" in without.output and opened == []
    with_url = runner.invoke(cli, ["bench", "--no-onnx", "--url", "https://u:p@h:9200", "--insecure", "--index",
                                   "acord"], env=env)
    assert with_url.exit_code == 1 and "cluster opened" in with_url.output
    (settings, index), = opened
    assert (settings.url, settings.username, settings.insecure, index) == ("https://h:9200", "u", True, "acord")


class _Encoder(FakeEncoder):
    """FakeEncoder with the keyword arguments DenseRetriever passes."""

    def encode_queries(self, texts, batch_size=32, show_progress=False):
        return self._encode(texts)

    def encode_documents(self, texts, batch_size=32, show_progress=False):
        return self._encode(texts)


def test_parity_sets_offline_up_as_the_index_is(deployed):
    from legalsearch.bench.cluster import PARITY_TOLERANCE, parity
    from legalsearch.passages import PassageChunker

    target, dataset = deployed
    encoder = _Encoder(dimension=8)
    result = parity(target, dataset, "test", encoder=encoder, k=10)
    assert (result["dataset"], result["vectors"], list(result["modes"])) == ("data", "client",
                                                                            ["bm25", "neural", "hybrid"])
    # the index's own settings, read back from its _meta: the cut deploy used and the default pipeline's setting
    assert result["chunking"] == PassageChunker.for_model(encoder.max_seq_length).pipeline_params()
    assert result["hybrid"] == TUNED and result["tolerance"] == PARITY_TOLERANCE == 0.005
    documents = list(dataset.corpus.values())
    assert result["passages"] == sum(len(PassageChunker(**result["chunking"]).split_text(d.full_text) or [d])
                                     for d in documents)
    for mode, row in result["modes"].items():
        assert 0 <= row["offline"] <= 1 and 0 <= row["cluster"] <= 1, mode
        assert row["difference"] == pytest.approx(row["cluster"] - row["offline"], abs=1e-4)
        assert row["agrees"] == (abs(row["cluster"] - row["offline"]) <= 0.005), (mode, row)


def test_parity_needs_the_deployed_encoder_and_hybrid_setting(deployed):
    from dataclasses import replace

    from legalsearch.bench.cluster import parity

    target, dataset = deployed
    with pytest.raises(BenchError, match="records no encoder directory"):
        parity(target, dataset, "test")  # the fake deploy recorded no export directory
    bare = ClusterTarget(target.cluster, replace(target.info, hybrid=None))
    with pytest.raises(BenchError, match="records no hybrid setting"):
        parity(bare, dataset, "test", encoder=_Encoder(dimension=8))
    with pytest.raises(BenchError, match="holds 8-dimensional vectors but the benchmarked model makes 4"):
        parity(target, dataset, "test", encoder=_Encoder(dimension=4))


def test_a_partial_response_stops_the_benchmark_naming_mode_and_query(deployed):
    """No figure from a search that lost a shard: the bench names the mode and the query and says what to do."""
    from legalsearch.bench.cluster import parity
    from legalsearch.errors import PartialResultsError

    target, dataset = deployed
    fake = target.cluster.transport
    whole = fake._search

    def neural_times_out(body, params, name):  # bm25 is complete; the first dense search stops at its time limit
        response = whole(body, params, name)
        response["timed_out"] = "nested" in json.dumps(body)
        return response

    fake._search = neural_times_out
    qid = next(iter(dataset.split_queries("test")))
    with pytest.raises(PartialResultsError) as info:
        cluster_bench(target, dataset, "test", _offline(_rows()), FakeEncoder(dimension=8))
    assert str(info.value) == (
        f"bench --url, neural mode, query {qid}: the search of {target.info.index} returned partial results (the "
        "search timed out); no figure is computed from them\n  check the cluster (GET _cluster/health, GET "
        "_cat/shards) and search again once every shard of the index is started, then rerun the benchmark")
    assert info.value.query_id == qid and info.value.shards.timed_out
    with pytest.raises(PartialResultsError, match=f"bench --url, neural mode, query {qid}: "):
        parity(target, dataset, "test", encoder=_Encoder(dimension=8), k=10)

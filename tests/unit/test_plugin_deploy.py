"""Deploy orchestration and the CLI against the recording fake (no server)."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from legalsearch.errors import IngestError, VersionError
from legalsearch.hybrid import HybridConfig
from legalsearch.plugin import deploy as deploy_mod
from legalsearch.plugin.connection import Cluster
from legalsearch.plugin.deploy import DeployOptions, deploy
from legalsearch.plugin.search import run_queries
from legalsearch.plugin.testing import FakeEncoder, FakeOpenSearch, make_export


@pytest.fixture(autouse=True)
def skip_graph_validation(monkeypatch):
    """The fake package holds no real ONNX graph; the exporter's own tests cover validate_package."""
    seen = []
    monkeypatch.setattr("legalsearch.plugin.ml_commons._run_exporter_validator", seen.append)
    return seen


def corpus(tmp_path, n=5):
    path = tmp_path / "corpus.jsonl"
    path.write_text("".join(json.dumps({"_id": f"d{i}", "title": "", "text": f"clause {i}"}) + "\n" for i in range(n)))
    return path


def options(tmp_path, **kw):
    return DeployOptions(state_dir=tmp_path / "state", progress=False, **kw)


def no_sleep(_):
    pass


def test_server_deploy_end_to_end(tmp_path, skip_graph_validation):
    fake = FakeOpenSearch(version="2.19.1")
    cluster = Cluster(fake)
    export = make_export(tmp_path)
    result = deploy(cluster, corpus(tmp_path), options(tmp_path, export_dir=export,
                    hybrid=HybridConfig(weights=[0.3, 0.7])), sleep=no_sleep)
    assert skip_graph_validation == [export]  # the exporter's validator ran before anything was uploaded
    assert result.model_id in fake.models and fake.models[result.model_id]["model_state"] == "DEPLOYED"
    assert fake.aliases["legalsearch"] == {result.index}
    settings = fake.indices[result.index]["body"]["settings"]["index"]
    assert settings["default_pipeline"] == f"{result.index}-ingest"
    assert settings["search.default_pipeline"] == f"{result.index}-hybrid"
    hybrid = fake.search_pipelines[f"{result.index}-hybrid"]
    assert hybrid["phase_results_processors"][0]["normalization-processor"]["combination"]["parameters"] == {
        "weights": [0.3, 0.7]}
    assert hybrid["request_processors"][0]["neural_query_enricher"]["default_model_id"] == result.model_id
    assert f"{result.index}-rrf" in fake.search_pipelines  # the RRF alternative (2.19+)
    assert {"legalsearch-hybrid", "legalsearch-rrf"} <= set(fake.search_pipelines)
    ingest_body = fake.ingest_pipelines[f"{result.index}-ingest"]
    assert ingest_body["processors"][1]["text_embedding"]["model_id"] == result.model_id
    dim = fake.indices[result.index]["body"]["mappings"]["properties"]["passages"]["properties"]["knn"]["dimension"]
    assert dim == 8
    assert result.report.read == 5 and result.report.indexed == 5
    order = [c.path for c in fake.calls if c.method in ("PUT", "POST") and not c.path.startswith("/_plugins")]
    assert order.index("/_aliases") > max(i for i, p in enumerate(order) if p == "/_bulk")


def test_redeploy_swaps_alias_atomically_and_prunes(tmp_path, monkeypatch):
    fake = FakeOpenSearch()
    cluster = Cluster(fake)
    export = make_export(tmp_path)
    first = deploy(cluster, corpus(tmp_path), options(tmp_path, export_dir=export), sleep=no_sleep)
    clock = iter([1e9, 2e9])
    monkeypatch.setattr(deploy_mod.idx, "versioned_name", lambda alias: f"{alias}-v{next(clock):.0f}")
    second = deploy(cluster, corpus(tmp_path), options(tmp_path, export_dir=export), sleep=no_sleep)
    assert second.index != first.index and second.previous == [first.index]
    swap = [c for c in fake.calls if c.path == "/_aliases"][-1]
    assert swap.body["actions"] == [
        {"remove": {"index": first.index, "alias": "legalsearch"}},
        {"add": {"index": second.index, "alias": "legalsearch", "is_write_index": True}},
    ]  # one request: readers never see the alias missing
    assert first.index in fake.indices  # kept until --prune
    assert second.model_id == first.model_id and len(fake.models) == 1  # same package: model reused
    assert first.model_registered and not second.model_registered
    third = deploy(cluster, corpus(tmp_path), options(tmp_path, export_dir=export, prune=True), sleep=no_sleep)
    assert set(third.pruned) == {first.index, second.index}
    assert list(fake.indices) == [third.index]
    assert f"{first.index}-ingest" not in fake.ingest_pipelines


def test_failed_documents_block_the_swap(tmp_path):
    fake = FakeOpenSearch(bulk_item=lambda i, d: (400, {"type": "mapper_parsing_exception", "reason": "bad"})
                          if i == "d3" else None)
    cluster = Cluster(fake)
    with pytest.raises(IngestError, match="1 documents failed"):
        deploy(cluster, corpus(tmp_path), options(tmp_path, export_dir=make_export(tmp_path)), sleep=no_sleep)
    assert "legalsearch" not in fake.aliases
    result = deploy(cluster, corpus(tmp_path), options(tmp_path, export_dir=make_export(tmp_path / "b"),
                                                       max_failed=1), sleep=no_sleep)
    assert fake.aliases["legalsearch"] == {result.index}


def test_interrupted_deploy_resumes_into_same_index(tmp_path):
    fake = FakeOpenSearch()
    cluster = Cluster(fake)
    export = make_export(tmp_path)
    n = {"bulk": 0}

    def crash(call):
        if call.path == "/_bulk":
            n["bulk"] += 1
            if n["bulk"] == 2:
                return KeyboardInterrupt()
        return None

    fake.before = crash
    # the same corpus file both times: the resume fingerprint holds its mtime, and rewriting it in the next second
    # (a loaded machine) would make it another corpus
    path = corpus(tmp_path, 6)
    with pytest.raises(KeyboardInterrupt):
        deploy(cluster, path, options(tmp_path, export_dir=export, batch_size=2), sleep=no_sleep)
    fake.before = None
    (partial,) = fake.indices
    result = deploy(cluster, path, options(tmp_path, export_dir=export, batch_size=2), sleep=no_sleep)
    assert result.resumed and result.index == partial
    assert (result.report.already_present, result.report.indexed) == (2, 4)
    assert len(fake.indices[partial]["docs"]) == 6


def test_client_vectors_deploy_needs_no_ml(tmp_path):
    fake = FakeOpenSearch(plugins=("opensearch-knn", "opensearch-neural-search"))
    encoder = FakeEncoder(dimension=6)
    result = deploy(Cluster(fake), corpus(tmp_path), options(tmp_path, vectors="client"),
                    encoder=encoder, sleep=no_sleep)
    assert result.model_id is None and not fake.models
    settings = fake.indices[result.index]["body"]["settings"]["index"]
    assert "default_pipeline" not in settings
    assert "request_processors" not in fake.search_pipelines[f"{result.index}-hybrid"]
    doc = fake.indices[result.index]["docs"]["d0"]
    assert len(doc["passages"][0]["knn"]) == 6
    run = run_queries(Cluster(fake), "legalsearch", {"q1": "clause"}, "hybrid", 3, encoder=encoder)
    assert list(run) == ["q1"] and len(run["q1"]) == 3
    body = [c for c in fake.calls if c.path.endswith("/_search")][-1].body
    assert body["query"]["hybrid"]["queries"][1]["nested"]["query"]["knn"]["passages.knn"]["k"] == 100


@pytest.mark.parametrize("variant, given", [(None, ""), ("int8", ""), (None, "int8")])
def test_client_deploy_records_the_variant_that_embedded_the_documents(tmp_path, variant, given):
    """An export whose gate shipped fp32: deploy embeds with fp32 unless told otherwise (--variant, or --export
    naming one variant's directory), and says so in _meta, where `legalsearch search` and `bench --url` read which
    graph must embed the queries."""
    from legalsearch.exporter.testing import build_fake_export
    from legalsearch.plugin.search import DeploymentInfo

    export = build_fake_export(tmp_path / "export", texts=["clause"], dim=8, deployable="fp32")
    fake = FakeOpenSearch(plugins=("opensearch-knn", "opensearch-neural-search"))
    deploy(Cluster(fake), corpus(tmp_path), options(tmp_path, vectors="client", export_dir=export / given,
                                                    variant=variant), sleep=no_sleep)
    info = DeploymentInfo.read(Cluster(fake), "legalsearch")
    expected = variant or given or "fp32"
    assert info.variant == expected and info.encoder == str((export / given).resolve())
    assert info.load_encoder().model_dir == export / expected


@pytest.mark.parametrize("deployable", ["int8", "fp32"])
def test_server_deploy_records_the_variant_its_package_holds(tmp_path, deployable):
    from legalsearch.plugin.search import DeploymentInfo

    fake = FakeOpenSearch(version="2.19.1")
    deploy(Cluster(fake), corpus(tmp_path), options(tmp_path, export_dir=make_export(tmp_path, deployable=deployable)),
           sleep=no_sleep)
    assert DeploymentInfo.read(Cluster(fake), "legalsearch").variant == deployable


def test_old_cluster_refuses_rrf_by_name(tmp_path):
    fake = FakeOpenSearch(version="2.17.0")
    with pytest.raises(VersionError, match=r"score-ranker-processor \(RRF\) needs OpenSearch >= 2.19.0"):
        deploy(Cluster(fake), corpus(tmp_path), options(tmp_path, vectors="client",
               hybrid=HybridConfig(technique="rrf")), encoder=FakeEncoder(), sleep=no_sleep)
    assert not fake.indices


# -- CLI -----------------------------------------------------------------------------------------------------------
@pytest.fixture
def cli_fake(monkeypatch):
    fake = FakeOpenSearch()
    monkeypatch.setattr("legalsearch.plugin.connection.connect",
                        lambda settings, check=True: Cluster(fake, display_url=settings.display_url))
    for name in ("LEGALSEARCH_OPENSEARCH_URL", "LEGALSEARCH_OPENSEARCH_USER", "LEGALSEARCH_OPENSEARCH_PASSWORD"):
        monkeypatch.delenv(name, raising=False)
    return fake


def invoke(*args, env=None):
    from legalsearch.cli import cli

    return CliRunner().invoke(cli, list(args), env=env, catch_exceptions=False)


def test_cli_deploy_and_search_print_dsl(tmp_path, cli_fake):
    export = make_export(tmp_path)
    secret = "pw-Never-Shown"
    env = {"LEGALSEARCH_OPENSEARCH_USER": "admin", "LEGALSEARCH_OPENSEARCH_PASSWORD": secret}
    result = invoke("deploy", str(corpus(tmp_path)), "--export", str(export), "--weights", "0.3,0.7", "--quiet",
                    "--state-dir", str(tmp_path / "s"), "--url", "https://localhost:9200", env=env)
    assert result.exit_code == 0, result.output
    assert "read 5 = indexed 5" in result.output and secret not in result.output
    result = invoke("search", "42 U.S.C. § 1983", "--mode", "hybrid", "--print-dsl", env=env)
    assert result.exit_code == 0, result.output
    assert '"hybrid"' in result.output and '"neural"' in result.output and "POST /legalsearch/_search" in result.output
    assert "d0" in result.output and secret not in result.output


@pytest.mark.parametrize(
    "args, message",
    [
        (["--weights", "0.3,0.6"], "sum to 1"),
        (["--weights", "abc"], "two comma-separated numbers"),
        (["--vectors", "gpu"], "gpu"),
    ],
)
def test_cli_bad_options_exit_2(tmp_path, cli_fake, args, message):
    result = invoke("deploy", str(corpus(tmp_path)), "--export", str(make_export(tmp_path)), *args)
    assert result.exit_code == 2 and message in result.output


def test_cli_core_errors_exit_1(tmp_path, cli_fake):
    cli_fake.version = "2.11.0"
    result = invoke("deploy", str(corpus(tmp_path)), "--export", str(make_export(tmp_path)), "--quiet",
                    "--state-dir", str(tmp_path / "s"))
    assert result.exit_code == 1
    assert "needs OpenSearch >= " in result.output and "2.11.0" in result.output


@pytest.mark.parametrize("vectors", ["server", "client"])
def test_cli_refuses_an_export_whose_report_it_cannot_trust(tmp_path, cli_fake, vectors):
    """An old-format report (``deployable`` a boolean) stops deploy before the cluster is touched, naming the file
    and saying to re-export."""
    export = make_export(tmp_path)
    (export / "export_report.json").write_text(json.dumps({"deployable": True}))
    result = invoke("deploy", str(corpus(tmp_path)), "--export", str(export), "--vectors", vectors, "--quiet",
                    "--state-dir", str(tmp_path / "s"))
    assert result.exit_code == 1, result.output
    assert str(export / "export_report.json") in result.output and "re-export the model" in result.output
    assert not [c for c in cli_fake.calls if c.method in ("PUT", "POST")]


def test_cli_malformed_corpus_line(tmp_path, cli_fake):
    path = corpus(tmp_path)
    with path.open("a") as handle:
        handle.write("{not json\n")
    result = invoke("deploy", str(path), "--export", str(make_export(tmp_path)), "--quiet",
                    "--state-dir", str(tmp_path / "s"))
    assert result.exit_code == 1 and "corpus.jsonl:6" in result.output and "malformed JSON" in result.output
    assert not cli_fake.indices and not cli_fake.models  # nothing was changed on the cluster


def _settings_calls(fake, index):
    return [c.body["index"] for c in fake.calls if c.method == "PUT" and c.path == f"/{index}/_settings"]


def test_refresh_and_replicas_are_relaxed_during_the_load_and_restored_after(tmp_path):
    fake = FakeOpenSearch()
    result = deploy(Cluster(fake), corpus(tmp_path), options(tmp_path, vectors="client"),
                    encoder=FakeEncoder(dimension=4), sleep=no_sleep)
    relax, restore = _settings_calls(fake, result.index)
    assert relax == {"refresh_interval": "-1", "number_of_replicas": 0}
    assert restore == {"refresh_interval": None, "number_of_replicas": None}  # None: back to the cluster default
    # replicas asked for are kept through the load (a node lost mid-load loses no shard); refresh is still relaxed.
    # Another state directory: within the same second the index name, hence its resume checkpoint, would repeat
    fake = FakeOpenSearch()
    other = tmp_path / "replicas"
    other.mkdir()
    result = deploy(Cluster(fake), corpus(other), options(other, vectors="client", replicas=2),
                    encoder=FakeEncoder(dimension=4), sleep=no_sleep)
    relax, restore = _settings_calls(fake, result.index)
    assert relax == {"refresh_interval": "-1"} and restore == {"refresh_interval": None}
    order = [c.path for c in fake.calls if c.path in (f"/{result.index}/_settings", "/_bulk", "/_aliases")]
    assert order[0] == order[-2] == f"/{result.index}/_settings" and order[-1] == "/_aliases"
    assert set(order[1:-2]) == {"/_bulk"}  # every bulk request between relaxing and restoring, the swap after
    settings = fake.indices[result.index]["body"]["settings"]["index"]
    assert "refresh_interval" not in settings and settings["number_of_replicas"] == 2


def test_settings_are_restored_when_the_load_fails(tmp_path):
    from legalsearch.plugin.testing import _error

    fake = FakeOpenSearch(before=lambda c: _error(503, "unavailable", "busy") if c.path == "/_bulk" else None)
    with pytest.raises(IngestError, match="rerun the same command to resume"):
        deploy(Cluster(fake), corpus(tmp_path), options(tmp_path, vectors="client"),
               encoder=FakeEncoder(dimension=4), sleep=no_sleep)
    (index,) = fake.indices
    assert _settings_calls(fake, index) == [{"refresh_interval": "-1", "number_of_replicas": 0},
                                            {"refresh_interval": None, "number_of_replicas": None}]
    assert "refresh_interval" not in fake.indices[index]["body"]["settings"]["index"]
    assert "legalsearch" not in fake.aliases


def test_server_deploy_without_an_ml_node_says_so_before_uploading(tmp_path):
    from legalsearch.errors import ModelDeploymentError

    fake = FakeOpenSearch(cluster_settings={})  # ML Commons' default: only_run_on_ml_node true; and no ML node
    with pytest.raises(ModelDeploymentError) as info:
        deploy(Cluster(fake), corpus(tmp_path), options(tmp_path, export_dir=make_export(tmp_path)), sleep=no_sleep)
    message = str(info.value)
    assert "no ML node" in message and "only_run_on_ml_node" in message and "--configure-ml" in message
    assert not fake.models and not fake.indices  # nothing uploaded, nothing created
    # the same cluster once data nodes may run models (what --configure-ml sets): the deploy goes through
    result = deploy(Cluster(fake), corpus(tmp_path), options(tmp_path, export_dir=make_export(tmp_path / "b"),
                                                             configure_ml=True), sleep=no_sleep)
    assert result.report.indexed == 5


def test_ingest_knobs_reach_the_pipeline_and_the_meta(tmp_path):
    fake = FakeOpenSearch()
    result = deploy(Cluster(fake), corpus(tmp_path, 9), options(tmp_path, export_dir=make_export(tmp_path),
                    batch_size=2, concurrency=3, embedding_batch_size=16), sleep=no_sleep)
    embed = fake.ingest_pipelines[f"{result.index}-ingest"]["processors"][1]["text_embedding"]
    assert embed["batch_size"] == 16
    meta = fake.indices[result.index]["body"]["mappings"]["_meta"]["legalsearch"]["ingest"]
    assert meta["concurrency"] == 3 and meta["bulk_requests"] == 5 and meta["indexed"] == 9

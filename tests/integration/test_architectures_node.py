"""Every supported architecture and a prompted model, on the real node: what ML Commons embeds is what we measured.

* A tiny BERT, MPNet, XLM-RoBERTa, ModernBERT and DistilBERT (built in the session, exported by
  ``legalsearch export``) each pass the package validator, register and deploy in ML Commons, and ``_predict``
  returns the local encoder's vectors (cosine ≥ 0.999) for short, long (truncated) and non-ASCII texts.
* A model with E5-style prompts: the cluster's query and passage vectors (``_predict`` with ``content_type``, the
  vectors the ingest pipeline stored, and the ranking of a ``neural`` query against a ``knn`` query carrying the
  local query vector) equal the offline ones; the post-deploy probe passes.
* The same model registered with its prompts or its pooling removed from the cluster side: the probe stops the
  deploy before the alias moves, naming the cause.

About 1-2 s per tiny model to deploy and predict, plus one export each (shared with the unit tier's architecture
tests in a full run) and three small deploys of 6 documents.
"""

from __future__ import annotations

import json
import os
import shutil
import uuid

import numpy as np
import pytest

from _support import ARCHITECTURES

pytestmark = pytest.mark.opensearch

TEXTS = [
    "The Licensee shall indemnify and hold harmless the Licensor against all third-party claims.",
    "force majeure " * 150,  # past every tiny model's 128 tokens and ModernBERT's 16-token local attention window
    "a",
    "Zürich’s § 823 BGB — «Art. 6(1)(f)» café",
]
PROMPTS = {"query": "query: ", "passage": "passage: "}


@pytest.fixture(scope="module")
def cluster(opensearch_url):
    from legalsearch.plugin.connection import connect, resolve_settings

    insecure = os.environ.get("LEGALSEARCH_OPENSEARCH_INSECURE") == "1" or None
    return connect(resolve_settings(url=opensearch_url, insecure=insecure))


def _cosines(a, b) -> np.ndarray:
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    return (a * b).sum(axis=1) / (np.linalg.norm(a, axis=1) * np.linalg.norm(b, axis=1))


def _deployed(cluster, export_dir):
    from legalsearch.plugin import ml_commons

    package = ml_commons.ModelPackage.from_export_dir(export_dir)  # runs the exporter's package validator
    model_id, _ = ml_commons.ensure_model(cluster, package, group_name="legalsearch-architectures")
    return package, model_id


@pytest.mark.parametrize("architecture", ARCHITECTURES)
def test_each_architecture_predicts_what_the_local_encoder_embeds(cluster, tiny_export_of, architecture):
    from legalsearch.exporter.encoder import load_onnx_encoder
    from legalsearch.exporter.package import validate_package
    from legalsearch.plugin import ml_commons

    export_dir = tiny_export_of(architecture)
    info = validate_package(export_dir)
    assert info.register["model_config"]["model_type"] == architecture
    assert ("token_type_ids" in info.inputs) == (architecture == "bert")  # exactly what ML Commons feeds
    package, model_id = _deployed(cluster, export_dir)
    try:
        remote = ml_commons.predict(cluster, model_id, TEXTS)
        local = load_onnx_encoder(export_dir).encode_documents(TEXTS)  # the variant the zip holds
        cosines = _cosines(remote, local)
        assert cosines.min() >= 0.999, (architecture, cosines)
    finally:
        ml_commons.delete_model(cluster, model_id)


@pytest.fixture(scope="module")
def small_corpus(sample_path, tmp_path_factory):
    """Six documents of the sample (its shortest and longest among them): small deploys, the probe's texts."""
    rows = [json.loads(line) for line in (sample_path / "corpus.jsonl").read_text(encoding="utf-8").splitlines()
            if line.strip()]
    rows.sort(key=lambda r: len(r["text"]))
    picked = rows[:2] + rows[len(rows) // 2:len(rows) // 2 + 2] + rows[-2:]
    path = tmp_path_factory.mktemp("small-corpus") / "corpus.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in picked), encoding="utf-8")
    return path


def _deploy(cluster, corpus, export_dir, tmp_path, alias):
    from legalsearch.plugin.deploy import DeployOptions, deploy

    options = DeployOptions(alias=alias, export_dir=export_dir, state_dir=tmp_path / "state", progress=False,
                            model_group="legalsearch-architectures")
    return deploy(cluster, corpus, options)


def _doctor_cli(url, index, *extra):
    from click.testing import CliRunner

    from legalsearch.cli import cli

    args = ["doctor", "--url", url, "--index", index, *extra]
    if os.environ.get("LEGALSEARCH_OPENSEARCH_INSECURE") == "1":
        args.append("--insecure")
    return CliRunner().invoke(cli, args)


def test_prompted_model_cluster_vectors_equal_offline(cluster, opensearch_url, tiny_export_of, small_corpus,
                                                      tmp_path):
    from legalsearch.exporter.encoder import load_onnx_encoder
    from legalsearch.exporter.report import ExportReport
    from legalsearch.plugin import ml_commons, queries
    from legalsearch.plugin.deploy import undeploy_everything

    export_dir = tiny_export_of("xlm-roberta", prompts=PROMPTS)
    assert ExportReport.from_export_dir(export_dir).prompts == {"query": "query: ", "document": "passage: "}
    encoder = load_onnx_encoder(export_dir)
    alias = f"it-prompted-{uuid.uuid4().hex[:6]}"
    try:
        result = _deploy(cluster, small_corpus, export_dir, tmp_path, alias)
        assert result.probe["passed"] and {c["kind"] for c in result.probe["checks"]} == {"query", "passage", "stored"}
        model_id = result.model_id
        for content_type, encode in (("query", encoder.encode_queries), ("passage", encoder.encode_documents)):
            remote = ml_commons.predict(cluster, model_id, TEXTS, content_type)
            assert _cosines(remote, encode(TEXTS)).min() >= 0.999, content_type
        # without its prompt a text embeds differently enough to be told apart
        assert _cosines(encoder.encode_queries(TEXTS[:1]), encoder.encode_documents(TEXTS[:1])).max() < 0.999

        # the stored passage vectors are the passage-prompted ones
        hits = cluster.request("POST", f"/{alias}/_search", body={"size": 10}, what="reading documents")["hits"]["hits"]
        chunks = [c for h in hits for c in h["_source"]["passage_chunks"]]
        stored = [p["knn"] for h in hits for p in h["_source"]["passages"]]
        assert _cosines(stored, encoder.encode_documents(chunks)).min() >= 0.999

        # a neural query (the cluster prompts and embeds it) ranks and scores like a knn query with our vector
        query = "indemnification of third-party claims"
        def top(clause):
            body = {"size": 6, "query": clause, "_source": False}
            return [(h["_id"], h["_score"]) for h in
                    cluster.request("POST", f"/{alias}/_search", body=body, what="searching")["hits"]["hits"]]
        neural = top(queries.neural_clause(query, model_id, k=6))
        knn = top(queries.knn_clause(encoder.encode_queries([query])[0], k=6))
        assert [d for d, _ in neural] == [d for d, _ in knn]
        np.testing.assert_allclose([s for _, s in neural], [s for _, s in knn], rtol=1e-4)

        # legalsearch doctor on the live deployment: every check passes, the probe included
        doctor = _doctor_cli(opensearch_url, alias, "--json")
        assert doctor.exit_code == 0, doctor.output
        report = json.loads(doctor.output)
        assert report["ok"] and {c["name"] for c in report["checks"]} == {"cluster", "model", "ingest pipeline",
                                                                          "probe"}
    finally:
        undeploy_everything(cluster, alias)


@pytest.mark.parametrize("breakage, cause", [
    (lambda config: [config.pop("query_prefix"), config.pop("passage_prefix")], "prompt"),
    (lambda config: config.update(pooling_mode="cls"), "pooling"),
], ids=["prompt-removed", "pooling-changed"])
def test_probe_stops_a_deploy_whose_cluster_side_differs(cluster, opensearch_url, tiny_export_of, small_corpus,
                                                         tmp_path, breakage, cause):
    from legalsearch.errors import ProbeError
    from legalsearch.plugin import index as idx
    from legalsearch.plugin import ml_commons
    from legalsearch.plugin.deploy import undeploy_everything

    export_dir = tmp_path / "export"
    shutil.copytree(tiny_export_of("xlm-roberta", prompts=PROMPTS), export_dir)
    register_path = export_dir / "ml-commons" / "register.json"
    register = json.loads(register_path.read_text())
    breakage(register["model_config"])
    register_path.write_text(json.dumps(register))
    alias = f"it-mismatch-{uuid.uuid4().hex[:6]}"
    try:
        with pytest.raises(ProbeError, match=f"likely cause: {cause}") as caught:
            _deploy(cluster, small_corpus, export_dir, tmp_path, alias)
        assert "before the alias moved" in str(caught.value)
        assert idx.alias_targets(cluster, alias) == []  # readers still see the previous index (none here)
        # legalsearch doctor on the index the deploy left behind says the same, and exits 1
        (left,) = idx.indices_for(cluster, alias)
        doctor = _doctor_cli(opensearch_url, left, "--export", str(export_dir))
        assert doctor.exit_code == 1 and "FAIL  probe" in doctor.output and f"likely cause: {cause}" in doctor.output
    finally:
        undeploy_everything(cluster, alias)
        for model in ml_commons.find_models_by_hash(cluster, register["model_content_hash_value"]):
            if not ml_commons.same_config(model, json.loads(
                    (tiny_export_of("xlm-roberta", prompts=PROMPTS) / "ml-commons" / "register.json").read_text())):
                ml_commons.delete_model(cluster, model["model_id"])

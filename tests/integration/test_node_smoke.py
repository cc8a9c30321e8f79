"""The test node is real: plugins, analyzers, lucene k-NN, hybrid search and an ONNX model served by ML Commons."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from _support import require
from _tiny_onnx import build_tiny_onnx_zip, reference_embeddings

REPO_ROOT = Path(__file__).resolve().parents[2]

DOCS = [
    ("1", "The court held that the contract was void for want of consideration.", [0.9, 0.1, 0.0, 0.1]),
    ("2", "Negligence requires a duty of care owed to the plaintiff.", [0.1, 0.9, 0.1, 0.0]),
    ("3", "The appeal was dismissed and the contracts were enforced.", [0.7, 0.2, 0.1, 0.3]),
    ("4", "Statutory interpretation of 42 U.S.C. 1983 claims.", [0.0, 0.1, 0.9, 0.2]),
]
ANALYZER_CASES = [  # (input, tokens of the analysis-common based analyzer)
    ("Courts HELD", ["court", "held"]),
    ("contracts voided", ["contract", "void"]),
    ("Wi-Fi", ["wi", "fi"]),
]


def _suffix() -> str:
    return uuid.uuid4().hex[:8]


def _request(client, method: str, path: str, body=None, params=None):
    return client.transport.perform_request(method, path, body=body, params=params)


@pytest.mark.opensearch
def test_plugins_listed(opensearch_client):
    rows = _request(opensearch_client, "GET", "/_cat/plugins", params={"format": "json"})
    components = {row["component"] for row in rows}
    for plugin in ("opensearch-job-scheduler", "opensearch-ml", "opensearch-knn", "opensearch-neural-search"):
        assert plugin in components, f"{plugin} missing from _cat/plugins: {sorted(components)}"


@pytest.fixture(scope="module")
def smoke_index(opensearch_client):
    """An index with a lucene HNSW knn_vector and a text field analysed by analysis-common filters, with DOCS."""
    name = f"legalsearch-smoke-{_suffix()}"
    body = {
        "settings": {
            "index": {"knn": True, "number_of_shards": 1, "number_of_replicas": 0},
            "analysis": {
                "filter": {"english_stemmer": {"type": "stemmer", "language": "english"}},
                "analyzer": {
                    "legal_text": {
                        "type": "custom",
                        "tokenizer": "whitespace",
                        "filter": ["word_delimiter_graph", "lowercase", "english_stemmer"],
                    }
                },
            },
        },
        "mappings": {
            "properties": {
                "text": {"type": "text", "analyzer": "legal_text"},
                "embedding": {
                    "type": "knn_vector",
                    "dimension": 4,
                    "method": {
                        "name": "hnsw", "engine": "lucene", "space_type": "cosinesimil",
                        "parameters": {"m": 16, "ef_construction": 64},
                    },
                },
            }
        },
    }
    opensearch_client.indices.create(index=name, body=body)
    try:
        for doc_id, text, vector in DOCS:
            opensearch_client.index(index=name, id=doc_id, body={"text": text, "embedding": vector})
        opensearch_client.indices.refresh(index=name)
        yield name
    finally:
        opensearch_client.indices.delete(index=name, ignore=[404])


@pytest.mark.opensearch
@pytest.mark.parametrize(("text", "expected"), ANALYZER_CASES)
def test_analysis_common_analyzer(opensearch_client, smoke_index, text, expected):
    result = opensearch_client.indices.analyze(index=smoke_index, body={"analyzer": "legal_text", "text": text})
    assert [token["token"] for token in result["tokens"]] == expected


@pytest.mark.opensearch
def test_index_accepts_documents_and_knn_finds_them(opensearch_client, smoke_index):
    assert opensearch_client.count(index=smoke_index)["count"] == len(DOCS)

    result = opensearch_client.search(
        index=smoke_index, body={"size": 2, "query": {"knn": {"embedding": {"vector": [1.0, 0.0, 0.0, 0.0], "k": 2}}}}
    )
    assert [hit["_id"] for hit in result["hits"]["hits"]] == ["1", "3"]
    # the analyzer stems at index time too: "contracts" in doc 3 matches "contract"
    result = opensearch_client.search(index=smoke_index, body={"query": {"match": {"text": "contract"}}})
    assert {hit["_id"] for hit in result["hits"]["hits"]} == {"1", "3"}


@pytest.fixture(scope="module")
def hybrid_pipeline(opensearch_client):
    name = f"legalsearch-smoke-hybrid-{_suffix()}"
    body = {
        "description": "min-max normalisation, weighted arithmetic mean (BM25, k-NN)",
        "phase_results_processors": [{
            "normalization-processor": {
                "normalization": {"technique": "min_max"},
                "combination": {"technique": "arithmetic_mean", "parameters": {"weights": [0.4, 0.6]}},
            }
        }],
    }
    _request(opensearch_client, "PUT", f"/_search/pipeline/{name}", body=body)
    try:
        yield name
    finally:
        _request(opensearch_client, "DELETE", f"/_search/pipeline/{name}")


@pytest.mark.opensearch
def test_hybrid_query_through_normalization_pipeline(opensearch_client, smoke_index, hybrid_pipeline):
    query = {
        "size": 4,
        "query": {"hybrid": {"queries": [
            {"match": {"text": "negligence duty"}},
            {"knn": {"embedding": {"vector": [0.1, 0.9, 0.1, 0.0], "k": 3}}},
        ]}},
    }
    result = opensearch_client.search(index=smoke_index, body=query, params={"search_pipeline": hybrid_pipeline})
    hits = result["hits"]["hits"]
    assert hits, result
    assert hits[0]["_id"] == "2"  # first in both sub-queries
    assert 0.0 <= hits[-1]["_score"] <= hits[0]["_score"] <= 1.0  # scores are normalised and combined


# --------------------------------------------------------------------------------------- ML Commons, ONNX


def _wait_task(client, task_id: str, timeout: float = 300) -> dict:
    deadline = time.monotonic() + timeout
    while True:
        task = _request(client, "GET", f"/_plugins/_ml/tasks/{task_id}")
        if task.get("state") not in ("CREATED", "RUNNING"):
            return task
        if time.monotonic() > deadline:
            raise AssertionError(f"ML task {task_id} still {task.get('state')} after {timeout:.0f}s: {task}")
        time.sleep(1)


@pytest.fixture(scope="module")
def tiny_onnx(tmp_path_factory):
    require("torch", "train")
    require("onnx", "onnx")
    texts = [text for _, text, _ in DOCS] + ["duty of care", "contract void"]
    out_dir = tmp_path_factory.mktemp("tiny-onnx")
    return out_dir, build_tiny_onnx_zip(out_dir, texts)


@pytest.fixture(scope="module")
def deployed_model(opensearch_client, tiny_onnx):
    """Register the tiny ONNX model by chunk upload, deploy it; undeploy and delete it afterwards."""
    client = opensearch_client
    _, model = tiny_onnx
    group = _request(client, "POST", "/_plugins/_ml/model_groups/_register",
                     body={"name": f"legalsearch-smoke-{_suffix()}", "description": "smoke test"})
    group_id = group["model_group_id"]
    model_id = None
    try:
        chunks = model.chunks(64 * 1024)
        meta = _request(client, "POST", "/_plugins/_ml/models/_register_meta", body={
            "name": "legalsearch-tiny-bert", "version": "1.0.0", "model_group_id": group_id,
            "description": "random 2-layer BERT for the smoke test", "model_format": "ONNX",
            "function_name": "TEXT_EMBEDDING", "model_content_hash_value": model.sha256,
            "model_content_size_in_bytes": model.size, "total_chunks": len(chunks),
            "model_config": model.model_config(),
        })
        model_id = meta["model_id"]
        for number, chunk in enumerate(chunks):
            uploaded = _request(client, "POST", f"/_plugins/_ml/models/{model_id}/upload_chunk/{number}", body=chunk)
            assert uploaded.get("status") == "Uploaded", uploaded
        state = _request(client, "GET", f"/_plugins/_ml/models/{model_id}")["model_state"]
        assert state == "REGISTERED", state
        deploy = _request(client, "POST", f"/_plugins/_ml/models/{model_id}/_deploy")
        task = _wait_task(client, deploy["task_id"])
        assert task["state"] == "COMPLETED", f"deploy failed: {task.get('error', task)}"
        yield model_id
    finally:
        if model_id:
            _request(client, "POST", f"/_plugins/_ml/models/{model_id}/_undeploy")
            _delete_retrying(client, f"/_plugins/_ml/models/{model_id}")
        _delete_retrying(client, f"/_plugins/_ml/model_groups/{group_id}")


def _delete_retrying(client, path: str, attempts: int = 60) -> None:
    """DELETE that waits out ML Commons' asynchronous undeploy and chunk clean-up (409/400 until done)."""
    from opensearchpy.exceptions import NotFoundError, TransportError

    for attempt in range(attempts):
        try:
            _request(client, "DELETE", path)
            return
        except NotFoundError:
            return
        except TransportError:
            if attempt == attempts - 1:
                raise
            time.sleep(1)


@pytest.mark.opensearch
def test_onnx_model_chunk_upload_deploy_predict(opensearch_client, tiny_onnx, deployed_model):
    import numpy as np

    out_dir, model = tiny_onnx
    texts = ["The court held that the contract was void.", "duty of care"]
    result = _request(opensearch_client, "POST", f"/_plugins/_ml/_predict/text_embedding/{deployed_model}", body={
        "text_docs": texts, "return_number": True, "target_response": ["sentence_embedding"],
    })
    vectors = [item["output"][0]["data"] for item in result["inference_results"]]
    assert [len(v) for v in vectors] == [model.dimension] * len(texts)
    # ML Commons' tokenizer + ONNX Runtime + DJL/PyTorch mean pooling agree with onnxruntime run here
    np.testing.assert_allclose(vectors, reference_embeddings(out_dir, texts), atol=1e-4)


@pytest.mark.opensearch
def test_neural_query_uses_deployed_model(opensearch_client, tiny_onnx, deployed_model, hybrid_pipeline):
    """neural-search embeds the query through ML Commons and k-NN searches the lucene HNSW graph."""
    client = opensearch_client
    _, model = tiny_onnx
    index, pipeline = f"legalsearch-smoke-neural-{_suffix()}", f"legalsearch-smoke-embed-{_suffix()}"
    _request(client, "PUT", f"/_ingest/pipeline/{pipeline}", body={"processors": [
        {"text_embedding": {"model_id": deployed_model, "field_map": {"text": "embedding"}}},
    ]})
    try:
        client.indices.create(index=index, body={
            "settings": {"index": {"knn": True, "number_of_replicas": 0, "default_pipeline": pipeline}},
            "mappings": {"properties": {
                "text": {"type": "text"},
                "embedding": {"type": "knn_vector", "dimension": model.dimension, "method": {
                    "name": "hnsw", "engine": "lucene", "space_type": "cosinesimil"}},
            }},
        })
        for doc_id, text, _ in DOCS:
            client.index(index=index, id=doc_id, body={"text": text})
        client.indices.refresh(index=index)
        stored = client.get(index=index, id="1")["_source"]
        assert len(stored["embedding"]) == model.dimension
        text = DOCS[1][1]
        result = client.search(index=index, params={"search_pipeline": hybrid_pipeline}, body={
            "size": 4,
            "query": {"hybrid": {"queries": [
                {"match": {"text": "negligence"}},
                {"neural": {"embedding": {"query_text": text, "model_id": deployed_model, "k": 4}}},
            ]}},
        })
        assert result["hits"]["hits"][0]["_id"] == "2"
    finally:
        client.indices.delete(index=index, ignore=[404])
        _request(client, "DELETE", f"/_ingest/pipeline/{pipeline}")


def test_compose_file_uses_pinned_version():
    """docker-compose.yml's default image tag is the version the test node is assembled from."""
    pins = dict(
        line.split("=", 1) for line in (REPO_ROOT / "scripts" / "opensearch-versions.env").read_text().splitlines()
        if line and not line.startswith("#") and "=" in line
    )
    compose = (REPO_ROOT / "docker-compose.yml").read_text()
    tags = set(re.findall(r"opensearchproject/opensearch(?:-dashboards)?:\$\{OPENSEARCH_VERSION:-([0-9.]+)\}", compose))
    assert tags == {pins["OPENSEARCH_VERSION"]}, tags


def test_node_script_without_a_node(tmp_path):
    """`url` and `status` say 'not running' and exit 1 when no node was started from this cache root."""
    env = dict(os.environ, LEGALSEARCH_OPENSEARCH_CACHE=str(tmp_path))
    for command in ("url", "status"):
        result = subprocess.run([sys.executable, str(REPO_ROOT / "scripts" / "opensearch-node"), command],
                                capture_output=True, text=True, env=env, timeout=60)
        assert result.returncode == 1, result
        assert "not running" in result.stderr

"""One chunking, and the cluster reproducing offline NDCG@10: against the real node.

* The node's ``text_chunking`` (run by ``_ingest/pipeline/_simulate`` with the body deploy sends) cuts every
  document of the sample and of ACORD exactly as :class:`legalsearch.passages.PassageChunker` does, for the default
  settings and for overlapping, short and capped ones.
* ``benchmarks/parity.py`` on the sample, with a tiny model exported in the session, deployed with server-side
  vectors (ML Commons embeds) and with client-side vectors (our encoder): the passages the index stores are the
  offline passages, and bm25, neural and hybrid NDCG@10 through the cluster equal the offline figures within 0.005.
"""

from __future__ import annotations

import importlib.util
import json
import os
import uuid
from pathlib import Path

import pytest

from legalsearch.data import load_dataset
from legalsearch.passages import PassageChunker

pytestmark = pytest.mark.opensearch

REPO = Path(__file__).resolve().parents[2]
MODES = ("bm25", "neural", "hybrid")


@pytest.fixture(scope="module")
def cluster(opensearch_url):
    from legalsearch.plugin.connection import connect, resolve_settings

    insecure = os.environ.get("LEGALSEARCH_OPENSEARCH_INSECURE") == "1" or None
    return connect(resolve_settings(url=opensearch_url, insecure=insecure))


def _node_chunks(cluster, chunker: PassageChunker, texts: list[str]) -> list[list[str]]:
    from legalsearch.plugin.pipelines import ingest_pipeline_body

    (processor,) = [p for p in ingest_pipeline_body("unused", chunker)["processors"] if "text_chunking" in p]
    field_in, field_out = next(iter(processor["text_chunking"]["field_map"].items()))
    out = []
    for start in range(0, len(texts), 250):
        body = {"pipeline": {"processors": [processor]},
                "docs": [{"_source": {field_in: text}} for text in texts[start:start + 250]]}
        response = cluster.request("POST", "/_ingest/pipeline/_simulate", body=body, what="simulating text_chunking")
        out += [doc["doc"]["_source"].get(field_out, []) for doc in response["docs"]]
    return out


@pytest.mark.parametrize("settings", [{"token_limit": 192}, {"token_limit": 96, "overlap_rate": 0.25},
                                      {"token_limit": 20, "overlap_rate": 0.5}, {"token_limit": 16, "max_chunk_limit": 3}])
def test_text_chunking_on_the_node_cuts_like_the_offline_chunker(cluster, sample_path, settings):
    from _support import shared_dataset

    chunker = PassageChunker(**settings)
    texts = [doc.full_text for doc in load_dataset(sample_path).corpus.values()]
    texts += [doc.full_text for doc in load_dataset(shared_dataset("acord")).corpus.values()]
    texts += ["", "§ —", "  leading (a) space", "Zürich’s § 823 BGB — «Art. 6(1)(f)» 東京 ２０２０ café " * 30]
    node = _node_chunks(cluster, chunker, texts)
    differing = [(text[:80], ours, theirs) for text, ours, theirs in
                 zip(texts, (chunker.split_text(t) for t in texts), node) if ours != theirs]
    assert len(node) == len(texts) > 4000
    assert sum(len(chunks) > 1 for chunks in node) > 100  # documents that really were cut
    assert not differing, differing[:3]


def _parity_main():
    spec = importlib.util.spec_from_file_location("parity_command", REPO / "benchmarks" / "parity.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.main


@pytest.mark.parametrize("vectors", ["server", "client"])
def test_parity_command_on_the_sample(opensearch_url, cluster, tiny_export, sample_path, tmp_path, vectors):
    from legalsearch.hybrid import HybridConfig
    from legalsearch.plugin import ml_commons
    from legalsearch.plugin.deploy import DeployOptions, deploy, load_encoder, undeploy_everything

    alias = f"it-parity-{vectors}-{uuid.uuid4().hex[:6]}"
    options = DeployOptions(alias=alias, vectors=vectors, export_dir=tiny_export, hybrid=HybridConfig(weights=(0.3, 0.7)),
                            progress=False, state_dir=tmp_path / "state", deploy_timeout=300)
    result = None
    try:
        result = deploy(cluster, sample_path, options, encoder=load_encoder(tiny_export) if vectors == "client" else None)
        # the passages the index holds (cut by the node's text_chunking, or by us for client-side vectors)
        hits = cluster.request("POST", f"/{alias}/_search", what="reading passages", body={
            "size": 1000, "_source": ["passage_chunks"], "query": {"match_all": {}}})["hits"]["hits"]
        stored = {hit["_id"]: hit["_source"]["passage_chunks"] for hit in hits}
        chunker = PassageChunker.for_model(load_encoder(tiny_export).max_seq_length)
        offline = {doc.id: chunker.split_text(doc.full_text) for doc in load_dataset(sample_path).corpus.values()}
        assert stored == offline and sum(len(p) > 1 for p in stored.values()) > 20

        url_args = ["--url", opensearch_url] + (["--insecure"] if os.environ.get("LEGALSEARCH_OPENSEARCH_INSECURE") == "1"
                                               else [])
        code = _parity_main()(["sample", str(tiny_export), "--vectors", vectors, "--index", alias, "--reuse",
                               "--out-dir", str(tmp_path / "parity"), *url_args])
    finally:
        undeploy_everything(cluster, alias)
        if result is not None and result.model_registered:
            ml_commons.delete_model(cluster, result.model_id)
    written = json.loads((tmp_path / "parity" / f"sample-{vectors}.json").read_text())
    assert (written["dataset"], written["vectors"], list(written["modes"])) == ("sample", vectors, list(MODES))
    assert written["chunking"] == chunker.pipeline_params() and written["split"] == "test"
    for mode, row in written["modes"].items():
        assert 0 < row["offline"] <= 1 and 0 < row["cluster"] <= 1, (mode, row)
        assert abs(row["cluster"] - row["offline"]) <= 0.005, (mode, row)
    assert code == 0

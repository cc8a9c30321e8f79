"""Query DSL, pipeline bodies and index body (the chunker itself: tests/unit/test_passages.py)."""

from __future__ import annotations

import pytest

from legalsearch.plugin import pipelines
from legalsearch.plugin.index import index_body, versioned_name
from legalsearch.hybrid import HybridConfig
from legalsearch.passages import PassageChunker
from legalsearch.plugin.queries import search_body


def test_bm25_body_with_citation_boost():
    body = search_body("bm25", "42 USC 1983 claims", 5, citations=["42 U.S.C. § 1983"])
    should = body["query"]["bool"]["should"]
    assert body["size"] == 5
    assert should[0] == {"match": {"content": {"query": "42 USC 1983 claims"}}}
    assert should[1] == {"terms": {"citations": ["42 U.S.C. § 1983"], "boost": 2.0}}
    assert len(search_body("bm25", "no citation", 5)["query"]["bool"]["should"]) == 1
    assert "passages" in body["_source"]["excludes"]


def test_neural_body_is_nested_max():
    body = search_body("neural", "q", 10, model_id="m1")
    nested = body["query"]["nested"]
    assert nested["path"] == "passages" and nested["score_mode"] == "max"
    assert nested["query"]["neural"]["passages.knn"] == {"query_text": "q", "k": 100, "model_id": "m1"}


def test_hybrid_body_bm25_first_then_knn_vector():
    body = search_body("hybrid", "q", 10, vector=[0.5, 0.25], candidates=20)
    bm25, dense = body["query"]["hybrid"]["queries"]
    assert "bool" in bm25
    assert dense["nested"]["query"]["knn"]["passages.knn"] == {"vector": [0.5, 0.25], "k": 20}


def test_unknown_mode():
    with pytest.raises(ValueError, match="bm25, neural, hybrid"):
        search_body("sparse", "q")


def test_normalization_pipeline_body_and_enricher():
    body = pipelines.search_pipeline_body(HybridConfig(weights=[0.3, 0.7]), default_model_id="m1")
    proc = body["phase_results_processors"][0]["normalization-processor"]
    assert proc["normalization"] == {"technique": "min_max"}
    assert proc["combination"] == {"technique": "arithmetic_mean", "parameters": {"weights": [0.3, 0.7]}}
    assert body["request_processors"] == [{"neural_query_enricher": {"default_model_id": "m1"}}]


def test_rrf_pipeline_body():
    body = pipelines.search_pipeline_body(HybridConfig(technique="rrf", rank_constant=40))
    comb = body["phase_results_processors"][0]["score-ranker-processor"]["combination"]
    assert comb == {"technique": "rrf", "rank_constant": 40}
    weighted = pipelines.search_pipeline_body(HybridConfig(technique="rrf", weights=[0.2, 0.8]))
    assert weighted["phase_results_processors"][0]["score-ranker-processor"]["combination"]["parameters"] == {
        "weights": [0.2, 0.8]}
    assert "weights in score-ranker-processor (RRF)" in pipelines.pipeline_features(
        HybridConfig(technique="rrf", weights=[0.2, 0.8]), "client")


def test_ingest_pipeline_body():
    body = pipelines.ingest_pipeline_body("m9", PassageChunker(token_limit=100, overlap_rate=0.1))
    chunking, embedding = body["processors"][0]["text_chunking"], body["processors"][1]["text_embedding"]
    assert chunking["field_map"] == {"passage_text": "passage_chunks"}
    assert chunking["algorithm"]["fixed_token_length"] == {"token_limit": 100, "overlap_rate": 0.1,
                                                           "tokenizer": "standard", "max_chunk_limit": 100}
    # without a chunker: the file's own settings, the ones PassageChunker.for_model(None) reads
    default = pipelines.ingest_pipeline_body("m9")["processors"][0]["text_chunking"]["algorithm"]
    assert default["fixed_token_length"] == PassageChunker.for_model(None).pipeline_params()
    assert embedding == {"model_id": "m9", "field_map": {"passage_chunks": "passages"}}


def test_index_body_fills_dimension_and_pipelines():
    body = index_body(384, "p-ingest", "p-hybrid", shards=2, replicas=0)
    vector = body["mappings"]["properties"]["passages"]["properties"]["knn"]
    assert body["mappings"]["properties"]["passages"]["type"] == "nested"
    assert vector["dimension"] == 384
    assert vector["method"] == {"name": "hnsw", "space_type": "cosinesimil", "engine": "lucene",
                                "parameters": {"m": 16, "ef_construction": 128}}
    settings = body["settings"]["index"]
    assert settings["default_pipeline"] == "p-ingest" and settings["search.default_pipeline"] == "p-hybrid"
    assert settings["number_of_shards"] == 2 and settings["number_of_replicas"] == 0
    assert body["mappings"]["properties"]["citations"] == {"type": "keyword"}
    assert index_body(8)["settings"]["index"].get("default_pipeline") is None  # client vectors: none


def test_versioned_name_sorts_by_time():
    assert versioned_name("legal", 0) == "legal-v19700101t000000"
    assert versioned_name("legal", 100) > versioned_name("legal", 99)


def test_a_search_cut_by_a_node_loss_is_sent_again_and_other_errors_are_not():
    from legalsearch.errors import OpenSearchError
    from legalsearch.plugin.search import execute

    class Flaky:
        def __init__(self, failures, message):
            self.failures, self.message, self.calls = failures, message, 0

        def request(self, method, path, body=None, params=None, what=""):
            self.calls += 1
            if self.calls <= self.failures:
                raise OpenSearchError(f"{what} failed (HTTP 500): {self.message}", status=500)
            return {"hits": {"hits": [{"_id": "d1", "_score": 1.0, "_source": {"title": "t", "text": "x"}}]}}

    lost = Flaky(2, "node_disconnected_exception: [data-2] disconnected")
    assert [h.doc_id for h in execute(lost, "idx", {}, sleep=lambda _s: None)] == ["d1"] and lost.calls == 3
    other = Flaky(1, "search_phase_execution_exception: all shards failed")
    with pytest.raises(OpenSearchError, match="all shards failed"):
        execute(other, "idx", {}, sleep=lambda _s: None)
    assert other.calls == 1

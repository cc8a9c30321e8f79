"""Every architecture the exporter supports, and prompts, without a node: tiny models built in the session.

BERT, MPNet, XLM-RoBERTa, ModernBERT and DistilBERT each export (fp32 and int8 ONNX, the ML Commons package),
pass the package validator with exactly the inputs ML Commons feeds that model type, and embed like PyTorch.
Prompts come from the model or from ``--query-prompt`` / ``--passage-prompt``, are recorded in the export report,
prepended by the ONNX encoder like sentence-transformers does, and registered as ML Commons prefixes.
"""

from __future__ import annotations

import json

import numpy as np
import pytest

from _support import ARCHITECTURES

from legalsearch.errors import ModelError, PackageError
from legalsearch.prompts import Prompts

TEXTS = [
    "The Licensee shall indemnify and hold harmless the Licensor against all third-party claims.",
    "force majeure " * 150,  # truncated at 128 tokens; longer than ModernBERT's 16-token local attention window
    "a",
    "Zürich’s § 823 BGB — «Art. 6(1)(f)» café",
]
PROMPTS = {"query": "query: ", "passage": "passage: "}


def _reference(model_dir, texts, prompt=None):
    from sentence_transformers import SentenceTransformer

    model = SentenceTransformer(str(model_dir), device="cpu")
    return model.encode(texts, normalize_embeddings=True, prompt=prompt)


@pytest.mark.parametrize("architecture", ARCHITECTURES)
def test_each_architecture_exports_validates_and_embeds_like_pytorch(tiny_model_of, tiny_export_of, architecture):
    from legalsearch.exporter.encoder import OnnxEncoder
    from legalsearch.exporter.package import validate_package
    from legalsearch.exporter.report import ExportReport

    export_dir = tiny_export_of(architecture)
    info = validate_package(export_dir)
    expected_inputs = {"input_ids", "attention_mask"} | ({"token_type_ids"} if architecture == "bert" else set())
    assert set(info.inputs) == expected_inputs
    assert info.register["model_config"]["model_type"] == architecture
    assert info.register["model_config"]["pooling_mode"] == "mean"
    assert "query_prefix" not in info.register["model_config"]  # no prompts: not an "asymmetric" ML Commons model
    report = ExportReport.from_export_dir(export_dir)
    assert report.model["model_type"] == architecture and report.prompts == {"query": "", "document": ""}

    reference = _reference(tiny_model_of(architecture), TEXTS)
    for variant, floor in (("fp32", 0.9999), ("int8", 0.99)):
        vectors = OnnxEncoder(export_dir / variant).encode_documents(TEXTS, batch_size=3)
        cosines = (vectors * reference).sum(axis=1)
        assert cosines.min() >= floor, (architecture, variant, cosines)


def test_modernbert_with_cls_pooling(tiny_model_of, tiny_export_of):
    """gte-modernbert and friends pool the CLS token; ML Commons is told so."""
    from legalsearch.exporter.encoder import OnnxEncoder
    from legalsearch.exporter.package import validate_package

    export_dir = tiny_export_of("modernbert", pooling="cls")
    assert validate_package(export_dir).register["model_config"]["pooling_mode"] == "cls"
    vectors = OnnxEncoder(export_dir / "fp32").encode_documents(TEXTS)
    reference = _reference(tiny_model_of("modernbert", pooling="cls"), TEXTS)
    assert (vectors * reference).sum(axis=1).min() >= 0.9999


@pytest.mark.parametrize("prompts, query, document", [
    ({"query": "query: ", "passage": "passage: "}, "query: ", "passage: "),  # E5
    ({"query": "q ", "document": "", "passage": "p "}, "q ", "p "),  # sentence-transformers 6 adds "document": ""
    ({"search_query": "search_query: ", "search_document": "search_document: "}, "search_query: ",
     "search_document: "),  # Nomic
    ({"query": "Represent this sentence for searching relevant passages: "},
     "Represent this sentence for searching relevant passages: ", ""),  # BGE: a query instruction only
    ({}, "", ""),
    (None, "", ""),
])
def test_prompts_are_read_under_every_common_key(prompts, query, document):
    resolved = Prompts.from_model(prompts)
    assert (resolved.query, resolved.document) == (query, document)
    assert resolved.with_overrides(document="passage: ").document == "passage: "
    assert resolved.with_overrides(query="").query == ""


def test_model_prompts_are_recorded_prepended_and_registered(tiny_model_of, tiny_export_of):
    from legalsearch.exporter.encoder import load_onnx_encoder
    from legalsearch.exporter.package import validate_package
    from legalsearch.exporter.report import ExportReport

    export_dir = tiny_export_of("xlm-roberta", prompts=PROMPTS)
    assert ExportReport.from_export_dir(export_dir).prompt_pair == Prompts("query: ", "passage: ")
    config = validate_package(export_dir).register["model_config"]
    assert (config["query_prefix"], config["passage_prefix"]) == ("query: ", "passage: ")
    encoder = load_onnx_encoder(export_dir, "fp32")
    model_dir = tiny_model_of("xlm-roberta", prompts=PROMPTS)
    queries = encoder.encode_queries(TEXTS)
    assert (queries * _reference(model_dir, TEXTS, prompt="query: ")).sum(axis=1).min() >= 0.9999
    documents = encoder.encode_documents(TEXTS)
    assert (documents * _reference(model_dir, TEXTS, prompt="passage: ")).sum(axis=1).min() >= 0.9999
    assert (queries * documents).sum(axis=1).min() < 0.9999  # the two prompts make two different vectors


def test_prompt_options_override_the_model_and_reach_every_encoder(tiny_model_of, tiny_export_of):
    from legalsearch.encoders import SentenceTransformerEncoder, load_encoder
    from legalsearch.exporter.encoder import load_onnx_encoder
    from legalsearch.exporter.package import validate_package
    from legalsearch.exporter.report import ExportReport

    export_dir = tiny_export_of("mpnet", query_prompt="Represent this question: ", passage_prompt="")
    assert ExportReport.from_export_dir(export_dir).prompts == {"query": "Represent this question: ", "document": ""}
    config = validate_package(export_dir).register["model_config"]
    assert config["query_prefix"] == "Represent this question: " and "passage_prefix" not in config
    onnx = load_onnx_encoder(export_dir, "fp32")
    torch_encoder = SentenceTransformerEncoder(str(tiny_model_of("mpnet")), device="cpu",
                                               query_prompt="Represent this question: ")
    assert (onnx.encode_queries(TEXTS) * torch_encoder.encode_queries(TEXTS)).sum(axis=1).min() >= 0.9999
    assert (onnx.encode_documents(TEXTS) * torch_encoder.encode_documents(TEXTS)).sum(axis=1).min() >= 0.9999
    # an export keeps its prompts: asking it for others is an error, not a silently different model
    with pytest.raises(ModelError, match="exported with query prompt 'Represent this question: '"):
        load_encoder(export_dir / "fp32", query_prompt="query: ")


def test_last_token_pooling_is_refused_naming_ml_commons(tiny_model_of, tmp_path):
    import shutil

    from legalsearch.exporter.spec import inspect_model

    model_dir = tmp_path / "model"
    shutil.copytree(tiny_model_of("bert"), model_dir)
    pooling = model_dir / "1_Pooling" / "config.json"
    config = json.loads(pooling.read_text())
    config = {k: (False if k.startswith("pooling_mode_") else v) for k, v in config.items()}
    config.pop("pooling_mode", None)
    config["pooling_mode_lasttoken"] = True
    pooling.write_text(json.dumps(config))
    with pytest.raises(ModelError, match="'lasttoken' cannot be reproduced by ML Commons.*last-token pooling"):
        inspect_model(model_dir)


def test_validator_refuses_an_empty_prefix(tiny_export_of, tmp_path):
    import shutil

    from legalsearch.exporter.package import validate_package

    export_dir = tmp_path / "export"
    shutil.copytree(tiny_export_of("distilbert"), export_dir)
    register = export_dir / "ml-commons" / "register.json"
    body = json.loads(register.read_text())
    body["model_config"]["query_prefix"] = ""
    register.write_text(json.dumps(body))
    with pytest.raises(PackageError, match="query_prefix must be a non-empty string"):
        validate_package(export_dir)


def test_pytorch_encoder_uses_the_passage_key(tiny_model_of):
    from legalsearch.encoders import SentenceTransformerEncoder

    encoder = SentenceTransformerEncoder(str(tiny_model_of("xlm-roberta", prompts=PROMPTS)), device="cpu")
    assert encoder.prompts == Prompts("query: ", "passage: ")
    np.testing.assert_allclose(encoder.encode_documents(TEXTS[:1]),
                               _reference(tiny_model_of("xlm-roberta", prompts=PROMPTS), TEXTS[:1], "passage: "),
                               atol=1e-6)

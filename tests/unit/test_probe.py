"""The post-deploy probe against the recording fake: it passes when the cluster embeds like the local encoder,
stops the deploy before the alias moves when it does not, and names the likely cause."""

from __future__ import annotations

import json

import pytest

from legalsearch.errors import ProbeError
from legalsearch.plugin.connection import Cluster
from legalsearch.plugin.deploy import DeployOptions, deploy
from legalsearch.plugin.probe import MIN_COSINE, ProbeCheck, diagnose, probe_texts
from legalsearch.plugin.testing import FakeEncoder, FakeOpenSearch, make_export
from legalsearch.prompts import Prompts


@pytest.fixture(autouse=True)
def skip_graph_validation(monkeypatch):
    """The fake package holds no real ONNX graph; the exporter's own tests cover validate_package."""
    monkeypatch.setattr("legalsearch.plugin.ml_commons._run_exporter_validator", lambda export_dir: None)


class PromptedFakeEncoder(FakeEncoder):
    """FakeEncoder that prepends prompts the way OnnxEncoder does (and exposes them as ``prompts``)."""

    def __init__(self, prompts: Prompts, **kwargs):
        super().__init__(**kwargs)
        self.prompts = prompts

    def encode_queries(self, texts, batch_size=32, show_progress=False):
        return self._encode([self.prompts.query + t for t in texts])

    def encode_documents(self, texts, batch_size=32, show_progress=False):
        return self._encode([self.prompts.document + t for t in texts])


def _corpus(tmp_path, n=5):
    path = tmp_path / "corpus.jsonl"
    rows = [{"_id": f"d{i}", "title": f"Clause {i}", "text": "word " * (3 + 10 * i)} for i in range(n)]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


def _export(tmp_path, **model_config):
    export = make_export(tmp_path)
    register_path = export / "ml-commons" / "register.json"
    register = json.loads(register_path.read_text())
    register["model_config"].update(model_config)
    register_path.write_text(json.dumps(register))
    return export


def _deploy(tmp_path, export, encoder):
    fake = FakeOpenSearch(version="3.6.0")
    options = DeployOptions(state_dir=tmp_path / "state", progress=False, export_dir=export)
    return fake, deploy(Cluster(fake), _corpus(tmp_path), options, encoder=encoder, sleep=lambda _: None)


def test_probe_passes_when_the_cluster_embeds_like_the_local_encoder(tmp_path):
    prompts = Prompts("query: ", "passage: ")
    export = _export(tmp_path, query_prefix="query: ", passage_prefix="passage: ")
    fake, result = _deploy(tmp_path, export, PromptedFakeEncoder(prompts))
    assert result.probe["passed"] and result.probe["min_cosine"] >= MIN_COSINE
    assert {c["kind"] for c in result.probe["checks"]} == {"query", "passage"}  # the fake stores no vectors
    # _predict was told which kind of text it embeds, as neural-search tells it
    predicts = [c for c in fake.calls if "_predict" in c.path]
    assert {c.body["parameters"]["content_type"] for c in predicts} == {"query", "passage"}
    assert fake.aliases["legalsearch"] == {result.index}


def test_probe_stops_a_deploy_whose_cluster_lacks_the_prompts(tmp_path):
    export = _export(tmp_path)  # registered without query_prefix / passage_prefix
    fake, caught = None, None
    with pytest.raises(ProbeError, match="before the alias moved") as caught:
        _deploy(tmp_path, export, PromptedFakeEncoder(Prompts("query: ", "passage: ")))
    message = str(caught.value)
    assert "likely cause: prompt: the cluster prepends '' to each query, the local encoder 'query: '" in message
    assert "passage" in message  # the second cause (passages) on the hint line


def test_probe_without_a_local_encoder_is_reported_as_skipped(tmp_path):
    export = _export(tmp_path)  # make_export has no ONNX variants: nothing local to compare with
    _, result = _deploy(tmp_path, export, None)
    assert result.probe["skipped"].startswith("no local encoder")


def test_diagnosis_names_pooling_from_the_registered_config():
    class Spec:
        ml_commons_pooling, model_type, include_prompt = "mean", "bert", True

    encoder = PromptedFakeEncoder(Prompts())
    encoder.spec = Spec()
    checks = [ProbeCheck("query", "x", 0.5, 4)]
    causes = diagnose({"pooling_mode": "CLS", "model_type": "bert"}, encoder, checks, MIN_COSINE)
    assert causes[0].startswith("pooling: the cluster's model pools with 'cls', the export with 'mean'")


def test_diagnosis_names_truncation_when_only_the_longest_texts_disagree():
    encoder = PromptedFakeEncoder(Prompts())
    checks = [ProbeCheck("passage", "short", 0.9999, 12), ProbeCheck("passage", "long", 0.93, 128),
              ProbeCheck("query", "q", 1.0, 5)]
    (cause,) = diagnose({}, encoder, checks, MIN_COSINE)
    assert cause.startswith("truncation: only the longest texts disagree (128+ tokens)")
    checks[1] = ProbeCheck("passage", "long", 0.93, 9)  # a short text disagrees too: not truncation
    assert diagnose({}, encoder, checks, MIN_COSINE)[0].startswith("tokenizer or graph")


def test_probe_texts_take_short_median_and_long_documents():
    from legalsearch.plugin.ingest import CorpusRecord

    records = [CorpusRecord(i, f"d{i}", "Title 8" if i == 8 else "", "word " * (i + 1)) for i in range(9)]
    records.append(CorpusRecord(10, None, error="not JSON"))
    ids, queries, passages = probe_texts(records)
    assert ids == ["d0", "d4", "d8"]
    assert queries == ["word", "word word word word word", "Title 8"]  # the title, else the first words
    assert passages[-1] == "Title 8\n" + "word " * 9

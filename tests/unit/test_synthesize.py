"""Pairs from the corpus alone (legalsearch.synthesize) and from click logs (legalsearch.clicks): tables of legal
text and the pairs they must (or must not) give."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from legalsearch.cli import cli
from legalsearch.clicks import ClickConfig, judgements_from_ubi
from legalsearch.data import Document, ValidationReport, load_dataset
from legalsearch.synthesize import SynthesisConfig, sentences, synthesize

FILLER = ("The provision applies to every person within the territory and is read with the general clauses, "
          "the definitions and the schedules that the legislature enacted together with it in the same year.")


def doc(doc_id: str, text: str, title: str = "") -> Document:
    return Document(doc_id, title, text)


@pytest.mark.parametrize("text,expected", [
    ("See 42 U.S.C. § 1983. The Court agreed.", ["See 42 U.S.C. § 1983.", "The Court agreed."]),
    ("Under Art. 6 GDPR processing is lawful. It must be fair.", ["Under Art. 6 GDPR processing is lawful.",
                                                                    "It must be fair."]),
    ("In Roe v. Wade the Court held so. Later courts disagreed.", ["In Roe v. Wade the Court held so.",
                                                                   "Later courts disagreed."]),
    ("Section 5 (a) applies; (b) does not.", ["Section 5 (a) applies; (b) does not."]),
])
def test_sentences_keep_legal_abbreviations_together(text, expected):
    assert [text[s:e] for s, e in sentences(text)] == expected


def _by_generator(result, name):
    return [pair for pair in result.pairs if pair.generator == name]


CORPUS = {
    "ipc-302": doc("ipc-302", "Whoever commits murder shall be punished with death or imprisonment for life. " + FILLER,
                   title="Section 302 IPC - Punishment for murder"),
    "masud": doc("masud", "The petitioner was detained under the Foreigners Act and sought release. " + FILLER,
                 title="Masud Khan v State Of Uttar Pradesh"),
    "judgment-1": doc("judgment-1",
                      "The appellant was convicted after a quarrel over land ended in a fatal assault. The trial court "
                      "convicted the accused for murder under Section 302 IPC and sentenced him to life. Following "
                      "Masud Khan v. State of Uttar Pradesh the detention was held illegal and quashed on review. "
                      + FILLER),
    "nda": doc("nda", "Governing Law. This Agreement shall be governed by the laws of the State of New York. "
                      "\"Confidential Information\" means any non-public information disclosed by either party. "
                      + FILLER),
}


def test_citing_sentence_becomes_a_query_for_the_cited_document_without_the_citation():
    result = synthesize(CORPUS, SynthesisConfig(generators=("citation",), filter_unretrievable=False))
    pairs = {frozenset(p.positives): p for p in _by_generator(result, "citation")}
    statute = pairs[frozenset({"ipc-302"})]
    assert statute.source == "judgment-1"
    assert "302" not in statute.query and "murder" in statute.query  # the citation is cut, its context stays
    case = pairs[frozenset({"masud"})]
    assert "Masud" not in case.query and "detention was held illegal" in case.query


def test_structure_gives_headings_titles_and_defined_terms():
    result = synthesize(CORPUS, SynthesisConfig(generators=("structure",), filter_unretrievable=False))
    queries = {p.query: p.positives for p in result.pairs}
    assert queries["Governing Law"] == {"nda"}
    assert queries["Confidential Information"] == {"nda"}
    assert queries["Section 302 IPC - Punishment for murder"] == {"ipc-302"}


def test_a_heading_shared_by_too_many_documents_names_none():
    corpus = {f"d{i}": doc(f"d{i}", f"Governing Law. Clause number {i} of many. " + FILLER) for i in range(5)}
    shared = synthesize(corpus, SynthesisConfig(generators=("structure",), filter_unretrievable=False))
    assert {p.query: p.positives for p in shared.pairs}["Governing Law"] == set(corpus)
    capped = synthesize(corpus, SynthesisConfig(generators=("structure",), filter_unretrievable=False,
                                                max_positives=3))
    assert "Governing Law" not in {p.query for p in capped.pairs}
    assert capped.report.generators["structure"].dropped["names more than 3 documents"] == 1


def test_filters_count_what_they_drop():
    short = {"a": doc("a", "Alpha beta gamma delta epsilon zeta eta theta iota kappa lambda. " + FILLER + " " + FILLER),
             "b": doc("b", "Tiny.", title="Tiny clause heading words here")}
    result = synthesize(short, SynthesisConfig(generators=("structure", "span")))
    dropped = result.report.generators["structure"].dropped
    assert dropped["copied (the positive adds too few words)"] == 1  # doc b is little more than its title
    assert not any(p.positives == {"b"} for p in result.pairs)


def test_held_out_queries_are_never_synthesized_and_runs_repeat_with_a_seed():
    held_out = {"t1": "Governing law"}
    first = synthesize(CORPUS, SynthesisConfig(seed=7), held_out_queries=held_out)
    assert "Governing Law" not in {p.query for p in first.pairs}
    assert first.report.generators["structure"].dropped["equals a held-out query"] == 1
    again = synthesize(CORPUS, SynthesisConfig(seed=7), held_out_queries=held_out)
    assert first.queries == again.queries and first.qrels == again.qrels


def test_data_synthesize_writes_a_dataset_that_validates_and_keeps_the_test_split(tmp_path):
    out = tmp_path / "syn"
    result = CliRunner().invoke(cli, ["data", "synthesize", "-d", "sample", "-o", str(out)])
    assert result.exit_code == 0, result.output
    for generator in ("citation", "structure", "span"):
        assert generator in result.output
    dataset = load_dataset(out)
    assert set(dataset.qrels) == {"train", "dev", "test"}
    assert all(q.startswith("syn-") for q in dataset.qrels["train"])
    assert not set(dataset.qrels["test"]) & set(dataset.qrels["train"])
    report = json.loads((out / "synthesis_report.json").read_text())
    assert report["held_out_splits"] == ["test"]
    assert sum(g["kept"] for g in report["generators"].values()) == len(dataset.qrels["train"]) + len(
        dataset.qrels["dev"])
    pairs = [json.loads(line) for line in (out / "pairs.jsonl").read_text().splitlines()]
    assert {p["generator"] for p in pairs} == {"citation", "structure", "span"} and all(p["source"] for p in pairs)


def test_data_synthesize_rejects_an_unknown_generator(tmp_path):
    result = CliRunner().invoke(cli, ["data", "synthesize", "-d", "sample", "-o", str(tmp_path / "x"),
                                      "--generators", "citation,llm"])
    assert result.exit_code == 2 and "generators must be some of" in result.output


# --- clicks -------------------------------------------------------------------------------------------------------


def _rows(rows):
    return [(str(i), row) for i, row in enumerate(rows)]


def test_clicks_are_weighted_by_position_and_skip_above_gives_negatives():
    queries = _rows([{"query_id": "s1", "user_query": "notice period", "query_response_hit_ids": ["a", "b", "c"]}])
    events = _rows([{"action_name": "click", "query_id": "s1", "client_id": "u1",
                     "event_attributes": {"object": {"object_id": "c"}}}])  # rank from the hit list: 3
    report = ValidationReport()
    texts, judgements, stats = judgements_from_ubi(queries, events, {"a", "b", "c"}, ClickConfig(min_clicks=2.5),
                                                   report)
    assert stats.weighted_clicks == {("u000001", "c"): 3.0}  # a click at rank 3 counts 3 (eta 1)
    assert sorted((j.doc_id, j.grade) for j in judgements) == [("a", 0), ("b", 0), ("c", 1)]
    assert texts == {"u000001": "notice period"}
    # with eta 0 every click counts 1, which is below min_clicks 2.5: nothing relevant, a clear error
    with pytest.raises(Exception, match="no relevant pair"):
        judgements_from_ubi(queries, events, {"a", "b", "c"}, ClickConfig(min_clicks=2.5, eta=0))


# --- mixing -------------------------------------------------------------------------------------------------------


def test_mix_keeps_a_weighted_share_of_each_source_and_train_reports_it(tmp_path):
    from legalsearch.data import sample_dataset_path
    from legalsearch.mixing import Source, mix, source_shares

    synthetic = tmp_path / "syn"
    assert CliRunner().invoke(cli, ["data", "synthesize", "-d", "sample", "-o", str(synthetic)]).exit_code == 0
    labelled, synth = load_dataset(sample_dataset_path()), load_dataset(synthetic)
    record = mix([Source("labelled", labelled), Source("synthetic", synth, 0.5)], tmp_path / "mix", seed=1)
    mixed = load_dataset(tmp_path / "mix")
    assert record["sources"]["synthetic"]["train_queries"] == round(len(synth.qrels["train"]) * 0.5)
    assert len(mixed.qrels["train"]) == len(labelled.qrels["train"]) + record["sources"]["synthetic"]["train_queries"]
    assert record["dev_from"] == "labelled" and set(mixed.qrels["dev"]) == {f"labelled:{q}" for q in
                                                                            labelled.qrels["dev"]}
    shares = source_shares(tmp_path / "mix", ["labelled:q1", "synthetic:s1", "synthetic:s2", "synthetic:s3"])
    assert shares == {"labelled": {"rows": 1, "share": 0.25}, "synthetic": {"rows": 3, "share": 0.75}}


def test_mix_refuses_sources_over_different_corpora(tmp_path):
    from legalsearch.data import sample_dataset_path
    from legalsearch.errors import DataError
    from legalsearch.mixing import Source, mix

    other = tmp_path / "other"
    labelled = load_dataset(sample_dataset_path())
    corpus = dict(list(labelled.corpus.items())[:-1])  # one document fewer
    from legalsearch.data import write_beir

    write_beir(other, corpus, labelled.queries, {"train": {q: j for q, j in labelled.qrels["train"].items()
                                                           if all(d in corpus for d in j)}})
    with pytest.raises(DataError, match="another corpus"):
        mix([Source("a", labelled), Source("b", load_dataset(other))], tmp_path / "mix")


def test_a_graded_source_keeps_its_relevance_definition(tmp_path):
    # ACORD-style: grade 1 means "same category, not relevant"; qrels/test_binary.tsv marks grade >= 3 relevant
    from legalsearch.data import write_beir

    source = tmp_path / "graded"
    corpus = {d.id: d for d in CORPUS.values()}
    write_beir(source, corpus, {"t1": "murder sentence"}, {"test": {"t1": {"ipc-302": 3, "nda": 1}}})
    (source / "qrels" / "test_binary.tsv").write_text("query-id\tcorpus-id\tscore\nt1\tipc-302\t1\nt1\tnda\t0\n")
    out = tmp_path / "syn"
    result = CliRunner().invoke(cli, ["data", "synthesize", "-d", str(source), "-o", str(out),
                                      "--no-filter-unretrievable"])
    assert result.exit_code == 0, result.output
    dataset = load_dataset(out)
    assert dataset.relevant_grade == 3
    assert all(grade == 3 for judged in dataset.qrels["train"].values() for grade in judged.values())

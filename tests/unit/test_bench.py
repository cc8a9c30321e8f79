"""`legalsearch bench` end to end on the bundled sample with a tiny model: JSON schema, report, bad inputs."""

from __future__ import annotations

import json
from html.parser import HTMLParser

import pytest
from click.testing import CliRunner

from legalsearch.cli import cli
from legalsearch.exporter.report import ExportReport


class _Images(HTMLParser):
    def __init__(self):
        super().__init__()
        self.images = []

    def handle_starttag(self, tag, attrs):
        if tag == "img":
            self.images.append(dict(attrs).get("src", ""))


@pytest.fixture(scope="module")
def bench_out(tiny_model_dir, tmp_path_factory):
    out = tmp_path_factory.mktemp("bench")
    export = out / "export"
    runner = CliRunner()
    exported = runner.invoke(cli, ["export", str(tiny_model_dir), "--out", str(export), "--no-ndcg",
                                   "--allow-degraded"])
    assert exported.exit_code == 0, exported.output
    result = runner.invoke(cli, ["bench", "--model", str(tiny_model_dir), "--base", str(tiny_model_dir),
                                 "--onnx", str(export), "--bootstrap", "200", "-o", str(out / "report")],
                           env={"LEGALSEARCH_OPENSEARCH_URL": None})  # offline only, whatever the shell points at
    assert result.exit_code == 0, result.output
    return out / "report"


def test_results_json_has_every_section(bench_out):
    results = json.loads((bench_out / "results.json").read_text())
    assert {"command", "date", "machine", "versions", "dataset", "rows", "per_query", "comparisons_vs_base",
            "hybrid", "speed"} <= set(results)
    names = [row["name"] for row in results["rows"]]
    # the ONNX row is the graph the export marks deployable (what deploy ships), int8 or fp32; a rejected int8
    # graph is still shown, in a row named as such
    deployable = ExportReport.from_export_dir(bench_out.parent / "export").deployable
    rejected = ["fine-tuned (onnx int8, failed the quality gate)"] if deployable == "fp32" else []
    assert names == ["bm25", "base", "fine-tuned", f"fine-tuned (onnx {deployable})", *rejected,
                     "hybrid (bm25 + fine-tuned)"]
    for row in results["rows"]:
        for metric in ("ndcg@10", "recall@20", "mrr@10"):
            low, high = row["ci95"][metric]
            assert 0 <= low <= row["metrics"][metric] <= high <= 1
    same = results["comparisons_vs_base"]["fine-tuned"]["ndcg@10"]
    assert same["mean_difference"] == 0 and not same["significant"]  # base and "fine-tuned" are one model here
    assert results["hybrid"]["tuning"]["split"] == "dev" and len(results["hybrid"]["tuning"]["grid"]) == 33
    assert results["dataset"]["splits"]["test"]["queries"] > 0 and len(results["dataset"]["sha256"]) == 64
    assert set(results["speed"]) == {"pytorch", "onnx fp32", "onnx int8"}
    assert json.loads((bench_out / "hybrid.json").read_text()) == results["hybrid"]["config"]


def test_the_hybrid_is_compared_with_bm25_by_a_paired_interval(bench_out):
    results = json.loads((bench_out / "results.json").read_text())
    means = {row["name"]: row["metrics"]["ndcg@10"] for row in results["rows"]}
    vs_bm25 = results["hybrid"]["vs_bm25"]
    assert vs_bm25["mean_difference"] == pytest.approx(means["hybrid (bm25 + fine-tuned)"] - means["bm25"])
    assert vs_bm25["ci_low"] <= vs_bm25["mean_difference"] <= vs_bm25["ci_high"]
    best = results["hybrid"]["best_single"]
    assert results["hybrid"]["vs_best_single"]["mean_difference"] == pytest.approx(
        means["hybrid (bm25 + fine-tuned)"] - means[best])
    assert f"Hybrid minus bm25 {vs_bm25['mean_difference']:+.4f}" in (bench_out / "report.md").read_text()


def test_html_report_parses_and_has_its_plots(bench_out):
    parser = _Images()
    parser.feed((bench_out / "report.html").read_text())
    assert len(parser.images) == 3 and all(src.startswith("data:image/png;base64,") for src in parser.images)
    markdown = (bench_out / "report.md").read_text()
    assert "## Retrieval quality" in markdown and "95% paired-bootstrap" in markdown


def test_dataset_without_test_split_is_a_clear_error(tmp_path, tiny_model_dir):
    from test_data import make_dataset

    root = make_dataset(tmp_path, qrels={"train": "q1\td1\t1\n", "dev": "q2\td2\t1\n"})
    result = CliRunner().invoke(cli, ["bench", "-d", str(root), "--model", str(tiny_model_dir), "--no-onnx"])
    assert result.exit_code == 1
    assert "no 'test' split" in result.output


def test_paired_bootstrap_detects_a_real_difference():
    from legalsearch.bench import paired_bootstrap

    base = {f"q{i}": 0.2 for i in range(50)}
    better = {f"q{i}": 0.5 for i in range(50)}
    noisy = {f"q{i}": 0.2 + (0.1 if i % 2 else -0.1) for i in range(50)}
    assert paired_bootstrap(better, base, seed=1)["significant"]
    assert not paired_bootstrap(noisy, base, seed=1)["significant"]


def test_speed_warms_up_at_both_shapes_and_interleaves_rounds():
    # the first large batch pays onnxruntime's one-time costs: it must not land in a timed pass; and the encoders
    # alternate their order round by round so that whatever runs first does not always hit the same one
    from legalsearch.bench.speed import measure_speed

    calls = []

    class Recorder:
        def __init__(self, name):
            self.name = name

        def encode_queries(self, texts, batch_size=32):
            calls.append((self.name, "q", len(texts), batch_size))

        def encode_documents(self, texts, batch_size=32):
            calls.append((self.name, "d", list(texts), batch_size))

    documents = [f"clause {'x' * n}" for n in range(40)]
    result = measure_speed({"a": Recorder("a"), "b": Recorder("b")}, ["q1", "q2", "q3"], documents, rounds=2,
                           reference="a", settle_s=0)
    warm = calls[:4]
    assert [c[:2] for c in warm] == [("a", "q"), ("a", "d"), ("b", "q"), ("b", "d")]
    assert warm[1][2] == sorted(documents, key=len, reverse=True)[:32]
    timed_documents = [(c[0], c[2]) for c in calls[4:] if c[1] == "d"]
    assert [name for name, _ in timed_documents] == ["a", "b", "b", "a"]  # round 2 reversed
    assert all(texts == documents for _, texts in timed_documents)
    assert all(c[2] == 1 and c[3] == 1 for c in calls[4:] if c[1] == "q")  # queries one at a time
    figures = result.encoders
    assert figures["a"]["query_latency"]["n"] == 6 and figures["a"]["documents"] == 40
    assert len(figures["b"]["documents_per_second_rounds"]) == 2
    assert figures["a"]["query_speedup"] == 1.0 and "throughput_ratio" in figures["b"]
    assert result.conditions.rounds == 2 and result.conditions.reference == "a"


def test_bench_exports_and_gates_on_train_when_the_dataset_has_no_dev(sample_path, tiny_model_dir, tmp_path):
    # a train-and-test dataset (AILA's statutes): the export's int8 gate must not ask for a dev split it cannot
    # have; it scores train (held in, never the reported test split)
    import shutil

    no_dev = tmp_path / "no-dev"
    shutil.copytree(sample_path, no_dev, ignore=shutil.ignore_patterns("dev.tsv", "__pycache__"))
    out = tmp_path / "bench"
    result = CliRunner().invoke(cli, ["bench", "-d", str(no_dev), "--model", str(tiny_model_dir), "--base",
                                      str(tiny_model_dir), "--no-speed", "--bootstrap", "200", "-o", str(out)],
                                env={"LEGALSEARCH_OPENSEARCH_URL": None})
    assert result.exit_code == 0, result.output
    assert "int8 gate on the train split" in result.output
    report = json.loads((out / "export" / "export_report.json").read_text())
    assert report["gate"]["ndcg"] is not None
    rows = {row["name"]: row for row in json.loads((out / "results.json").read_text())["rows"]}
    assert any(name.startswith("fine-tuned (onnx") for name in rows)
    # the gate encoded the whole corpus with fp32 for train's NDCG: the fine-tuned row read those vectors
    assert "fp32 ONNX export" in rows["fine-tuned"]["info"]["documents_encoded_by"]
    assert "documents' vectors are those of the fp32 ONNX export" in (out / "report.md").read_text()


def test_report_states_how_long_texts_were_handled(bench_out):
    results = json.loads((bench_out / "results.json").read_text())
    texts = next(r for r in results["rows"] if r["name"] == "fine-tuned")["info"]["long_texts"]
    assert texts["documents"] == results["dataset"]["documents"] and texts["query_windows"]["test"]
    assert "Long texts: documents are cut into passages of" in (bench_out / "report.md").read_text()


def test_long_texts_note_names_windows_key_terms_and_the_passage_limit():
    from legalsearch.bench.report import long_texts_note

    results = {"split": "test", "rows": [
        {"name": "bm25", "info": {"long_queries": {"max_terms": 256}, "key_term_queries": {"test": 7}}},
        {"name": "fine-tuned", "info": {
            "max_seq_length": 256, "chunking": {"token_limit": 192, "max_chunk_limit": 100},
            "long_queries": {"max_windows": 32},
            "long_texts": {"documents": 2914, "documents_over_one_passage": 2900, "max_passages": 100,
                           "documents_at_passage_limit": 12, "query_windows": {"test": [1, 3, 40, 2]}}}}]}
    note = long_texts_note(results)
    assert "2900 of 2914 documents have more than one (at most 100)" in note
    assert "12 reach the 100-passage limit" in note
    assert "3 of the 4 test queries are longer than one passage (up to 40 windows)" in note
    assert "1 have more than 32, of which 32 evenly spaced are used" in note
    assert "7 test queries have more than 256 analyzed terms" in note
    assert long_texts_note({"split": "test", "rows": [{"name": "bm25", "info": {}}]}) is None

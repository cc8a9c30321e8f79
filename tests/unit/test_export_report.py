"""``export_report.json`` as one typed object: round trip, the gate's figures by name, committed reports, and
the clear error for reports the exporter did not write (or wrote before the contract was typed)."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from legalsearch.errors import PackageError
from legalsearch.exporter.report import REPORT_NAME, ExportReport
from legalsearch.exporter.testing import build_fake_export, fake_gate

RESULTS = Path(__file__).resolve().parents[2] / "benchmarks" / "results"


@pytest.fixture
def fp32_export(tmp_path):
    return build_fake_export(tmp_path / "export", deployable="fp32")


def test_round_trip_through_the_file(fp32_export, tmp_path):
    report = ExportReport.from_export_dir(fp32_export)
    assert report.deployable == report.package["variant"] == "fp32" and report.gate_passed is False
    assert report.to_dict() == json.loads((fp32_export / REPORT_NAME).read_text())
    report.save(tmp_path)
    assert ExportReport.from_file(tmp_path / REPORT_NAME) == report


def test_the_gate_figures_have_names():
    report = ExportReport(deployable="int8", gate=fake_gate(cosine=0.9934, ndcg_loss=0.0021),
                          quantization={"chosen": "dynamic-matmul-perchannel"})
    assert (report.gate_passed, report.int8_scheme) == (True, "dynamic-matmul-perchannel")
    assert (report.query_cosine, report.document_cosine, report.ndcg_loss) == (0.9934, 0.9934, 0.0021)
    assert "queries mean 0.9934" in report.summary() and "loss +0.0021" in report.summary()
    no_ndcg = ExportReport(deployable="int8", gate=fake_gate())
    assert no_ndcg.ndcg_loss is None and no_ndcg.int8_scheme is None


@pytest.mark.parametrize("folder, deployable, scheme", [
    ("acord-2026-11-27", "int8", "dynamic-matmul-perchannel"),
    ("legalbenchrag_lite-2026-11-27", "fp32", "dynamic-matmul-perchannel-keep-ffn-out"),
])
def test_committed_reports_written_before_the_typed_contract_still_read(folder, deployable, scheme):
    """Reports from before the ``format`` field have the same layout: they read as format 1, figures included."""
    report = ExportReport.from_file(RESULTS / folder / REPORT_NAME)
    assert (report.deployable, report.int8_scheme, report.format) == (deployable, scheme, 1)
    assert report.gate_passed is (deployable == "int8") and 0.9 < report.query_cosine <= 1
    assert report.ndcg_loss is not None and report.max_seq_length > 0


@pytest.mark.parametrize("content, message", [
    ({"deployable": True}, "'deployable' is True, not one of int8, fp32"),
    ({"deployable": False}, "'deployable' is False"),
    ({"deployable": {"variant": "int8"}}, "'deployable' is {'variant': 'int8'}"),
    ({"gate": {"passed": True}}, "'deployable' is None"),
    ({"deployable": "int8"}, "'gate' does not hold the quality gate's figures"),
    ({"deployable": "int8", "gate": {"passed": True}}, "'gate' does not hold"),
    ({"deployable": "int8", "format": 99}, "report format 99, newer than this legalsearch reads"),
    ([1, 2], "is not an export report"),
    ("{not json", "is not valid JSON"),
])
def test_reports_it_cannot_trust_name_the_file_and_say_re_export(tmp_path, content, message):
    path = tmp_path / REPORT_NAME
    path.write_text(content if isinstance(content, str) else json.dumps(content))
    with pytest.raises(PackageError, match="re-export the model") as caught:
        ExportReport.from_file(path)
    assert message in str(caught.value) and str(path) in str(caught.value)
    assert f"--out {tmp_path}" in str(caught.value)


def test_missing_report_is_named(tmp_path):
    with pytest.raises(PackageError, match="not a `legalsearch export` output"):
        ExportReport.from_export_dir(tmp_path)


def test_deployable_is_checked_when_built_too():
    with pytest.raises(ValueError, match="int8, fp32"):
        ExportReport(deployable="yes", gate=fake_gate())


def test_an_export_loads_its_deployable_variant_through_the_core_loader(fp32_export):
    from legalsearch.encoders import load_encoder
    from legalsearch.exporter.encoder import load_onnx_encoder

    assert load_encoder(fp32_export).model_dir == fp32_export / "fp32"  # the exporter registered itself
    assert load_onnx_encoder(fp32_export, "int8").model_dir == fp32_export / "int8"
    with pytest.raises(PackageError, match="has no 'int8' variant"):
        import shutil

        shutil.rmtree(fp32_export / "int8")
        load_onnx_encoder(fp32_export, "int8")


def test_the_core_alone_names_the_missing_onnx_loader(fp32_export):
    """Without the exporter imported, the core does not fall back to PyTorch on an export: it says what to do."""
    code = textwrap.dedent(f"""
        import sys
        from legalsearch.encoders import load_encoder
        from legalsearch.errors import ModelError
        try:
            load_encoder({str(fp32_export)!r})
        except ModelError as exc:
            print(exc)
        print(sorted(m for m in sys.modules if m.startswith("legalsearch.exporter")))
    """)
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "no ONNX loader is registered: load it with legalsearch.exporter.load_encoder" in result.stdout
    assert result.stdout.strip().endswith("[]")

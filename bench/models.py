"""Which exported graph the benchmark measures: the one the cluster serves, else the export's deployable one.

Query and document vectors must come from the same graph: when ``deploy`` shipped fp32 (the quality gate failed
int8), the offline ONNX row, the speed figures' reference and the cluster's client-side query vectors are all fp32.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from legalsearch.bench.offline import onnx_row

REJECTED_INT8_ROW = "fine-tuned (onnx int8, failed the quality gate)"


@dataclass
class ExportedModels:
    """The ONNX encoders of one export that a benchmark uses."""

    variant: str  # int8 | fp32: the graph of the offline ONNX row (and of the cluster's query vectors)
    encoder: object  # legalsearch.exporter.encoder.OnnxEncoder over <export>/<variant>
    speed: dict = field(default_factory=dict)  # "onnx fp32" / "onnx int8" -> encoder, for the speed table
    # the int8 graph when the quality gate rejected it (fp32 is then deployable): benched as its own, labelled row so
    # that the report still shows what int8 would cost, without it standing for what the cluster serves
    rejected_int8: object | None = None

    @property
    def row(self) -> str:
        return onnx_row(self.variant)

    def rows(self) -> dict:
        """Offline row name -> encoder: the deployable graph, plus the rejected int8 graph when there is one."""
        rows = {self.row: self.encoder}
        if self.rejected_int8 is not None:
            rows[REJECTED_INT8_ROW] = self.rejected_int8
        return rows


def exported_models(export_dir: str | Path, variant: str | None = None, speed: bool = True) -> ExportedModels:
    """Load ``variant`` of the export (default: the deployable one its ``export_report.json`` names).

    Args:
        variant: the variant a deployed index serves (:attr:`legalsearch.bench.cluster.ClusterTarget.variant`),
            or None for the export's own choice.
        speed: also load both variants for the speed table (the measured one is reused).

    Raises:
        PackageError: the export's report is unreadable or of an old format, or it lacks the variant.
    """
    from legalsearch.exporter.encoder import load_onnx_encoder
    from legalsearch.exporter.report import ExportReport

    export_dir = Path(export_dir)
    deployable = ExportReport.from_export_dir(export_dir).deployable
    variant = variant or deployable
    encoder = load_onnx_encoder(export_dir, variant)
    models = ExportedModels(variant, encoder)
    if deployable == "fp32" and variant == "fp32" and (export_dir / "int8" / "model.onnx").is_file():
        # the gate has usually just encoded the corpus with it (embedding cache): the row costs the queries only
        models.rejected_int8 = load_onnx_encoder(export_dir, "int8")
    if speed:
        loaded = {variant: encoder, **({"int8": models.rejected_int8} if models.rejected_int8 else {})}
        models.speed = {f"onnx {v}": loaded.get(v) or load_onnx_encoder(export_dir, v) for v in ("fp32", "int8")}
    return models

"""Which exported graph the benchmark measures: the one the cluster serves, else the export's deployable one.

Query and document vectors must come from the same graph: when ``deploy`` shipped fp32 (the quality gate failed
int8), the offline ONNX row, the speed figures' reference and the cluster's client-side query vectors are all fp32.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from legalsearch.bench.offline import onnx_row


@dataclass
class ExportedModels:
    """The ONNX encoders of one export that a benchmark uses."""

    variant: str  # int8 | fp32: the graph of the offline ONNX row (and of the cluster's query vectors)
    encoder: object  # legalsearch.exporter.encoder.OnnxEncoder over <export>/<variant>
    speed: dict = field(default_factory=dict)  # "onnx fp32" / "onnx int8" -> encoder, for the speed table

    @property
    def row(self) -> str:
        return onnx_row(self.variant)


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
    variant = variant or ExportReport.from_export_dir(export_dir).deployable
    encoder = load_onnx_encoder(export_dir, variant)
    models = ExportedModels(variant, encoder)
    if speed:
        models.speed = {f"onnx {v}": encoder if v == variant else load_onnx_encoder(export_dir, v)
                        for v in ("fp32", "int8")}
    return models

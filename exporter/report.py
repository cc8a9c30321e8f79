"""``export_report.json``: what an export measured and decided, as one typed object.

:class:`ExportReport` is the contract between the exporter, which writes it (``legalsearch export``), and its
readers: ``legalsearch deploy`` (which variant to load or package, the model's length), the encoder loader (an
export directory loads its deployable variant), ``legalsearch bench`` and the demo (the gate's figures). Nobody reads
the JSON by hand; they call :meth:`ExportReport.from_export_dir` and use the fields.

Example::

    from legalsearch.exporter.report import ExportReport

    report = ExportReport.from_export_dir("runs/demo/export")
    report.deployable                    # "int8" or "fp32": the variant ml-commons/model.zip holds
    report.gate_passed, report.int8_scheme
    report.query_cosine, report.document_cosine, report.ndcg_loss   # the gate's figures (None when not measured)
    report.prompt_pair                   # Prompts(query=..., document=...): prepended here and by ML Commons
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from legalsearch.errors import PackageError
from legalsearch.exporter.gate import GateResult
from legalsearch.prompts import Prompts

REPORT_NAME = "export_report.json"
VARIANTS = ("int8", "fp32")
# 1: the first typed report. Reports written before the field existed have the same layout and read as format 1.
FORMAT = 1


def _reexport_hint(path: Path) -> str:
    return f"re-export the model (legalsearch export MODEL_DIR --out {path.parent} --overwrite)"


@dataclass
class ExportReport:
    """The export's decision and figures; ``to_dict()`` is the JSON that ``export_report.json`` holds.

    Args:
        deployable: ``"int8"`` or ``"fp32"``: the variant the quality gate chose, packaged in ``ml-commons/``.
        gate: the quality gate's figures and verdict (:class:`~legalsearch.exporter.gate.GateResult`).
        max_seq_length: tokens the exported tokenizer truncates to.
        quantization: the int8 scheme search (``chosen``, ``trials``: ``quantize.Choice.to_dict()``).
        package: the ML Commons package (``zip``, ``register``, ``variant``, ``size_bytes``, ``sha256``).
        model: the model's :class:`~legalsearch.exporter.spec.ModelSpec` facts (without ``hf_config``).
        prompts: ``{"query": ..., "document": ...}``: the text every encoder of this export prepends to queries and
            passages, registered with ML Commons as ``query_prefix`` / ``passage_prefix`` (empty in old reports:
            read :attr:`prompt_pair`).
        fusion: whether the fused graph was kept (:class:`~legalsearch.exporter.fuse.Fusion`); empty in old reports.
        graphs: opset, IR version and operators of each graph.
        created, source_model, dataset: when, from what, and with which texts the export ran.
        timings, versions, warnings: seconds per stage, library versions, notes for OpenSearch callers.
        format: version of this layout (:data:`FORMAT`).
    """

    deployable: str
    gate: GateResult
    max_seq_length: int | None = None
    quantization: dict = field(default_factory=dict)
    package: dict = field(default_factory=dict)
    model: dict = field(default_factory=dict)
    prompts: dict = field(default_factory=dict)
    fusion: dict = field(default_factory=dict)
    graphs: dict = field(default_factory=dict)
    created: str | None = None
    source_model: str | None = None
    dataset: str | None = None
    timings: dict = field(default_factory=dict)
    versions: dict = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    format: int = FORMAT

    def __post_init__(self):
        if self.deployable not in VARIANTS:
            raise ValueError(f"deployable must be one of {', '.join(VARIANTS)}, got {self.deployable!r}")

    # -- the gate's figures, by name (what summaries print) ---------------------------------------------------------
    @property
    def gate_passed(self) -> bool:
        """True when int8 passed the quality gate (then ``deployable`` is ``int8``)."""
        return bool(self.gate.passed)

    @property
    def int8_scheme(self) -> str | None:
        """Name of the int8 scheme the search chose (shipped as ``int8/``), e.g. ``dynamic-matmul-perchannel``."""
        return self.quantization.get("chosen")

    def _cosine(self, kind: str) -> float | None:
        stats = (self.gate.cosine or {}).get("int8_vs_pytorch", {}).get(kind)
        return float(stats["mean"]) if stats else None

    @property
    def query_cosine(self) -> float | None:
        """Mean cosine of int8 query vectors to PyTorch's on the held-back queries."""
        return self._cosine("queries")

    @property
    def document_cosine(self) -> float | None:
        """Mean cosine of int8 document vectors to PyTorch's on the held-back documents."""
        return self._cosine("documents")

    @property
    def ndcg_loss(self) -> float | None:
        """fp32 minus int8 NDCG@10 on the gate's split; None when NDCG was not measured (no dataset, --no-ndcg)."""
        return float(self.gate.ndcg["loss"]) if self.gate.ndcg else None

    @property
    def prompt_pair(self) -> Prompts:
        """The export's :class:`~legalsearch.prompts.Prompts` (from ``prompts``, else the model facts of old reports)."""
        return Prompts.from_model(self.prompts or self.model.get("prompts"))

    def summary(self) -> str:
        """One line: the gate's figures (:meth:`GateResult.summary`)."""
        return self.gate.summary()

    # -- files -------------------------------------------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        out = {f.name: getattr(self, f.name) for f in fields(self)}
        out["gate"] = self.gate.to_dict()
        return out

    def save(self, export_dir: str | Path) -> Path:
        """Write ``export_dir/export_report.json``; returns its path."""
        path = Path(export_dir) / REPORT_NAME
        path.write_text(json.dumps(self.to_dict(), indent=2) + "\n", encoding="utf-8")
        return path

    @classmethod
    def from_dict(cls, data: dict, path: str | Path = REPORT_NAME) -> "ExportReport":
        """Check and type a report's JSON; ``PackageError`` names ``path``, what is wrong and what to do."""
        path = Path(path)
        if not isinstance(data, dict):
            raise PackageError(f"{path} is not an export report (a JSON object); {_reexport_hint(path)}")
        version = data.get("format", FORMAT)
        if not isinstance(version, int) or version > FORMAT:
            raise PackageError(f"{path} has report format {version!r}, newer than this legalsearch reads "
                               f"({FORMAT}); upgrade legalsearch or {_reexport_hint(path)}")
        deployable = data.get("deployable")
        if deployable not in VARIANTS:
            raise PackageError(
                f"{path}: 'deployable' is {deployable!r}, not one of {', '.join(VARIANTS)}; the report was not "
                f"written by `legalsearch export` (or by an older version): {_reexport_hint(path)}")
        gate = data.get("gate")
        try:
            gate = GateResult(**gate)
        except TypeError:
            raise PackageError(f"{path}: 'gate' does not hold the quality gate's figures (passed, reasons, "
                               f"thresholds, cosine, ...); {_reexport_hint(path)}") from None
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in known and k != "gate"}, gate=gate)

    @classmethod
    def from_file(cls, path: str | Path) -> "ExportReport":
        path = Path(path)
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise PackageError(f"{path} not found; the directory is not a `legalsearch export` output: "
                               f"{_reexport_hint(path)}") from None
        except json.JSONDecodeError as exc:
            raise PackageError(f"{path} is not valid JSON ({exc.msg} at line {exc.lineno}); "
                               f"{_reexport_hint(path)}") from None
        return cls.from_dict(data, path)

    @classmethod
    def from_export_dir(cls, export_dir: str | Path) -> "ExportReport":
        return cls.from_file(Path(export_dir) / REPORT_NAME)


def is_export_dir(path: str | Path) -> bool:
    """True for a ``legalsearch export`` output directory (it holds ``export_report.json``)."""
    return (Path(path) / REPORT_NAME).is_file()

"""int8 variant of an exported graph, with the quantization scheme chosen by measurement.

What was measured (all-MiniLM-L6-v2, 96 held-out ACORD clauses + 114 ACORD queries, cosine to PyTorch; details in
``docs/exporter.md``):

=====================================================  ===========  ==========
scheme                                                 mean cosine  min cosine
=====================================================  ===========  ==========
onnxruntime ``quantize_dynamic`` defaults (all ops)    0.954        0.925
static QDQ, MinMax calibration on ACORD clauses        0.941        0.908
dynamic, weight MatMuls only, per-tensor U8 weights    0.980        0.970
dynamic, weight MatMuls only, per-channel S8, 7-bit    0.993        0.985
same, FFN output MatMuls of the first half kept fp32   0.996        0.994
same, all FFN output MatMuls kept fp32                 0.996        0.994
=====================================================  ===========  ==========

So every scheme here is *dynamic* (activations quantized per batch at run time), quantizes only the MatMuls that
multiply by a weight matrix, per output channel, with 7-bit weights (``reduce_range``: no int16 saturation in the
u8×s8 kernels of CPUs without VNNI), and keeps the word/position embeddings, LayerNorm, softmax and the
attention-score MatMuls in fp32. The FFN down-projections read the GELU output, whose outliers make per-tensor
activation scales coarse; keeping some of them fp32 is the remaining quality knob. :func:`choose_scheme` tries
the schemes from most to least quantized and keeps the first that reaches the gate's cosine on texts from the
model's own corpus and then passes the quality gate itself. The quantized graph adds ``DynamicQuantizeLinear``
and ``MatMulInteger`` (standard) and, when the fp32 graph was fused (:mod:`legalsearch.exporter.fuse`),
``QAttention`` for the fused Q/K/V projection, whose attention scores and softmax stay fp32, so every scheme means
the same on a fused and an unfused graph.
"""

from __future__ import annotations

import logging
import math
import shutil
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Callable

import numpy as np

from legalsearch.errors import DependencyError, ExportError
from legalsearch.exporter.export import MODEL_FILE, check_graph

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Scheme:
    """A dynamic int8 quantization recipe (see module docstring).

    Args:
        name: identifier recorded in ``export_report.json``.
        keep_ffn_out: which FFN down-projection MatMuls stay fp32: ``"none"``, ``"first_half"`` or ``"all"``.
        per_channel: per-output-channel weight scales.
        reduce_range: 7-bit weights (avoids u8×s8 saturation on AVX2/AVX-512 CPUs without VNNI).
    """

    name: str
    keep_ffn_out: str = "none"
    per_channel: bool = True
    reduce_range: bool = True

    def to_dict(self) -> dict:
        return asdict(self) | {
            "method": "dynamic",
            "op_types": list(QUANTIZED_OPS),
            "weight_type": "QInt8",
            "activation_type": "QUInt8 (dynamic, per tensor)",
            "kept_fp32": "embeddings, LayerNorm, softmax, attention-score MatMuls"
            + {"none": "", "first_half": ", FFN output MatMuls of the first half of the layers",
               "all": ", all FFN output MatMuls"}[self.keep_ffn_out],
        }


# Weight products that get int8 weights: plain MatMuls, and the fused Q/K/V projection (Attention -> QAttention).
QUANTIZED_OPS = ("MatMul", "Attention")

# Most quantized (fastest) first.
SCHEMES: tuple[Scheme, ...] = (
    Scheme("dynamic-matmul-perchannel"),
    Scheme("dynamic-matmul-perchannel-keep-early-ffn-out", keep_ffn_out="first_half"),
    Scheme("dynamic-matmul-perchannel-keep-ffn-out", keep_ffn_out="all"),
)
SCHEMES_BY_NAME = {s.name: s for s in SCHEMES}


def weight_matmuls(graph_path: Path) -> list[tuple[str, int, int]]:
    """Nodes that multiply by a weight initializer (MatMul, fused Attention), in graph order: ``(node name, K, N)``."""
    import onnx

    model = onnx.load(str(graph_path), load_external_data=False)
    shapes = {init.name: tuple(init.dims) for init in model.graph.initializer}
    found = []
    for node in model.graph.node:
        if node.op_type not in QUANTIZED_OPS or len(node.input) < 2:
            continue
        dims = shapes.get(node.input[1])
        if dims and len(dims) == 2:
            found.append((node.name, int(dims[0]), int(dims[1])))
    return found


def nodes_to_keep(graph_path: Path, scheme: Scheme) -> list[str]:
    """Names of the FFN down-projections (weight [intermediate, hidden], intermediate > hidden) the scheme keeps fp32."""
    down = [name for name, k, n in weight_matmuls(graph_path) if k > n]
    if scheme.keep_ffn_out == "all":
        return down
    if scheme.keep_ffn_out == "first_half":
        return down[: math.ceil(len(down) / 2)]
    return []


def quantized_share(graph_path: Path, scheme: Scheme) -> float:
    """Fraction of weight-MatMul multiply-adds that run in int8 under ``scheme`` (a speed proxy)."""
    matmuls = weight_matmuls(graph_path)
    kept = set(nodes_to_keep(graph_path, scheme))
    total = sum(k * n for _, k, n in matmuls) or 1
    return sum(k * n for name, k, n in matmuls if name not in kept) / total


def quantize_int8(fp32_dir: str | Path, out_dir: str | Path, scheme: Scheme | str = SCHEMES[0]) -> Path:
    """Write ``out_dir/model.onnx`` (int8) plus the tokenizer and encoder config copied from ``fp32_dir``."""
    try:
        import onnx
        from onnxruntime.quantization import QuantType, quantize_dynamic
    except ImportError as exc:
        raise DependencyError("onnxruntime", "onnx") from exc
    if isinstance(scheme, str):
        if scheme not in SCHEMES_BY_NAME:
            raise ExportError(f"unknown quantization scheme {scheme!r}; choose one of {', '.join(SCHEMES_BY_NAME)}")
        scheme = SCHEMES_BY_NAME[scheme]
    fp32_dir, out_dir = Path(fp32_dir), Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    source = fp32_dir / MODEL_FILE
    target = out_dir / MODEL_FILE
    root = logging.getLogger()
    was_disabled, root.disabled = root.disabled, True  # quantize_dynamic logs "run pre-processing" to the root
    try:
        quantize_dynamic(
            str(source), str(target), op_types_to_quantize=list(QUANTIZED_OPS), per_channel=scheme.per_channel,
            reduce_range=scheme.reduce_range, weight_type=QuantType.QInt8,
            nodes_to_exclude=nodes_to_keep(source, scheme),
            # shape inference cannot type the outputs of contrib operators (fused graphs); they are all float
            extra_options={"DefaultTensorType": onnx.TensorProto.FLOAT},
        )
    finally:
        root.disabled = was_disabled
    check_graph(target)
    for item in fp32_dir.iterdir():
        if item.is_file() and item.name != MODEL_FILE:
            shutil.copyfile(item, out_dir / item.name)
    return target


def cosine_stats(a: np.ndarray, b: np.ndarray) -> dict[str, float]:
    """Row-wise cosine between two embedding matrices: ``{"mean", "min"}``."""
    a = a / np.clip(np.linalg.norm(a, axis=1, keepdims=True), 1e-12, None)
    b = b / np.clip(np.linalg.norm(b, axis=1, keepdims=True), 1e-12, None)
    cos = (a * b).sum(axis=1)
    return {"mean": round(float(cos.mean()), 6), "min": round(float(cos.min()), 6)}


@dataclass
class Choice:
    """The scheme :func:`choose_scheme` picked and every trial it ran."""

    scheme: Scheme
    trials: list[dict]
    met_target: bool

    def to_dict(self) -> dict:
        return {"chosen": self.scheme.name, "settings": self.scheme.to_dict(), "met_target": self.met_target,
                "trials": self.trials}


def choose_scheme(
    fp32_dir: str | Path,
    work_dir: str | Path,
    queries: list[str],
    documents: list[str],
    reference: tuple[np.ndarray, np.ndarray],
    target_mean: float = 0.99,
    target_min: float = 0.98,
    schemes: tuple[Scheme, ...] = SCHEMES,
    accept: Callable[[Scheme, Path], bool] | None = None,
) -> Choice:
    """Quantize with each scheme (most quantized, so fastest, first); keep the first that is good enough.

    Good enough means: its cosine to ``reference`` meets the target on queries and on documents, and ``accept``
    (the export's quality gate, on held-back texts and dev NDCG@10) passes it. A scheme that fails the gate
    does not end the search: the next, more accurate scheme is tried, so the export ships the fastest int8 graph
    at the required quality rather than giving up on int8.

    Args:
        fp32_dir: the exported fp32 variant.
        work_dir: scratch directory; each trial writes ``work_dir/<scheme>/``.
        queries, documents: texts from the model's own corpus (not the gate's held-back texts).
        reference: PyTorch embeddings of ``queries`` and ``documents``.
        target_mean, target_min: cosine the scheme must reach on both queries and documents (the mean target is
            the gate's own bar; the gate then re-checks on texts the search never saw).
        accept: ``accept(scheme, trial_dir) -> bool``, called for a scheme that met the cosine target; None
            accepts it.

    Returns:
        The first scheme meeting the target and accepted, else the most accurate one (``met_target`` False).
    """
    from legalsearch.exporter.encoder import OnnxEncoder

    if not schemes:
        raise ExportError("no quantization scheme to try")
    work_dir = Path(work_dir)
    trials: list[dict] = []
    best: tuple[float, Scheme] | None = None
    for scheme in schemes:
        trial_dir = work_dir / scheme.name
        quantize_int8(fp32_dir, trial_dir, scheme)
        encoder = OnnxEncoder(trial_dir)
        q = cosine_stats(encoder.encode_queries(queries), reference[0])
        d = cosine_stats(encoder.encode_documents(documents), reference[1])
        ok = min(q["mean"], d["mean"]) >= target_mean and min(q["min"], d["min"]) >= target_min
        trial = {
            "scheme": scheme.name, "queries": q, "documents": d, "met_target": ok,
            "int8_matmul_share": round(quantized_share(fp32_dir / MODEL_FILE, scheme), 4),
            "size_bytes": (trial_dir / MODEL_FILE).stat().st_size,
        }
        trials.append(trial)
        log.info("int8 scheme %s: queries %s documents %s", scheme.name, q, d)
        score = min(q["mean"], d["mean"])
        if best is None or score > best[0]:
            best = (score, scheme)
        if ok and accept is not None:
            trial["accepted"] = ok = bool(accept(scheme, trial_dir))
        if ok:
            return Choice(scheme, trials, True)
    return Choice(best[1], trials, False)

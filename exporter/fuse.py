"""Offline transformer fusions for the exported graph, kept only when they are complete and change nothing.

onnxruntime's own load-time optimizer does not fuse attention in the traced graph (the transformers 5 mask code
does not match its pattern), so every batch-1 query pays for some 200 small shape, reshape and transpose nodes.
The ``onnxruntime.transformers`` optimizer rewrites each layer into ``Attention``, ``SkipLayerNormalization`` and
``BiasGelu`` (``com.microsoft`` contrib operators), and quantization then turns ``Attention`` into
``QAttention``. Measured on the fine-tuned ACORD MiniLM (1 thread, CPU time, see ``docs/exporter.md``): batch-1
query latency of the int8 graph about 10% lower, corpus throughput unchanged, embeddings unchanged (fp32 within
3e-5; int8 cosine to PyTorch equal to 4 decimals).

What is *not* fused: the embeddings (``EmbedLayerNormalization`` would compute position ids itself and changes no
speed); the word, position and token-type lookups stay the traced standard operators, so the input contract
(``input_ids``, ``attention_mask``, ``token_type_ids``, all int64) is untouched.

The fused attention reads the mask as per-row lengths, i.e. it assumes right padding, as ML Commons (DJL's
HuggingFaceTokenizer) and :class:`~legalsearch.exporter.encoder.OnnxEncoder` pad.

:func:`fuse_graph` keeps the fused graph only if every attention block fused, it uses no contrib operator outside
:data:`CONTRIB_OPS` (each loads and runs under onnxruntime 1.16.3, the version ML Commons bundles), inputs and
outputs are the same, and its token embeddings equal the unfused graph's on a right-padded batch. Otherwise the
standard graph stays and the reason is reported.
"""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from legalsearch.exporter.spec import ModelSpec

log = logging.getLogger(__name__)

CONTRIB_DOMAIN = "com.microsoft"
# Contrib operators a fused (fp32) or fused-and-quantized (int8) graph may hold. Each was checked to load and run
# under onnxruntime 1.16.3 with the same outputs as 1.32 (docs/exporter.md); extend only after the same check.
CONTRIB_OPS = frozenset({"Attention", "QAttention", "SkipLayerNormalization", "BiasGelu"})
# Largest |fused - unfused| token-embedding difference accepted (fp32 fusions reorder sums; measured 3e-5).
FUSION_ATOL = 1e-3


@dataclass
class Fusion:
    """Whether the fused graph was kept, why, and the operators it holds (``export_report.json`` ``fusion``)."""

    applied: bool
    reason: str
    operators: dict = field(default_factory=dict)
    max_abs_diff: float | None = None

    def to_dict(self) -> dict:
        return asdict(self)


def _config_int(config: dict, *names: str) -> int:
    for name in names:
        if isinstance(config.get(name), int):
            return int(config[name])
    return 0  # the optimizer then reads heads and hidden size from the graph's reshapes


def _probe_inputs(model, config: dict) -> dict[str, np.ndarray]:
    """A right-padded batch of 3 (lengths 17, 9, 2) with token ids from the vocabulary."""
    vocab = max(_config_int(config, "vocab_size"), 8)
    rng = np.random.default_rng(0)
    lengths = (17, 9, 2)
    ids = np.zeros((len(lengths), max(lengths)), dtype=np.int64)
    mask = np.zeros_like(ids)
    for row, n in enumerate(lengths):
        ids[row, :n] = rng.integers(5, vocab, size=n)
        mask[row, :n] = 1
    feeds = {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)}
    return {i.name: feeds[i.name] for i in model.graph.input}


def _token_embeddings(model, feeds: dict[str, np.ndarray]) -> np.ndarray:
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.intra_op_num_threads = 1
    session = ort.InferenceSession(model.SerializeToString(), options, providers=["CPUExecutionProvider"])
    return session.run(None, feeds)[0]


def _signature(model) -> list[tuple[str, int]]:
    return [(v.name, v.type.tensor_type.elem_type) for v in (*model.graph.input, *model.graph.output)]


def fuse_graph(graph_path: str | Path, spec: ModelSpec) -> Fusion:
    """Replace ``graph_path`` with its fused form if every check in the module docstring passes.

    Returns:
        :class:`Fusion`; ``applied`` False (graph untouched) when the optimizer is missing, the model does not fuse
        completely, or the fused graph differs.
    """
    import onnx

    try:
        from onnxruntime.transformers.fusion_options import FusionOptions
        from onnxruntime.transformers.optimizer import optimize_model
    except ImportError as exc:  # a stripped onnxruntime build: the standard graph is still complete
        return Fusion(False, f"onnxruntime.transformers is not available ({exc})")

    graph_path = Path(graph_path)
    original = onnx.load(str(graph_path))
    config = spec.hf_config or {}
    options = FusionOptions("bert")
    options.enable_embed_layer_norm = False  # keep the traced embeddings: see module docstring
    noisy = logging.getLogger("onnxruntime.transformers")
    level, noisy.level = noisy.level, logging.ERROR  # the optimizer logs every fusion it tries at WARNING
    try:
        optimizer = optimize_model(
            str(graph_path), model_type="bert", opt_level=0, optimization_options=options,
            num_heads=_config_int(config, "num_attention_heads", "n_heads"),
            hidden_size=_config_int(config, "hidden_size", "dim"),
        )
        optimizer.topological_sort()
        optimized = optimizer.model
    except Exception as exc:  # the optimizer raises assorted types on graphs it does not understand
        return Fusion(False, f"the transformer optimizer failed: {exc}")
    finally:
        noisy.setLevel(level)

    ops = Counter(n.op_type for n in optimized.graph.node)
    contrib = {n.op_type for n in optimized.graph.node if n.domain == CONTRIB_DOMAIN}
    layers = _config_int(config, "num_hidden_layers", "n_layers")
    reason = None
    if ops["Attention"] == 0 or ops["Softmax"] or (layers and ops["Attention"] != layers):
        reason = f"attention fused in {ops['Attention']} of {layers or '?'} layers"
    elif contrib - CONTRIB_OPS:
        reason = f"contrib operators {sorted(contrib - CONTRIB_OPS)} are not verified on onnxruntime 1.16.3"
    elif any(n.domain not in ("", "ai.onnx", CONTRIB_DOMAIN) for n in optimized.graph.node):
        reason = "operators from an unknown domain"
    elif _signature(optimized) != _signature(original):
        reason = "the optimizer changed the graph's inputs or outputs"
    if reason:
        return Fusion(False, reason, dict(ops))

    if not any(o.domain == CONTRIB_DOMAIN for o in optimized.opset_import):  # the optimizer adds it only on save
        optimized.opset_import.add(domain=CONTRIB_DOMAIN, version=1)
    feeds = _probe_inputs(original, config)
    mask = feeds["attention_mask"].astype(bool)
    diff = float(np.abs(_token_embeddings(optimized, feeds) - _token_embeddings(original, feeds))[mask].max())
    if not diff <= FUSION_ATOL:
        return Fusion(False, f"fused token embeddings differ by {diff:.2e} (> {FUSION_ATOL})", dict(ops), diff)

    optimized.ir_version = original.ir_version  # the optimizer may stamp its own; ML Commons needs <= 9
    onnx.save_model(optimized, str(graph_path))
    log.info("fused graph kept: %s (max |diff| %.1e)", dict(ops), diff)
    return Fusion(True, "all attention blocks fused; outputs equal", dict(ops), round(diff, 8))

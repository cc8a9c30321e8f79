"""PyTorch sentence-transformer -> fp32 ONNX graph that ML Commons 3.x and the local encoder both load.

The graph takes ``input_ids``, ``attention_mask`` (and ``token_type_ids`` for bert/albert) as int64
[batch, sequence] and returns one output, ``token_embeddings`` [batch, sequence, hidden]: ML Commons'
ONNX text-embedding translator pools and normalises output 0 itself, from ``model_config``.

It is traced with the TorchScript exporter (``dynamo=False``) at opset 17 with eager attention, so it contains
only standard ``ai.onnx`` operators, and stored with IR version 8: ml-commons pins onnxruntime 1.16.3
(``ml-algorithms/build.gradle``), which reads IR ≤ 9 and opset ≤ 19.
"""

from __future__ import annotations

import logging
import shutil
import warnings
from pathlib import Path

from legalsearch.errors import DependencyError, ExportError, ModelError
from legalsearch.exporter.spec import ModelSpec

log = logging.getLogger(__name__)

OPSET = 17
IR_VERSION = 8
MAX_IR_VERSION = 9  # onnxruntime 1.16.x, bundled with ml-commons 3.x
MAX_OPSET = 19
MODEL_FILE = "model.onnx"
OUTPUT_NAME = "token_embeddings"
# Files copied next to the graph so that each variant directory is a complete, loadable model.
TOKENIZER_FILES = ("tokenizer_config.json", "special_tokens_map.json", "vocab.txt", "config.json")


def load_sentence_transformer(model_dir: str | Path):
    """Load the PyTorch model on CPU (the reference every ONNX variant is compared with)."""
    try:
        from sentence_transformers import SentenceTransformer
    except ImportError as exc:
        raise DependencyError("sentence-transformers", "train") from exc
    try:
        return SentenceTransformer(str(model_dir), device="cpu")
    except (OSError, ValueError, KeyError) as exc:
        raise ModelError(f"{model_dir}: sentence-transformers cannot load this model: {exc}") from exc


def _hf_model(st_model):
    transformer = st_model[0]
    model = getattr(transformer, "auto_model", None) or getattr(transformer, "model", None)
    if model is None:
        raise ModelError("the first module has no transformer model to export")
    return model


def write_tokenizer(st_model, model_dir: Path, spec: ModelSpec, out_dir: Path) -> Path:
    """Write ``tokenizer.json`` with truncation at ``spec.max_seq_length`` and batch-longest padding.

    ML Commons (DJL's HuggingFaceTokenizer) honours the truncation stored in tokenizer.json; without it a long
    document overflows the position embeddings.
    """
    from tokenizers import Tokenizer

    source = model_dir / "tokenizer.json"
    if source.is_file():
        tokenizer = Tokenizer.from_file(str(source))
    else:
        backend = getattr(st_model.tokenizer, "backend_tokenizer", None)
        if backend is None:
            raise ModelError(f"{model_dir}: no tokenizer.json and the tokenizer is not a fast tokenizer")
        tokenizer = Tokenizer.from_str(backend.to_str())
    pad_token = getattr(st_model.tokenizer, "pad_token", None) or "[PAD]"
    pad_id = getattr(st_model.tokenizer, "pad_token_id", None)
    if pad_id is None:
        pad_id = tokenizer.token_to_id(pad_token)
    if pad_id is None:
        raise ModelError(f"{model_dir}: the tokenizer has no padding token")
    tokenizer.no_padding()
    tokenizer.enable_truncation(max_length=spec.max_seq_length)
    tokenizer.enable_padding(pad_id=int(pad_id), pad_token=pad_token)
    target = out_dir / "tokenizer.json"
    tokenizer.save(str(target))
    for name in TOKENIZER_FILES:
        if (model_dir / name).is_file():
            shutil.copyfile(model_dir / name, out_dir / name)
    return target


def check_graph(path: Path) -> dict:
    """Check an ONNX file for what ML Commons needs; returns ``{"ir_version", "opset", "inputs", "outputs"}``.

    Raises:
        ExportError: IR version or opset newer than onnxruntime 1.16 loads, or a graph the checker rejects.
    """
    import onnx

    model = onnx.load(str(path), load_external_data=False)
    opset = max((o.version for o in model.opset_import if o.domain in ("", "ai.onnx")), default=0)
    if model.ir_version > MAX_IR_VERSION or opset > MAX_OPSET:
        raise ExportError(
            f"{path}: IR version {model.ir_version} / opset {opset}; ML Commons 3.x (onnxruntime 1.16) loads "
            f"IR ≤ {MAX_IR_VERSION}, opset ≤ {MAX_OPSET}"
        )
    try:
        onnx.checker.check_model(str(path))
    except onnx.checker.ValidationError as exc:
        raise ExportError(f"{path}: the ONNX checker rejects the graph: {exc}") from exc
    return {
        "ir_version": int(model.ir_version),
        "opset": int(opset),
        "inputs": [i.name for i in model.graph.input],
        "outputs": [o.name for o in model.graph.output],
        "custom_domains": sorted({n.domain for n in model.graph.node if n.domain not in ("", "ai.onnx")}),
    }


def export_fp32(st_model, model_dir: str | Path, spec: ModelSpec, out_dir: str | Path) -> Path:
    """Export ``st_model``'s transformer to ``out_dir/model.onnx`` plus tokenizer files and the encoder config.

    Args:
        st_model: the loaded SentenceTransformer (see :func:`load_sentence_transformer`).
        model_dir: its directory (tokenizer and config files are copied from there).
        spec: from :func:`legalsearch.exporter.spec.inspect_model`.
        out_dir: an existing, empty directory.

    Returns:
        Path of the written ``model.onnx``.
    """
    try:
        import onnx
        import torch
    except ImportError as exc:
        raise DependencyError(exc.name or "onnx", "onnx") from exc

    model_dir = Path(model_dir)
    out_dir = Path(out_dir)
    hf_model = _hf_model(st_model).eval()
    previous_attn = getattr(hf_model.config, "_attn_implementation", None)
    if hasattr(hf_model, "set_attn_implementation"):
        try:
            hf_model.set_attn_implementation("eager")  # plain MatMul/Softmax: portable and traceable
        except (ValueError, NotImplementedError):
            log.debug("could not switch to eager attention; exporting with %s", previous_attn)

    names = list(spec.input_names)

    class TokenEmbeddings(torch.nn.Module):
        def __init__(self, model):
            super().__init__()
            self.model = model

        def forward(self, *inputs):
            kwargs = dict(zip(names, inputs))
            return self.model(**kwargs).last_hidden_state

    write_tokenizer(st_model, model_dir, spec, out_dir)
    sample = st_model.tokenizer(
        ["an example clause for tracing", "short"], padding=True, truncation=True,
        max_length=spec.max_seq_length, return_tensors="pt",
    )
    args = tuple(sample[n] if n in sample else torch.zeros_like(sample["input_ids"]) for n in names)
    target = out_dir / MODEL_FILE
    dynamic = {n: {0: "batch", 1: "sequence"} for n in names}
    dynamic[OUTPUT_NAME] = {0: "batch", 1: "sequence"}
    try:
        with torch.no_grad(), warnings.catch_warnings():
            # TracerWarnings about Python-level shape checks in the mask code: the checks are re-verified by
            # comparing outputs at other shapes in the quality gate
            warnings.simplefilter("ignore")
            torch.onnx.export(
                TokenEmbeddings(hf_model), args, str(target), dynamo=False, opset_version=OPSET,
                input_names=names, output_names=[OUTPUT_NAME], dynamic_axes=dynamic, do_constant_folding=True,
            )
    except OSError:
        raise  # a full disk or unwritable directory: reported by the caller, which also cleans up
    except Exception as exc:  # the tracer raises many types; all mean "this model does not trace"
        raise ExportError(f"torch.onnx.export failed for {model_dir} ({spec.model_type}): {exc}") from exc
    finally:
        if previous_attn and hasattr(hf_model, "set_attn_implementation"):
            try:
                hf_model.set_attn_implementation(previous_attn)
            except (ValueError, NotImplementedError):
                pass

    graph = onnx.load(str(target))
    if graph.ByteSize() >= 2**31 - 1:
        raise ExportError(f"{model_dir}: the graph is over 2 GB; ML Commons needs one .onnx file without external data")
    graph.ir_version = min(graph.ir_version, IR_VERSION)
    onnx.save_model(graph, str(target))
    check_graph(target)
    spec.save(out_dir)
    return target


def export_model(*args, **kwargs):
    """Alias of :func:`legalsearch.exporter.pipeline.export_model` (the whole export: graphs, gate, package)."""
    from legalsearch.exporter.pipeline import export_model as run

    return run(*args, **kwargs)

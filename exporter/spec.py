"""What the exporter needs to know about a sentence-transformers directory, read from its JSON files alone.

:func:`inspect_model` checks that a directory is a model the exporter can turn into an ML Commons ONNX package —
a Transformer, a Pooling module ML Commons can reproduce and an optional Normalize, nothing else — before any
heavy import happens. The same facts, saved as ``legalsearch_encoder.json`` next to each exported graph, let
:class:`~legalsearch.exporter.encoder.OnnxEncoder` pool and normalise exactly as the PyTorch model does.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

from legalsearch.errors import ModelError
from legalsearch.prompts import Prompts

ENCODER_CONFIG = "legalsearch_encoder.json"

# model_type -> does the graph take token_type_ids? ML Commons feeds token_type_ids for bert and albert only,
# so every other architecture is exported without that input (it then defaults to zeros, as in training).
SUPPORTED_MODEL_TYPES: dict[str, bool] = {
    "bert": True,
    "albert": True,
    "roberta": False,
    "xlm-roberta": False,
    "distilbert": False,
    "mpnet": False,
    "modernbert": False,
}

# sentence-transformers pooling mode -> ML Commons model_config.pooling_mode
POOLING_MODES: dict[str, str] = {
    "mean": "mean",
    "cls": "cls",
    "max": "max",
    "mean_sqrt_len_tokens": "mean_sqrt_len",
}
# Old-style 1_Pooling/config.json flags (sentence-transformers < 6) -> pooling mode
_POOLING_FLAGS = {
    "pooling_mode_cls_token": "cls",
    "pooling_mode_mean_tokens": "mean",
    "pooling_mode_max_tokens": "max",
    "pooling_mode_mean_sqrt_len_tokens": "mean_sqrt_len_tokens",
    "pooling_mode_weightedmean_tokens": "weightedmean",
    "pooling_mode_lasttoken": "lasttoken",
}
MAX_ML_COMMONS_LENGTH = 512


@dataclass
class ModelSpec:
    """Facts about a sentence-transformers model that export, packaging and the ONNX encoder share.

    Args:
        name: directory name of the source model, used as the package name.
        model_type: ``config.json`` model_type (``bert``, ``roberta``, ...).
        dimension: sentence-embedding dimension.
        max_seq_length: tokens the exported tokenizer truncates to (≤ 512).
        pooling_mode: sentence-transformers pooling mode (``mean``, ``cls``, ``max``, ``mean_sqrt_len_tokens``).
        normalize: whether the model ends in a Normalize module (L2-normalised output).
        input_names: graph inputs, in order.
        prompts: ``{"query": ..., "document": ...}``, the text prepended to queries and passages ("" for none),
            resolved by :class:`legalsearch.prompts.Prompts` from the model's prompts and any override.
        hf_config: the transformer's ``config.json``, passed to ML Commons as ``all_config``.
    """

    name: str
    model_type: str
    dimension: int
    max_seq_length: int
    pooling_mode: str
    normalize: bool
    input_names: list[str]
    prompts: dict[str, str] = field(default_factory=dict)
    include_prompt: bool = True
    hf_config: dict = field(default_factory=dict)

    @property
    def ml_commons_pooling(self) -> str:
        return POOLING_MODES[self.pooling_mode]

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> "ModelSpec":
        known = {f for f in cls.__dataclass_fields__}
        return cls(**{k: v for k, v in data.items() if k in known})

    def save(self, directory: Path) -> Path:
        path = Path(directory) / ENCODER_CONFIG
        path.write_text(json.dumps(self.to_dict(), indent=2) + "\n", encoding="utf-8")
        return path

    @classmethod
    def load(cls, directory: Path) -> "ModelSpec":
        path = Path(directory) / ENCODER_CONFIG
        if not path.is_file():
            raise ModelError(f"{directory}: no {ENCODER_CONFIG}; export the model with `legalsearch export` first")
        try:
            return cls.from_dict(json.loads(path.read_text(encoding="utf-8")))
        except (ValueError, TypeError) as exc:
            raise ModelError(f"{path}: unreadable encoder config ({exc}); export the model again") from exc


def _read_json(path: Path) -> dict | list:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except ValueError as exc:
        raise ModelError(f"{path}: not valid JSON ({exc})") from exc


def _class_name(module_type: str) -> str:
    return module_type.rsplit(".", 1)[-1]


def _pooling_mode(config: dict, where: Path) -> str:
    mode = config.get("pooling_mode")
    if isinstance(mode, str):
        return mode
    flags = [name for flag, name in _POOLING_FLAGS.items() if config.get(flag)]
    if len(flags) != 1:
        raise ModelError(f"{where}: expected exactly one pooling mode, found {flags or 'none'}")
    return flags[0]


_UNSET_LENGTH = 10**6  # transformers writes a huge model_max_length when the tokenizer has no limit


def _native_max_length(transformer_dir: Path, st_config: dict) -> int | None:
    """The model's own max_seq_length, found where sentence-transformers keeps it.

    sentence-transformers < 6 writes it to ``sentence_bert_config.json``; version 6 writes it to the tokenizer as
    ``model_max_length`` in ``tokenizer_config.json``. Missing this is not harmless: the PyTorch model would read
    256 tokens while the export read 512, and embeddings of long documents would differ.
    """
    if st_config.get("max_seq_length"):
        return int(st_config["max_seq_length"])
    tokenizer_config = transformer_dir / "tokenizer_config.json"
    if tokenizer_config.is_file():
        value = _read_json(tokenizer_config).get("model_max_length")
        if isinstance(value, (int, float)) and 0 < value < _UNSET_LENGTH:
            return int(value)
    return None


_GENERIC_NAMES = {"model", "final", "best", "output", "outputs", "checkpoint", "export"}


def _model_name(root: Path) -> str:
    """The directory's name, or its parent's when the directory has a generic name such as ``model``."""
    resolved = root.resolve()
    if resolved.name.lower() in _GENERIC_NAMES and resolved.parent.name:
        return f"{resolved.parent.name}-{resolved.name}"
    return resolved.name


def inspect_model(model_dir: str | Path, max_length: int | None = None, query_prompt: str | None = None,
                  passage_prompt: str | None = None) -> ModelSpec:
    """Read a sentence-transformers directory and check that the exporter can handle it.

    Args:
        model_dir: directory written by ``SentenceTransformer.save`` (``modules.json`` at its root).
        max_length: cap on the sequence length; defaults to the model's ``max_seq_length`` (never above 512,
            the most ML Commons' position handling is checked for).
        query_prompt, passage_prompt: replace the model's own prompts (``config_sentence_transformers.json``);
            the result is always ``{"query": ..., "document": ...}`` (:class:`legalsearch.prompts.Prompts`).

    Raises:
        ModelError: not a sentence-transformers directory, missing tokenizer, unsupported architecture or
            pooling — the message says which file and what is accepted.
    """
    root = Path(model_dir)
    if not root.is_dir():
        raise ModelError(f"{root}: model directory not found")
    modules_file = root / "modules.json"
    if not modules_file.is_file():
        raise ModelError(
            f"{root}: not a sentence-transformers model directory (no modules.json); "
            "pass the directory written by `legalsearch train` or SentenceTransformer.save()"
        )
    modules = _read_json(modules_file)
    if not isinstance(modules, list) or not modules:
        raise ModelError(f"{modules_file}: expected a non-empty list of modules")
    kinds = [_class_name(str(m.get("type", ""))) for m in modules]
    if kinds[:2] != ["Transformer", "Pooling"] or any(k != "Normalize" for k in kinds[2:]):
        raise ModelError(
            f"{modules_file}: unsupported module stack {kinds}; the exporter handles Transformer -> Pooling "
            "[-> Normalize], because ML Commons pools and normalises the graph's token embeddings itself"
        )
    transformer_dir = root / modules[0].get("path", "")
    pooling_dir = root / modules[1].get("path", "1_Pooling")
    normalize = len(kinds) > 2

    config_file = transformer_dir / "config.json"
    if not config_file.is_file():
        raise ModelError(f"{transformer_dir}: no config.json for the transformer module")
    hf_config = _read_json(config_file)
    model_type = str(hf_config.get("model_type", ""))
    if model_type not in SUPPORTED_MODEL_TYPES:
        raise ModelError(
            f"{config_file}: unsupported architecture model_type={model_type!r}; "
            f"supported: {', '.join(sorted(SUPPORTED_MODEL_TYPES))}"
        )
    if not (transformer_dir / "tokenizer.json").is_file() and not (transformer_dir / "vocab.txt").is_file():
        raise ModelError(
            f"{transformer_dir}: missing tokenizer (no tokenizer.json or vocab.txt); save the model with its tokenizer"
        )

    pooling_file = pooling_dir / "config.json"
    if not pooling_file.is_file():
        raise ModelError(f"{pooling_dir}: no pooling config.json")
    pooling_config = _read_json(pooling_file)
    pooling = _pooling_mode(pooling_config, pooling_file)
    if pooling not in POOLING_MODES:
        raise ModelError(
            f"{pooling_file}: pooling mode {pooling!r} cannot be reproduced by ML Commons (its ONNX text-embedding "
            "translator pools output 0 with mean, mean_sqrt_len, max, weighted_mean or cls only"
            + ("; last-token pooling, used by decoder embedders, is not among them" if pooling == "lasttoken" else "")
            + f"); the exporter supports: {', '.join(POOLING_MODES)}"
        )
    dimension = int(
        pooling_config.get("embedding_dimension")
        or pooling_config.get("word_embedding_dimension")
        or hf_config.get("hidden_size")
        or hf_config.get("dim", 0)
    )

    st_config = {}
    for name in ("sentence_bert_config.json", "sentence_xlnet_config.json"):
        if (transformer_dir / name).is_file():
            st_config = _read_json(transformer_dir / name)
            break
    positions = int(hf_config.get("max_position_embeddings", MAX_ML_COMMONS_LENGTH))
    if model_type in ("roberta", "xlm-roberta"):
        positions -= 2  # RoBERTa position ids start at padding_idx + 1
    limits = [MAX_ML_COMMONS_LENGTH, positions]
    native = _native_max_length(transformer_dir, st_config)
    if native:
        limits.append(native)
    if max_length:
        limits.append(int(max_length))
    seq_len = min(limits)
    if seq_len < 8:
        raise ModelError(f"max sequence length {seq_len} is too short to export a useful model")

    model_prompts: dict[str, str] = {}
    st_top = root / "config_sentence_transformers.json"
    if st_top.is_file():
        top = _read_json(st_top)
        model_prompts = {k: str(v) for k, v in (top.get("prompts") or {}).items()}
    prompts = Prompts.from_model(model_prompts).with_overrides(query_prompt, passage_prompt).to_dict()

    inputs = ["input_ids", "attention_mask"]
    if SUPPORTED_MODEL_TYPES[model_type]:
        inputs.append("token_type_ids")
    return ModelSpec(
        name=_model_name(root),
        model_type=model_type,
        dimension=dimension,
        max_seq_length=seq_len,
        pooling_mode=pooling,
        normalize=normalize,
        input_names=inputs,
        prompts=prompts,
        include_prompt=bool(pooling_config.get("include_prompt", True)),
        hf_config=hf_config,
    )

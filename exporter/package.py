"""The ML Commons model package: ``model.zip`` plus the register body, and the validator ``deploy`` also runs.

Rules (each one is a way a package fails to load or pool in ML Commons 3.x):

* the zip holds exactly one ``.onnx`` file and ``tokenizer.json``, both at its root, and nothing that looks like
  ONNX external data (ML Commons loads the single graph file; DJL's tokenizer reads ``tokenizer.json``);
* ``tokenizer.json`` sets truncation with ``max_length`` ≤ 512 (ML Commons tokenizes with it as stored);
* the graph: IR version ≤ 9 and ai.onnx opset ≤ 19 (onnxruntime 1.16.3, pinned by ml-commons), standard operators
  plus only the ``com.microsoft`` contrib operators verified on 1.16.3 (``legalsearch.exporter.fuse.CONTRIB_OPS``),
  no external data; int64 inputs named ``input_ids``, ``attention_mask`` and — exactly when model_type is
  bert or albert, because that is when ML Commons feeds it — ``token_type_ids``; output 0 of rank 3
  [batch, sequence, hidden] (ML Commons pools output 0 itself);
* the register body: name, description, function_name ``TEXT_EMBEDDING``, model_format ``ONNX``, model_config
  (model_type, embedding_dimension, framework_type ``sentence_transformers``, pooling_mode, normalize_result,
  all_config as a JSON string, and ``query_prefix`` / ``passage_prefix`` for a prompted model),
  model_content_size_in_bytes and model_content_hash_value (SHA-256 of the zip).
"""

from __future__ import annotations

import json
import zipfile
from dataclasses import dataclass
from pathlib import Path

from legalsearch.errors import PackageError
from legalsearch.hashing import file_sha256
from legalsearch.exporter.export import MAX_IR_VERSION, MAX_OPSET, MODEL_FILE
from legalsearch.exporter.fuse import CONTRIB_DOMAIN, CONTRIB_OPS
from legalsearch.exporter.spec import MAX_ML_COMMONS_LENGTH, ModelSpec
from legalsearch.prompts import Prompts

ZIP_NAME = "model.zip"
REGISTER_NAME = "register.json"
ML_COMMONS_POOLING = ("mean", "mean_sqrt_len", "max", "weighted_mean", "cls")
TOKEN_TYPE_MODELS = ("bert", "albert")
REQUIRED_FIELDS = (
    "name", "description", "function_name", "model_format", "model_config",
    "model_content_size_in_bytes", "model_content_hash_value",
)
CONFIG_FIELDS = ("model_type", "embedding_dimension", "framework_type", "pooling_mode", "normalize_result", "all_config")
_INT64 = 7  # onnx.TensorProto.INT64


@dataclass(frozen=True)
class PackageInfo:
    """What :func:`validate_package` found: enough for ``deploy`` to upload and register the model."""

    zip_path: Path
    sha256: str
    size: int
    onnx_name: str
    ir_version: int
    opset: int
    inputs: tuple[str, ...]
    embedding_dimension: int
    register: dict


def _write_zip(zip_path: Path, files: dict[str, Path]) -> None:
    with zipfile.ZipFile(zip_path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for arcname, source in files.items():
            archive.write(source, arcname)


def register_body(spec: ModelSpec, zip_path: Path, description: str, version: str = "1.0.0") -> dict:
    """The body of ``POST /_plugins/_ml/models/_register`` for the zip (upload fields excluded)."""
    return {
        "name": spec.name,
        "version": version,
        "description": description,
        "function_name": "TEXT_EMBEDDING",
        "model_format": "ONNX",
        "model_content_size_in_bytes": zip_path.stat().st_size,
        "model_content_hash_value": file_sha256(zip_path),
        "model_config": {
            "model_type": spec.model_type,
            "embedding_dimension": spec.dimension,
            "framework_type": "sentence_transformers",
            "pooling_mode": spec.ml_commons_pooling,
            "normalize_result": spec.normalize,
            "all_config": json.dumps(spec.hf_config, sort_keys=True),
            # ML Commons prepends these itself (TextEmbeddingModel.addPrefixesToData) when neural-search or
            # _predict says whether a text is a QUERY or a PASSAGE; an empty prompt is left out, as ML Commons
            # treats any registered prefix as "asymmetric"
            **prompt_fields(Prompts.from_model(spec.prompts)),
        },
    }


def prompt_fields(prompts: Prompts) -> dict[str, str]:
    """``model_config`` fields that make ML Commons prepend ``prompts`` (``query_prefix``, ``passage_prefix``)."""
    out = {}
    if prompts.query:
        out["query_prefix"] = prompts.query
    if prompts.document:
        out["passage_prefix"] = prompts.document
    return out


def build_package(variant_dir: str | Path, out_dir: str | Path, description: str) -> tuple[Path, Path]:
    """Zip ``variant_dir``'s graph and tokenizer into ``out_dir/model.zip``, write ``out_dir/register.json``, validate.

    Returns:
        ``(zip_path, register_path)``.

    Raises:
        PackageError: the result breaks a rule in the module docstring (nothing is left in ``out_dir`` then).
    """
    variant_dir, out_dir = Path(variant_dir), Path(out_dir)
    spec = ModelSpec.load(variant_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    zip_path = out_dir / ZIP_NAME
    register_path = out_dir / REGISTER_NAME
    try:
        _write_zip(zip_path, {MODEL_FILE: variant_dir / MODEL_FILE, "tokenizer.json": variant_dir / "tokenizer.json"})
        body = register_body(spec, zip_path, description)
        register_path.write_text(json.dumps(body, indent=2) + "\n", encoding="utf-8")
        validate_package(zip_path, register_path)
    except BaseException:
        zip_path.unlink(missing_ok=True)
        register_path.unlink(missing_ok=True)
        raise
    return zip_path, register_path


def _check_tokenizer(data: bytes, where: str) -> int:
    try:
        tokenizer = json.loads(data)
    except ValueError as exc:
        raise PackageError(f"{where}: tokenizer.json is not valid JSON ({exc})") from exc
    truncation = tokenizer.get("truncation")
    if not truncation or not truncation.get("max_length"):
        raise PackageError(
            f"{where}: tokenizer.json has no truncation; ML Commons would feed documents longer than the position "
            "embeddings. Export again with `legalsearch export` (it sets truncation)"
        )
    length = int(truncation["max_length"])
    if length > MAX_ML_COMMONS_LENGTH:
        raise PackageError(f"{where}: tokenizer.json truncates at {length} tokens; at most {MAX_ML_COMMONS_LENGTH}")
    return length


def _check_graph(data: bytes, where: str, model_type: str) -> dict:
    import onnx

    try:
        model = onnx.load_model_from_string(data)
    except Exception as exc:  # protobuf DecodeError and friends
        raise PackageError(f"{where}: the .onnx file does not parse: {exc}") from exc
    opset = max((o.version for o in model.opset_import if o.domain in ("", "ai.onnx")), default=0)
    if model.ir_version > MAX_IR_VERSION or opset > MAX_OPSET:
        raise PackageError(
            f"{where}: IR version {model.ir_version}, opset {opset}; the onnxruntime 1.16 in ML Commons 3.x loads "
            f"IR ≤ {MAX_IR_VERSION} and opset ≤ {MAX_OPSET}"
        )
    custom = sorted({f"{n.domain}.{n.op_type}" for n in model.graph.node if n.domain not in ("", "ai.onnx")
                     and not (n.domain == CONTRIB_DOMAIN and n.op_type in CONTRIB_OPS)})
    if custom:
        raise PackageError(
            f"{where}: non-standard operators {custom}; ML Commons' onnxruntime 1.16.3 is verified for standard "
            f"operators and {CONTRIB_DOMAIN} {', '.join(sorted(CONTRIB_OPS))} only"
        )
    for init in model.graph.initializer:
        if init.data_location == onnx.TensorProto.EXTERNAL:
            raise PackageError(f"{where}: initializer {init.name} uses external data; ML Commons loads one file")
    inputs = {i.name: i for i in model.graph.input}
    expected = {"input_ids", "attention_mask"} | ({"token_type_ids"} if model_type in TOKEN_TYPE_MODELS else set())
    if set(inputs) != expected:
        raise PackageError(
            f"{where}: graph inputs {sorted(inputs)}; ML Commons feeds {sorted(expected)} for model_type {model_type}"
        )
    for name, value in inputs.items():
        if value.type.tensor_type.elem_type != _INT64:
            raise PackageError(f"{where}: input {name} must be int64, as ML Commons feeds it")
    if not model.graph.output:
        raise PackageError(f"{where}: the graph has no output")
    out_shape = model.graph.output[0].type.tensor_type.shape
    if len(out_shape.dim) != 3:
        raise PackageError(
            f"{where}: output 0 has rank {len(out_shape.dim)}; ML Commons pools output 0, which must be the token "
            "embeddings [batch, sequence, hidden]"
        )
    hidden = out_shape.dim[2].dim_value or None
    return {"ir_version": int(model.ir_version), "opset": int(opset), "inputs": tuple(inputs), "hidden": hidden}


def _load_register(register: str | Path | dict) -> tuple[dict, str]:
    if isinstance(register, dict):
        return register, "register body"
    path = Path(register)
    try:
        return json.loads(path.read_text(encoding="utf-8")), str(path)
    except FileNotFoundError as exc:
        raise PackageError(f"{path}: register JSON not found") from exc
    except ValueError as exc:
        raise PackageError(f"{path}: not valid JSON ({exc})") from exc


def _require(body: dict, fields: tuple[str, ...], message: str) -> None:
    """Raise ``PackageError(f"{message} [...]")`` naming every field of ``fields`` absent from ``body``."""
    missing = [f for f in fields if f not in body]
    if missing:
        raise PackageError(f"{message} {missing}")


def validate_package(zip_path: str | Path, register: str | Path | dict | None = None) -> PackageInfo:
    """Check a model zip (and its register body, default ``register.json`` beside it) against every rule above.

    Args:
        zip_path: the ``model.zip``, the ``ml-commons/`` directory holding it, or the export directory.
        register: the register body as a dict or a JSON file; default ``<zip dir>/register.json``.

    Returns:
        :class:`PackageInfo` with the SHA-256, size and graph facts.

    Raises:
        PackageError: naming the rule broken and the file concerned.
    """
    zip_path = Path(zip_path)
    if zip_path.is_dir():  # an export directory or its ml-commons/ folder
        for candidate in (zip_path / ZIP_NAME, zip_path / "ml-commons" / ZIP_NAME):
            if candidate.is_file():
                zip_path = candidate
                break
    if not zip_path.is_file():
        raise PackageError(f"{zip_path}: model zip not found; run `legalsearch export MODEL_DIR --out DIR` first")
    body, where_body = _load_register(register if register is not None else zip_path.parent / REGISTER_NAME)
    if not isinstance(body, dict):
        raise PackageError(f"{where_body}: the register body must be a JSON object")
    _require(body, REQUIRED_FIELDS, f"{where_body}: missing fields")
    if body["function_name"] != "TEXT_EMBEDDING":
        raise PackageError(f"{where_body}: function_name is {body['function_name']!r}, expected 'TEXT_EMBEDDING'")
    if body["model_format"] != "ONNX":
        raise PackageError(f"{where_body}: model_format is {body['model_format']!r}, expected 'ONNX'")
    config = body["model_config"]
    if not isinstance(config, dict):
        raise PackageError(f"{where_body}: model_config must be an object")
    _require(config, CONFIG_FIELDS, f"{where_body}: model_config is missing")
    if config["framework_type"] != "sentence_transformers":
        raise PackageError(f"{where_body}: model_config.framework_type must be 'sentence_transformers'")
    if str(config["pooling_mode"]).lower() not in ML_COMMONS_POOLING:
        raise PackageError(
            f"{where_body}: model_config.pooling_mode {config['pooling_mode']!r}; one of {', '.join(ML_COMMONS_POOLING)}"
        )
    if not isinstance(config["normalize_result"], bool):
        raise PackageError(f"{where_body}: model_config.normalize_result must be true or false")
    if not isinstance(config["embedding_dimension"], int) or config["embedding_dimension"] <= 0:
        raise PackageError(f"{where_body}: model_config.embedding_dimension must be a positive integer")
    for key in ("query_prefix", "passage_prefix"):
        if key in config and (not isinstance(config[key], str) or not config[key]):
            raise PackageError(f"{where_body}: model_config.{key} must be a non-empty string (leave it out for "
                               "no prompt: ML Commons treats any registered prefix as an asymmetric model)")
    try:
        if not isinstance(json.loads(config["all_config"]), dict):
            raise ValueError("not an object")
    except (TypeError, ValueError) as exc:
        raise PackageError(f"{where_body}: model_config.all_config must be a JSON object encoded as a string") from exc

    size = zip_path.stat().st_size
    if body["model_content_size_in_bytes"] != size:
        raise PackageError(
            f"{where_body}: model_content_size_in_bytes is {body['model_content_size_in_bytes']}, the zip has {size}"
        )
    digest = file_sha256(zip_path)
    if str(body["model_content_hash_value"]).lower() != digest:
        raise PackageError(f"{where_body}: model_content_hash_value does not match the zip's SHA-256 ({digest})")

    try:
        archive = zipfile.ZipFile(zip_path)
    except zipfile.BadZipFile as exc:
        raise PackageError(f"{zip_path}: not a zip file ({exc})") from exc
    with archive:
        names = [n for n in archive.namelist() if not n.endswith("/")]
        onnx_files = [n for n in names if n.lower().endswith(".onnx")]
        if len(onnx_files) != 1 or "/" in onnx_files[0]:
            raise PackageError(f"{zip_path}: needs exactly one .onnx file at the root, found {onnx_files or 'none'}")
        if "tokenizer.json" not in names:
            raise PackageError(f"{zip_path}: no tokenizer.json at the root of the zip")
        extra = [n for n in names if n not in (onnx_files[0], "tokenizer.json") and (
            "/" in n or n.lower().endswith((".data", ".onnx_data", ".bin", ".pb")))]
        if extra:
            raise PackageError(f"{zip_path}: unexpected files {extra} (external data or nested folders)")
        _check_tokenizer(archive.read("tokenizer.json"), f"{zip_path}!tokenizer.json")
        graph = _check_graph(archive.read(onnx_files[0]), f"{zip_path}!{onnx_files[0]}", str(config["model_type"]))
    if graph["hidden"] is not None and graph["hidden"] != config["embedding_dimension"]:
        raise PackageError(
            f"{where_body}: embedding_dimension {config['embedding_dimension']} but the graph outputs {graph['hidden']}"
        )
    return PackageInfo(
        zip_path=zip_path, sha256=digest, size=size, onnx_name=onnx_files[0], ir_version=graph["ir_version"],
        opset=graph["opset"], inputs=tuple(graph["inputs"]), embedding_dimension=int(config["embedding_dimension"]),
        register=body,
    )

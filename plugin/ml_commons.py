"""ML Commons: model group, chunked model upload, deploy with task polling, predict.

REST calls (ml-commons ``plugin/src/main/java/org/opensearch/ml/rest``)::

    POST /_plugins/_ml/model_groups/_search           find the group by name
    POST /_plugins/_ml/model_groups/_register         {"name", "description"} -> model_group_id
    POST /_plugins/_ml/models/_search                 find a model by model_content_hash_value (idempotency)
    POST /_plugins/_ml/models/_register_meta          register body + model_group_id + total_chunks -> model_id
    POST /_plugins/_ml/models/{id}/upload_chunk/{n}   raw bytes of chunk n (0-based, <= 10,000,000 bytes each)
    POST /_plugins/_ml/models/{id}/_deploy            {"node_ids": [...]} (the ML nodes, when there are) -> task_id
    GET  /_nodes                                      which nodes have the ``ml`` role (model placement)
    GET  /_plugins/_ml/tasks/{task_id}                state CREATED/RUNNING/COMPLETED/FAILED, error
    POST /_plugins/_ml/_predict/text_embedding/{id}   {"text_docs": [...]} -> inference_results

Re-running with the same package reuses the model whose ``model_content_hash_value`` equals the zip's SHA-256:
deployed models are used as they are, registered ones are deployed, half-uploaded ones (``REGISTERING``) and failed
registrations are deleted and uploaded again. No duplicate is ever registered.

Placement (``model_nodes``): ``auto`` deploys on the cluster's dedicated ML nodes (``node.roles`` with ``ml``) when
it has any: by passing their ids as ``node_ids`` where ``plugins.ml_commons.allow_custom_deployment_plan`` allows
it, else through ``plugins.ml_commons.only_run_on_ml_node`` (true by default); without ML nodes ML Commons chooses
(data nodes, when ``only_run_on_ml_node`` is false). ``ml`` requires ML nodes and says so in two lines when there
are none (or when nothing would keep the model on them); ``any`` never passes ``node_ids``.
"""

from __future__ import annotations

import json
import logging
import math
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from legalsearch.errors import ModelDeploymentError, OpenSearchError, PackageError
from legalsearch.exporter.report import ExportReport, is_export_dir
from legalsearch.hashing import file_digest

from .connection import Cluster

log = logging.getLogger(__name__)

ML = "/_plugins/_ml"
CHUNK_SIZE = 10_000_000  # ml-commons ModelHelper.CHUNK_SIZE: upload_chunk rejects larger chunks
META_FIELDS = (
    "name",
    "function_name",
    "description",
    "version",
    "model_format",
    "model_config",
    "model_content_size_in_bytes",
    "model_content_hash_value",
    "deploy_setting",
    "is_enabled",
)
READY_STATES = {"DEPLOYED"}
DEPLOYABLE_STATES = {"REGISTERED", "UNDEPLOYED", "DEPLOY_FAILED", "PARTIALLY_DEPLOYED", "DEPLOYING"}
BROKEN_STATES = {"REGISTERING", "REGISTER_FAILED"}
PLACEMENTS = ("auto", "ml", "any")
ML_SETTINGS = {
    "plugins.ml_commons.allow_registering_model_via_local_file": True,
    "plugins.ml_commons.only_run_on_ml_node": False,
}


@dataclass
class ModelPackage:
    """An exported ML Commons package: ``<export>/ml-commons/model.zip`` + ``register.json``."""

    zip_path: Path
    register: dict[str, Any]
    sha256: str
    size: int
    variant: str | None = None  # int8 | fp32: what the export's report says the zip holds (None: no report)

    @property
    def dimension(self) -> int:
        return int(self.register["model_config"]["embedding_dimension"])

    @property
    def name(self) -> str:
        return str(self.register["name"])

    @classmethod
    def from_export_dir(cls, export_dir: str | Path, validate: bool = True) -> "ModelPackage":
        """Read and check a package; ``PackageError`` names the file and the rule it breaks."""
        export_dir = Path(export_dir)
        ml_dir = export_dir / "ml-commons"
        zip_path, register_path = ml_dir / "model.zip", ml_dir / "register.json"
        for path in (zip_path, register_path):
            if not path.is_file():
                raise PackageError(f"{path} not found; run `legalsearch export MODEL_DIR --out {export_dir}` first")
        variant = None
        if is_export_dir(export_dir):  # a package assembled by hand has no report; an export's must be readable
            variant = ExportReport.from_export_dir(export_dir).deployable
        if validate:
            _run_exporter_validator(export_dir)
        try:
            register = json.loads(register_path.read_text(encoding="utf-8"))
        except json.JSONDecodeError as exc:
            raise PackageError(f"{register_path} is not valid JSON ({exc.msg} at line {exc.lineno})") from None
        sha256, size = file_digest(zip_path)
        for key in ("name", "model_format", "model_config", "model_content_hash_value", "model_content_size_in_bytes"):
            if key not in register:
                raise PackageError(f"{register_path} has no '{key}'")
        if register["model_content_hash_value"] != sha256:
            raise PackageError(f"{register_path}: model_content_hash_value does not match the SHA-256 of {zip_path}")
        if int(register["model_content_size_in_bytes"]) != size:
            raise PackageError(f"{register_path}: model_content_size_in_bytes is not the size of {zip_path} ({size})")
        if "embedding_dimension" not in register["model_config"]:
            raise PackageError(f"{register_path}: model_config has no embedding_dimension")
        return cls(zip_path=zip_path, register=register, sha256=sha256, size=size, variant=variant)


def _run_exporter_validator(export_dir: Path) -> None:
    """The exporter's own package validator (the same rules ``legalsearch export`` checks), when installed."""
    try:
        from legalsearch.exporter.package import validate_package
    except ImportError:
        log.info("legalsearch.exporter.package.validate_package not available; checking hash and size only")
        return
    validate_package(export_dir / "ml-commons" / "model.zip")


def iter_chunks(path: Path, chunk_size: int = CHUNK_SIZE):
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(chunk_size), b""):
            yield block


# -- model group ---------------------------------------------------------------------------------------------------
def find_model_group(cluster: Cluster, name: str) -> str | None:
    body = {"query": {"term": {"name.keyword": name}}, "size": 1}
    response = cluster.request(
        "POST", f"{ML}/model_groups/_search", body=body, what="searching model groups", ignore=(404,)
    )
    hits = (response or {}).get("hits", {}).get("hits", [])
    return hits[0]["_id"] if hits else None


def find_or_create_model_group(cluster: Cluster, name: str, description: str = "") -> str:
    existing = find_model_group(cluster, name)
    if existing:
        return existing
    try:
        response = cluster.request(
            "POST",
            f"{ML}/model_groups/_register",
            body={"name": name, "description": description or f"legalsearch models ({name})"},
            what=f"creating model group {name}",
        )
    except OpenSearchError as exc:  # created meanwhile by another deploy: use that one
        again = find_model_group(cluster, name)
        if again:
            return again
        raise ModelDeploymentError("could not create the model group", exc.root_cause, exc.status) from None
    return response["model_group_id"]


# -- models --------------------------------------------------------------------------------------------------------
def find_models_by_hash(cluster: Cluster, sha256: str) -> list[dict[str, Any]]:
    """Registered models (not their chunk documents) whose content hash is ``sha256``: [{id, state, ...}]."""
    body = {
        "query": {
            "bool": {
                "filter": [{"term": {"model_content_hash_value": sha256}}],
                "must_not": [{"exists": {"field": "chunk_number"}}],
            }
        },
        "size": 20,
    }
    response = cluster.request("POST", f"{ML}/models/_search", body=body, what="searching models", ignore=(404,))
    hits = (response or {}).get("hits", {}).get("hits", [])
    return [{"model_id": h["_id"], "state": h.get("_source", {}).get("model_state"), **h.get("_source", {})} for h in hits]


def get_model(cluster: Cluster, model_id: str) -> dict[str, Any]:
    return cluster.request("GET", f"{ML}/models/{model_id}", what=f"reading model {model_id}")


def delete_model(cluster: Cluster, model_id: str) -> None:
    cluster.request("POST", f"{ML}/models/{model_id}/_undeploy", what=f"undeploying {model_id}", ignore=(400, 404))
    cluster.request("DELETE", f"{ML}/models/{model_id}", what=f"deleting model {model_id}", ignore=(404,))


def register_model(
    cluster: Cluster,
    package: ModelPackage,
    model_group_id: str,
    chunk_size: int = CHUNK_SIZE,
    progress: Callable[[int, int], None] | None = None,
) -> str:
    """``_register_meta`` then every chunk; returns the model id (state REGISTERED)."""
    if not 0 < chunk_size <= CHUNK_SIZE:
        raise ValueError(f"chunk_size must be in (0, {CHUNK_SIZE}]")
    total = max(1, math.ceil(package.size / chunk_size))
    meta = {k: package.register[k] for k in META_FIELDS if k in package.register}
    meta.update(
        model_group_id=model_group_id,
        total_chunks=total,
        model_content_hash_value=package.sha256,
        model_content_size_in_bytes=package.size,
    )
    try:
        response = cluster.request("POST", f"{ML}/models/_register_meta", body=meta, what="registering model metadata")
    except OpenSearchError as exc:
        raise _deployment_error("ML Commons refused the model metadata", exc) from None
    model_id = response["model_id"]
    for number, chunk in enumerate(iter_chunks(package.zip_path, chunk_size)):
        try:
            cluster.request(
                "POST", f"{ML}/models/{model_id}/upload_chunk/{number}", body=chunk, what=f"uploading chunk {number}"
            )
        except OpenSearchError as exc:
            raise _deployment_error(f"uploading chunk {number + 1}/{total} of model {model_id} failed", exc) from None
        if progress:
            progress(number + 1, total)
    return model_id


def _deployment_error(message: str, exc: OpenSearchError) -> ModelDeploymentError:
    cause = exc.root_cause or str(exc)
    if "allow_registering_model_via_local_file" in cause:
        message += " (the cluster forbids uploading model files; rerun with --configure-ml to set it, or use --vectors client)"
    elif "only_run_on_ml_node" in cause or "No eligible node" in cause:
        message += " (no ML node; rerun with --configure-ml to let data nodes run models, or use --vectors client)"
    return ModelDeploymentError(message, root_cause=cause, status=exc.status)


def ml_nodes(cluster: Cluster) -> dict[str, str] | None:
    """``{node_id: name}`` of the nodes with the ``ml`` role; None when the cluster does not list its nodes.

    Managed services may hide ``_nodes`` (403/404/400): placement is then left to ML Commons.
    """
    try:
        response = cluster.request("GET", "/_nodes", params={"filter_path": "nodes.*.name,nodes.*.roles"},
                                   what="listing the cluster's nodes")
    except OpenSearchError as exc:
        if exc.status in (400, 401, 403, 404):
            log.info("cannot list the cluster's nodes (%s); ML Commons places the model", exc)
            return None
        raise
    nodes = (response or {}).get("nodes") or {}
    return {node_id: str(node.get("name", node_id)) for node_id, node in sorted(nodes.items())
            if "ml" in (node.get("roles") or [])}


ONLY_ML = "plugins.ml_commons.only_run_on_ml_node"  # default true
CUSTOM_PLAN = "plugins.ml_commons.allow_custom_deployment_plan"  # default false: _deploy refuses node_ids
ML_SETTING_DEFAULTS = {ONLY_ML: True, CUSTOM_PLAN: False}


def ml_setting(cluster: Cluster, name: str) -> bool:
    """A boolean ML Commons cluster setting: transient, else persistent, else its default; the default too when the
    cluster does not show its settings."""
    try:
        response = cluster.request("GET", "/_cluster/settings", params={"flat_settings": "true"},
                                   what="reading cluster settings") or {}
    except OpenSearchError as exc:
        if exc.status in (400, 401, 403, 404):
            return ML_SETTING_DEFAULTS[name]
        raise
    for scope in ("transient", "persistent"):
        value = (response.get(scope) or {}).get(name)
        if value is not None:
            return str(value).lower() == "true"
    return ML_SETTING_DEFAULTS[name]


@dataclass
class Placement:
    """Where the model goes: ``node_ids`` for the deploy request (None: ML Commons chooses) and a line saying so."""

    node_ids: list[str] | None = None
    note: str | None = None


def model_placement(cluster: Cluster, placement: str = "auto", found: dict[str, str] | None = None) -> Placement:
    """The placement for ``placement`` (auto | ml | any; see the module docstring) on this cluster.

    ``found`` is :func:`ml_nodes`'s answer when the caller has it already. ML Commons takes ``node_ids`` only when
    ``allow_custom_deployment_plan`` is true; otherwise ``only_run_on_ml_node`` (true by default) keeps the model on
    the ML nodes by itself. With both off the model could land on data nodes: ``ml`` refuses that, ``auto`` says it.
    """
    if placement not in PLACEMENTS:
        raise ValueError(f"placement must be one of {', '.join(PLACEMENTS)}, got {placement!r}")
    if placement == "any":
        return Placement()
    found = ml_nodes(cluster) if found is None else found
    if not found:
        if placement == "ml":
            seen = "has no node with the ml role" if found is not None else "does not list its nodes (GET /_nodes)"
            raise ModelDeploymentError(
                f"--model-nodes ml: the cluster {seen}, so the model cannot be placed on ML nodes\n"
                "add a node with node.roles: [ml] (scripts/opensearch-node start --nodes 3 --ml-nodes 1 makes one), "
                "or rerun with --model-nodes auto to let ML Commons place it"
            )
        return Placement()
    names = ", ".join(f"{name} ({node_id})" for node_id, name in sorted(found.items()))
    if ml_setting(cluster, CUSTOM_PLAN):
        return Placement(sorted(found), f"model placement: the cluster's ML nodes {names}")
    if ml_setting(cluster, ONLY_ML):
        return Placement(None, f"model placement: the cluster's ML nodes {names} ({ONLY_ML} is true)")
    if placement == "ml":
        raise ModelDeploymentError(
            f"--model-nodes ml: the cluster has ML nodes ({names}) but lets models run on data nodes ({ONLY_ML} "
            f"false) and refuses deployment plans ({CUSTOM_PLAN} false)\n"
            f"set {CUSTOM_PLAN} (or {ONLY_ML}) to true, or rerun with --configure-ml, which allows deployment plans"
        )
    return Placement(None, f"model placement: left to ML Commons, which may use data nodes too ({ONLY_ML} and "
                           f"{CUSTOM_PLAN} are false); --model-nodes ml with --configure-ml keeps it on {names}")


def deploy_model(
    cluster: Cluster, model_id: str, timeout: float = 600.0, poll: float = 2.0, sleep: Callable[[float], None] = time.sleep,
    node_ids: list[str] | None = None,
) -> None:
    """Deploy (on ``node_ids`` when given) and wait for the task; a FAILED task or DEPLOY_FAILED model raises with the
    server's error."""
    try:
        response = cluster.request("POST", f"{ML}/models/{model_id}/_deploy",
                                   body={"node_ids": list(node_ids)} if node_ids else None,
                                   what=f"deploying model {model_id}")
    except OpenSearchError as exc:
        raise _deployment_error(f"deploying model {model_id} failed", exc) from None
    task_id = response.get("task_id")
    if response.get("status") == "COMPLETED" and not task_id:
        return
    deadline = time.monotonic() + timeout
    while True:
        task = cluster.request("GET", f"{ML}/tasks/{task_id}", what=f"reading deploy task {task_id}")
        state = task.get("state")
        if state == "COMPLETED":
            break
        if state in ("FAILED", "CANCELLED", "COMPLETED_WITH_ERROR"):
            raise ModelDeploymentError(
                f"deploying model {model_id} failed (task {task_id} {state})", root_cause=_task_error(task)
            )
        if time.monotonic() > deadline:
            raise ModelDeploymentError(
                f"deploying model {model_id} did not finish within {timeout:.0f} s (task {task_id} still {state}); "
                "raise --deploy-timeout or check the cluster's ML nodes"
            )
        sleep(poll)
    model = get_model(cluster, model_id)
    if model.get("model_state") == "DEPLOY_FAILED":
        raise ModelDeploymentError(f"model {model_id} is DEPLOY_FAILED", root_cause=_task_error(task))


def _task_error(task: dict[str, Any]) -> str | None:
    error = task.get("error")
    if not error:
        return None
    if isinstance(error, str):
        try:  # ML Commons writes {"node_id": "reason"} as a JSON string
            parsed = json.loads(error)
            if isinstance(parsed, dict):
                return "; ".join(str(v) for v in parsed.values())
        except json.JSONDecodeError:
            pass
        return error
    return json.dumps(error)


def ensure_model(
    cluster: Cluster,
    package: ModelPackage,
    group_name: str = "legalsearch",
    deploy_timeout: float = 600.0,
    progress: Callable[[int, int], None] | None = None,
    sleep: Callable[[float], None] = time.sleep,
    node_ids: list[str] | None = None,
) -> tuple[str, bool]:
    """Make the package's model deployed (on ``node_ids`` when given: :func:`model_placement`); returns
    ``(model_id, newly_registered)``. Idempotent by SHA-256."""
    cluster.require("ML Commons model groups and chunked model upload")
    # the same zip registered with another model_config (pooling, prompts) embeds differently: not a match
    found = find_models_by_hash(cluster, package.sha256)
    candidates = [m for m in found if same_config(m, package.register)]
    for model in candidates:
        if model["state"] in READY_STATES:
            log.info("model %s with this hash is already deployed", model["model_id"])
            return model["model_id"], False
    for model in candidates:
        if model["state"] in DEPLOYABLE_STATES:
            deploy_model(cluster, model["model_id"], timeout=deploy_timeout, sleep=sleep, node_ids=node_ids)
            return model["model_id"], False
    for model in (m for m in found if m["state"] in BROKEN_STATES):  # interrupted or failed uploads: remove
        log.info("deleting incomplete model %s (%s)", model["model_id"], model["state"])
        delete_model(cluster, model["model_id"])
    group_id = find_or_create_model_group(cluster, group_name)
    model_id = register_model(cluster, package, group_id, progress=progress)
    deploy_model(cluster, model_id, timeout=deploy_timeout, sleep=sleep, node_ids=node_ids)
    return model_id, True


# model_config fields that change what the deployed model returns for a text
EMBEDDING_CONFIG_FIELDS = ("model_type", "embedding_dimension", "pooling_mode", "normalize_result", "query_prefix",
                           "passage_prefix")


def same_config(model: dict[str, Any], register: dict[str, Any]) -> bool:
    """True when a registered model's ``model_config`` embeds as the register body's would (see
    :data:`EMBEDDING_CONFIG_FIELDS`; pooling compared case-insensitively, as ML Commons reads it)."""
    have, want = model.get("model_config") or {}, register.get("model_config") or {}

    def norm(config: dict[str, Any], key: str):
        value = config.get(key)
        return value.lower() if key == "pooling_mode" and isinstance(value, str) else (value or None)

    return all(norm(have, key) == norm(want, key) for key in EMBEDDING_CONFIG_FIELDS)


def configure_ml_settings(cluster: Cluster, ml_nodes_present: bool = False) -> None:
    """Persistent cluster settings that let this cluster take an uploaded model (opt-in only): on data nodes when it
    has no ML node; with ML nodes, ``only_run_on_ml_node`` is left as is and deployment plans (``node_ids``, so the
    model goes to the ML nodes) are allowed instead."""
    settings = dict(ML_SETTINGS)
    if ml_nodes_present:
        settings.pop(ONLY_ML)
        settings[CUSTOM_PLAN] = True
    cluster.request("PUT", "/_cluster/settings", body={"persistent": settings}, what="updating ML Commons settings")


def is_asymmetric(register_or_config: dict[str, Any]) -> bool:
    """True when a register body (or its ``model_config``) holds ``query_prefix`` or ``passage_prefix``.

    ML Commons then prepends the prefix itself and refuses ``_predict`` without a ``content_type``; neural-search
    (``MLCommonsClientAccessor``) sends ``PASSAGE`` from the ingest pipeline and ``QUERY`` from neural queries.
    """
    config = register_or_config.get("model_config", register_or_config) or {}
    return bool(config.get("query_prefix") or config.get("passage_prefix"))


def predict(cluster: Cluster, model_id: str, texts: list[str], content_type: str | None = None) -> list[list[float]]:
    """Sentence embeddings from the deployed model (used to check parity with our local encoder).

    Args:
        content_type: ``"query"`` or ``"passage"`` for a model registered with prompts (:func:`is_asymmetric`):
            ML Commons prepends the matching prefix; None for a model without prompts (ML Commons refuses it
            for one with prompts, and refuses a content type for one without).
    """
    body: dict[str, Any] = {"text_docs": list(texts), "return_number": True, "target_response": ["sentence_embedding"]}
    if content_type is not None:
        if content_type not in ("query", "passage"):
            raise ValueError(f"content_type must be 'query' or 'passage', got {content_type!r}")
        body["parameters"] = {"content_type": content_type}
    response = cluster.request(
        "POST", f"{ML}/_predict/text_embedding/{model_id}", body=body, what=f"predicting with model {model_id}"
    )
    out = []
    for result in response.get("inference_results", []):
        outputs = result.get("output", [])
        chosen = next((o for o in outputs if o.get("name") == "sentence_embedding"), outputs[0] if outputs else {})
        out.append([float(x) for x in chosen.get("data", [])])
    return out


ONLY_ML_NODES = "plugins.ml_commons.only_run_on_ml_node"


def require_ml_node(cluster: Cluster, found: dict[str, str] | None = None) -> None:
    """Before anything is uploaded: where ML Commons runs models only on ML nodes (``only_run_on_ml_node``, true
    unless set), the cluster must have a node with the ``ml`` role, or the model could never be deployed.
    ``found``: :func:`ml_nodes`'s answer when the caller has it (None: ask the cluster).

    Raises:
        ModelDeploymentError: naming the setting and the three ways out.
    """
    settings = cluster.request("GET", "/_cluster/settings", params={"include_defaults": "true",
                                                                    "flat_settings": "true"},
                               what="reading the cluster settings") or {}
    value = next((settings[scope][ONLY_ML_NODES] for scope in ("transient", "persistent", "defaults")
                  if ONLY_ML_NODES in settings.get(scope, {})), True)  # ML Commons' default: true
    if str(value).lower() == "false":
        return
    if found:
        return
    if found is None:
        nodes = cluster.request("GET", "/_nodes", params={"filter_path": "nodes.*.roles"},
                                what="reading the node roles") or {}
        if any("ml" in node.get("roles", []) for node in nodes.get("nodes", {}).values()):
            return
    raise ModelDeploymentError(
        f"the cluster has no ML node (a node with node.roles: [ml]) and {ONLY_ML_NODES} is true, so ML Commons "
        "cannot run the model anywhere; add an ML node, rerun with --configure-ml to let data nodes run it, "
        "or use --vectors client"
    )

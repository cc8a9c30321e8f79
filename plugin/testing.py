"""An in-memory stand-in for the OpenSearch REST API, for unit tests (no server, no network).

:class:`FakeOpenSearch` implements just the endpoints ``legalsearch.plugin`` calls, keeps indices, aliases,
pipelines and ML Commons models in dictionaries, and records every call as ``(method, path, body)`` in ``calls`` so
tests can assert on the exact REST traffic. It raises opensearch-py's own exceptions, so error mapping is exercised
the same way as against a real cluster. It proves the requests are the ones we mean to send; the integration tests
prove a real node accepts them.
"""

from __future__ import annotations

import fnmatch
import itertools
import json
import re
from dataclasses import dataclass, field
from typing import Any, Callable


@dataclass
class Call:
    method: str
    path: str
    body: Any
    params: dict | None = None


def _error(status: int, err_type: str, reason: str):
    from opensearchpy.exceptions import HTTP_EXCEPTIONS, TransportError

    info = {"error": {"root_cause": [{"type": err_type, "reason": reason}], "type": err_type, "reason": reason},
            "status": status}
    return HTTP_EXCEPTIONS.get(status, TransportError)(status, err_type, info)


@dataclass
class FakeOpenSearch:
    """The transport: ``Cluster(FakeOpenSearch())``."""

    version: str = "3.1.0"
    plugins: tuple[str, ...] = ("opensearch-knn", "opensearch-ml", "opensearch-neural-search")
    calls: list[Call] = field(default_factory=list)
    indices: dict[str, dict[str, Any]] = field(default_factory=dict)
    aliases: dict[str, set[str]] = field(default_factory=dict)
    ingest_pipelines: dict[str, Any] = field(default_factory=dict)
    search_pipelines: dict[str, Any] = field(default_factory=dict)
    model_groups: dict[str, dict] = field(default_factory=dict)
    models: dict[str, dict] = field(default_factory=dict)
    tasks: dict[str, dict] = field(default_factory=dict)
    # like the test node scripts/opensearch-node configures: models may run on data nodes (ML Commons' default is
    # true, which on a cluster without ML nodes stops a server-side deploy: legalsearch.plugin.ml_commons)
    cluster_settings: dict[str, Any] = field(
        default_factory=lambda: {"plugins.ml_commons.only_run_on_ml_node": "false"})
    # GET /_nodes: node id -> {"name", "roles"}; by default one node with every role but ml (no ML node)
    nodes: dict[str, dict] = field(default_factory=lambda: {
        "n1": {"name": "n1", "roles": ["cluster_manager", "data", "ingest", "remote_cluster_client"]}})
    # GET /_cluster/health; a single node is yellow while any index has replicas it cannot place
    health: dict[str, Any] = field(default_factory=lambda: {
        "cluster_name": "fake", "status": "green", "number_of_nodes": 1, "number_of_data_nodes": 1,
        "active_primary_shards": 0, "active_shards": 0, "unassigned_shards": 0})
    # indices created with index.hidden (the deploy lock's): not listed by _cat/indices, like a real cluster's;
    # name -> {"body", "docs": {id: {"_source", "_seq_no", "_primary_term"}}}
    hidden_indices: dict[str, dict[str, Any]] = field(default_factory=dict)
    # hooks: return an exception to raise, or None to proceed normally
    before: Callable[[Call], Exception | None] | None = None
    # bulk item hook: (doc_id, doc) -> (status, error) or None for success
    bulk_item: Callable[[str, dict], tuple[int, dict] | None] | None = None
    deploy_outcome: str = "COMPLETED"  # or "FAILED"
    deploy_error: str = ""
    task_polls_before_done: int = 1
    _ids: Any = field(default_factory=lambda: itertools.count(1))

    # -- helpers ---------------------------------------------------------------------------------------------------
    def paths(self, method: str | None = None) -> list[str]:
        return [c.path for c in self.calls if method is None or c.method == method]

    def _new_id(self, prefix: str) -> str:
        return f"{prefix}{next(self._ids)}"

    def _resolve(self, name: str) -> list[str]:
        if name in self.indices:
            return [name]
        if name in self.aliases:
            return sorted(self.aliases[name])
        raise _error(404, "index_not_found_exception", f"no such index [{name}]")

    # -- transport API ---------------------------------------------------------------------------------------------
    def perform_request(self, method, url, params=None, body=None, headers=None):
        path = url.split("?")[0]
        if isinstance(body, (bytes, bytearray)) and not path.split("/")[-2:-1] == ["upload_chunk"]:
            body = body.decode()
        parsed = body
        if isinstance(body, str) and path != "/_bulk":
            parsed = json.loads(body)
        call = Call(method, path, parsed, params)
        self.calls.append(call)
        if self.before:
            exc = self.before(call)
            if exc is not None:
                raise exc
        for pattern, handler in self._routes():
            if pattern[0] == method:
                match = re.fullmatch(pattern[1], path)
                if match:
                    return handler(parsed, params or {}, *match.groups())
        raise _error(400, "illegal_argument_exception", f"no handler found for uri [{path}] and method [{method}]")

    def _routes(self):
        ml = r"/_plugins/_ml"
        return [
            (("GET", r"/"), self._info),
            (("GET", r"/_cat/plugins"), lambda b, p: [{"name": "n1", "component": c} for c in self.plugins]),
            (("PUT", r"/_cluster/settings"), self._put_settings),
            (("GET", r"/_cluster/settings"), lambda b, p: {"persistent": dict(self.cluster_settings), "transient": {},
                                                           "defaults": {}}),
            (("GET", r"/_cluster/health"), lambda b, p: dict(self.health)),
            (("GET", r"/_nodes"), lambda b, p: {"nodes": {k: dict(v) for k, v in self.nodes.items()}}),
            (("PUT", r"/_ingest/pipeline/([^/]+)"), lambda b, p, n: self._put(self.ingest_pipelines, n, b)),
            (("DELETE", r"/_ingest/pipeline/([^/]+)"), lambda b, p, n: self._delete(self.ingest_pipelines, n)),
            (("PUT", r"/_search/pipeline/([^/]+)"), lambda b, p, n: self._put(self.search_pipelines, n, b)),
            (("DELETE", r"/_search/pipeline/([^/]+)"), lambda b, p, n: self._delete(self.search_pipelines, n)),
            (("POST", r"/_aliases"), self._aliases),
            (("GET", r"/_alias/([^/]+)"), self._get_alias),
            (("DELETE", r"/_all/_alias/([^/]+)"), self._delete_alias),
            (("GET", r"/_cat/indices/([^/]+)"), self._cat_indices),
            (("POST", r"/_bulk"), self._bulk),
            (("POST", ml + r"/model_groups/_search"), self._search_groups),
            (("POST", ml + r"/model_groups/_register"), self._register_group),
            (("POST", ml + r"/models/_search"), self._search_models),
            (("POST", ml + r"/models/_register_meta"), self._register_meta),
            (("POST", ml + r"/models/([^/]+)/upload_chunk/(\d+)"), self._upload_chunk),
            (("POST", ml + r"/models/([^/]+)/_deploy"), self._deploy),
            (("POST", ml + r"/models/([^/]+)/_undeploy"), self._undeploy),
            (("GET", ml + r"/models/([^/]+)"), self._get_model),
            (("DELETE", ml + r"/models/([^/]+)"), self._delete_model),
            (("GET", ml + r"/tasks/([^/]+)"), self._get_task),
            (("POST", ml + r"/_predict/text_embedding/([^/]+)"), self._predict),
            (("PUT", r"/([^/_][^/]*)/_create/([^/]+)"), lambda b, p, n, i: self._put_doc(b, p, n, i, create=True)),
            (("PUT", r"/([^/_][^/]*)/_doc/([^/]+)"), self._put_doc),
            (("GET", r"/([^/_][^/]*)/_doc/([^/]+)"), self._get_doc),
            (("DELETE", r"/([^/_][^/]*)/_doc/([^/]+)"), self._delete_doc),
            (("PUT", r"/([^/_][^/]*)"), self._create_index),
            (("HEAD", r"/([^/_][^/]*)"), lambda b, p, n: n in self.indices or n in self.aliases
             or n in self.hidden_indices),
            (("DELETE", r"/([^/_][^/]*)"), self._delete_index),
            (("GET", r"/([^/_][^/]*)/_mapping"), self._mapping),
            (("PUT", r"/([^/_][^/]*)/_mapping"), self._put_mapping),
            (("PUT", r"/([^/_][^/]*)/_settings"), self._put_index_settings),
            (("POST", r"/([^/_][^/]*)/_refresh"), lambda b, p, n: {"_shards": {"failed": 0}}),
            (("GET", r"/([^/_][^/]*)/_count"), self._count),
            (("POST", r"/([^/_][^/]*)/_search"), self._search),
        ]

    # -- cluster ---------------------------------------------------------------------------------------------------
    def _info(self, body, params):
        return {"name": "fake", "version": {"distribution": "opensearch", "number": self.version},
                "tagline": "The OpenSearch Project: https://opensearch.org/"}

    def _put_settings(self, body, params):
        self.cluster_settings.update(body.get("persistent", {}))
        return {"acknowledged": True}

    def _put(self, store, name, body):
        store[name] = body
        return {"acknowledged": True}

    def _delete(self, store, name):
        if name not in store:
            raise _error(404, "resource_not_found_exception", f"pipeline [{name}] is missing")
        del store[name]
        return {"acknowledged": True}

    # -- indices and aliases ---------------------------------------------------------------------------------------
    def _create_index(self, body, params, name):
        if name in self.indices or name in self.aliases or name in self.hidden_indices:
            raise _error(400, "resource_already_exists_exception", f"index [{name}] already exists")
        if (body or {}).get("settings", {}).get("index", {}).get("hidden"):
            self.hidden_indices[name] = {"body": body, "docs": {}}
            return {"acknowledged": True, "index": name}
        self.indices[name] = {"body": body or {}, "docs": {}}
        return {"acknowledged": True, "index": name}

    # -- single documents of hidden indices (the deploy lock), with optimistic concurrency -------------------------
    def _hidden_docs(self, name):
        if name not in self.hidden_indices:
            raise _error(404, "index_not_found_exception", f"no such index [{name}]")
        return self.hidden_indices[name]["docs"]

    def _check_version(self, docs, doc_id, params):
        if "if_seq_no" not in params:
            return
        current = docs.get(doc_id)
        if current is None or (current["_seq_no"], current["_primary_term"]) != (
                int(params["if_seq_no"]), int(params["if_primary_term"])):
            raise _error(409, "version_conflict_engine_exception", f"[{doc_id}]: version conflict")

    def _put_doc(self, body, params, name, doc_id, create=False):
        docs = self._hidden_docs(name)
        if create and doc_id in docs:
            raise _error(409, "version_conflict_engine_exception", f"[{doc_id}]: document already exists")
        self._check_version(docs, doc_id, params)
        docs[doc_id] = {"_source": json.loads(json.dumps(body)), "_seq_no": next(self._ids), "_primary_term": 1}
        return {"_index": name, "_id": doc_id, "result": "created" if create else "updated",
                "_seq_no": docs[doc_id]["_seq_no"], "_primary_term": 1}

    def _get_doc(self, body, params, name, doc_id):
        docs = self._hidden_docs(name)
        if doc_id not in docs:
            raise _error(404, "not_found", f"[{doc_id}] not found")
        return {"_index": name, "_id": doc_id, "found": True, **docs[doc_id]}

    def _delete_doc(self, body, params, name, doc_id):
        docs = self._hidden_docs(name)
        if doc_id not in docs:
            raise _error(404, "not_found", f"[{doc_id}] not found")
        self._check_version(docs, doc_id, params)
        del docs[doc_id]
        return {"_index": name, "_id": doc_id, "result": "deleted"}

    def _delete_index(self, body, params, name):
        if name not in self.indices:
            raise _error(404, "index_not_found_exception", f"no such index [{name}]")
        del self.indices[name]
        for targets in self.aliases.values():
            targets.discard(name)
        return {"acknowledged": True}

    def _mapping(self, body, params, name):
        return {n: {"mappings": self.indices[n]["body"].get("mappings", {})} for n in self._resolve(name)}

    def _put_mapping(self, body, params, name):
        for n in self._resolve(name):
            mappings = self.indices[n]["body"].setdefault("mappings", {})
            if "_meta" in body:  # OpenSearch replaces _meta whole
                mappings["_meta"] = body["_meta"]
            mappings.setdefault("properties", {}).update(body.get("properties", {}))
        return {"acknowledged": True}

    def _put_index_settings(self, body, params, name):
        for n in self._resolve(name):
            settings = self.indices[n]["body"].setdefault("settings", {}).setdefault("index", {})
            for key, value in body.get("index", {}).items():
                if value is None:
                    settings.pop(key, None)  # null resets a dynamic setting to its default
                else:
                    settings[key] = value
        return {"acknowledged": True}

    def _count(self, body, params, name):
        return {"count": sum(len(self.indices[n]["docs"]) for n in self._resolve(name))}

    def _aliases(self, body, params):
        for action in body["actions"]:
            (kind, spec), = action.items()
            if spec["index"] not in self.indices:
                raise _error(404, "index_not_found_exception", f"no such index [{spec['index']}]")
            targets = self.aliases.setdefault(spec["alias"], set())
            (targets.add if kind == "add" else targets.discard)(spec["index"])
        return {"acknowledged": True}

    def _get_alias(self, body, params, alias):
        targets = self.aliases.get(alias)
        if not targets:
            raise _error(404, "aliases_not_found_exception", f"alias [{alias}] missing")
        return {name: {"aliases": {alias: {}}} for name in targets}

    def _delete_alias(self, body, params, alias):
        if not self.aliases.pop(alias, None):
            raise _error(404, "aliases_not_found_exception", f"alias [{alias}] missing")
        return {"acknowledged": True}

    def _cat_indices(self, body, params, pattern):
        return [{"index": n} for n in sorted(self.indices) if fnmatch.fnmatch(n, pattern)]

    def _bulk(self, body, params):
        lines = [json.loads(line) for line in body.splitlines() if line.strip()]
        items = []
        for action, doc in zip(lines[::2], lines[1::2]):
            (op, meta), = action.items()
            index, doc_id = meta["_index"], meta["_id"]
            outcome = self.bulk_item(doc_id, doc) if self.bulk_item else None
            if outcome is not None:
                status, error = outcome
                items.append({op: {"_index": index, "_id": doc_id, "status": status, "error": error}})
                continue
            docs = self.indices.setdefault(index, {"body": {}, "docs": {}})["docs"]
            if op == "create" and doc_id in docs:
                items.append({op: {"_index": index, "_id": doc_id, "status": 409, "error": {
                    "type": "version_conflict_engine_exception", "reason": f"[{doc_id}]: document already exists"}}})
                continue
            docs[doc_id] = doc
            items.append({op: {"_index": index, "_id": doc_id, "status": 201, "result": "created"}})
        return {"took": 1, "errors": any(i[next(iter(i))]["status"] >= 300 for i in items), "items": items}

    def _search(self, body, params, name):
        size = int((body or {}).get("size", 10))
        hits = []
        for n in self._resolve(name):
            for doc_id, doc in sorted(self.indices[n]["docs"].items()):
                source = {k: v for k, v in doc.items() if k not in ("passages", "passage_chunks")}
                hits.append({"_index": n, "_id": doc_id, "_score": 1.0, "_source": source})
        count = len(self._resolve(name))  # one shard per index
        shards = {"total": count, "successful": count, "skipped": 0, "failed": 0}
        return {"timed_out": False, "_shards": shards, "hits": {"total": {"value": len(hits)}, "hits": hits[:size]}}

    # -- ML Commons ------------------------------------------------------------------------------------------------
    def _search_groups(self, body, params):
        name = body["query"]["term"]["name.keyword"]
        hits = [{"_id": gid, "_source": g} for gid, g in self.model_groups.items() if g["name"] == name]
        return {"hits": {"hits": hits[:1]}}

    def _register_group(self, body, params):
        if any(g["name"] == body["name"] for g in self.model_groups.values()):
            raise _error(400, "illegal_argument_exception", "The name you provided is already being used")
        gid = self._new_id("group")
        self.model_groups[gid] = dict(body)
        return {"model_group_id": gid, "status": "CREATED"}

    def _search_models(self, body, params):
        wanted = body["query"]["bool"]["filter"][0]["term"]["model_content_hash_value"]
        hits = [{"_id": mid, "_source": {k: v for k, v in m.items() if k != "chunks"}}
                for mid, m in self.models.items() if m.get("model_content_hash_value") == wanted]
        return {"hits": {"hits": hits}}

    def _register_meta(self, body, params):
        mid = self._new_id("model")
        self.models[mid] = {**body, "model_state": "REGISTERING", "chunks": {}}
        return {"model_id": mid, "status": "CREATED"}

    def _upload_chunk(self, body, params, mid, number):
        model = self.models[mid]
        if len(body) > 10_000_000:
            raise _error(400, "illegal_argument_exception", "Chunk size either 0 or exceeds 10MB")
        model["chunks"][int(number)] = bytes(body)
        if len(model["chunks"]) == model["total_chunks"]:
            model["model_state"] = "REGISTERED"
        return {"status": "Uploaded"}

    def _deploy(self, body, params, mid):
        if mid not in self.models:
            raise _error(404, "status_exception", f"Failed to find model {mid}")
        if (body or {}).get("node_ids") and not self.cluster_settings.get(
                "plugins.ml_commons.allow_custom_deployment_plan"):
            raise _error(400, "illegal_argument_exception", "Don't allow custom deployment plan")
        unknown = [n for n in (body or {}).get("node_ids", []) if n not in self.nodes]
        if unknown:
            raise _error(400, "illegal_argument_exception", f"Some nodes are not eligible: {unknown}")
        tid = self._new_id("task")
        self.tasks[tid] = {"model_id": mid, "polls": 0}
        self.models[mid]["model_state"] = "DEPLOYING"
        self.models[mid]["deploy_node_ids"] = list((body or {}).get("node_ids", []))
        return {"task_id": tid, "task_type": "DEPLOY_MODEL", "status": "CREATED"}

    def _get_task(self, body, params, tid):
        task = self.tasks[tid]
        task["polls"] += 1
        if task["polls"] <= self.task_polls_before_done:
            return {"model_id": task["model_id"], "task_type": "DEPLOY_MODEL", "state": "RUNNING"}
        model = self.models[task["model_id"]]
        if self.deploy_outcome == "FAILED":
            model["model_state"] = "DEPLOY_FAILED"
            return {"model_id": task["model_id"], "state": "FAILED", "error": json.dumps({"node1": self.deploy_error})}
        model["model_state"] = "DEPLOYED"
        return {"model_id": task["model_id"], "task_type": "DEPLOY_MODEL", "state": "COMPLETED"}

    def _get_model(self, body, params, mid):
        if mid not in self.models:
            raise _error(404, "status_exception", f"Failed to find model {mid}")
        return {k: v for k, v in self.models[mid].items() if k != "chunks"}

    def _undeploy(self, body, params, mid):
        self.models.get(mid, {})["model_state"] = "UNDEPLOYED"
        return {}

    def _delete_model(self, body, params, mid):
        self.models.pop(mid, None)
        return {"result": "deleted"}

    def _predict(self, body, params, mid):
        """:func:`fake_vector` of each text, after the registered prefix for ``parameters.content_type`` (as ML
        Commons prepends ``query_prefix`` / ``passage_prefix``): what :class:`FakeEncoder` returns for it."""
        config = self.models[mid]["model_config"]
        dim = int(config["embedding_dimension"])
        content_type = ((body or {}).get("parameters") or {}).get("content_type")
        asymmetric = bool(config.get("query_prefix") or config.get("passage_prefix"))
        if asymmetric and content_type is None:
            raise _error(500, "m_l_exception", f"Failed to inference TEXT_EMBEDDING model: {mid}")
        prefix = (config.get("passage_prefix") if content_type == "passage" else config.get("query_prefix")) or ""
        return {"inference_results": [
            {"output": [{"name": "sentence_embedding", "data": fake_vector(prefix + text, dim).tolist(),
                         "shape": [dim]}]}
            for text in body["text_docs"]]}


def fake_vector(text: str, dimension: int):
    """A deterministic unit vector from a hash of ``text`` (the fake model and :class:`FakeEncoder` share it)."""
    import hashlib

    import numpy as np

    seed = int.from_bytes(hashlib.sha256(text.encode()).digest()[:4], "little")
    vec = np.random.default_rng(seed).standard_normal(dimension).astype("float32")
    return vec / np.linalg.norm(vec)


class FakeEncoder:
    """Deterministic stand-in for ``OnnxEncoder``: unit vectors from a hash of the text."""

    def __init__(self, dimension: int = 8, max_seq_length: int = 128):
        self.name = f"fake-{dimension}d"
        self.dimension = dimension
        self.max_seq_length = max_seq_length
        self.calls: list[list[str]] = []

    def _encode(self, texts, batch_size: int = 32, show_progress: bool = False):
        import numpy as np

        self.calls.append(list(texts))
        rows = [fake_vector(text, self.dimension) for text in texts]
        return np.stack(rows) if rows else np.zeros((0, self.dimension), dtype="float32")

    encode_queries = _encode
    encode_documents = _encode


def make_export(tmp_path, payload: bytes = b"x" * 2500, dim: int = 8, deployable: str = "int8"):
    """A fake ``legalsearch export`` output: ml-commons/model.zip + register.json + export_report.json.

    The zip holds no real ONNX graph: enough for the REST traffic, not for the exporter's validator. The report is
    the exporter's own :class:`~legalsearch.exporter.report.ExportReport`, marking ``deployable`` as packaged.
    """
    import hashlib
    import zipfile

    from legalsearch.exporter.report import ExportReport
    from legalsearch.exporter.testing import fake_gate

    ml = tmp_path / "export" / "ml-commons"
    ml.mkdir(parents=True)
    zip_path = ml / "model.zip"
    with zipfile.ZipFile(zip_path, "w", compression=zipfile.ZIP_STORED) as zf:
        zf.writestr("model.onnx", payload)
        zf.writestr("tokenizer.json", "{}")
    data = zip_path.read_bytes()
    register = {
        "name": "legal-minilm", "version": "1.0.0", "description": "test", "function_name": "TEXT_EMBEDDING",
        "model_format": "ONNX",
        "model_config": {"model_type": "bert", "embedding_dimension": dim, "framework_type": "sentence_transformers",
                         "pooling_mode": "MEAN", "normalize_result": True},
        "model_content_size_in_bytes": len(data),
        "model_content_hash_value": hashlib.sha256(data).hexdigest(),
    }
    (ml / "register.json").write_text(json.dumps(register))
    package = {"zip": "ml-commons/model.zip", "register": "ml-commons/register.json", "variant": deployable,
               "size_bytes": len(data), "sha256": register["model_content_hash_value"]}
    ExportReport(deployable=deployable, gate=fake_gate(passed=deployable == "int8"), package=package).save(
        tmp_path / "export")
    return tmp_path / "export"

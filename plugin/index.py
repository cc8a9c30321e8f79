"""Index bodies from ``mappings/index.json`` and the index/alias REST calls that deploy uses.

Each deploy writes a new versioned index ``<alias>-v<timestamp>`` behind the alias ``<alias>``; readers always
query the alias. ``swap_alias`` moves the alias in one ``_aliases`` request (remove + add are applied atomically),
so a reader sees either the old index or the new one, never neither.
"""

from __future__ import annotations

import copy
import re
import time
from typing import TYPE_CHECKING, Any

from legalsearch.errors import OpenSearchError

from .connection import Cluster

if TYPE_CHECKING:
    from .lock import DeployLock

VECTOR_PATH = ("mappings", "properties", "passages", "properties", "knn")
# while a deploy bulk-loads a new index nobody reads yet: no periodic refresh (each one writes a segment) and no
# replica to write every document twice; restored to the serving values afterwards, also when the load fails
BULK_LOAD_SETTINGS = {"refresh_interval": "-1", "number_of_replicas": 0}


def index_body(
    dimension: int,
    ingest_pipeline: str | None = None,
    search_pipeline: str | None = None,
    shards: int | None = None,
    replicas: int | None = None,
    hnsw_m: int | None = None,
    ef_construction: int | None = None,
) -> dict[str, Any]:
    """``mappings/index.json`` with the vector dimension and default pipelines filled in."""
    from legalsearch.mappings import load

    if int(dimension) < 1:
        raise ValueError(f"vector dimension must be >= 1, got {dimension}")
    body = copy.deepcopy(load("index"))
    vector = body
    for key in VECTOR_PATH:
        vector = vector[key]
    vector["dimension"] = int(dimension)
    if hnsw_m:
        vector["method"]["parameters"]["m"] = int(hnsw_m)
    if ef_construction:
        vector["method"]["parameters"]["ef_construction"] = int(ef_construction)
    settings = body["settings"]["index"]
    if shards is not None:
        settings["number_of_shards"] = int(shards)
    if replicas is not None:
        settings["number_of_replicas"] = int(replicas)
    if ingest_pipeline:
        settings["default_pipeline"] = ingest_pipeline
    if search_pipeline:
        settings["search.default_pipeline"] = search_pipeline
    return body


def serving_settings(body: dict[str, Any]) -> dict[str, Any]:
    """The settings :data:`BULK_LOAD_SETTINGS` relaxes, as the index body gives them (None: the cluster default)."""
    settings = body["settings"]["index"]
    return {key: settings.get(key) for key in BULK_LOAD_SETTINGS}


def put_settings(cluster: Cluster, name: str, settings: dict[str, Any]) -> None:
    """Dynamic index settings; a None value resets that setting to the cluster default."""
    cluster.request("PUT", f"/{name}/_settings", body={"index": settings}, what=f"updating the settings of {name}")


def versioned_name(alias: str, now: float | None = None) -> str:
    """``<alias>-v20261126t153000`` (UTC), unique per second and sortable."""
    stamp = time.strftime("%Y%m%dt%H%M%S", time.gmtime(now if now is not None else time.time()))
    return f"{alias}-v{stamp}"


def create_index(cluster: Cluster, name: str, body: dict[str, Any]) -> None:
    cluster.request("PUT", f"/{name}", body=body, what=f"creating index {name}")


def index_exists(cluster: Cluster, name: str) -> bool:
    # opensearch-py answers HEAD with True/False instead of raising on 404
    return bool(cluster.request("HEAD", f"/{name}", what=f"checking index {name}", ignore=(404,)))


def delete_index(cluster: Cluster, name: str) -> None:
    cluster.request("DELETE", f"/{name}", what=f"deleting index {name}", ignore=(404,))


def refresh(cluster: Cluster, name: str) -> None:
    cluster.request("POST", f"/{name}/_refresh", what=f"refreshing {name}")


def doc_count(cluster: Cluster, name: str) -> int:
    """Top-level documents (nested passages are not counted)."""
    response = cluster.request("GET", f"/{name}/_count", what=f"counting documents in {name}")
    return int(response["count"])


def alias_targets(cluster: Cluster, alias: str) -> list[str]:
    """Indices the alias points at now (empty when it does not exist)."""
    response = cluster.request("GET", f"/_alias/{alias}", what=f"reading alias {alias}", ignore=(404,))
    return sorted(response) if response else []


def indices_for(cluster: Cluster, alias: str) -> list[str]:
    """Versioned indices of this alias (``<alias>-v<UTC time>``), oldest first.

    Only names :func:`versioned_name` makes: the pattern ``<alias>-v*`` alone would also match the versioned indices
    of another alias that starts with ``<alias>-v`` (``legal`` and ``legal-vat``), which a prune must never touch.
    """
    response = cluster.request(
        "GET", f"/_cat/indices/{alias}-v*", params={"format": "json", "h": "index"}, what="listing indices", ignore=(404,)
    )
    own = re.compile(re.escape(alias) + r"-v\d+(?:t\d+)?")
    return sorted(row["index"] for row in (response or []) if own.fullmatch(row["index"]))


def swap_alias(cluster: Cluster, alias: str, new_index: str, lock: DeployLock | None = None) -> list[str]:
    """Point ``alias`` at ``new_index`` only, atomically; return the indices it pointed at before.

    Under the alias's lock (``lock``, or taken here for the swap alone), so that the alias read below is still the
    alias when the ``_aliases`` request replaces it: two writers never interleave their read and write.
    """
    if lock is None:
        from .lock import DeployLock

        with DeployLock.acquire(cluster, alias, "alias swap") as own:
            return swap_alias(cluster, alias, new_index, own)
    lock.refresh()  # raises LockLostError if another process took the lock over: then the alias is not touched
    if index_exists(cluster, alias) and not alias_targets(cluster, alias):
        raise OpenSearchError(
            f"'{alias}' is a concrete index, not an alias; choose another --index name or reindex it behind an alias"
        )
    old = alias_targets(cluster, alias)
    actions: list[dict[str, Any]] = [{"remove": {"index": name, "alias": alias}} for name in old if name != new_index]
    actions.append({"add": {"index": new_index, "alias": alias, "is_write_index": True}})
    cluster.request("POST", "/_aliases", body={"actions": actions}, what=f"moving alias {alias} to {new_index}")
    return old


def index_meta(cluster: Cluster, name: str) -> dict[str, Any]:
    """The ``_meta`` that deploy writes into the mapping (model id, hash, vectors mode...)."""
    response = cluster.request("GET", f"/{name}/_mapping", what=f"reading mapping of {name}")
    return next(iter(response.values()))["mappings"].get("_meta", {})


def add_meta(cluster: Cluster, name: str, **entries: Any) -> None:
    """Add ``entries`` to the ``legalsearch`` part of the index's ``_meta``.

    ``PUT _mapping`` replaces ``_meta`` as a whole, so the current one is read and sent back with the additions.
    """
    meta = index_meta(cluster, name)
    meta["legalsearch"] = {**meta.get("legalsearch", {}), **entries}
    cluster.request("PUT", f"/{name}/_mapping", body={"_meta": meta}, what=f"updating the _meta of {name}")

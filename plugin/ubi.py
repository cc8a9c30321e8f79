"""Reading User Behavior Insights indices (``ubi_queries``, ``ubi_events``) from a cluster, for ``data from-ubi``.

The rows are read whole with the scroll API (sorted by ``_doc``, the cheapest order) and handed to
:func:`legalsearch.clicks.judgements_from_ubi`, which owns the rules; this module only talks to the cluster.
"""

from __future__ import annotations

from typing import Iterator

from legalsearch.errors import NotFoundError

from .connection import Cluster

SCROLL = "2m"
PAGE = 1000


def scan(cluster: Cluster, index: str, page: int = PAGE) -> Iterator[dict]:
    """Every hit of ``index`` (``_id`` and ``_source``); a missing index is a :class:`NotFoundError` naming it."""
    response = cluster.request("POST", f"/{index}/_search", params={"scroll": SCROLL},
                               body={"size": page, "sort": ["_doc"], "query": {"match_all": {}}},
                               what=f"reading {index}", ignore=(404,))
    if response is None:
        raise NotFoundError(f"the cluster at {cluster.display_url} has no index '{index}'",
                            hint="point --queries-index / --events-index at your UBI indices")
    scroll_id = response.get("_scroll_id")
    try:
        while True:
            hits = response.get("hits", {}).get("hits", [])
            if not hits:
                return
            yield from hits
            response = cluster.request("POST", "/_search/scroll", body={"scroll": SCROLL, "scroll_id": scroll_id},
                                       what=f"reading {index}")
            scroll_id = response.get("_scroll_id", scroll_id)
    finally:
        if scroll_id:
            cluster.request("DELETE", "/_search/scroll", body={"scroll_id": [scroll_id]},
                            what="clearing the scroll", ignore=(404,))

"""Judgements from a search front end's own logs: User Behavior Insights (UBI) queries and click events.

UBI (the schema OpenSearch's ``ubi_queries`` and ``ubi_events`` indices follow) records each search a user ran —
``query_id``, ``user_query``, and optionally the ids of the hits it returned (``query_response_hit_ids``, or the
specification's ``query_response_objects_ids``) — and each action taken on a result: ``action_name``, the
``query_id`` it answers, ``client_id``, and ``event_attributes.object.object_id`` (the document) with
``event_attributes.position.ordinal`` (its 1-based rank; ``{"index": n}`` in the specification's JSON schema).

A click is evidence, biased by position: users click the top results because they are on top. Two standard
corrections are applied:

* inverse propensity weighting — a click at rank ``k`` counts ``k ** eta`` (the examination propensity of the
  power-law model is ``(1/k) ** eta``; Joachims et al., 2017), capped at ``max_weight`` so that one stray click deep
  in a list cannot outweigh many on top. A query text's pair is relevant when its weighted clicks reach
  ``min_clicks``;
* skip-above negatives — results ranked above a clicked one that nobody clicked for that search were seen and
  passed over; they become explicit grade-0 judgements, which mining uses as negatives (never a document that is
  relevant for the same query text).

Searches with the same text are one query. Each client counts once per (search, document): a double click is not
two votes. Every event or query row that cannot be used is skipped and counted by reason, like
``data from-pairs``: nothing is dropped silently.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any, Iterable

from legalsearch.data import Judgement, ValidationReport
from legalsearch.errors import DataError

CLICK_ACTIONS = ("click", "click_through")


@dataclass
class ClickConfig:
    click_actions: tuple[str, ...] = CLICK_ACTIONS
    min_clicks: float = 1.0  # weighted clicks that make a pair relevant
    eta: float = 1.0  # position-bias exponent; 0 counts every click as 1
    max_weight: float = 10.0
    min_dwell: float | None = None  # seconds; applies to events that record event_attributes.dwell_time
    skip_above: bool = True


@dataclass
class ClickStats:
    searches: int = 0
    clicks_used: int = 0
    clicks_without_position: int = 0
    weighted_clicks: dict = field(default_factory=dict)  # (query id, doc id) -> weight, for the report

    def to_dict(self) -> dict:
        return {"searches": self.searches, "clicks_used": self.clicks_used,
                "clicks_without_position": self.clicks_without_position}


def _query_key(text: str) -> str:
    return " ".join(text.lower().split())


def _position(event_attributes: dict) -> int | None:
    position = event_attributes.get("position") if isinstance(event_attributes, dict) else None
    if not isinstance(position, dict):
        return None
    ordinal = position.get("ordinal", position.get("index"))
    if isinstance(ordinal, dict):
        ordinal = ordinal.get("index")
    if isinstance(ordinal, bool) or not isinstance(ordinal, (int, float, str)):
        return None
    try:
        value = int(ordinal)
    except ValueError:
        return None
    return value if value >= 1 else None


def _hit_ids(row: dict) -> list[str]:
    hits = row.get("query_response_hit_ids") or row.get("query_response_objects_ids") or []
    if isinstance(hits, (str, int)):
        hits = [hits]
    return [str(h) for h in hits if isinstance(h, (str, int)) and not isinstance(h, bool)]


def judgements_from_ubi(
    query_rows: Iterable[tuple[str, dict]],
    event_rows: Iterable[tuple[str, dict]],
    corpus_ids: set[str],
    config: ClickConfig | None = None,
    report: ValidationReport | None = None,
    queries_index: str = "ubi_queries",
    events_index: str = "ubi_events",
) -> tuple[dict[str, str], list[Judgement], ClickStats]:
    """Turn UBI rows (``(_id, _source)`` pairs) into (queries, judgements, stats); skips are counted in ``report``.

    Raises :class:`DataError` when no relevant pair remains (naming the most common skip reason).
    """
    config = config or ClickConfig()
    report = report if report is not None else ValidationReport()

    def skip(reason: str, index: str, doc_id: str) -> None:
        report.skipped[reason] += 1
        report.examples.setdefault(reason, f"{index}/_doc/{doc_id}")

    searches: dict[str, tuple[str, list[str]]] = {}  # query_id -> (query key, hit ids)
    texts: dict[str, str] = {}  # query key -> text as first written
    for doc_id, row in query_rows:
        qid, text = row.get("query_id"), row.get("user_query")
        if not isinstance(qid, (str, int)) or isinstance(qid, bool) or str(qid).strip() == "":
            skip("query without query_id", queries_index, doc_id)
        elif not isinstance(text, str) or not text.strip():
            skip("query without user_query text", queries_index, doc_id)
        elif str(qid) in searches:
            skip("duplicate query_id (first kept)", queries_index, doc_id)
        else:
            key = _query_key(text)
            texts.setdefault(key, " ".join(text.split()))
            searches[str(qid)] = (key, _hit_ids(row))
    report.counts["ubi_queries"] = len(searches)

    stats = ClickStats(searches=len(searches))
    weights: dict[tuple[str, str], float] = defaultdict(float)
    voters: set[tuple[str, str, str]] = set()  # (search, document, client)
    clicked_in_search: dict[str, set[str]] = defaultdict(set)
    skipped_above: dict[str, set[str]] = defaultdict(set)  # query key -> documents passed over
    for doc_id, row in event_rows:
        action = row.get("action_name")
        attributes = row.get("event_attributes") if isinstance(row.get("event_attributes"), dict) else {}
        obj = attributes.get("object") if isinstance(attributes.get("object"), dict) else {}
        object_id = obj.get("object_id")
        qid = row.get("query_id")
        if action not in config.click_actions:
            skip(f"action '{action}' is not a click ({', '.join(config.click_actions)})", events_index, doc_id)
            continue
        if not isinstance(qid, (str, int)) or isinstance(qid, bool) or str(qid).strip() == "":
            skip("click without query_id", events_index, doc_id)
            continue
        if str(qid) not in searches:
            skip("click on a query_id that ubi_queries does not have", events_index, doc_id)
            continue
        if not isinstance(object_id, (str, int)) or isinstance(object_id, bool) or str(object_id).strip() == "":
            skip("click without event_attributes.object.object_id", events_index, doc_id)
            continue
        object_id = str(object_id).strip()
        if object_id not in corpus_ids:
            skip("click on an object_id that is not in the corpus", events_index, doc_id)
            continue
        dwell = attributes.get("dwell_time")
        if config.min_dwell is not None and isinstance(dwell, (int, float)) and dwell < config.min_dwell:
            skip(f"dwell under {config.min_dwell:g} s", events_index, doc_id)
            continue
        client = str(row.get("client_id") or doc_id)  # an event without a client votes alone
        vote = (str(qid), object_id, client)
        if vote in voters:
            skip("repeated click by the same client on the same result (counted once)", events_index, doc_id)
            continue
        voters.add(vote)
        key, hits = searches[str(qid)]
        position = _position(attributes)
        if position is None and object_id in hits:
            position = hits.index(object_id) + 1
        if position is None:
            stats.clicks_without_position += 1
            weight = 1.0
        else:
            weight = min(float(position) ** config.eta, config.max_weight)
        weights[(key, object_id)] += weight
        stats.clicks_used += 1
        clicked_in_search[str(qid)].add(object_id)
        if config.skip_above and position is not None and hits:
            skipped_above[key].update(h for h in hits[:position - 1] if h in corpus_ids)
    for qid, clicked in clicked_in_search.items():  # a result clicked in the same search was not passed over
        skipped_above[searches[qid][0]] -= clicked
    report.counts["clicks"] = stats.clicks_used

    keys = {key for key, _ in weights}
    ids = {key: f"u{n:06d}" for n, key in enumerate(sorted(keys), start=1)}
    queries = {ids[key]: texts[key] for key in keys}
    judgements: list[Judgement] = []
    relevant: dict[str, set[str]] = defaultdict(set)
    for (key, doc), weight in sorted(weights.items()):
        grade = int(weight >= config.min_clicks)
        judgements.append(Judgement(ids[key], doc, grade))
        if grade:
            relevant[key].add(doc)
        stats.weighted_clicks[(ids[key], doc)] = round(weight, 3)
    judged = {(j.query_id, j.doc_id) for j in judgements}
    for key, passed_over in skipped_above.items():
        if key not in ids:
            continue
        for doc in sorted(passed_over - relevant[key]):
            if (ids[key], doc) not in judged:
                judgements.append(Judgement(ids[key], doc, 0))
    if not any(j.grade > 0 for j in judgements):
        common = report.skipped.most_common(1)
        why = f" (most events skipped: {common[0][1]} × {common[0][0]})" if common else ""
        raise DataError(f"no relevant pair: no (query, document) reached {config.min_clicks:g} weighted "
                        f"click(s){why}", events_index)
    report.counts["pairs"] = sum(j.grade > 0 for j in judgements)
    report.counts["skip_above_negatives"] = sum(j.grade == 0 for j in judgements)
    return queries, judgements, stats


def source_rows(hits: Iterable[dict[str, Any]]) -> Iterable[tuple[str, dict]]:
    """``(_id, _source)`` pairs from search hits (a hit whose _source is not an object yields an empty dict)."""
    for hit in hits:
        source = hit.get("_source")
        yield str(hit.get("_id")), source if isinstance(source, dict) else {}


__all__ = ["CLICK_ACTIONS", "ClickConfig", "ClickStats", "judgements_from_ubi", "source_rows"]

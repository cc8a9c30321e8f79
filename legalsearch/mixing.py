"""Several sources of training pairs over one corpus, combined with weights: labelled, synthesized, clicks.

Each source is a BEIR dataset over the same corpus (``data from-pairs``, ``data synthesize``, ``data from-ubi``
or a hand-labelled one). The mix keeps a seeded random share ``weight`` of each source's train queries, ids
prefixed with the source's name so that sources never collide; dev and test come whole from one chosen source each
(by default the first that has them: put the labelled one first so that epochs are chosen on real queries).
``sources.json`` records what came from where, and ``train`` reads it to report each source's share of the
triplets it trained on.
"""

from __future__ import annotations

import hashlib
import json
import random
from dataclasses import dataclass
from pathlib import Path

from legalsearch.data import Dataset, write_beir
from legalsearch.errors import DataError

SOURCES_NAME = "sources.json"
SEPARATOR = ":"  # between a source's name and its own query id


@dataclass
class Source:
    name: str
    dataset: Dataset
    weight: float = 1.0


def corpus_digest(dataset: Dataset) -> str:
    digest = hashlib.sha256()
    for doc_id in sorted(dataset.corpus):
        doc = dataset.corpus[doc_id]
        digest.update(f"{doc.id}\0{doc.title}\0{doc.text}\0".encode())
    return digest.hexdigest()


def mix(sources: list[Source], out: str | Path, seed: int = 42, dev_from: str | None = None,
        test_from: str | None = None) -> dict:
    """Write the mixed dataset to ``out``; returns what ``sources.json`` holds."""
    if not sources:
        raise DataError("a mix needs at least one source")
    names = [s.name for s in sources]
    if len(set(names)) != len(names) or any(not n or SEPARATOR in n for n in names):
        raise DataError(f"source names must be distinct and without '{SEPARATOR}': {', '.join(names)}")
    reference = corpus_digest(sources[0].dataset)
    for source in sources[1:]:
        if corpus_digest(source.dataset) != reference:
            raise DataError(f"source '{source.name}' has another corpus than '{sources[0].name}'; a mix trains on "
                            "one corpus (rebuild the source from the same corpus.jsonl)", source.dataset.path)
    by_name = {s.name: s for s in sources}
    for option, name in (("--dev-from", dev_from), ("--test-from", test_from)):
        if name is not None and name not in by_name:
            raise DataError(f"{option} names '{name}', which is not a source ({', '.join(names)})")

    def first_with(split: str) -> str | None:
        return next((s.name for s in sources if split in s.dataset.qrels), None)

    rng = random.Random(seed)
    queries: dict[str, str] = {}
    qrels: dict[str, dict] = {"train": {}}
    record: dict = {"seed": seed, "sources": {}}
    for source in sources:
        if not 0 < source.weight <= 1:
            raise DataError(f"weight of '{source.name}' is {source.weight}; it is the share of its train queries "
                            "kept, in (0, 1]")
        train = source.dataset.qrels.get("train", {})
        qids = sorted(train)
        kept = sorted(rng.sample(qids, round(len(qids) * source.weight))) if qids else []
        for qid in kept:
            queries[f"{source.name}{SEPARATOR}{qid}"] = source.dataset.queries[qid]
            qrels["train"][f"{source.name}{SEPARATOR}{qid}"] = train[qid]
        record["sources"][source.name] = {"dataset": str(source.dataset.path), "weight": source.weight,
                                          "train_queries": len(kept), "of": len(qids)}
    for split, chosen in (("dev", dev_from or first_with("dev")), ("test", test_from or first_with("test"))):
        if chosen is None:
            continue
        source = by_name[chosen]
        if split not in source.dataset.qrels:
            raise DataError(f"source '{chosen}' has no '{split}' split", source.dataset.path)
        qrels[split] = {}
        for qid, judged in source.dataset.qrels[split].items():
            queries[f"{chosen}{SEPARATOR}{qid}"] = source.dataset.queries[qid]
            qrels[split][f"{chosen}{SEPARATOR}{qid}"] = judged
        record[f"{split}_from"] = chosen
    if not qrels["train"]:
        raise DataError("the mix has no train query (every source's train split is empty or weighted away)")
    write_beir(out, sources[0].dataset.corpus, queries, qrels)
    (Path(out) / SOURCES_NAME).write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")
    return record


def source_shares(dataset_path: str | Path, query_ids: list[str]) -> dict | None:
    """Each source's share of ``query_ids`` (e.g. the triplets a run trained on), when the dataset is a mix."""
    path = Path(dataset_path) / SOURCES_NAME
    if not path.is_file():
        return None
    names = json.loads(path.read_text(encoding="utf-8")).get("sources", {})
    counts = {name: 0 for name in names}
    for qid in query_ids:
        name = qid.split(SEPARATOR, 1)[0]
        if name in counts:
            counts[name] += 1
    total = sum(counts.values()) or 1
    return {name: {"rows": n, "share": round(n / total, 4)} for name, n in counts.items()}

"""Which queries choose the epoch, the interpolation and the hybrid weights: dev, dev carved from train, or folds.

Many legal datasets ship train and test only (AILA 2019's statute set: 11 train and 41 test queries), or a dev
split too small to choose by (ACORD's has 6 queries). :func:`plan_dev` decides, never looking at test:

* ``dev split``: the official dev split has at least ``min_queries`` queries (or train has too few to add any);
* ``carved from train``: dev is missing or small and train is large enough that moving queries to dev leaves at
  least four fifths of it: dev becomes the official dev plus a seeded random draw of train queries, up to
  ``min_queries``, and those queries leave train;
* ``cross-validation``: otherwise — every train (plus dev) query is held out once over ``folds`` folds, so the
  choice is made on all of them.

The plan is recorded in ``training_report.json`` and in the benchmark's results (``dev_plan``).
"""

from __future__ import annotations

import dataclasses
import random
from dataclasses import dataclass, field

from legalsearch.data import Dataset

DEV_SPLIT = "dev"


@dataclass
class DevPlan:
    method: str  # "dev split" | "carved from train" | "cross-validation"
    dev_queries: int  # queries that choose (for cross-validation: all held-out queries over the folds)
    train_queries: int  # queries trained on in the final run
    seed: int
    folds: list[list[str]] = field(default_factory=list)  # cross-validation only: held-out query ids per fold
    carved: list[str] = field(default_factory=list)  # carved from train: the query ids moved to dev
    reason: str = ""

    def to_dict(self) -> dict:
        out = dataclasses.asdict(self)
        out["folds"] = [len(f) for f in self.folds]
        out["carved"] = len(self.carved)
        return out

    def sentence(self) -> str:
        return f"dev: {self.method} ({self.reason})"


def fold_query_ids(query_ids: list[str], folds: int, seed: int) -> list[list[str]]:
    """Split query ids into ``folds`` disjoint held-out sets (a fixed shuffle, then round robin)."""
    ids = sorted(query_ids)
    random.Random(seed).shuffle(ids)
    return [sorted(ids[i::folds]) for i in range(folds)]


def fold_dataset(dataset: Dataset, held_out: list[str], train_split: str = "train") -> Dataset:
    """``dataset`` with train minus ``held_out`` as its train split and ``held_out`` (train or dev queries) as its
    dev split; no other split (a fold never carries the test split)."""
    pool = {**dataset.qrels.get(DEV_SPLIT, {}), **dataset.qrels[train_split]}
    held = set(held_out)
    qrels = {train_split: {q: j for q, j in dataset.qrels[train_split].items() if q not in held},
             DEV_SPLIT: {q: pool[q] for q in held_out}}
    return dataclasses.replace(dataset, qrels=qrels)


def merged_dataset(dataset: Dataset, train_split: str = "train") -> Dataset:
    """``dataset`` with dev merged into train and no dev split (the final run after cross-validation)."""
    qrels = {k: v for k, v in dataset.qrels.items() if k not in (train_split, DEV_SPLIT)}
    qrels[train_split] = {**dataset.qrels.get(DEV_SPLIT, {}), **dataset.qrels[train_split]}
    return dataclasses.replace(dataset, qrels=qrels)


def plan_dev(dataset: Dataset, min_queries: int = 30, folds: int = 3, seed: int = 42,
             train_split: str = "train") -> tuple[Dataset, DevPlan]:
    """Decide how dev is formed (see the module docstring); returns the dataset to train on and the plan.

    For ``carved from train`` the returned dataset has the carved queries moved from train to dev; for
    ``cross-validation`` it is unchanged and ``plan.folds`` holds the held-out query ids.
    """
    train = sorted(dataset.positives(train_split))
    dev = sorted(dataset.positives(DEV_SPLIT)) if DEV_SPLIT in dataset.qrels else []
    if dev and (len(dev) >= min_queries or not train):
        return dataset, DevPlan("dev split", len(dev), len(train), seed,
                                reason=f"the dev split has {len(dev)} queries (at least {min_queries})")
    need = max(min_queries, 1) - len(dev)  # with no dev split at all, at least one query must be carved
    if 5 * need <= len(train):  # train keeps at least four fifths of its queries
        carved = sorted(random.Random(seed).sample(train, need))
        moved = set(carved)
        qrels = dict(dataset.qrels)
        qrels[DEV_SPLIT] = {**dataset.qrels.get(DEV_SPLIT, {}),
                            **{q: dataset.qrels[train_split][q] for q in carved}}
        qrels[train_split] = {q: j for q, j in dataset.qrels[train_split].items() if q not in moved}
        what = f"the dev split has {len(dev)} queries" if dev else "no dev split"
        return dataclasses.replace(dataset, qrels=qrels), DevPlan(
            "carved from train", len(dev) + need, len(train) - need, seed, carved=carved,
            reason=f"{what}; {need} of {len(train)} train queries moved to dev (seed {seed}) to reach {min_queries}")
    pool = sorted(set(train) | set(dev))
    k = max(2, min(folds, len(pool)))
    what = f"the dev split has {len(dev)} queries" if dev else "no dev split"
    return dataset, DevPlan(
        "cross-validation", len(pool), len(pool), seed, folds=fold_query_ids(pool, k, seed),
        reason=f"{what} and train's {len(train)} queries are too few to carve {need} from; "
               f"{k}-fold cross-validation over {len(pool)} train+dev queries")

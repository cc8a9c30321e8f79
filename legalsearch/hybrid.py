"""The hybrid setting: how BM25 and dense scores are fused — one definition for every stage.

The same :class:`HybridConfig` drives offline fusion (:func:`legalsearch.retrieval.fuse`, ``legalsearch eval``),
the benchmark's dev-split tuning, which writes it to ``hybrid.json``, and ``legalsearch deploy``, which reads that
file and turns it into the search pipeline (:mod:`legalsearch.plugin.pipelines`). The file::

    {"technique": "min_max", "weights": [0.3, 0.7], "combination": "arithmetic_mean", "rank_constant": 60}

``technique`` normalizes each sub-query's scores (``min_max``, ``l2``) or ranks them (``rrf``); ``combination``
merges the normalized scores (always ``rrf`` for rrf); ``weights`` are ``[bm25, dense]``; ``rank_constant`` is
RRF's k. The rules are OpenSearch neural-search's, so a setting accepted here is accepted by the cluster.

This lives in the core, not in the plugin, because offline evaluation needs it without OpenSearch; the plugin
depends on the core, never the other way round for this.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from legalsearch.errors import DataError

TECHNIQUES = ("min_max", "l2", "rrf")
COMBINATIONS = ("arithmetic_mean", "geometric_mean", "harmonic_mean")
DEFAULT_WEIGHTS = (0.5, 0.5)  # the default of `eval` and `deploy` alike; tuned settings come from hybrid.json
WEIGHT_TOLERANCE = 0.01  # neural-search ScoreCombinationUtil: weights in [0, 1] summing to 1 within 0.01
FILE_NAME = "hybrid.json"  # what `legalsearch bench` writes and `legalsearch deploy --hybrid-config` reads
_KNOWN = ("technique", "weights", "combination", "rank_constant")
_IGNORED = ("comment", "metrics", "ndcg@10", "source")  # annotations people add to the file


@dataclass(frozen=True)
class HybridConfig:
    """How a hybrid query fuses BM25 (first) and dense (second) scores.

    Args:
        technique: ``min_max``, ``l2`` (normalization-processor) or ``rrf`` (score-ranker-processor).
        weights: ``(bm25, dense)``, each in [0, 1], summing to 1 within 0.01.
        combination: ``arithmetic_mean`` (default), ``geometric_mean`` or ``harmonic_mean``; ``rrf`` for rrf,
            whatever is given (RRF has one way to combine, so a value left over from another technique is dropped).
        rank_constant: RRF's k (>= 1).
    """

    technique: str = "min_max"
    weights: tuple[float, float] = DEFAULT_WEIGHTS
    combination: str | None = None
    rank_constant: int = 60

    def __post_init__(self) -> None:
        if self.technique not in TECHNIQUES:
            raise DataError(f"hybrid technique '{self.technique}' is not one of {', '.join(TECHNIQUES)}")
        if self.technique == "rrf":
            combination = "rrf"
        elif self.combination in (None, "rrf"):
            combination = "arithmetic_mean"
        else:
            combination = self.combination
        if combination != "rrf" and combination not in COMBINATIONS:
            raise DataError(f"hybrid combination '{combination}' is not one of {', '.join(COMBINATIONS)}")
        try:
            weights = tuple(float(w) for w in self.weights)
        except (TypeError, ValueError):
            raise DataError(f"hybrid weights must be two numbers [bm25, dense], got {self.weights!r}") from None
        if len(weights) != 2:
            raise DataError(f"hybrid weights must be two numbers [bm25, dense], got {list(weights)}")
        if any(math.isnan(w) or not 0.0 <= w <= 1.0 for w in weights):
            raise DataError(f"hybrid weights must each be in [0, 1], got {list(weights)}")
        if abs(sum(weights) - 1.0) > WEIGHT_TOLERANCE:
            raise DataError(f"hybrid weights must sum to 1 (OpenSearch requires it), got {list(weights)}")
        try:
            rank_constant = int(self.rank_constant)
        except (TypeError, ValueError):
            rank_constant = None
        if isinstance(self.rank_constant, bool) or rank_constant != self.rank_constant or rank_constant < 1:
            raise DataError(f"rank_constant must be an integer >= 1, got {self.rank_constant!r}")
        # normalized forms, so that equal settings compare equal however they were written
        object.__setattr__(self, "combination", combination)
        object.__setattr__(self, "weights", weights)
        object.__setattr__(self, "rank_constant", rank_constant)

    @property
    def default_weights(self) -> bool:
        return self.weights == DEFAULT_WEIGHTS

    def to_dict(self) -> dict[str, Any]:
        """The ``hybrid.json`` form (also kept in the deployed index's ``_meta``)."""
        return {"technique": self.technique, "weights": list(self.weights), "combination": self.combination,
                "rank_constant": self.rank_constant}

    def with_overrides(self, technique: str | None = None, weights=None) -> "HybridConfig":
        """This setting with command-line ``--technique`` / ``--weights`` applied on top (None keeps the value)."""
        return replace(self, technique=technique or self.technique,
                       weights=self.weights if weights is None else tuple(weights))

    @classmethod
    def from_dict(cls, data: dict[str, Any], source: str | Path | None = None) -> "HybridConfig":
        unknown = set(data) - set(_KNOWN) - set(_IGNORED)
        if unknown:
            raise DataError(f"unknown hybrid setting(s) {sorted(unknown)}; expected {sorted(_KNOWN)}", path=source)
        weights = data.get("weights", DEFAULT_WEIGHTS)
        if not isinstance(weights, (list, tuple)):
            raise DataError(f"hybrid weights must be a list [bm25, dense], got {weights!r}", path=source)
        try:
            return cls(technique=str(data.get("technique", "min_max")), weights=tuple(weights),
                       combination=data.get("combination"), rank_constant=data.get("rank_constant", 60))
        except DataError as exc:
            raise DataError(exc.reason, path=source) from None

    @classmethod
    def from_file(cls, path: str | Path) -> "HybridConfig":
        from legalsearch.data import reject_duplicate_keys

        path = Path(path)
        try:
            data = json.loads(path.read_bytes().decode("utf-8-sig"), object_pairs_hook=reject_duplicate_keys)
        except FileNotFoundError:
            raise DataError("hybrid config file not found", path=path) from None
        except UnicodeDecodeError as exc:
            raise DataError(f"not valid UTF-8 (byte 0x{exc.object[exc.start]:02x} at offset {exc.start})",
                            path=path) from None
        except RecursionError:
            raise DataError("not valid JSON (nested too deeply to read)", path=path) from None
        except json.JSONDecodeError as exc:
            raise DataError(f"not valid JSON ({exc.msg})", path=path, line=exc.lineno) from None
        except ValueError as exc:  # a key given twice
            raise DataError(f"not valid JSON ({exc})", path=path) from None
        if not isinstance(data, dict):
            raise DataError("hybrid config must be a JSON object", path=path)
        return cls.from_dict(data, source=path)

    def save(self, path: str | Path) -> Path:
        path = Path(path)
        path.write_text(json.dumps(self.to_dict(), indent=2) + "\n", encoding="utf-8")
        return path


def parse_weights(text: str) -> tuple[float, float]:
    """'0.3,0.7' -> (0.3, 0.7) (bm25, dense), by the rules of :class:`HybridConfig`."""
    try:
        weights = tuple(float(part) for part in text.split(","))
    except ValueError:
        raise DataError(f"--weights takes two comma-separated numbers like 0.3,0.7, got '{text}'") from None
    return HybridConfig(weights=weights).weights

"""The training recipe: every mining and fine-tuning setting in one typed place, with where each value came from.

``legalsearch mine``, ``train``, ``bench``, ``demo``, ``benchmarks/finetune_real.sh``, ``benchmarks/sweep_training.py``
and the tests all start from :data:`DEFAULT` (or :meth:`Recipe.default`). A recipe file (JSON or TOML, the same
field names) and command-line flags override it, and the pipeline may fit a value to the data or to the time budget
(the window to the corpus's token lengths, the epochs to the measured cost of a step). Every value carries its
provenance — ``default: <why>``, ``recipe file PATH``, ``flag --x`` or ``fitted: <reason>`` — and
``training_report.json`` records both (:meth:`Recipe.to_dict`).

Where each default comes from is written next to it in :data:`DEFAULT_SOURCES` and in docs/pipeline.md ("The
recipe"); none was chosen by looking at a test split.
"""

from __future__ import annotations

import dataclasses
import json
import math
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from legalsearch.errors import RecipeError

WINDOW_CHOICES = ("auto", "model")
VARIANCE_REDUCTION = ("none", "interpolate")
NEGATIVE_SOURCES = ("bm25", "dense", "judged")
# Default time budget for mining plus training, in minutes, by device kind (see docs/pipeline.md, "Time budget").
DEFAULT_BUDGET_MINUTES = {"cpu": 30.0, "cuda": 120.0, "mps": 60.0}

# Why each default is what it is. Published practice = the plain sentence-transformers fine-tune
# (MultipleNegativesRankingLoss, BM25 hard negatives, 3 epochs, lr 3e-5, best dev epoch), which reached
# 0.188 NDCG@10 on ACORD and 0.729 on LegalBench-RAG lite where the project's earlier defaults did worse.
DEFAULT_SOURCES = {
    "negatives": "default: 3 hard negatives per pair, the plain sentence-transformers run's ACORD setting",
    "negative_sources": "default: BM25 candidates, as the plain sentence-transformers run mined them",
    "rank_start": "default: skip BM25's top 3, where unlabelled positives hide (project default, not re-measured)",
    "rank_end": "default: candidates above rank 60 (project default, not re-measured)",
    "guard_ratio": "default: false-negative guard at 0.95 of the positive's base score (project default)",
    "max_seq_length": "default: auto = 95th percentile of the corpus's token lengths, capped at the model's own",
    "epochs": "default: 3 epochs, the plain sentence-transformers run (best dev epoch kept)",
    "learning_rate": "default: 3e-5, the plain sentence-transformers run",
    "batch_size": "default: 16 rows per batch (project default since the first release)",
    "warmup_ratio": "default: 10% linear warm-up, sentence-transformers' documented practice",
    "group_by_length": "default: batches of similar length, same loss, ~2x triplets/s on CPU "
                       "(benchmarks/train_throughput)",
    "seed": "default: seed 42",
    "variance_reduction": "default: none (interpolation with the base weights is available, not yet measured "
                          "across seeds)",
    "budget_minutes": "default: by device, CPU 30 minutes of mining plus training, CUDA 120",
    "dev_min_queries": "default: never choose on fewer than 30 dev queries when more exist",
    "cv_folds": "default: 3 folds when dev has to be replaced by cross-validation",
    "eval_pool_depth": "default: dev and fold evaluations rank, per query, the judged documents plus the BM25 and "
                       "base-model top 100 (re-ranking evaluation: a checkpoint encodes those, not the corpus); "
                       "0 ranks the whole corpus",
    "cached_loss": "default: CachedMultipleNegativesRankingLoss when a batch's activations would exceed ~1.5 GB",
}


@dataclass(frozen=True)
class Recipe:
    """Mining and fine-tuning settings; see :data:`DEFAULT_SOURCES` for why each default is what it is.

    Args:
        negatives: hard negatives per (query, positive).
        negative_sources: where candidates come from: ``bm25``, ``dense`` (the base model), ``judged``.
        rank_start, rank_end: the candidate window in each ranked list.
        guard_ratio: drop candidates the base model scores above this share of the positive's score (0: off).
        max_seq_length: tokens per text; ``"auto"`` fits it to the corpus, ``"model"`` keeps the model's own.
        epochs, learning_rate, batch_size, warmup_ratio: the optimiser schedule.
        group_by_length: batches of rows of similar length (less padding).
        seed: mining and training seed (``bench --seeds N`` uses seed, seed+1, ...).
        variance_reduction: ``none``, or ``interpolate``: the final weights are base + a·(tuned − base), with
            a ∈ {0, 0.5, 1} chosen on dev / folds.
        budget_minutes: wall-clock budget for mining plus training; ``None``: :data:`DEFAULT_BUDGET_MINUTES`.
        dev_min_queries: the fewest queries that may choose an epoch or a setting (dev is carved from train, or
            replaced by cross-validation, below it).
        cv_folds: folds of the cross-validation used when dev is too small and train too small to carve from.
        cached_loss: ``auto`` (by estimated activation memory), ``on`` or ``off``.
        eval_pool_depth: the BM25 and base-model top-k that, with the judged documents, make each query's pool in
            every dev and fold evaluation during training; 0: the whole corpus.
    """

    negatives: int = 3
    negative_sources: tuple[str, ...] = ("bm25",)
    rank_start: int = 3
    rank_end: int = 60
    guard_ratio: float = 0.95
    max_seq_length: int | str = "auto"
    epochs: int = 3
    learning_rate: float = 3e-5
    batch_size: int = 16
    warmup_ratio: float = 0.1
    group_by_length: bool = True
    seed: int = 42
    variance_reduction: str = "none"
    budget_minutes: float | None = None
    dev_min_queries: int = 30
    cv_folds: int = 3
    cached_loss: str = "auto"
    eval_pool_depth: int = 100
    provenance: dict = field(default_factory=lambda: dict(DEFAULT_SOURCES), compare=False, repr=False)

    def __post_init__(self):
        for f in fields(self):
            if f.name != "provenance":
                object.__setattr__(self, f.name, _coerce(f.name, getattr(self, f.name), "recipe"))
        if not 0 <= self.rank_start < self.rank_end:
            raise RecipeError(f"recipe: rank window [{self.rank_start}, {self.rank_end}) is empty; "
                              "rank_start must be below rank_end")

    @classmethod
    def default(cls) -> "Recipe":
        return cls()

    def source(self, name: str) -> str:
        return self.provenance.get(name, "default")

    def override(self, values: dict[str, Any], source: str) -> "Recipe":
        """A copy with ``values`` set (``None`` values are ignored), each recorded as coming from ``source``
        (``{name}`` in it is replaced by the field name: ``"flag --{name}"``)."""
        values = {k: v for k, v in values.items() if v is not None}
        unknown = set(values) - FIELD_NAMES
        if unknown:
            raise RecipeError(f"{source.format(name='?')}: unknown recipe field(s) {', '.join(sorted(unknown))}; "
                              f"known: {', '.join(sorted(FIELD_NAMES))}")
        coerced = {k: _coerce(k, v, source.format(name=k)) for k, v in values.items()}
        provenance = {**self.provenance, **{k: source.format(name=FLAG_NAMES.get(k, k.replace("_", "-")))
                                            for k in coerced}}
        return dataclasses.replace(self, **coerced, provenance=provenance)

    def fitted(self, name: str, value: Any, reason: str) -> "Recipe":
        """A copy with ``name`` set by the pipeline (to the data or the budget), recorded as ``fitted: reason``."""
        return dataclasses.replace(self, **{name: value}, provenance={**self.provenance, name: f"fitted: {reason}"})

    def is_default(self, name: str) -> bool:
        return self.source(name).startswith("default")

    def to_dict(self) -> dict:
        values = {f.name: getattr(self, f.name) for f in fields(self) if f.name != "provenance"}
        values["negative_sources"] = list(self.negative_sources)
        return {"values": values, "provenance": {k: self.source(k) for k in values}}

    def budget_seconds(self, device: str) -> float:
        minutes = self.budget_minutes if self.budget_minutes is not None else \
            DEFAULT_BUDGET_MINUTES.get(device.split(":")[0], DEFAULT_BUDGET_MINUTES["cpu"])
        return 60.0 * minutes

    def window(self) -> int | None:
        """The window as a token count, or ``None`` for the model's own (``auto`` not yet fitted counts as own)."""
        return self.max_seq_length if isinstance(self.max_seq_length, int) else None

    def mining_config(self, split: str = "train"):
        from legalsearch.mining import MiningConfig

        return MiningConfig(sources=self.negative_sources, num_negatives=self.negatives, rank_start=self.rank_start,
                            rank_end=self.rank_end, guard_ratio=self.guard_ratio, seed=self.seed, split=split)

    def training_config(self, **extra):
        """The :class:`legalsearch.training.TrainingConfig` of this recipe (``extra``: eval split, device, ...)."""
        from legalsearch.training import TrainingConfig

        return TrainingConfig(epochs=self.epochs, batch_size=self.batch_size, learning_rate=self.learning_rate,
                              warmup_ratio=self.warmup_ratio, seed=self.seed, max_seq_length=self.window(),
                              group_by_length=self.group_by_length, cached_loss=self.cached_loss == "on",
                              eval_pool_depth=self.eval_pool_depth, **extra)


# Command-line flags whose name is not the field's name with dashes.
FLAG_NAMES = {"learning_rate": "lr", "negative_sources": "sources", "budget_minutes": "budget"}
FIELD_NAMES = {f.name for f in fields(Recipe)} - {"provenance"}


def _coerce(name: str, value: Any, where: str) -> Any:
    """``value`` as the type field ``name`` holds, or a :class:`RecipeError` naming ``where`` and what is allowed."""
    def fail(allowed: str):
        raise RecipeError(f"{where}: {name} = {value!r} is not allowed; use {allowed}")

    ints = {"negatives": 1, "rank_start": 0, "rank_end": 1, "epochs": 1, "batch_size": 2, "seed": None,
            "dev_min_queries": 0, "cv_folds": 2, "eval_pool_depth": 0}
    if name in ints:
        if isinstance(value, bool) or not isinstance(value, (int, str)):
            fail("an integer")
        try:
            number = int(value)
        except ValueError:
            fail("an integer")
        if ints[name] is not None and number < ints[name]:
            fail(f"an integer of at least {ints[name]}")
        return number
    if name in ("learning_rate", "warmup_ratio", "guard_ratio", "budget_minutes"):
        if value is None and name == "budget_minutes":
            return None
        try:
            number = float(value)
        except (TypeError, ValueError):
            fail("a number")
        if not math.isfinite(number) or number < 0 or (name in ("learning_rate", "budget_minutes") and number == 0):
            fail("a positive number")
        if name in ("warmup_ratio", "guard_ratio") and number > 1:
            fail("a number between 0 and 1")
        return number
    if name == "group_by_length":
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.lower() in ("true", "false"):
            return value.lower() == "true"
        fail("true or false")
    if name == "negative_sources":
        items = tuple(s.strip() for s in value.split(",")) if isinstance(value, str) else tuple(value)
        if not items or any(s not in NEGATIVE_SOURCES for s in items):
            fail(f"a non-empty list of {', '.join(NEGATIVE_SOURCES)}")
        return items
    if name == "max_seq_length":
        if isinstance(value, str) and value in WINDOW_CHOICES:
            return value
        try:
            number = int(value)
        except (TypeError, ValueError):
            fail("auto, model, or a token count from 16 to 8192")
        if not 16 <= number <= 8192 or isinstance(value, bool):
            fail("auto, model, or a token count from 16 to 8192")
        return number
    if name == "variance_reduction":
        if value not in VARIANCE_REDUCTION:
            fail(" or ".join(VARIANCE_REDUCTION))
        return value
    if name == "cached_loss":
        if value not in ("auto", "on", "off"):
            fail("auto, on or off")
        return value
    return value


def read_recipe_file(path: str | Path) -> dict[str, Any]:
    """The values of a recipe file: JSON (an object) or TOML (``*.toml``; keys at the top or under ``[recipe]``)."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise RecipeError(f"{path}: cannot read the recipe file ({exc})") from None
    if path.suffix.lower() == ".toml":
        import tomllib

        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            raise RecipeError(f"{path}: not valid TOML ({exc})") from None
        data = data.get("recipe", data)
    else:
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise RecipeError(f"{path}: not valid JSON, line {exc.lineno}: {exc.msg}") from None
        if isinstance(data, dict) and "values" in data and "provenance" in data:
            data = data["values"]  # a recipe as training_report.json records it
    if not isinstance(data, dict):
        raise RecipeError(f"{path}: a recipe file holds one object of field = value pairs")
    unknown = set(data) - FIELD_NAMES
    if unknown:
        raise RecipeError(f"{path}: unknown recipe field(s) {', '.join(sorted(unknown))}; "
                          f"known: {', '.join(sorted(FIELD_NAMES))}")
    return data


def resolve(recipe_file: str | Path | None = None, flags: dict[str, Any] | None = None,
            base: Recipe | None = None) -> Recipe:
    """The default recipe (or ``base``), then the recipe file, then the flags given (``None`` = not given)."""
    recipe = base or Recipe.default()
    if recipe_file is not None:
        recipe = recipe.override(read_recipe_file(recipe_file), f"recipe file {recipe_file}")
    if flags:
        recipe = recipe.override(flags, "flag --{name}")
    return recipe


# --- fitting the recipe to the data ---------------------------------------------------------------------------------


def fit_window(recipe: Recipe, documents: list[str], tokenizer_path: Path | str, model_max: int,
               percentile: float = 95.0, sample: int = 2000) -> Recipe:
    """Fit ``max_seq_length`` when the recipe says ``auto``: the ``percentile`` of the documents' token lengths
    (special tokens included; at most ``sample`` documents, drawn with the recipe's seed), rounded up to a multiple
    of 32, at least 64, at most ``model_max``. ``model`` becomes ``model_max``; a number stays."""
    if recipe.max_seq_length == "model":
        return recipe.fitted("max_seq_length", int(model_max), f"the model's own window ({model_max} tokens)")
    if recipe.max_seq_length != "auto":
        return recipe
    import random

    import numpy as np

    texts = list(documents)
    if len(texts) > sample:
        texts = random.Random(recipe.seed).sample(texts, sample)
    tokenizer = load_tokenizer(tokenizer_path)
    lengths = np.array([len(e.ids) for e in tokenizer.encode_batch(texts)] or [model_max])
    at = float(np.percentile(lengths, percentile))
    window = int(min(model_max, max(64, 32 * math.ceil(at / 32))))
    reason = (f"{percentile:g}th percentile of {len(texts)} documents' token lengths is {at:.0f} "
              + (f"(capped at the model's {model_max})" if at > model_max else f"→ {window} (multiple of 32, ≥ 64)"))
    return recipe.fitted("max_seq_length", window, reason)


def load_tokenizer(tokenizer_path: Path | str):
    """A model's ``tokenizer.json`` with truncation and padding off, for counting tokens."""
    from tokenizers import Tokenizer

    tokenizer = Tokenizer.from_file(str(tokenizer_path))
    tokenizer.no_truncation()
    tokenizer.no_padding()
    return tokenizer


DEFAULT = Recipe()

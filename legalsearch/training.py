"""Stage 3 — contrastive fine-tuning with MultipleNegativesRankingLoss and mined hard negatives.

Each batch holds (query, positive, hard negative × n) rows; every other row's positive and negatives serve as
in-batch negatives too. A no-duplicates batch sampler keeps the same text from appearing twice in a batch (where it
would be a false in-batch negative), and by default rows of similar length share a batch so that little compute
goes to padding (``legalsearch.batching``). The dev split is evaluated before training and after every epoch with
the same MaxP retrieval and ir-measures metrics as ``legalsearch eval``; the best epoch is kept.

Launched by ``torchrun --nproc_per_node N`` (or ``accelerate launch``) the same function trains with N processes
(DistributedDataParallel: ``gloo`` on CPU, ``nccl`` on GPUs, one GPU per process). Each process takes its share of
the batches (``--batch-size`` per process); the dev corpus is encoded once per evaluation, shared between the
processes by sentence-transformers, and the base model's score before training once, by rank 0 alone; only rank 0
writes the model and ``training_report.json``, whose format is the same as a single process's.
"""

from __future__ import annotations

import json
import logging
import math
import platform
import shutil
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from legalsearch import __version__
from legalsearch import distributed
from legalsearch.data import Dataset
from legalsearch.errors import DependencyError, TrainingError
from legalsearch.hashing import file_sha256
from legalsearch.mining import read_triplets
from legalsearch.mixing import source_shares
from legalsearch.recipe import DEFAULT as RECIPE

log = logging.getLogger(__name__)

PRIMARY_METRIC = "ndcg@10"


@dataclass
class TrainingConfig:
    """One training run's settings; the defaults are the recipe's (:data:`legalsearch.recipe.DEFAULT`), the one
    place they live (its ``auto`` window is fitted by :mod:`legalsearch.finetune`; here None = the model's own)."""

    epochs: int = RECIPE.epochs
    batch_size: int = RECIPE.batch_size
    learning_rate: float = RECIPE.learning_rate
    warmup_ratio: float = RECIPE.warmup_ratio
    seed: int = RECIPE.seed
    max_seq_length: int | None = None  # None keeps the model's own
    cached_loss: bool = False  # CachedMNRL: large effective batches in bounded memory
    mini_batch_size: int = 8  # CachedMNRL's chunk size
    max_steps: int = -1  # >0 caps the number of optimizer steps (smoke runs)
    eval_split: str | None = "dev"  # None: no evaluation, the last step is kept (the final run after CV)
    eval_steps: int = 0  # >0 evaluates every N steps instead of every epoch
    device: str | None = None  # None: legalsearch.encoders.default_device() (CUDA when present, else CPU)
    group_by_length: bool = RECIPE.group_by_length  # batches of similar-length rows: far less padding on skewed legal corpora
    # None keeps the base model's own prompts (legalsearch.prompts); a string replaces it ("" removes it). The
    # result is trained with (queries and passages of every triplet), evaluated with, and saved into the model.
    query_prompt: str | None = None
    passage_prompt: str | None = None
    budget_s: float | None = None  # wall-clock seconds this run may take; the schedule is fitted to it
    step_seconds: float | None = None  # a step's cost measured before (cross-validation folds): no new probe
    variance_reduction: str = "none"  # "interpolate": base + a·(tuned − base), a chosen on dev
    eval_pool_depth: int = RECIPE.eval_pool_depth  # dev ranks judged + BM25/base top-k per query; 0: whole corpus


def _import_training():
    try:
        import torch  # noqa: F401
        from sentence_transformers import SentenceTransformer, SentenceTransformerTrainer
        from sentence_transformers import SentenceTransformerTrainingArguments
        from sentence_transformers import losses
    except ImportError as exc:
        raise DependencyError("sentence-transformers/torch", "train") from exc
    try:
        from sentence_transformers.base.sampler import BatchSamplers
    except ImportError:  # sentence-transformers < 6
        from sentence_transformers.training_args import BatchSamplers
    try:
        from sentence_transformers.base.evaluation.evaluator import BaseEvaluator
    except ImportError:  # sentence-transformers < 6
        from sentence_transformers.evaluation import SentenceEvaluator as BaseEvaluator
    return SentenceTransformer, SentenceTransformerTrainer, SentenceTransformerTrainingArguments, losses, \
        BatchSamplers, BaseEvaluator


def choose_batch_sampler(config: TrainingConfig, batch_samplers):
    """No text twice in a batch (it would be its own in-batch negative); grouped by length unless switched off."""
    if not config.group_by_length:
        return batch_samplers.NO_DUPLICATES
    from legalsearch.batching import LengthGroupedNoDuplicatesBatchSampler

    return LengthGroupedNoDuplicatesBatchSampler


def make_dev_evaluator(dataset: Dataset, split: str, tokenizer_path: Path, metrics=None, prompts=None,
                       pools=None):
    """An evaluator for the trainer that scores MaxP dense retrieval on ``split``: each query over its own
    candidate pool when ``pools`` (:class:`legalsearch.evaluation.CandidatePools`) are given — the base model and
    every checkpoint on the same pools, each evaluation encoding only their union — else over the whole corpus:
    the numbers checkpoints are chosen by; ``metrics`` default :data:`legalsearch.evaluation.DEFAULT_METRICS`."""
    *_, BaseEvaluator = _import_training()
    from legalsearch.encoders import SentenceTransformerEncoder
    from legalsearch.evaluation import DEFAULT_METRICS, evaluate_dense

    metrics = tuple(metrics or DEFAULT_METRICS)
    per_query = pools.for_split(dataset, split) if pools is not None else None
    corpus = "full" if pools is None else pools.describe(dataset, split)
    if pools is not None:
        log.info("dev evaluation ranks %s", corpus)

    class DevRetrievalEvaluator(BaseEvaluator):
        def __init__(self):
            super().__init__()
            self.name = split
            self.primary_metric = PRIMARY_METRIC
            self.history: list[dict] = []

        def get_config_dict(self) -> dict:
            return {"split": split, "metrics": list(metrics), "aggregation": "maxp", "corpus": corpus}

        def record(self, means: dict, epoch, steps) -> dict[str, float]:
            self.history.append({"epoch": epoch, "steps": steps, **means})
            log.info("dev %s at epoch %s step %s: %s", split, epoch, steps, means)
            return self.prefix_name_to_metrics(means, self.name)

        def __call__(self, model, output_path=None, epoch: int = -1, steps: int = -1) -> dict[str, float]:
            encoder = SentenceTransformerEncoder.from_model(model, name="training", tokenizer_path=tokenizer_path,
                                                            prompts=prompts)
            return self.record(evaluate_dense(encoder, dataset, split, metrics, pools=per_query), epoch, steps)

        def score(self, encoder, stats: dict | None = None) -> dict[str, float]:
            """The same figures for an encoder outside training (the untouched base model, epoch 0)."""
            return evaluate_dense(encoder, dataset, split, metrics, stats=stats, pools=per_query)

    return DevRetrievalEvaluator()


def _column_prompts(prompts, columns: list[str]) -> dict[str, str]:
    """sentence-transformers' per-column ``prompts`` for the triplet columns (empty prompts left out)."""
    out = {}
    for column in columns:
        text = prompts.query if column == "anchor" else prompts.document
        if text:
            out[column] = text
    return out


def triplet_dataset(rows: list[dict]):
    """Triplet rows → the (anchor, positive, negative_1..n) columns that MNRL reads."""
    from datasets import Dataset as HFDataset

    columns = {"anchor": [r["query"] for r in rows], "positive": [r["positive"] for r in rows]}
    for i in range(len(rows[0]["negatives"])):
        columns[f"negative_{i + 1}"] = [r["negatives"][i] for r in rows]
    return HFDataset.from_dict(columns)


def make_loss(model, config: TrainingConfig, losses):
    if config.cached_loss:
        return losses.CachedMultipleNegativesRankingLoss(model, mini_batch_size=config.mini_batch_size)
    return losses.MultipleNegativesRankingLoss(model)


# Resident memory one MNRL step adds, measured by benchmarks/step_memory.py for all-MiniLM-L6-v2 on 2 CPU cores
# (benchmarks/results/step-memory/minilm.json, the largest of three processes per shape): per text, layer and
# token, ~27 floats per hidden unit (hidden states, feed-forward and layer-norm intermediates that autograd keeps)
# plus 3 per attention-map entry per head (scores, probabilities, dropout mask); the fit is within 10% of the four
# shapes measured. 16 rows of 5 texts at 256 tokens add 8.3 GiB, at 128 tokens 3.5 GiB; 16 rows of 3 at 128 (the
# demo's), 2.2 GiB. Above this many bytes CachedMultipleNegativesRankingLoss (GradCache: the same gradients,
# computed in mini-batches; 1.5 GiB at 16 x 5 x 256, and faster there on CPU) bounds it instead, so that with the
# ~1 GiB the process holds before training a step stays under 4 GB.
CACHED_LOSS_ABOVE_BYTES = 2.5e9
FLOATS_PER_HIDDEN_UNIT = 27
FLOATS_PER_ATTENTION_ENTRY = 3


def activation_bytes(texts_per_step: int, window: int, model_config) -> float:
    """What one training step keeps for backward, by the fit above (see :data:`CACHED_LOSS_ABOVE_BYTES`); a
    config without sizes is taken as BERT-base's (768 hidden, 12 heads, 12 layers)."""
    hidden = int(getattr(model_config, "hidden_size", 768) or 768)
    heads = int(getattr(model_config, "num_attention_heads", 12) or 12)
    layers = int(getattr(model_config, "num_hidden_layers", 12) or 12)
    per_token = FLOATS_PER_HIDDEN_UNIT * hidden + FLOATS_PER_ATTENTION_ENTRY * heads * window
    return float(texts_per_step) * layers * window * 4 * per_token


def choose_cached_loss(setting: str, texts_per_step: int, window: int, model_config) -> tuple[bool, str]:
    """Whether to use the cached loss: ``on``/``off`` as told, ``auto`` by :func:`activation_bytes`."""
    if setting in ("on", "off"):
        return setting == "on", f"cached_loss {setting}"
    need = activation_bytes(texts_per_step, window, model_config)
    use = need > CACHED_LOSS_ABOVE_BYTES
    return use, (f"a step of {texts_per_step} texts x {window} tokens keeps ~{need / 1e9:.1f} GB of activations "
                 f"({'above' if use else 'within'} {CACHED_LOSS_ABOVE_BYTES / 1e9:.1f} GB): "
                 + ("CachedMultipleNegativesRankingLoss in mini-batches" if use else "plain MNRL"))


def encode_seconds_per_text(step_s: float, texts_per_step: int, cached: bool = False) -> float:
    """An evaluation's cost per passage from a training step's: forward only, a third of a training pass per text
    (a quarter with the cached loss, which runs the forward pass twice)."""
    return step_s / max(1, texts_per_step) / (4 if cached else 3)


def with_loss_choice(config: TrainingConfig, model, rows: list[dict], setting: str = "auto"):
    """``config`` with ``cached_loss`` decided for this model and these rows (:func:`choose_cached_loss`; a config
    that already says on stays on), and the reason."""
    from dataclasses import replace

    model_config = getattr(getattr(model[0], "auto_model", None), "config", None)
    cached, reason = choose_cached_loss("on" if config.cached_loss else setting,
                                        config.batch_size * (2 + len(rows[0]["negatives"])),
                                        int(model.max_seq_length), model_config)
    return (replace(config, cached_loss=cached) if cached != config.cached_loss else config), reason


def measure_step_seconds(model, config: TrainingConfig, rows: list[dict], losses, steps: int = 2) -> float:
    """Seconds of one training step (tokenise, forward, backward) on ``steps`` real batches, after a warm-up step.

    Runs on a copy of the model, so training starts from the untouched weights. Batches are cut from rows sorted
    by length at evenly spaced positions when batches are grouped by length (what the sampler will build), else
    drawn at random.
    """
    import copy
    import random

    probe = copy.deepcopy(model)
    probe.train()
    loss = make_loss(probe, config, losses)
    size = min(config.batch_size, len(rows))
    if config.group_by_length:
        ordered = sorted(rows, key=lambda r: -max(len(t) for t in (r["positive"], *r["negatives"])))
        starts = [int(i * max(0, len(ordered) - size) / max(1, steps)) for i in range(steps + 1)]
        batches = [ordered[s:s + size] for s in starts]
    else:
        rng = random.Random(config.seed)
        batches = [rng.sample(rows, size) for _ in range(steps + 1)]
    times = []
    for batch in batches:
        started = time.perf_counter()
        columns = [[r["query"] for r in batch], [r["positive"] for r in batch]]
        columns += [[r["negatives"][i] for r in batch] for i in range(len(batch[0]["negatives"]))]
        prepare = getattr(probe, "preprocess", None) or probe.tokenize
        features = [{k: v.to(probe.device) if hasattr(v, "to") else v for k, v in prepare(column).items()}
                    for column in columns]
        value = loss(features, None)
        value.backward()
        probe.zero_grad(set_to_none=True)
        times.append(time.perf_counter() - started)
    del probe, loss
    return sum(times[1:]) / max(1, len(times) - 1)


@dataclass
class SchedulePlan:
    epochs: int
    max_steps: int  # -1: whole epochs
    eval_steps: int  # 0: evaluate every epoch
    projected_s: float
    reason: str


def fit_schedule(steps_per_epoch: int, epochs: int, step_s: float, eval_s: float, remaining_s: float,
                 margin: float = 0.9) -> SchedulePlan:
    """The most training that fits ``margin`` x ``remaining_s``: all ``epochs`` when they fit, else fewer whole
    epochs, else a number of steps with one evaluation at the end.

    When not even one step and an evaluation fit, the plan is one step (the deadline then stops it evaluated).
    """
    per_epoch = steps_per_epoch * step_s + eval_s
    full = epochs * per_epoch
    room = margin * remaining_s
    cost = f"{step_s:.2f} s a step x {steps_per_epoch} steps + {eval_s:.0f} s of dev evaluation an epoch"
    if full <= room:
        return SchedulePlan(epochs, -1, 0, full, f"{epochs} epoch{'s' * (epochs != 1)} fit{'s' * (epochs == 1)} "
                                                 f"the budget ({cost}: ~{full / 60:.1f} of "
                                                 f"{remaining_s / 60:.1f} minutes left)")
    fitting = int(room // per_epoch)
    if fitting >= 1:
        return SchedulePlan(fitting, -1, 0, fitting * per_epoch,
                            f"{epochs} epochs would take ~{full / 60:.1f} minutes ({cost}), {remaining_s / 60:.1f} "
                            f"left: {fitting} epoch{'s' * (fitting != 1)}")
    steps = int((room - eval_s) // step_s) if step_s > 0 else 0
    if steps < 1:
        return SchedulePlan(1, 1, 1, step_s + eval_s,
                            f"the budget is spent: {remaining_s:.0f} s left, but one step takes {step_s:.1f} s and "
                            f"one dev evaluation {eval_s:.0f} s; one step, evaluated, so that a model still comes "
                            "out (raise --budget)")
    steps = min(steps, steps_per_epoch)
    return SchedulePlan(1, steps, steps, steps * step_s + eval_s,
                        f"one epoch would take ~{per_epoch / 60:.1f} minutes ({cost}), {remaining_s / 60:.1f} left: "
                        f"{steps} of its {steps_per_epoch} steps, evaluated at the end")


def _budget_callback(deadline: float, state: dict):
    """Stop training at ``deadline`` (time.time()): evaluate and save once more, so the best evaluated checkpoint
    is what ``load_best_model_at_end`` restores; ``state['stopped_by_budget']`` records it."""
    from transformers import TrainerCallback

    class StopAtDeadline(TrainerCallback):
        def on_step_end(self, args, train_state, control, **kwargs):
            if time.time() >= deadline and not state.get("stopped_by_budget"):
                state["stopped_by_budget"] = True
                state["stopped_at_step"] = train_state.global_step
                control.should_training_stop = True
                if args.eval_strategy != "no":
                    control.should_evaluate = True
                    control.should_save = True
            return control

    return StopAtDeadline()


def interpolate_weights(model, base_state: dict, tuned_state: dict, alpha: float) -> None:
    """Set ``model``'s weights to base + alpha · (tuned − base) (floating-point tensors; others from tuned)."""
    import torch

    mixed = {}
    for name, tuned in tuned_state.items():
        base = base_state.get(name)
        if base is not None and torch.is_floating_point(tuned) and base.shape == tuned.shape:
            mixed[name] = base + alpha * (tuned - base)
        else:
            mixed[name] = tuned
    model.load_state_dict(mixed)


def at_least_as_good(tuned: float, base: float) -> bool:
    """Do no harm: the tuned model is kept only when its held-out score is at least the base model's (to six
    decimals, so that a tie in the figures printed is a tie)."""
    return round(tuned, 6) >= round(base, 6)


def verdict_sentence(split: str, queries: int, base: float, best: float, kept: str) -> str:
    """The plain-words result of the dev (or cross-validation) check that ``train`` prints and bench marks."""
    where = f"on {split} ({queries} queries)"
    if round(best, 6) > round(base, 6):
        return (f"Fine-tuning beat the base model {where}: {PRIMARY_METRIC} {base:.4f} → {best:.4f} "
                f"({best - base:+.4f}); kept {kept}.")
    if at_least_as_good(best, base):
        return (f"Fine-tuning matched the base model {where}: {PRIMARY_METRIC} {base:.4f} both; kept {kept} "
                "(at least as good).")
    return (f"No gain: fine-tuning did not beat the base model {where}: {PRIMARY_METRIC} base {base:.4f}, best "
            f"fine-tuned {best:.4f}; the base model is kept. More training data, another recipe or "
            "`legalsearch train --auto` may help; deploying this model serves the base model's quality.")


def decision_line(tuned: bool, check: str, base: float | None = None, best: float | None = None,
                  why: str = "") -> str:
    """The one plain line that says which model this run produced and why (``train``, ``bench`` and ``deploy``
    print it): the fine-tuned model only when its held-out check says it is at least as good as the base."""
    figures = f": {PRIMARY_METRIC} {best:.4f} vs the base's {base:.4f}" if base is not None and best is not None \
        else ""
    if tuned:
        return f"Model: the fine-tuned model, at least as good as the base model on {check}{figures}."
    if base is None:
        return f"Model: the base model, unchanged: {why}."
    return f"Model: the base model, unchanged: fine-tuning was worse on {check}{figures}."


def no_check_sentence(reason: str) -> str:
    """The plain-words result when nothing could be held out to check training against (the plan's ``reason``,
    which says what was done instead)."""
    return f"No held-out check: {reason}."


def train(
    dataset: Dataset,
    triplets_path: str | Path,
    base_model: str,
    out_dir: str | Path,
    config: TrainingConfig,
    resume_from: str | Path | None = None,
    base_provenance: str = "",
    recipe=None,
    pools=None,
) -> dict:
    """Fine-tune ``base_model`` on the triplets; save the best dev checkpoint to ``out_dir``; return the report.

    ``out_dir`` ends up as a sentence-transformers model directory plus ``training_report.json``;
    intermediate checkpoints live in ``out_dir/checkpoints`` (pass one as ``resume_from`` to continue).
    Triplet rows of queries in the evaluation split are left out (and counted), so a dev carved from train or a
    cross-validation fold never trains on the queries it scores. With ``config.budget_s`` the schedule is fitted
    to the measured cost of a step (:func:`fit_schedule`) and training stops at the deadline at the best evaluated
    checkpoint. ``recipe`` (a :class:`legalsearch.recipe.Recipe`) is recorded in the report with its provenance.
    ``pools`` (:class:`legalsearch.evaluation.CandidatePools`, computed once per run by the caller) are the
    per-query candidates dev is ranked over; without them and with ``config.eval_pool_depth`` > 0 they are
    computed here for the evaluation split's queries; ``eval_pool_depth`` 0 ranks the whole corpus.
    """
    (SentenceTransformer, SentenceTransformerTrainer, SentenceTransformerTrainingArguments, losses,
     BatchSamplers, _) = _import_training()
    from legalsearch.encoders import _tokenizer_json, default_device

    started = time.time()
    out_dir = Path(out_dir)
    all_rows = read_triplets(triplets_path)
    evaluating = config.eval_split is not None
    held_out = set(dataset.qrels.get(config.eval_split, {})) if evaluating else set()
    rows = [r for r in all_rows if str(r.get("query_id", "")) not in held_out] if held_out else all_rows
    if not rows:
        raise TrainingError(f"every triplet row belongs to a query of the '{config.eval_split}' split; mine the "
                            "train split")
    n_neg = len(rows[0]["negatives"])
    train_data = triplet_dataset(rows)

    device = config.device or default_device()
    model = SentenceTransformer(base_model, device=device)
    if config.max_seq_length:
        model.max_seq_length = config.max_seq_length
    from legalsearch.prompts import Prompts

    prompts = Prompts.from_model(model.prompts).with_overrides(config.query_prompt, config.passage_prompt)
    overridden = config.query_prompt is not None or config.passage_prompt is not None
    tokenizer_path = _tokenizer_json(Path(base_model)) if Path(base_model).exists() else None
    if tokenizer_path is None:
        from legalsearch.encoders import SentenceTransformerEncoder

        tokenizer_path = SentenceTransformerEncoder.from_model(model, base_model, None).tokenizer_path

    config, cached_reason = with_loss_choice(config, model, rows,
                                             getattr(recipe, "cached_loss", "off") if recipe is not None else "off")
    cached = config.cached_loss
    loss = make_loss(model, config, losses)
    # The untouched base model is scored through a cacheable encoder (mining usually encoded this corpus already),
    # by rank 0 only: the other processes would encode the same corpus for the same numbers, and only rank 0 uses
    # them (it alone decides what is kept, saves the model and writes the report).
    from legalsearch.encoders import SentenceTransformerEncoder

    def base_encoder():
        return SentenceTransformerEncoder(base_model, device=device, max_seq_length=config.max_seq_length,
                                          prompts=prompts if overridden else None)

    base = None
    if evaluating and pools is None and config.eval_pool_depth > 0:
        from legalsearch.evaluation import candidate_pools

        base = base_encoder()
        pools = candidate_pools(dataset, dataset.qrels_for(config.eval_split), config.eval_pool_depth, base)
    evaluator = make_dev_evaluator(dataset, config.eval_split, tokenizer_path, prompts=prompts,
                                   pools=pools) if evaluating else None
    processes = distributed.world_size()
    baseline, eval_stats = {}, {}
    if evaluating and distributed.is_main():
        baseline = evaluator.record(evaluator.score(base or base_encoder(), eval_stats), epoch=0, steps=0)
    del base

    checkpoints = out_dir / "checkpoints"
    steps_per_epoch = math.ceil(len(rows) / (config.batch_size * processes))  # each process takes its own batches
    budget = None
    epochs, max_steps, eval_steps = config.epochs, config.max_steps, config.eval_steps
    if config.budget_s is not None and processes > 1:
        # each process would time its own steps and fit its own schedule; processes must run the same steps
        log.warning("--budget is not applied under %d processes: the recipe's epochs and steps are used", processes)
    if config.budget_s is not None and resume_from is None and processes == 1:
        step_s = config.step_seconds or measure_step_seconds(model, config, rows, losses)
        if evaluating and not eval_stats.get("from_cache", True):
            eval_s = float(eval_stats["seconds"])  # the base model's evaluation just encoded the whole corpus
        else:
            # an evaluation encodes every passage once, forward only
            per_text = encode_seconds_per_text(step_s, min(config.batch_size, len(rows)) * (2 + n_neg), cached)
            eval_s = per_text * eval_stats.get("passages", len(dataset.corpus)) if evaluating else 0.0
        remaining = config.budget_s - (time.time() - started)
        if max_steps > 0:  # a fixed step count (smoke runs) is kept; the deadline still applies
            plan = SchedulePlan(epochs, max_steps, eval_steps, max_steps * step_s, f"--max-steps {max_steps}")
        else:
            plan = fit_schedule(steps_per_epoch, epochs, step_s, eval_s, remaining)
            epochs, max_steps, eval_steps = plan.epochs, plan.max_steps, plan.eval_steps
        budget = {"budget_s": round(config.budget_s, 1), "measured_step_s": round(step_s, 3),
                  "estimated_eval_s": round(eval_s, 1), "remaining_at_start_s": round(remaining, 1),
                  "planned_epochs": epochs, "planned_max_steps": max_steps, "projected_s": round(plan.projected_s, 1),
                  "reason": plan.reason}
        log.info("time budget: %s", plan.reason)
    total_steps = max_steps if max_steps > 0 else steps_per_epoch * epochs
    strategy = ("steps" if eval_steps > 0 else "epoch") if evaluating else "no"
    args = SentenceTransformerTrainingArguments(
        output_dir=str(checkpoints),
        num_train_epochs=epochs,
        max_steps=max_steps,
        per_device_train_batch_size=config.batch_size,
        learning_rate=config.learning_rate,
        # An integer step count means the same in transformers 4 and 5 (5 deprecates warmup_ratio).
        warmup_steps=int(config.warmup_ratio * total_steps),
        seed=config.seed,
        data_seed=config.seed,
        batch_sampler=choose_batch_sampler(config, BatchSamplers),
        eval_strategy=strategy,
        save_strategy=strategy,
        eval_steps=eval_steps or None,
        save_steps=eval_steps or None,
        save_total_limit=2,
        load_best_model_at_end=evaluating,
        # the evaluator prefixes its metrics with the split (dev_ndcg@10), the Trainer with eval_; named here, not
        # read from the evaluator, which only knows it once it has run (not on ranks > 0)
        metric_for_best_model=f"eval_{config.eval_split}_{PRIMARY_METRIC}" if evaluating else None,
        greater_is_better=True,
        logging_steps=max(1, min(50, len(rows) // config.batch_size)),
        report_to="none",
        use_cpu=device == "cpu",
        # several CPU processes talk over gloo; on GPUs the Trainer's default (nccl) is right
        ddp_backend="gloo" if processes > 1 and device == "cpu" else None,
        disable_tqdm=False,
        # the anchor is a query, positives and negatives are passages: each trained with the prompt it is
        # evaluated, exported and searched with (sentence-transformers leaves columns unprompted otherwise)
        prompts=_column_prompts(prompts, train_data.column_names) or None,
    )
    args.device  # noqa: B018 - sets up the devices and, under torchrun, the process group, before anything else runs
    if not model.model_card_data.widget:
        # sentence-transformers otherwise samples 1,000 rows for the model card's widget behind a progress bar of
        # its own; the first training row shows the same thing (its query and positive) at no cost.
        model.model_card_data.widget = [{"source_sentence": rows[0]["query"], "sentences": [rows[0]["positive"]]}]
    trainer = SentenceTransformerTrainer(model=model, args=args, train_dataset=train_data, loss=loss,
                                         evaluator=evaluator)
    _log_losses_quietly(trainer)
    stop_state: dict = {}
    if config.budget_s is not None:
        trainer.add_callback(_budget_callback(started + config.budget_s, stop_state))
    if resume_from is not None and not Path(resume_from).is_dir():
        raise TrainingError(f"checkpoint {resume_from} does not exist; see {checkpoints} for saved checkpoints")
    trainer.train(resume_from_checkpoint=str(resume_from) if resume_from else None)
    if not distributed.is_main():
        # rank 0 alone ran the evaluator (its history decides), saves the model and writes the report
        distributed.barrier()
        return distributed.from_main(None)

    kept_base, interpolation, verdict, decision = False, None, None, None
    final_model = trainer.model
    if evaluating:
        # Keep the better of the best checkpoint and the untouched base model: fine-tuning must not make dev worse.
        key = f"{config.eval_split}_{PRIMARY_METRIC}"
        base_score = baseline[key]
        best_dev = max((h[PRIMARY_METRIC] for h in evaluator.history[1:]), default=float("-inf"))
        kept = "the best dev checkpoint"
        if config.variance_reduction == "interpolate" and best_dev > float("-inf"):
            interpolation = _choose_interpolation(trainer.model, base_model, device, evaluator, base_score, best_dev)
            if interpolation["alpha"] > 0:  # a = 0 is the base weights winning: not a score of a tuned model
                best_dev = max(best_dev, interpolation["chosen_score"])
            if 0 < interpolation["alpha"] < 1:
                kept = f"the base weights interpolated with the best checkpoint (a = {interpolation['alpha']})"
        kept_base = not at_least_as_good(best_dev, base_score)  # do no harm
        if kept_base:
            final_model = SentenceTransformer(base_model, device=device)
        verdict = verdict_sentence(config.eval_split, len(dataset.qrels[config.eval_split]), base_score,
                                   best_dev, kept)
        decision = decision_line(not kept_base, f"{config.eval_split} ({len(dataset.qrels[config.eval_split])} "
                                 "queries)", base_score, best_dev)
        log.info("%s", verdict)  # the commands print it (train, bench, demo): not a second time as a warning
    if config.max_seq_length:
        final_model.max_seq_length = config.max_seq_length
    if prompts:  # export, eval and deploy read them from the model: every later encoder prepends the same text
        from legalsearch.prompts import DOCUMENT_KEYS, QUERY_KEYS

        kept = {k: v for k, v in (final_model.prompts or {}).items() if k not in QUERY_KEYS + DOCUMENT_KEYS}
        final_model.prompts = {**kept, **prompts.to_dict()}  # one key per role: nothing else can win later
    final_model.save(str(out_dir))

    report = {
        "legalsearch_version": __version__,
        "base_model": base_model,
        "base_model_provenance": base_provenance,
        "config": {**asdict(config), "device": device},
        "prompts": prompts.to_dict(),
        "recipe": recipe.to_dict() if recipe is not None else None,
        "loss": type(loss).__name__,
        "loss_choice": cached_reason,
        "loss_config": loss.get_config_dict() if hasattr(loss, "get_config_dict") else {},
        "evaluator": evaluator.get_config_dict() if evaluating else None,
        "data": {
            "dataset": str(dataset.path),
            "dataset_sha256": dataset.checksum(),
            "triplets": str(triplets_path),
            "triplets_sha256": file_sha256(triplets_path),
            "triplet_rows": len(rows),
            "rows_left_out_as_eval_queries": len(all_rows) - len(rows),
            "sources": source_shares(dataset.path, [str(r.get("query_id", "")) for r in rows]),
            "negatives_per_row": n_neg,
            "relevant_grade": dataset.relevant_grade,
        },
        "dev_before_training": {m.removeprefix(f"{config.eval_split}_"): v for m, v in baseline.items()},
        "dev_history": evaluator.history if evaluating else [],
        "dev_evaluation": evaluator.get_config_dict() if evaluating else None,
        "best_checkpoint": trainer.state.best_model_checkpoint,
        "kept_base_model": kept_base,
        "tuned_beats_base": (not kept_base) if evaluating else None,
        "verdict": verdict,
        "decision": decision,
        "interpolation": interpolation,
        "budget": budget,
        "stopped_by_budget": bool(stop_state.get("stopped_by_budget")),
        "stopped_at_step": stop_state.get("stopped_at_step"),
        "global_steps": trainer.state.global_step,
        "wall_time_s": round(time.time() - started, 1),
        "machine": {"platform": platform.platform(), "processor": platform.processor(),
                    "python": platform.python_version(), "processes": processes},
    }
    if report["stopped_by_budget"]:
        log.info("the time budget ran out at step %s: stopped at the best evaluated checkpoint",
                 report["stopped_at_step"])
    (out_dir / "training_report.json").write_text(json.dumps(report, indent=2))
    distributed.barrier()  # the other processes wait until the model and the report are on disk
    return distributed.from_main(report)


INTERPOLATION_ALPHAS = (0.5,)


def _choose_interpolation(model, base_model: str, device: str, evaluator, base_score: float,
                          tuned_score: float) -> dict:
    """Score base + a·(tuned − base) on dev for each a in :data:`INTERPOLATION_ALPHAS`; leave ``model`` at the
    best a among those, 0 (base) and 1 (tuned, already scored)."""
    from sentence_transformers import SentenceTransformer

    tuned_state = {k: v.detach().clone() for k, v in model.state_dict().items()}
    base_state = SentenceTransformer(base_model, device=device).state_dict()
    scores = {0.0: base_score, 1.0: tuned_score}
    for alpha in INTERPOLATION_ALPHAS:
        interpolate_weights(model, base_state, tuned_state, alpha)
        scores[alpha] = evaluator(model, epoch=f"interpolate a={alpha}", steps=-1)[
            f"{evaluator.name}_{PRIMARY_METRIC}"]
    alpha = max(scores, key=lambda a: (round(scores[a], 6), a))
    interpolate_weights(model, base_state, tuned_state, alpha if alpha > 0 else 1.0)
    return {"alpha": alpha, "chosen_score": scores[alpha], "scores": {str(a): v for a, v in scores.items()}}


def _log_losses_quietly(trainer) -> None:
    """Keep transformers' training progress bar but send its loss lines to our log (shown at -v).

    Its ProgressCallback writes every log dict (loss, grad norm, learning rate) under the bar, one line per
    ``logging_steps``; they stay in ``trainer.state.log_history`` either way.
    """
    from transformers.trainer_callback import ProgressCallback

    class LossToLog(ProgressCallback):
        def on_log(self, args, state, control, logs=None, **kwargs):
            if state.is_world_process_zero and logs:
                log.info("step %d: %s", state.global_step, logs)

    trainer.remove_callback(ProgressCallback)
    trainer.add_callback(LossToLog())


def clean_checkpoints(out_dir: str | Path) -> None:
    """Remove intermediate checkpoints once a run is final (they hold optimizer state, several times the model)."""
    shutil.rmtree(Path(out_dir) / "checkpoints", ignore_errors=True)

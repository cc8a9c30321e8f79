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

log = logging.getLogger(__name__)

PRIMARY_METRIC = "ndcg@10"


@dataclass
class TrainingConfig:
    epochs: int = 1
    batch_size: int = 16
    learning_rate: float = 2e-5
    warmup_ratio: float = 0.1
    seed: int = 42
    max_seq_length: int | None = None  # None keeps the model's own
    cached_loss: bool = False  # CachedMNRL: large effective batches in bounded memory
    mini_batch_size: int = 8  # CachedMNRL's chunk size
    max_steps: int = -1  # >0 caps the number of optimizer steps (smoke runs)
    eval_split: str = "dev"
    eval_steps: int = 0  # >0 evaluates every N steps instead of every epoch
    device: str | None = None  # None: legalsearch.encoders.default_device() (CUDA when present, else CPU)
    group_by_length: bool = True  # batches of similar-length rows: far less padding on skewed legal corpora
    # None keeps the base model's own prompts (legalsearch.prompts); a string replaces it ("" removes it). The
    # result is trained with (queries and passages of every triplet), evaluated with, and saved into the model.
    query_prompt: str | None = None
    passage_prompt: str | None = None


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


def make_dev_evaluator(dataset: Dataset, split: str, tokenizer_path: Path, metrics=None, prompts=None):
    """An evaluator for the trainer that scores MaxP dense retrieval on ``split`` over the whole corpus
    (:func:`legalsearch.evaluation.evaluate_dense`, the numbers checkpoints are chosen by); ``metrics`` default
    :data:`legalsearch.evaluation.DEFAULT_METRICS`."""
    *_, BaseEvaluator = _import_training()
    from legalsearch.encoders import SentenceTransformerEncoder
    from legalsearch.evaluation import DEFAULT_METRICS, evaluate_dense

    metrics = tuple(metrics or DEFAULT_METRICS)

    class DevRetrievalEvaluator(BaseEvaluator):
        def __init__(self):
            super().__init__()
            self.name = split
            self.primary_metric = PRIMARY_METRIC
            self.history: list[dict] = []

        def get_config_dict(self) -> dict:
            return {"split": split, "metrics": list(metrics), "aggregation": "maxp", "corpus": "full"}

        def record(self, means: dict, epoch, steps) -> dict[str, float]:
            self.history.append({"epoch": epoch, "steps": steps, **means})
            log.info("dev %s at epoch %s step %s: %s", split, epoch, steps, means)
            return self.prefix_name_to_metrics(means, self.name)

        def __call__(self, model, output_path=None, epoch: int = -1, steps: int = -1) -> dict[str, float]:
            encoder = SentenceTransformerEncoder.from_model(model, name="training", tokenizer_path=tokenizer_path,
                                                            prompts=prompts)
            return self.record(evaluate_dense(encoder, dataset, split, metrics), epoch, steps)

        def score(self, encoder) -> dict[str, float]:
            """The same figures for an encoder outside training (the untouched base model, epoch 0)."""
            return evaluate_dense(encoder, dataset, split, metrics)

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


def train(
    dataset: Dataset,
    triplets_path: str | Path,
    base_model: str,
    out_dir: str | Path,
    config: TrainingConfig,
    resume_from: str | Path | None = None,
    base_provenance: str = "",
) -> dict:
    """Fine-tune ``base_model`` on the triplets; save the best dev checkpoint to ``out_dir``; return the report.

    ``out_dir`` ends up as a sentence-transformers model directory plus ``training_report.json``;
    intermediate checkpoints live in ``out_dir/checkpoints`` (pass one as ``resume_from`` to continue).
    """
    (SentenceTransformer, SentenceTransformerTrainer, SentenceTransformerTrainingArguments, losses,
     BatchSamplers, _) = _import_training()
    from legalsearch.encoders import _tokenizer_json, default_device

    started = time.time()
    out_dir = Path(out_dir)
    rows = read_triplets(triplets_path)
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

    if config.cached_loss:
        loss = losses.CachedMultipleNegativesRankingLoss(model, mini_batch_size=config.mini_batch_size)
    else:
        loss = losses.MultipleNegativesRankingLoss(model)
    evaluator = make_dev_evaluator(dataset, config.eval_split, tokenizer_path, prompts=prompts)
    processes = distributed.world_size()

    checkpoints = out_dir / "checkpoints"
    steps_per_epoch = math.ceil(len(rows) / (config.batch_size * processes))  # each process takes its own batches
    total_steps = config.max_steps if config.max_steps > 0 else steps_per_epoch * config.epochs
    strategy = "steps" if config.eval_steps > 0 else "epoch"
    args = SentenceTransformerTrainingArguments(
        output_dir=str(checkpoints),
        num_train_epochs=config.epochs,
        max_steps=config.max_steps,
        per_device_train_batch_size=config.batch_size,
        learning_rate=config.learning_rate,
        # An integer step count means the same in transformers 4 and 5 (5 deprecates warmup_ratio).
        warmup_steps=int(config.warmup_ratio * total_steps),
        seed=config.seed,
        data_seed=config.seed,
        batch_sampler=choose_batch_sampler(config, BatchSamplers),
        eval_strategy=strategy,
        save_strategy=strategy,
        eval_steps=config.eval_steps or None,
        save_steps=config.eval_steps or None,
        save_total_limit=2,
        load_best_model_at_end=True,
        # the evaluator prefixes its metrics with the split (dev_ndcg@10), the Trainer with eval_
        metric_for_best_model=f"eval_{config.eval_split}_{PRIMARY_METRIC}",
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
    # The untouched base model is scored through a cacheable encoder (mining usually encoded this corpus already),
    # by rank 0 only: the other processes would encode the same corpus for the same numbers.
    baseline = None
    if distributed.is_main():
        from legalsearch.encoders import SentenceTransformerEncoder

        base_encoder = SentenceTransformerEncoder(base_model, device=device, max_seq_length=config.max_seq_length,
                                                  prompts=prompts if overridden else None)
        baseline = evaluator.record(evaluator.score(base_encoder), epoch=0, steps=0)
        del base_encoder
    baseline = distributed.from_main(baseline)
    if not model.model_card_data.widget:
        # sentence-transformers otherwise samples 1,000 rows for the model card's widget behind a progress bar of
        # its own; the first training row shows the same thing (its query and positive) at no cost.
        model.model_card_data.widget = [{"source_sentence": rows[0]["query"], "sentences": [rows[0]["positive"]]}]
    trainer = SentenceTransformerTrainer(model=model, args=args, train_dataset=train_data, loss=loss,
                                         evaluator=evaluator)
    _log_losses_quietly(trainer)
    if resume_from is not None and not Path(resume_from).is_dir():
        raise TrainingError(f"checkpoint {resume_from} does not exist; see {checkpoints} for saved checkpoints")
    trainer.train(resume_from_checkpoint=str(resume_from) if resume_from else None)
    if not distributed.is_main():
        # rank 0 alone ran the evaluator (its history decides), saves the model and writes the report
        distributed.barrier()
        return distributed.from_main(None)

    # Keep the better of the best checkpoint and the untouched base model: fine-tuning must not make dev worse.
    key = f"{config.eval_split}_{PRIMARY_METRIC}"
    best_dev = max((h[PRIMARY_METRIC] for h in evaluator.history[1:]), default=float("-inf"))
    kept_base = best_dev < baseline[key]
    final_model = SentenceTransformer(base_model, device=device) if kept_base else trainer.model
    if kept_base:
        log.warning("no epoch beat the base model on dev %s; keeping the base model", PRIMARY_METRIC)
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
        "loss": type(loss).__name__,
        "loss_config": loss.get_config_dict() if hasattr(loss, "get_config_dict") else {},
        "evaluator": evaluator.get_config_dict(),
        "data": {
            "dataset": str(dataset.path),
            "dataset_sha256": dataset.checksum(),
            "triplets": str(triplets_path),
            "triplets_sha256": file_sha256(triplets_path),
            "triplet_rows": len(rows),
            "sources": source_shares(dataset.path, [str(r.get("query_id", "")) for r in rows]),
            "negatives_per_row": n_neg,
            "relevant_grade": dataset.relevant_grade,
        },
        "dev_before_training": {m.removeprefix(f"{config.eval_split}_"): v for m, v in baseline.items()},
        "dev_history": evaluator.history,
        "best_checkpoint": trainer.state.best_model_checkpoint,
        "kept_base_model": kept_base,
        "global_steps": trainer.state.global_step,
        "wall_time_s": round(time.time() - started, 1),
        "machine": {"platform": platform.platform(), "processor": platform.processor(),
                    "python": platform.python_version(), "processes": processes},
    }
    (out_dir / "training_report.json").write_text(json.dumps(report, indent=2))
    distributed.barrier()  # the other processes wait until the model and the report are on disk
    return distributed.from_main(report)


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

"""Training throughput: legalsearch's training setup against a plain sentence-transformers baseline, one run.

All train the same base model on the same mined triplets for the same number of steps with
MultipleNegativesRankingLoss:

* ``plain``: sentence-transformers' defaults (random batches);
* ``no_duplicates``: legalsearch before length grouping (no text twice in a batch);
* ``legalsearch``: legalsearch's default, no duplicates and rows of similar length batched together.

The dev evaluation is switched off because it is not training work. Reports triplets/s for each and the ratios.
Grouped batches differ in length, so time a whole epoch (``--steps 0``, the default) rather than a few steps.

    python benchmarks/train_throughput.py --triplets runs/acord/triplets.jsonl --max-seq-length 512 --rows 192
    python benchmarks/train_throughput.py --dataset sample --steps 8   # mines the triplets first
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import tempfile
import time
from pathlib import Path


SETUPS = ("plain", "no_duplicates", "legalsearch")


def batch_sampler(setup: str, batch_samplers):
    """The sampler `legalsearch train` would pick for the setup (plain: sentence-transformers' default)."""
    from legalsearch.training import TrainingConfig, choose_batch_sampler

    if setup == "plain":
        return batch_samplers.BATCH_SAMPLER
    return choose_batch_sampler(TrainingConfig(group_by_length=setup == "legalsearch"), batch_samplers)


def run(base: str, rows: list[dict], steps: int, batch_size: int, max_seq_length: int, sampler: str) -> float:
    from sentence_transformers import SentenceTransformer, SentenceTransformerTrainer, \
        SentenceTransformerTrainingArguments, losses

    from legalsearch.training import _import_training, triplet_dataset

    BatchSamplers = _import_training()[4]
    model = SentenceTransformer(base, device="cpu")
    model.max_seq_length = max_seq_length
    with tempfile.TemporaryDirectory() as tmp:
        args = SentenceTransformerTrainingArguments(
            output_dir=tmp, max_steps=steps, per_device_train_batch_size=batch_size, learning_rate=2e-5,
            seed=1, save_strategy="no", eval_strategy="no", report_to="none", use_cpu=True, disable_tqdm=True,
            batch_sampler=batch_sampler(sampler, BatchSamplers),
        )
        trainer = SentenceTransformerTrainer(model=model, args=args, train_dataset=triplet_dataset(rows),
                                             loss=losses.MultipleNegativesRankingLoss(model))
        started = time.perf_counter()
        trainer.train()
        elapsed = time.perf_counter() - started
    return steps * batch_size / elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--triplets", type=Path, help="Triplets JSONL from `legalsearch mine`.")
    parser.add_argument("--dataset", default="sample", help="Dataset to mine from when --triplets is not given.")
    parser.add_argument("--base", default="offline-minilm")
    parser.add_argument("--steps", type=int, default=0, help="optimizer steps per run (0: one epoch)")
    parser.add_argument("--rows", type=int, default=0,
                        help="train on a seeded random subset of this many triplets (0: all) to shorten the run")
    parser.add_argument("--setups", default=",".join(SETUPS), help=f"comma-separated subset of {', '.join(SETUPS)}")
    parser.add_argument("--repeats", type=int, default=1, help="runs per setup, interleaved; the best counts")
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--max-seq-length", type=int, default=128)
    parser.add_argument("--json", type=Path, help="Also write the results here.")
    args = parser.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")

    from legalsearch.bench import machine_info
    from legalsearch.encoders import load_encoder, resolve_model_name
    from legalsearch.mining import read_triplets

    base, _ = resolve_model_name(args.base)
    triplets = args.triplets
    if triplets is None:
        from legalsearch.data import load_dataset, sample_dataset_path
        from legalsearch.mining import MiningConfig, mine

        path = sample_dataset_path() if args.dataset == "sample" else Path(args.dataset)
        triplets = Path(tempfile.mkdtemp()) / "triplets.jsonl"
        mine(load_dataset(path), load_encoder(base, max_seq_length=args.max_seq_length),
             MiningConfig(num_negatives=1), triplets)
    rows = read_triplets(triplets)
    if 0 < args.rows < len(rows):
        rows = random.Random(0).sample(rows, args.rows)
    steps = args.steps or -(-len(rows) // args.batch_size)
    results: dict[str, list[float]] = {}
    # Alternate the order so no setup always runs on a warmer (or busier) machine.
    setups = [s.strip() for s in args.setups.split(",") if s.strip()]
    if not setups or set(setups) - set(SETUPS) or "plain" not in setups:
        parser.error(f"--setups takes some of {', '.join(SETUPS)}, plain included (it is the baseline)")
    for repeat in range(args.repeats):
        for setup in setups if repeat % 2 == 0 else reversed(setups):
            results.setdefault(setup, []).append(run(base, rows, steps, args.batch_size, args.max_seq_length, setup))
    best = {setup: max(values) for setup, values in results.items()}
    report = {
        "machine": machine_info(),
        "command": " ".join(sys.argv),
        "base": args.base, "triplet_rows": len(rows), "steps": steps, "batch_size": args.batch_size,
        "max_seq_length": args.max_seq_length, "negatives_per_row": len(rows[0]["negatives"]),
        "plain_sentence_transformers_triplets_per_s": round(best["plain"], 3),
        **{f"{setup}_triplets_per_s": round(best[setup], 3) for setup in setups if setup != "plain"},
        **{f"{setup}_ratio": round(best[setup] / best["plain"], 3) for setup in setups if setup != "plain"},
        "all_runs": {setup: [round(v, 3) for v in values] for setup, values in results.items()},
    }
    print(json.dumps(report, indent=2))
    if args.json:
        args.json.write_text(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()

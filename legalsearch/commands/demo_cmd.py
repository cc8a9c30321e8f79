"""``legalsearch demo``: the whole offline pipeline on the bundled sample with the bundled base model.

validate → mine hard negatives → fine-tune → evaluate (BM25, base, fine-tuned, hybrid) → export int8 ONNX.
No cluster and no network; a few minutes on two CPU cores.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import click

from legalsearch.commands.options import base_option, dataset_option, load_dataset_or_fail, seed_option


DEMO_MAX_SEQ_LENGTH = 128


@click.command()
@dataset_option
@base_option
@click.option("--out", "-o", type=click.Path(file_okay=False, path_type=Path), default="runs/demo",
              show_default=True, help="Directory for triplets, model, export and results.")
@click.option("--epochs", type=click.IntRange(min=1), default=2, show_default=True)
@click.option("--export/--no-export", "do_export", default=True, show_default=True,
              help="Export the fine-tuned model to int8 ONNX with the quality gate.")
@seed_option
def demo(dataset, base_model, out, epochs, do_export, seed) -> None:
    """Run validate → mine → train → eval → export end to end (default: bundled sample, offline MiniLM)."""
    from legalsearch.comparison import compare
    from legalsearch.encoders import OFFLINE_MODEL_NAME, load_encoder, resolve_model_name
    from legalsearch.mining import MiningConfig, mine
    from legalsearch.training import TrainingConfig, clean_checkpoints, train

    started = time.time()
    out.mkdir(parents=True, exist_ok=True)
    ds = load_dataset_or_fail(dataset)
    click.echo(f"[1/5] data: {ds.path} — " + ", ".join(f"{k} {v}" for k, v in ds.report.counts.items()))

    name, provenance = resolve_model_name(base_model or OFFLINE_MODEL_NAME)
    click.echo(f"[2/5] mining hard negatives with {provenance}")
    # 128-token windows and one hard negative per pair keep the demo to minutes on two CPU cores; long
    # documents are still read whole, as overlapping passages (MaxP).
    base = load_encoder(name, max_seq_length=DEMO_MAX_SEQ_LENGTH)
    report = mine(ds, base, MiningConfig(seed=seed, num_negatives=1), out / "triplets.jsonl", show_progress=True)
    click.echo(f"      {report.triplets} triplets; {report.dropped_by_guard} candidates dropped by the "
               f"false-negative guard, {report.excluded_judged} judged-relevant excluded")

    click.echo(f"[3/5] fine-tuning ({epochs} epochs, MultipleNegativesRankingLoss with hard negatives)")
    model_dir = out / "model"
    training = train(ds, out / "triplets.jsonl", name, model_dir,
                     TrainingConfig(epochs=epochs, seed=seed, max_seq_length=DEMO_MAX_SEQ_LENGTH),
                     base_provenance=provenance)
    clean_checkpoints(model_dir)

    click.echo("[4/5] evaluating on the test split")
    tuned = load_encoder(model_dir)
    result = compare(ds, "test", {"base": base, "fine-tuned": tuned}, hybrid_of="fine-tuned", baseline="base")
    click.echo(result.table.to_table())
    result.table.save(out / "results.json")

    if do_export:
        click.echo("[5/5] exporting int8 ONNX with the quality gate")
        from legalsearch.exporter.export import export_model

        export_report = export_model(model_dir, out / "export", dataset=ds, allow_degraded=True, overwrite=True)
        click.echo(f"      deployable: {export_report.get('deployable')} → {out / 'export'}")
    else:
        click.echo("[5/5] export skipped (--no-export)")
    summary = {"seconds": round(time.time() - started, 1), "dev_history": training["dev_history"],
               "outputs": str(out)}
    (out / "demo_summary.json").write_text(json.dumps(summary, indent=2))
    click.echo(f"Done in {summary['seconds']} s. Outputs in {out}/")

"""``legalsearch export``: quantized ONNX + ML Commons package, with a quality gate.

Exit codes: 0 exported (int8 deployable, or fp32 with ``--allow-degraded``); 1 export failed or int8 failed the
quality gate (the output is then complete with fp32 deployable); 2 bad option value.
"""

from __future__ import annotations

from pathlib import Path

import click

from legalsearch.commands.options import DatasetPath, load_dataset_or_fail, prompt_options, skip_invalid_option
from legalsearch.errors import LegalsearchError, QualityGateError
from legalsearch.evaluation import INT8_NDCG_MARGIN as NDCG_MARGIN

# Names of legalsearch.exporter.quantize.SCHEMES, spelled out so that `--help` does not import onnx.
SCHEME_NAMES = (
    "dynamic-matmul-perchannel",
    "dynamic-matmul-perchannel-keep-early-ffn-out",
    "dynamic-matmul-perchannel-keep-ffn-out",
)


@click.command("export")
@click.argument("model_dir", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--out", "-o", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="Output directory (must not exist or be empty, unless --overwrite).")
@click.option("--dataset", "-d", type=DatasetPath(), default=None,
              help="BEIR dataset (or 'sample'): its corpus feeds the int8 scheme search and the gate, and NDCG@10 "
              "on --split is compared. Without it the bundled sample texts are used and NDCG is skipped.")
@click.option("--split", default="dev", show_default=True, help="Split scored by the gate (never report on it).")
@click.option("--max-ndcg-loss", type=click.FloatRange(0, 1), default=NDCG_MARGIN, show_default=True,
              help="Non-inferiority margin: int8 passes when the one-sided 95% paired-bootstrap lower bound of its "
              "NDCG@10 minus fp32's on the dev split is above -MARGIN.")
@click.option("--min-cosine", type=click.FloatRange(0, 1), default=0.99, show_default=True,
              help="Smallest mean cosine of int8 to PyTorch (queries and documents) that still passes.")
@click.option("--allow-degraded", is_flag=True,
              help="Exit 0 when int8 fails the gate (fp32 is still what gets packaged).")
@click.option("--max-length", type=click.IntRange(8, 512), default=None,
              help="Truncate to this many tokens (default: the model's max_seq_length, at most 512).")
@click.option("--ndcg/--no-ndcg", default=True, show_default=True,
              help="With --dataset, compare NDCG@10 over the full corpus (minutes on a CPU); --no-ndcg keeps the "
              "dataset's texts for the scheme search and cosine checks only.")
@click.option("--int8-scheme", type=click.Choice(["auto", *SCHEME_NAMES]), default="auto", show_default=True,
              help="auto: the most quantized (fastest) scheme that meets the cosine target on the corpus and "
              "passes the quality gate; or force one (the gate still decides).")
@click.option("--overwrite", is_flag=True, help="Replace a non-empty --out (atomically, once the export is done).")
@prompt_options
@skip_invalid_option
def export(model_dir: Path, out: Path, dataset: Path | None, split: str, max_ndcg_loss: float, min_cosine: float,
           allow_degraded: bool, max_length: int | None, ndcg: bool, int8_scheme: str, overwrite: bool,
           query_prompt: str | None, passage_prompt: str | None, skip_invalid: bool) -> None:
    """Export MODEL_DIR (a sentence-transformers model) to fp32 and int8 ONNX and an ML Commons package.

    \b
    Writes OUT/fp32/, OUT/int8/ (each loadable by the local ONNX encoder), OUT/ml-commons/model.zip +
    register.json (the deployable variant) and OUT/export_report.json (gate figures, chosen int8 scheme).
    """
    from legalsearch.exporter.pipeline import export_model

    if dataset is not None:  # read here, so that skipped rows are counted and reported like every other command's
        dataset = load_dataset_or_fail(dataset, skip_invalid, splits=(split,))
    try:
        result = export_model(
            model_dir, out, dataset=dataset, split=split, max_ndcg_loss=max_ndcg_loss, min_cosine=min_cosine,
            allow_degraded=allow_degraded, max_length=max_length, overwrite=overwrite, ndcg=ndcg,
            int8_scheme=int8_scheme, query_prompt=query_prompt, passage_prompt=passage_prompt,
        )
    except QualityGateError as exc:
        raise click.ClickException(f"quality gate failed: {exc}") from exc
    except LegalsearchError as exc:
        raise click.ClickException(str(exc)) from exc
    report = result.report
    verdict = "passed" if report.gate_passed else "FAILED (--allow-degraded)"
    click.echo(f"Quality gate {verdict}: {report.summary()}")
    click.echo(f"int8 scheme: {report.int8_scheme}")
    click.echo(f"Prompts: {report.prompt_pair.describe()} (registered with ML Commons as query/passage prefixes)"
               if report.prompt_pair else "Prompts: none")
    click.echo(f"Deployable: {result.deployable} -> {out / 'ml-commons' / 'model.zip'}")
    click.echo(f"Report: {result.report_path}")

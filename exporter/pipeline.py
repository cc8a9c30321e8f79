"""``legalsearch export`` end to end: fp32 graph, int8 graph, quality gate, ML Commons package, report.

Everything is written to a hidden staging directory beside ``--out`` and renamed into place only when complete,
so a failure (bad model, full disk, Ctrl-C) never leaves a half-written export. A failed quality gate is not a
failure of the export: the output is complete, fp32 is marked deployable and packaged, and
:class:`~legalsearch.errors.QualityGateError` is raised afterwards (unless ``allow_degraded``).

Layout of ``--out``::

    fp32/model.onnx  fp32/tokenizer.json  fp32/legalsearch_encoder.json  (+ tokenizer/config files)
    int8/model.onnx  int8/...
    ml-commons/model.zip  ml-commons/register.json   (the deployable variant)
    export_report.json
"""

from __future__ import annotations

import errno
import json
import logging
import os
import platform
import random
import shutil
import signal
import threading
import time
import uuid
from dataclasses import dataclass
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path

from legalsearch.errors import ExportError, QualityGateError
from legalsearch.evaluation import INT8_NDCG_MARGIN as NDCG_MARGIN
from legalsearch.exporter.export import check_graph, export_fp32, load_sentence_transformer
from legalsearch.exporter.fuse import Fusion, fuse_graph
from legalsearch.exporter.package import build_package
from legalsearch.exporter.quantize import SCHEMES, SCHEMES_BY_NAME, choose_scheme
from legalsearch.exporter.report import REPORT_NAME, ExportReport
from legalsearch.exporter.spec import inspect_model
from legalsearch.prompts import Prompts

log = logging.getLogger(__name__)

_VERSIONED = ("legalsearch", "torch", "transformers", "sentence-transformers", "onnx", "onnxruntime", "tokenizers")


@dataclass
class ExportResult:
    """Where the export went and what it decided (``report`` is what ``export_report.json`` holds)."""

    out_dir: Path
    report: ExportReport

    @property
    def deployable(self) -> str:
        """``"int8"`` or ``"fp32"``: the variant packaged in ``ml-commons/``."""
        return self.report.deployable

    @property
    def report_path(self) -> Path:
        return self.out_dir / REPORT_NAME


def versions() -> dict[str, str]:
    found = {"python": platform.python_version()}
    for name in _VERSIONED:
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            found[name] = "not installed"
    return found


def _texts(dataset, seed: int = 13) -> tuple[list[str], list[str], list[str], list[str]]:
    """(selection queries, selection documents, held-back queries, held-back documents) from the model's corpus."""
    if dataset is None:
        from legalsearch.data import load_dataset, sample_dataset_path

        dataset = load_dataset(sample_dataset_path())
    rng = random.Random(seed)
    queries = list(dataset.queries.values())
    documents = [doc.full_text for doc in dataset.corpus.values()]
    rng.shuffle(queries)
    rng.shuffle(documents)

    def halves(items: list[str], n_select: int, n_held: int) -> tuple[list[str], list[str]]:
        if len(items) < 2:
            return items, items
        cut = min(n_select, len(items) // 2)
        return items[:cut], items[cut:cut + n_held]

    sel_q, held_q = halves(queries, 32, 48)
    sel_d, held_d = halves(documents, 48, 64)
    return sel_q, sel_d, held_q, held_d


def _prepare_out(out: Path, overwrite: bool) -> None:
    if out.exists() and not out.is_dir():
        raise ExportError(f"{out} exists and is not a directory")
    if out.is_dir() and any(out.iterdir()) and not overwrite:
        raise ExportError(f"{out} already exists and is not empty; choose another --out or pass --overwrite")
    out.parent.mkdir(parents=True, exist_ok=True)


def _remove_stale_partials(out: Path) -> None:
    """Remove staging directories left by exports to ``out`` whose process no longer exists (killed with -9)."""
    for partial in out.parent.glob(f".{out.name}.partial-*"):
        try:
            pid = int(partial.name.rsplit("partial-", 1)[1].split("-")[0])
            os.kill(pid, 0)
        except (ValueError, IndexError):
            continue
        except ProcessLookupError:
            shutil.rmtree(partial, ignore_errors=True)
        except PermissionError:
            continue


def _sigterm_raises():
    """Turn SIGTERM into SystemExit while exporting, so the staging directory is removed; returns the undo."""
    if threading.current_thread() is not threading.main_thread():
        return lambda: None

    def handler(signum, _frame):
        raise SystemExit(128 + signum)

    previous = signal.signal(signal.SIGTERM, handler)
    return lambda: signal.signal(signal.SIGTERM, previous)


def _finalize(staging: Path, out: Path) -> None:
    old = None
    if out.exists():
        old = out.parent / f".{out.name}.old-{uuid.uuid4().hex[:8]}"
        out.rename(old)
    staging.rename(out)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def _fp32_scored_once(fp32_encoder):
    """The gate's ``evaluate``, remembering fp32's score: every scheme tried is compared with the same fp32 run.

    It returns :class:`legalsearch.evaluation.Evaluation` (per-query figures), which the gate's paired
    non-inferiority test needs."""
    from legalsearch.evaluation import evaluate_dense_run as evaluate_dense

    scores: dict = {}

    def evaluate(encoder, dataset, split, metrics):
        if encoder is not fp32_encoder:
            return evaluate_dense(encoder, dataset, split, metrics=metrics)
        key = (split, tuple(metrics))
        if key not in scores:
            scores[key] = evaluate_dense(encoder, dataset, split, metrics=metrics)
        return scores[key]

    return evaluate


def export_model(
    model_dir: str | Path,
    out: str | Path,
    dataset=None,
    split: str = "dev",
    max_ndcg_loss: float = NDCG_MARGIN,
    min_cosine: float = 0.99,
    allow_degraded: bool = False,
    max_length: int | None = None,
    overwrite: bool = False,
    ndcg: bool = True,
    int8_scheme: str = "auto",
    fuse: bool = True,
    query_prompt: str | None = None,
    passage_prompt: str | None = None,
) -> ExportResult:
    """Export ``model_dir`` to ``out`` (see module docstring).

    Args:
        model_dir: a sentence-transformers directory (e.g. ``legalsearch train`` output).
        out: output directory; must not exist or be empty, unless ``overwrite``.
        dataset: a BEIR dataset directory or a loaded :class:`legalsearch.data.Dataset`; its corpus feeds the
            scheme search and the gate, and its ``split`` is scored with NDCG@10. Without it the bundled legal sample provides the texts
            and no NDCG is computed.
        max_ndcg_loss, min_cosine: gate thresholds.
        allow_degraded: return normally when the gate fails (fp32 is still what gets packaged).
        max_length: truncate to fewer tokens than the model's ``max_seq_length``.
        ndcg: with a dataset, also compare NDCG@10 (encodes the full corpus twice: minutes on a CPU); False keeps
            the dataset's texts for the scheme search and the cosine checks only.
        int8_scheme: ``"auto"`` (search, see :func:`~legalsearch.exporter.quantize.choose_scheme`) or the name of
            one scheme in :data:`~legalsearch.exporter.quantize.SCHEMES` to use without searching (the gate still
            decides whether it is deployable).
        fuse: fuse attention, skip-LayerNorm and bias-GELU offline (:mod:`legalsearch.exporter.fuse`; kept only
            when complete and equal); False keeps standard ``ai.onnx`` operators only.
        query_prompt, passage_prompt: replace the model's own prompts (``config_sentence_transformers.json``);
            the export records the result (``export_report.json`` ``prompts``), the local encoder prepends it, and
            the ML Commons package registers it as ``query_prefix`` / ``passage_prefix``.

    Raises:
        ModelError: the directory is not an exportable sentence-transformers model.
        ExportError: export failed (including a full disk); nothing was written to ``out``.
        QualityGateError: int8 failed the gate; ``out`` is complete with fp32 deployable.
    """
    model_dir, out = Path(model_dir), Path(out)
    started = time.perf_counter()
    if int8_scheme != "auto" and int8_scheme not in SCHEMES_BY_NAME:
        raise ExportError(f"unknown int8 scheme {int8_scheme!r}; choose auto or one of {', '.join(SCHEMES_BY_NAME)}")
    spec = inspect_model(model_dir, max_length=max_length, query_prompt=query_prompt, passage_prompt=passage_prompt)
    prompts = Prompts.from_model(spec.prompts)
    _prepare_out(out, overwrite)
    if dataset is not None and not hasattr(dataset, "corpus"):
        from legalsearch.data import load_dataset

        dataset = load_dataset(dataset, splits=(split,))
    if dataset is not None and split not in dataset.qrels:
        raise ExportError(f"the dataset has no '{split}' split for the quality gate; pass --split with one it has")

    _remove_stale_partials(out)
    staging = out.parent / f".{out.name}.partial-{os.getpid()}-{uuid.uuid4().hex[:8]}"
    finalized = False
    restore_sigterm = _sigterm_raises()
    timings: dict[str, float] = {}
    try:
        staging.mkdir()
        work = staging / "_work"
        fp32_dir, int8_dir, package_dir = staging / "fp32", staging / "int8", staging / "ml-commons"
        for d in (work, fp32_dir):
            d.mkdir()

        t = time.perf_counter()
        st_model = load_sentence_transformer(model_dir)
        native = int(getattr(st_model, "max_seq_length", 0) or 0)
        if 0 < native < spec.max_seq_length:  # what the PyTorch model really reads wins
            log.info("using the model's max_seq_length %d (not %d)", native, spec.max_seq_length)
            spec.max_seq_length = native
        st_model.max_seq_length = spec.max_seq_length
        export_fp32(st_model, model_dir, spec, fp32_dir)
        fusion = fuse_graph(fp32_dir / "model.onnx", spec) if fuse else Fusion(False, "disabled (fuse=False)")
        if fuse and not fusion.applied:
            log.info("keeping the unfused graph: %s", fusion.reason)
        timings["export_fp32_s"] = time.perf_counter() - t

        from legalsearch.encoders import SentenceTransformerEncoder
        from legalsearch.exporter.encoder import OnnxEncoder

        # the reference prepends the export's prompts (the model's, or the overrides), as every later encoder does
        reference = SentenceTransformerEncoder.from_model(st_model, spec.name, fp32_dir / "tokenizer.json", prompts)
        sel_q, sel_d, held_q, held_d = _texts(dataset)
        t = time.perf_counter()
        sel_ref = (reference.encode_queries(sel_q), reference.encode_documents(sel_d))
        held_ref = (reference.encode_queries(held_q), reference.encode_documents(held_d))
        from legalsearch.exporter.gate import run_gate

        fp32_encoder, gates = OnnxEncoder(fp32_dir), {}
        evaluate = _fp32_scored_once(fp32_encoder)

        def judge(int8_path: Path):
            return run_gate(held_ref, fp32_encoder, OnnxEncoder(int8_path), held_q, held_d,
                            dataset=dataset if ndcg else None, split=split, max_ndcg_loss=max_ndcg_loss,
                            min_cosine=min_cosine, evaluate=evaluate)

        def gate_for(scheme, trial_dir: Path):
            gates[scheme.name] = verdict = judge(trial_dir)
            log.info("int8 scheme %s: quality gate %s", scheme.name,
                     "passed" if verdict.passed else "; ".join(verdict.reasons))
            return verdict.passed

        schemes = SCHEMES if int8_scheme == "auto" else (SCHEMES_BY_NAME[int8_scheme],)
        choice = choose_scheme(fp32_dir, work, sel_q, sel_d, sel_ref, target_mean=min_cosine, target_min=0.98,
                               schemes=schemes, accept=gate_for)
        for trial in choice.trials:  # each judged scheme's gate figures, so the report shows why one was passed over
            if trial["scheme"] in gates:
                judged = gates[trial["scheme"]]
                trial["gate"] = {"passed": judged.passed, "reasons": judged.reasons, "ndcg": judged.ndcg,
                                 "int8_vs_pytorch": judged.cosine["int8_vs_pytorch"]}
        # Ship the very graph the gate judged. The gate ran inside the search for every scheme that met the cosine
        # target; the fallback (no scheme accepted) may not have met it, and is gated now.
        shutil.move(str(work / choice.scheme.name), str(int8_dir))
        shutil.rmtree(work)
        gate = gates.get(choice.scheme.name) or judge(int8_dir)
        timings["quantize_and_gate_s"] = time.perf_counter() - t
        deployable = "int8" if gate.passed else "fp32"
        variant_dir = int8_dir if gate.passed else fp32_dir
        description = (
            f"{spec.name} ({spec.model_type}, {spec.dimension}-d, {spec.ml_commons_pooling} pooling), "
            f"{deployable} ONNX exported by legalsearch"
            + (f", int8 scheme {choice.scheme.name}" if gate.passed else ", int8 failed the quality gate")
        )
        zip_path, _ = build_package(variant_dir, package_dir, description)

        warnings = []
        if prompts and not spec.include_prompt:
            warnings.append("the model excludes its prompt from pooling (include_prompt=false); ML Commons pools over "
                            "the prompt tokens, so server-side vectors differ: deploy with --vectors client")
        timings["total_s"] = time.perf_counter() - started
        report = ExportReport(
            created=datetime.now(timezone.utc).isoformat(timespec="seconds"),
            source_model=str(model_dir.resolve()),
            deployable=deployable,
            gate=gate,
            quantization=choice.to_dict(),
            fusion=fusion.to_dict(),
            model={k: v for k, v in spec.to_dict().items() if k != "hf_config"},
            prompts=prompts.to_dict(),
            graphs={"fp32": check_graph(fp32_dir / "model.onnx"), "int8": check_graph(int8_dir / "model.onnx")},
            package={
                "zip": "ml-commons/model.zip", "register": "ml-commons/register.json", "variant": deployable,
                "size_bytes": zip_path.stat().st_size,
                "sha256": json.loads((package_dir / "register.json").read_text())["model_content_hash_value"],
                "targets": "ML Commons 3.x (onnxruntime 1.16.3): IR <= 9, opset <= 19, standard operators "
                           "plus the com.microsoft operators verified on 1.16.3 (legalsearch.exporter.fuse)",
            },
            dataset=(str(Path(dataset.path).resolve()) + ("" if ndcg else " (texts only, NDCG skipped)")
                     if dataset is not None else "bundled sample (no NDCG)"),
            max_seq_length=spec.max_seq_length,
            timings={k: round(v, 2) for k, v in timings.items()},
            versions=versions(),
            warnings=warnings,
        )
        report.save(staging)
        _finalize(staging, out)
        finalized = True
    except OSError as exc:
        if exc.errno == errno.ENOSPC:
            raise ExportError(
                f"no space left on device while writing the export ({exc}); nothing was written to {out}"
            ) from exc
        raise ExportError(f"could not write the export ({exc}); nothing was written to {out}") from exc
    finally:
        restore_sigterm()
        if not finalized:
            shutil.rmtree(staging, ignore_errors=True)

    result = ExportResult(out, report)
    if not gate.passed:
        message = (
            f"int8 failed the quality gate ({'; '.join(gate.reasons)}); fp32 is marked deployable and packaged in "
            f"{out / 'ml-commons'}. See {result.report_path}"
        )
        if not allow_degraded:
            raise QualityGateError(message)
        log.warning("%s (--allow-degraded: exiting normally)", message)
    return result

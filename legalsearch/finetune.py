"""The recipe, end to end: fit it to the data and the budget, choose dev (or folds), mine, train.

``legalsearch train`` calls :func:`fine_tune` on triplets it is given; ``bench`` and ``demo`` call
:func:`mine_and_fine_tune`. Both record in ``training_report.json`` the recipe with the provenance of every value,
the dev plan (:mod:`legalsearch.splits`), the time budget and what was fitted to it, and the plain-words verdict
of the dev or cross-validation check (did fine-tuning beat the base model?).
"""

from __future__ import annotations

import json
import logging
import math
import shutil
import time
from pathlib import Path

from legalsearch.data import Dataset
from legalsearch.recipe import Recipe, fit_window
from legalsearch.splits import DEV_SPLIT, fold_dataset, merged_dataset, plan_dev
from legalsearch.training import PRIMARY_METRIC, at_least_as_good, clean_checkpoints, decision_line, \
    no_check_sentence, train, verdict_sentence

log = logging.getLogger(__name__)


def fit_recipe_window(recipe: Recipe, dataset: Dataset, base_model: str, triplets_path: Path | None = None) -> Recipe:
    """Resolve ``max_seq_length``: a number stays; with triplets already mined, ``auto`` takes the window they were
    mined at (positives and negatives are cut to it); otherwise :func:`legalsearch.recipe.fit_window`."""
    if isinstance(recipe.max_seq_length, int):
        return recipe
    if recipe.max_seq_length == "auto" and triplets_path is not None:
        report = Path(triplets_path).with_suffix(".report.json")
        if report.is_file():
            mined = json.loads(report.read_text()).get("config", {}).get("max_seq_length")
            if mined:
                return recipe.fitted("max_seq_length", int(mined), f"the window the triplets were mined at "
                                                                   f"({report.name})")
    from legalsearch.encoders import load_encoder

    encoder = load_encoder(base_model)
    tokenizer = getattr(encoder, "tokenizer_path", None)
    if tokenizer is None:
        return recipe.fitted("max_seq_length", int(encoder.max_seq_length), "no tokenizer to measure the corpus "
                             "with: the model's own window")
    return fit_window(recipe, [d.full_text for d in dataset.corpus.values()], tokenizer, int(encoder.max_seq_length))


def evaluation_pools(dataset: Dataset, base_model: str, recipe: Recipe, device: str | None = None,
                     prompts: dict | None = None, show_progress: bool = False):
    """The candidate pools of every train and dev query (:func:`legalsearch.evaluation.candidate_pools`, depth
    ``recipe.eval_pool_depth``), computed once per run and shared by every dev and fold evaluation; ``None`` when
    the recipe ranks the whole corpus (depth 0). Test queries are never looked at.

    The base model is loaded as mining and training load it (same window, same prompts), so its corpus vectors
    are one entry of the embedding cache that all three read."""
    if recipe.eval_pool_depth <= 0:
        return None
    from legalsearch.encoders import SentenceTransformerEncoder
    from legalsearch.evaluation import candidate_pools

    query_ids = set(dataset.qrels.get("train", {})) | set(dataset.qrels.get(DEV_SPLIT, {}))
    encoder = SentenceTransformerEncoder(base_model, device=device, max_seq_length=recipe.window(),
                                         **(prompts or {}))
    return candidate_pools(dataset, query_ids, recipe.eval_pool_depth, encoder, show_progress)


def mine_and_fine_tune(dataset: Dataset, base_model: str, out_dir: Path, recipe: Recipe, base_provenance: str = "",
                       device: str | None = None, show_progress: bool = False, started: float | None = None,
                       prompts: dict | None = None) -> dict:
    """Fit the window, mine ``out_dir/triplets.jsonl`` and fine-tune into ``out_dir/model`` within the budget
    (which counts from ``started``, default now); returns the training report."""
    from legalsearch.encoders import default_device, load_encoder
    from legalsearch.memory import release_freed_memory
    from legalsearch.mining import mine

    started = time.time() if started is None else started
    recipe = fit_recipe_window(recipe, dataset, base_model)
    out_dir = Path(out_dir)
    triplets = out_dir / "triplets.jsonl"
    # first, so that the base model's one pass over the corpus lands in the embedding cache mining reads
    pools = evaluation_pools(dataset, base_model, recipe, device, prompts, show_progress)
    mining = mine(dataset, load_encoder(base_model, max_seq_length=recipe.window(), **(prompts or {})),
                  recipe.mining_config(), triplets, show_progress=show_progress)
    mined_s = time.time() - started
    if note := mining.guard_note():
        log.warning("mining: %s", note)
    release_freed_memory("mining")  # the base model and its corpus encoding are done with
    report = fine_tune(dataset, triplets, base_model, out_dir / "model", recipe, base_provenance,
                       device=device or default_device(), started=started, prompts=prompts, pools=pools)
    report["mining"] = {**mining.to_dict(), "seconds": round(mined_s, 1)}
    (out_dir / "model" / "training_report.json").write_text(json.dumps(report, indent=2))
    return report


def fine_tune(dataset: Dataset, triplets_path: Path, base_model: str, out_dir: Path, recipe: Recipe,
              base_provenance: str = "", device: str | None = None, started: float | None = None,
              resume_from: Path | None = None, max_steps: int = -1, eval_steps: int = 0,
              eval_split: str | None = None, mini_batch_size: int = 8, prompts: dict | None = None,
              pools=None) -> dict:
    """Train on mined triplets with ``recipe``: plan dev (dev split, carved from train, or cross-validation),
    fit the window and the schedule to the budget, keep the base model unless the held-out check says the tuned
    model is at least as good — and keep it, untrained, when there is no held-out check at all.

    ``eval_split``: score on this split as it is instead of planning dev (for an explicit ``--eval-split``).
    ``pools``: :func:`evaluation_pools` when the caller computed them already (``mine_and_fine_tune``).
    """
    from legalsearch.encoders import default_device

    started = time.time() if started is None else started
    device = device or default_device()
    out_dir = Path(out_dir)
    recipe = fit_recipe_window(recipe, dataset, base_model, triplets_path)
    deadline = started + recipe.budget_seconds(device)
    budget_source = recipe.source("budget_minutes")
    if eval_split is not None:
        data, plan = dataset, None
    else:
        data, plan = plan_dev(dataset, recipe.dev_min_queries, recipe.cv_folds, recipe.seed)
        if pools is None:
            pools = evaluation_pools(dataset, base_model, recipe, device, prompts)
    extra = {"device": device, "max_steps": max_steps, "eval_steps": eval_steps, "mini_batch_size": mini_batch_size,
             **(prompts or {})}
    if plan is not None and plan.method == "cross-validation":
        from legalsearch.mining import read_triplets

        rows = read_triplets(triplets_path)  # read once for the probe and the projection
        step_s = probe_step_seconds(base_model, recipe, rows, device)
        extra["step_seconds"] = step_s
        estimate = cross_validation_seconds(data, plan, rows, recipe, step_s, pools)
        remaining = deadline - time.time()
        if estimate["total_s"] > BUDGET_MARGIN * remaining:
            data, plan = _without_held_out_check(data, plan, estimate, remaining, time.time() - started, recipe)
            report = _keep_base(base_model, out_dir, recipe, base_provenance, device, no_check_sentence(plan.reason),
                                decision_line(False, "", why=f"nothing held out could check fine-tuning "
                                                             f"({_labels_only(dataset)}), so it was not trained"))
            report.update({"dev_plan": plan.to_dict(), "cross_validation_estimate": estimate,
                           "budget_source": budget_source, "tuned_beats_base": None})
            _write(out_dir, report)
            return report
        plan.reason += (f"; it fits the budget (~{estimate['total_s'] / 60:.0f} minutes projected, "
                        f"{remaining / 60:.0f} left)")
    if plan is None or plan.method != "cross-validation":
        config = recipe.training_config(eval_split=eval_split or DEV_SPLIT, budget_s=max(1.0, deadline - time.time()),
                                        variance_reduction=recipe.variance_reduction, **extra)
        # an explicit --eval-split may name queries the run's pools do not cover: train() pools that split itself
        report = train(data, triplets_path, base_model, out_dir, config, resume_from=resume_from,
                       base_provenance=base_provenance, recipe=recipe, pools=pools if plan else None)
        report["dev_plan"] = plan.to_dict() if plan else {"method": f"the '{eval_split}' split as given"}
        report["budget_source"] = budget_source
        _write(out_dir, report)
        return report
    return _cross_validated(data, plan, triplets_path, base_model, out_dir, recipe, base_provenance, device,
                            deadline, budget_source, extra, pools)


BUDGET_MARGIN = 0.9  # the share of the budget a plan may fill: steps vary, and mining's tail is not counted
NO_HELD_OUT = "no held-out check"


def probe_step_seconds(base_model: str, recipe: Recipe, rows: list[dict], device: str) -> float:
    """Seconds of one training step of the recipe on these triplet rows (:func:`legalsearch.training.
    measure_step_seconds` on the base model), measured once before the folds are planned and reused by every run."""
    from legalsearch.training import _import_training, measure_step_seconds, with_loss_choice

    SentenceTransformer, _, _, losses, _, _ = _import_training()
    model = SentenceTransformer(base_model, device=device)
    if recipe.window():
        model.max_seq_length = recipe.window()
    config, _ = with_loss_choice(recipe.training_config(device=device), model, rows, recipe.cached_loss)
    step_s = measure_step_seconds(model, config, rows, losses)
    del model
    return step_s


def cross_validation_seconds(dataset: Dataset, plan, rows: list[dict], recipe: Recipe, step_s: float,
                             pools=None) -> dict:
    """The projected wall clock of cross-validation: each fold trains the recipe's epochs on the rows of the
    queries it does not hold out and scores its held-out queries after every epoch (each score encodes the union
    of the fold's candidate ``pools`` — the whole corpus without them — forward only: a third of a training pass
    per text; the base model's score before training reads the corpus embeddings the pools were ranked with),
    then one run on all queries. Passages are counted with the chunker dense retrieval uses."""
    from legalsearch.passages import PassageChunker
    from legalsearch.training import encode_seconds_per_text

    per_text_s = encode_seconds_per_text(step_s, min(recipe.batch_size, len(rows)) * (2 + len(rows[0]["negatives"])))
    chunker = PassageChunker.for_model(recipe.window())
    passages = {doc.id: len(chunker.split_text(doc.full_text)) for doc in dataset.corpus.values()}
    folds, total = [], 0.0
    for held_out in plan.folds:
        held = set(held_out)
        fold = fold_dataset(dataset, held_out)
        pool = pools.documents(fold, DEV_SPLIT) if pools is not None else None
        fold_passages = sum(passages[d.id] for d in pool) if pool is not None else sum(passages.values())
        steps = math.ceil(sum(str(r.get("query_id", "")) not in held for r in rows) / recipe.batch_size)
        train_s = steps * recipe.epochs * step_s
        eval_s = recipe.epochs * fold_passages * per_text_s
        folds.append({"held_out_queries": len(held_out), "train_s": round(train_s), "eval_s": round(eval_s),
                      "evaluated_passages": fold_passages})
        total += round(train_s) + round(eval_s)
    final_s = round(math.ceil(len(rows) / recipe.batch_size) * recipe.epochs * step_s)
    total += final_s
    return {"step_s": round(step_s, 2), "folds": folds, "final_run_s": round(final_s), "total_s": round(total)}


def _without_held_out_check(dataset: Dataset, plan, estimate: dict, remaining: float, spent: float,
                            recipe: Recipe):
    """The plan when cross-validation does not fit the budget: nothing held out could say whether fine-tuning
    helps, so :func:`fine_tune` keeps the base model without training (do no harm)."""
    from legalsearch.splits import DevPlan

    train_queries = len(dataset.positives("train"))
    budget_minutes = math.ceil((spent + estimate["total_s"] / BUDGET_MARGIN + 60) / 60)  # mining counts too
    reason = (f"{plan.reason}, but that would take ~{estimate['total_s'] / 60:.0f} minutes "
              f"({len(plan.folds)} fold runs of {recipe.epochs} epochs with their evaluations, then the final run; "
              f"{estimate['step_s']:.1f} s a step) and {remaining / 60:.0f} are left of the budget: the base model "
              f"is kept, not trained on the {train_queries} train queries unchecked "
              f"(--budget {budget_minutes} allows the cross-validation)")
    return dataset, DevPlan(NO_HELD_OUT, 0, train_queries, plan.seed, reason=reason)


def _labels_only(dataset: Dataset) -> str:
    """Why there was nothing to hold out, in words: how many labelled queries, and whether synthesized pairs
    (``data synthesize`` mixed in with ``data mix``) were there to add."""
    from legalsearch.mixing import SOURCES_NAME

    queries = len(dataset.positives("train")) + (len(dataset.positives(DEV_SPLIT)) if DEV_SPLIT in dataset.qrels
                                                 else 0)
    mixed = dataset.path is not None and (Path(dataset.path) / SOURCES_NAME).is_file()
    return (f"{queries} labelled train+dev queries" + ("" if mixed else "; no synthesized pairs to add "
                                                       "(`legalsearch data synthesize`, then `data mix`)"))


def _keep_base(base_model: str, out_dir: Path, recipe: Recipe, base_provenance: str, device: str, verdict: str,
               decision: str) -> dict:
    """Save the untouched base model (with the recipe's window) to ``out_dir``; the report of a run that keeps it."""
    from sentence_transformers import SentenceTransformer

    log.info("%s", verdict)  # printed by the commands
    out_dir.mkdir(parents=True, exist_ok=True)
    model = SentenceTransformer(base_model, device=device)
    if recipe.window():
        model.max_seq_length = recipe.window()
    model.save(str(out_dir))
    return {"base_model": base_model, "base_model_provenance": base_provenance, "recipe": recipe.to_dict(),
            "dev_history": [], "stopped_by_budget": False, "budget": None, "kept_base_model": True,
            "tuned_beats_base": False, "verdict": verdict, "decision": decision}


def _cross_validated(dataset, plan, triplets_path, base_model, out_dir, recipe, base_provenance, device, deadline,
                     budget_source, extra, pools=None) -> dict:
    """k fold runs scored on their held-out queries after every epoch, then one run on all queries for the epoch
    count the folds chose — when its held-out score is at least the base model's (else the base model is kept).
    The budget is shared out evenly among the k + 1 runs."""
    folds = _fold_runs(dataset, plan.folds, triplets_path, base_model, out_dir, recipe, base_provenance, deadline,
                       extra, later_runs=1, pools=pools)
    table = cv_table(folds)
    base_row = next(row for row in table if row["epoch"] == 0)
    tuned = [row for row in table if row["epoch"] > 0]
    best = max(tuned, key=lambda row: (round(row[PRIMARY_METRIC], 6), -row["epoch"])) if tuned else base_row
    beats = best["epoch"] > 0 and at_least_as_good(best[PRIMARY_METRIC], base_row[PRIMARY_METRIC])
    check = f"{len(plan.folds)}-fold cross-validation ({plan.dev_queries} queries)"
    verdict = verdict_sentence(f"{len(plan.folds)}-fold cross-validation", plan.dev_queries,
                               base_row[PRIMARY_METRIC], best[PRIMARY_METRIC] if tuned else float("-inf"),
                               f"{best['epoch']} epoch{'s' * (best['epoch'] != 1)} on all queries")
    decision = decision_line(beats, check, base_row[PRIMARY_METRIC], best[PRIMARY_METRIC]) if tuned else \
        decision_line(False, check, why=f"no fold reached an epoch within the budget ({check})")
    cv = {"folds": folds, "table": table, "chosen_epochs": best["epoch"] if beats else 0, "verdict": verdict}
    if beats:
        final_recipe = recipe.fitted("epochs", int(best["epoch"]), f"{len(plan.folds)}-fold cross-validation "
                                     f"over {plan.dev_queries} queries chose epoch {best['epoch']}")
        measured = next((f["budget"]["measured_step_s"] for f in folds if f.get("budget")), None)
        config = final_recipe.training_config(eval_split=None, budget_s=max(1.0, deadline - time.time()),
                                              **{**extra, "step_seconds": measured})
        report = train(merged_dataset(dataset), triplets_path, base_model, out_dir, config,
                       base_provenance=base_provenance, recipe=final_recipe)
    else:
        report = _keep_base(base_model, out_dir, recipe, base_provenance, device, verdict, decision)
    report.update({"cross_validation": cv, "kept_base_model": not beats, "tuned_beats_base": beats,
                   "verdict": verdict, "decision": decision, "dev_plan": plan.to_dict(),
                   "budget_source": budget_source,
                   "stopped_by_budget": report.get("stopped_by_budget") or any(f["stopped_by_budget"] for f in folds)})
    shutil.rmtree(out_dir / "cv", ignore_errors=True)
    clean_checkpoints(out_dir)
    _write(out_dir, report)
    return report


def _fold_runs(dataset, folds, triplets_path, base_model, out_dir, recipe, base_provenance, deadline, extra,
               later_runs: int, pools=None) -> list[dict]:
    """One training run per fold, each scored on its held-out queries' candidate ``pools`` after every epoch; the
    budget left is shared evenly among these runs and ``later_runs`` more."""
    results = []
    step_s = extra.get("step_seconds")
    for i, held_out in enumerate(folds):
        share = max(1.0, (deadline - time.time()) / (len(folds) - i + later_runs))
        config = recipe.training_config(eval_split=DEV_SPLIT, budget_s=share,
                                        **{**extra, "step_seconds": step_s})
        fold_dir = out_dir / "cv" / f"fold{i}"
        report = train(fold_dataset(dataset, held_out), triplets_path, base_model, fold_dir, config,
                       base_provenance=base_provenance, recipe=recipe, pools=pools)
        results.append({"fold": i, "held_out_queries": len(held_out), "history": report["dev_history"],
                        "stopped_by_budget": report["stopped_by_budget"], "budget": report["budget"]})
        step_s = step_s or (report["budget"] or {}).get("measured_step_s")  # measured once, reused
        shutil.rmtree(fold_dir, ignore_errors=True)
    return results


def auto_select(dataset: Dataset, triplets_path: Path, base_model: str, out_dir: Path, recipe: Recipe,
                base_provenance: str = "", device: str | None = None, started: float | None = None,
                candidates: list[dict] | None = None, max_steps: int = -1, prompts: dict | None = None) -> dict:
    """``train --auto``: choose the learning rate, the number of negatives and the epochs by k-fold
    cross-validation over the train plus dev queries, inside the budget; then train on all of them.

    Candidates (default: the recipe, 3 x its learning rate, and each with one negative per row when more were
    mined — fewer negatives are the first ones of each row) are scored by the held-out-query-weighted mean NDCG@10
    over the folds at every epoch, as ``benchmarks/sweep_training.py`` ranks settings; the table of candidates is
    recorded under ``auto`` in the report. Ties go to the cheaper candidate (fewer negatives, fewer epochs).
    """
    from legalsearch.encoders import default_device
    from legalsearch.mining import read_triplets
    from legalsearch.splits import fold_query_ids

    started = time.time() if started is None else started
    device = device or default_device()
    out_dir = Path(out_dir)
    recipe = fit_recipe_window(recipe, dataset, base_model, triplets_path)
    deadline = started + recipe.budget_seconds(device)
    rows = read_triplets(triplets_path)
    mined = len(rows[0]["negatives"])
    if candidates is None:
        candidates = [{}, {"learning_rate": recipe.learning_rate * 3}]
        if mined > 1:
            candidates += [{**c, "negatives": 1} for c in candidates]
    pool = sorted(set(dataset.positives("train")) | set(dataset.positives(DEV_SPLIT) if DEV_SPLIT in dataset.qrels
                                                        else {}))
    pools = evaluation_pools(dataset, base_model, recipe, device, prompts)  # once, for every candidate's folds
    folds = fold_query_ids(pool, max(2, min(recipe.cv_folds, len(pool))), recipe.seed)
    extra = {"device": device, "max_steps": max_steps, "eval_steps": 0, **(prompts or {})}
    work = out_dir / "auto"
    work.mkdir(parents=True, exist_ok=True)
    table, base_score = [], None
    for i, overrides in enumerate(candidates):
        candidate = recipe.override(overrides, "train --auto candidate") if overrides else recipe
        path = Path(triplets_path)
        if candidate.negatives < mined:
            path = work / f"triplets-neg{candidate.negatives}.jsonl"
            path.write_text("".join(json.dumps({**r, "negatives": r["negatives"][:candidate.negatives],
                                                "negative_ids": r.get("negative_ids", [])[:candidate.negatives]})
                                    + "\n" for r in rows))
        later = (len(candidates) - i - 1) * len(folds) + 1
        runs = _fold_runs(dataset, folds, path, base_model, work, candidate, base_provenance, deadline, extra, later,
                          pools=pools)
        scored = cv_table(runs)
        base_score = next((r[PRIMARY_METRIC] for r in scored if r["epoch"] == 0), base_score)
        best = max((r for r in scored if r["epoch"] > 0), key=lambda r: round(r[PRIMARY_METRIC], 6), default=None)
        table.append({"candidate": overrides or {"recipe": "as given"}, "negatives": candidate.negatives,
                      "learning_rate": candidate.learning_rate, "best_epoch": best["epoch"] if best else None,
                      PRIMARY_METRIC: best[PRIMARY_METRIC] if best else None, "by_epoch": scored,
                      "stopped_by_budget": any(r["stopped_by_budget"] for r in runs)})
    ranked = sorted((row for row in table if row[PRIMARY_METRIC] is not None),
                    key=lambda row: (-round(row[PRIMARY_METRIC], 6), row["negatives"], row["best_epoch"]))
    chosen = ranked[0] if ranked else None
    beats = chosen is not None and base_score is not None and at_least_as_good(chosen[PRIMARY_METRIC], base_score)
    verdict = verdict_sentence(f"{len(folds)}-fold cross-validation of {len(candidates)} candidates", len(pool),
                               base_score if base_score is not None else float("nan"),
                               chosen[PRIMARY_METRIC] if chosen else float("-inf"),
                               f"{chosen['candidate']} at {chosen['best_epoch']} epochs" if chosen else "none")
    check = f"{len(folds)}-fold cross-validation ({len(pool)} queries)"
    decision = decision_line(beats, check, base_score, chosen[PRIMARY_METRIC]) if chosen and base_score is not None \
        else decision_line(False, check, why=f"no candidate reached an epoch within the budget ({check})")
    auto = {"folds": [len(f) for f in folds], "queries": len(pool), "base": base_score, "candidates": table,
            "chosen": chosen["candidate"] if beats else None, "verdict": verdict}
    if beats:
        final = recipe
        reason = f"train --auto: {len(folds)}-fold cross-validation over {len(pool)} queries"
        for name in ("learning_rate", "negatives"):
            if getattr(final, name) != chosen[name]:
                final = final.fitted(name, chosen[name], reason)
        final = final.fitted("epochs", int(chosen["best_epoch"]), reason)
        path = Path(triplets_path)
        if final.negatives < mined:
            path = work / f"triplets-neg{final.negatives}.jsonl"
        config = final.training_config(eval_split=None, budget_s=max(1.0, deadline - time.time()), **extra)
        report = train(merged_dataset(dataset), path, base_model, out_dir, config, base_provenance=base_provenance,
                       recipe=final)
    else:
        report = _keep_base(base_model, out_dir, recipe, base_provenance, device, verdict, decision)
    report.update({"auto": auto, "kept_base_model": not beats, "tuned_beats_base": beats, "verdict": verdict,
                   "decision": decision,
                   "dev_plan": {"method": "cross-validation (train --auto)", "folds": [len(f) for f in folds],
                                "dev_queries": len(pool), "reason": f"{len(folds)}-fold cross-validation over "
                                                                    f"{len(pool)} train+dev queries"}})
    shutil.rmtree(work, ignore_errors=True)
    clean_checkpoints(out_dir)
    _write(out_dir, report)
    return report


def cv_table(folds: list[dict]) -> list[dict]:
    """Per epoch: the held-out-query-weighted mean NDCG@10 over the folds that reached it (epoch 0 = base)."""
    by_epoch: dict[int, list[tuple[float, int, int]]] = {}
    for fold in folds:
        for point in fold["history"]:
            if not isinstance(point.get("epoch"), (int, float)):
                continue
            epoch = math.ceil(float(point["epoch"]) - 1e-9)  # a partial epoch (budget) counts as that epoch
            if any(f == fold["fold"] for _, _, f in by_epoch.get(epoch, [])):
                by_epoch[epoch] = [v for v in by_epoch[epoch] if v[2] != fold["fold"]]  # a later point wins
            by_epoch.setdefault(epoch, []).append((point[PRIMARY_METRIC], fold["held_out_queries"], fold["fold"]))
    table = []
    for epoch, values in sorted(by_epoch.items()):
        if len({f for _, _, f in values}) < len(folds):
            continue  # an epoch some fold did not reach (its budget ran out) is not compared
        weight = sum(n for _, n, _ in values)
        table.append({"epoch": epoch, PRIMARY_METRIC: sum(v * n for v, n, _ in values) / weight, "queries": weight,
                      "by_fold": {f"cv{f}": round(v, 4) for v, _, f in values}})
    return table


def _write(out_dir: Path, report: dict) -> None:
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "training_report.json").write_text(json.dumps(report, indent=2, default=str))

#!/usr/bin/env bash
# The real fine-tuning runs behind docs/benchmarks.md: mine → train → export → bench on one BEIR dataset.
#
#   benchmarks/finetune_real.sh ../shared/datasets/acord runs/acord
#   benchmarks/finetune_real.sh ../shared/datasets/legalbenchrag_lite runs/legalbenchrag_lite
#
# Every setting comes from the recipe (legalsearch/recipe.py, docs/pipeline.md "The recipe"), the same one
# `legalsearch train` and `bench` use; RECIPE=FILE (JSON or TOML) and the environment overrides below replace
# single values, and training_report.json records where each came from. The dev plan (dev split, dev carved from
# train, or cross-validation) picks the epoch; the hybrid weights are tuned on dev.
# Environment overrides (unset = the recipe's value): BASE (default offline-minilm), EPOCHS, NEGATIVES, BATCH, LR,
# MAX_SEQ_LENGTH (a token count, model or auto), GROUP_BY_LENGTH (1/0), BUDGET (minutes of mining plus training),
# SEED, STOP_AFTER (mine, train or export: end the run after that step, e.g. to train on a GPU machine and export
# and bench on the CPU machine that serves; rerunning without it continues).
# docs/benchmarks.md gives the settings each published table used and how they were chosen
# (benchmarks/sweep_training.py: cross-validation on train plus dev, never test).
set -euo pipefail
dataset="$1"
out="$2"
base="${BASE:-offline-minilm}"
recipe=()
[ -n "${RECIPE:-}" ] && recipe=(--recipe "$RECIPE")
msl=()
[ -n "${MAX_SEQ_LENGTH:-}" ] && msl=(--max-seq-length "$MAX_SEQ_LENGTH")
grouping=()
[ "${GROUP_BY_LENGTH:-}" = 0 ] && grouping=(--no-group-by-length)
[ "${GROUP_BY_LENGTH:-}" = 1 ] && grouping=(--group-by-length)
seed=()
[ -n "${SEED:-}" ] && seed=(--seed "$SEED")
mining=()
[ -n "${NEGATIVES:-}" ] && mining+=(-n "$NEGATIVES")
training=()
[ -n "${EPOCHS:-}" ] && training+=(--epochs "$EPOCHS")
[ -n "${BATCH:-}" ] && training+=(--batch-size "$BATCH")
[ -n "${LR:-}" ] && training+=(--lr "$LR")
[ -n "${BUDGET:-}" ] && training+=(--budget "$BUDGET")
mkdir -p "$out"
log() { echo "[$(date -u +%H:%M:%S)] $*" | tee -a "$out/steps.log"; }
# Each step is skipped when its output exists, so an interrupted run continues where it stopped.
while pgrep -f "legalsearch mine -d $dataset" >/dev/null; do sleep 10; done  # a mining run still writing
if [ ! -s "$out/triplets.jsonl" ]; then
  log "mine $dataset"
  legalsearch mine -d "$dataset" --base "$base" "${recipe[@]}" "${mining[@]}" "${msl[@]}" -o "$out/triplets.jsonl" \
    "${seed[@]}" > "$out/mine.json"
fi
[ "${STOP_AFTER:-}" = mine ] && exit 0
if [ ! -f "$out/model/training_report.json" ]; then
  log "train"
  legalsearch train -d "$dataset" --base "$base" --triplets "$out/triplets.jsonl" -o "$out/model" \
    "${recipe[@]}" "${training[@]}" "${msl[@]}" "${grouping[@]}" "${seed[@]}" > "$out/train.json"
  rm -rf "$out/model/checkpoints"
fi
[ "${STOP_AFTER:-}" = train ] && exit 0
if [ ! -f "$out/export/export_report.json" ]; then
  log "export"
  legalsearch export "$out/model" --out "$out/export" --dataset "$dataset" --allow-degraded --overwrite \
    > "$out/export.log" 2>&1 || log "export exited $? (see $out/export.log)"
fi
[ "${STOP_AFTER:-}" = export ] && exit 0
log "bench"
legalsearch bench -d "$dataset" --model "$out/model" --onnx "$out/export" --base "$base" "${seed[@]}" -o "$out/bench"
log "done"

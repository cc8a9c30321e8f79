#!/usr/bin/env bash
# The real fine-tuning runs behind docs/benchmarks.md: mine → train → export → bench on one BEIR dataset.
#
#   benchmarks/finetune_real.sh ../shared/datasets/acord runs/acord
#   benchmarks/finetune_real.sh ../shared/datasets/legalbenchrag_lite runs/legalbenchrag_lite
#
# Settings were fixed before looking at any test number; the dev split picks the epoch and the hybrid weights.
# Environment overrides: BASE (default offline-minilm), EPOCHS (1), NEGATIVES (1), BATCH (16), LR (5e-5),
# MAX_SEQ_LENGTH (the model's own; passages for mining, training and evaluation are cut to it),
# GROUP_BY_LENGTH (1; 0 trains with randomly composed batches, as the runs before 2026-11-26 evening did),
# SEED (42, for mining and training), STOP_AFTER (mine, train or export: end the run after that step, e.g. to train
# on a GPU machine and export and bench on the CPU machine that serves; rerunning without it continues).
# docs/benchmarks.md gives the settings each published table used and how they were chosen
# (benchmarks/sweep_training.py: cross-validation on train plus dev, never test).
set -euo pipefail
dataset="$1"
out="$2"
base="${BASE:-offline-minilm}"
msl=()
[ -n "${MAX_SEQ_LENGTH:-}" ] && msl=(--max-seq-length "$MAX_SEQ_LENGTH")
grouping=(--group-by-length)
[ "${GROUP_BY_LENGTH:-1}" = 0 ] && grouping=(--no-group-by-length)
seed=(--seed "${SEED:-42}")
mkdir -p "$out"
log() { echo "[$(date -u +%H:%M:%S)] $*" | tee -a "$out/steps.log"; }
# Each step is skipped when its output exists, so an interrupted run continues where it stopped.
while pgrep -f "legalsearch mine -d $dataset" >/dev/null; do sleep 10; done  # a mining run still writing
if [ ! -s "$out/triplets.jsonl" ]; then
  log "mine $dataset"
  legalsearch mine -d "$dataset" --base "$base" -n "${NEGATIVES:-1}" "${msl[@]}" -o "$out/triplets.jsonl" "${seed[@]}" > "$out/mine.json"
fi
[ "${STOP_AFTER:-}" = mine ] && exit 0
if [ ! -f "$out/model/training_report.json" ]; then
  log "train"
  legalsearch train -d "$dataset" --base "$base" --triplets "$out/triplets.jsonl" -o "$out/model" \
  --epochs "${EPOCHS:-1}" --batch-size "${BATCH:-16}" --lr "${LR:-5e-5}" "${msl[@]}" "${grouping[@]}" "${seed[@]}" > "$out/train.json"
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
legalsearch bench -d "$dataset" --model "$out/model" --onnx "$out/export" --base "$base" -o "$out/bench"
log "done"

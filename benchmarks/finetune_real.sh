#!/usr/bin/env bash
# The real fine-tuning runs behind docs/benchmarks.md: mine → train → export → bench on one BEIR dataset.
#
#   benchmarks/finetune_real.sh ../shared/datasets/acord runs/acord
#   benchmarks/finetune_real.sh ../shared/datasets/legalbenchrag_lite runs/legalbenchrag_lite
#
# Settings were fixed before looking at any test number; the dev split picks the epoch and the hybrid weights.
# Environment overrides: BASE (default offline-minilm), EPOCHS (2), NEGATIVES (1), BATCH (16), LR (3e-5).
set -euo pipefail
dataset="$1"
out="$2"
base="${BASE:-offline-minilm}"
mkdir -p "$out"
log() { echo "[$(date -u +%H:%M:%S)] $*" | tee -a "$out/steps.log"; }
log "mine $dataset"
legalsearch mine -d "$dataset" --base "$base" -n "${NEGATIVES:-1}" -o "$out/triplets.jsonl" > "$out/mine.json"
log "train"
legalsearch train -d "$dataset" --base "$base" --triplets "$out/triplets.jsonl" -o "$out/model" \
  --epochs "${EPOCHS:-2}" --batch-size "${BATCH:-16}" --lr "${LR:-3e-5}" > "$out/train.json"
rm -rf "$out/model/checkpoints"
log "export"
legalsearch export "$out/model" --out "$out/export" --dataset "$dataset" --allow-degraded > "$out/export.log" 2>&1 \
  || log "export exited $? (see $out/export.log)"
log "bench"
legalsearch bench -d "$dataset" --model "$out/model" --onnx "$out/export" --base "$base" -o "$out/bench"
log "done"

#!/usr/bin/env bash
# The no-labels route on one dataset, with its labels unused for training: synthesize pairs from the corpus alone,
# mine hard negatives as for labelled data, fine-tune, and bench base vs fine-tuned on the dataset's own labelled
# test split (copied through by `data synthesize --held-out test`, never trained on).
#
#   benchmarks/no_labels.sh DATASET OUT
#   GENERATORS=span MAX_QUERIES=2000 benchmarks/no_labels.sh ../shared/datasets/acord runs/no-labels/acord-span
#
# Settings (environment): GENERATORS (citation,structure,span), MAX_QUERIES (2000: training time grows with it),
# SYNTHESIZE_FLAGS (more `data synthesize` flags, e.g. "--no-filter-copied --no-filter-unretrievable"),
# EPOCHS (2), MAX_SEQ_LENGTH (128), NEGATIVES (1), SEED (42), BASE (offline-minilm). They are the demo's
# settings, chosen for 2 CPU cores, not tuned on any test split.
set -euo pipefail
source "$(dirname "$0")/../scripts/env.sh"
set -euo pipefail
dataset="$1"
out="$2"
generators="${GENERATORS:-citation,structure,span}"
max_queries="${MAX_QUERIES:-2000}"
epochs="${EPOCHS:-2}"
max_seq_length="${MAX_SEQ_LENGTH:-128}"
negatives="${NEGATIVES:-1}"
seed="${SEED:-42}"
base="${BASE:-offline-minilm}"
# The recipe supplies every other setting; RECIPE=FILE and LR override it. The published run predates the recipe:
# RECIPE=benchmarks/recipes/before-recipe.toml LR=2e-5 restores what mine and train defaulted to then.
recipe=()
[ -n "${RECIPE:-}" ] && recipe=(--recipe "$RECIPE")
lr=()
[ -n "${LR:-}" ] && lr=(--lr "$LR")
mkdir -p "$out"
started=$(date +%s)
read -r -a synthesize_flags <<< "${SYNTHESIZE_FLAGS:-}"
legalsearch data synthesize -d "$dataset" -o "$out/data" --generators "$generators" --max-queries "$max_queries" \
  --seed "$seed" "${synthesize_flags[@]}" | tee "$out/synthesize.txt"
legalsearch mine -d "$out/data" --base "$base" "${recipe[@]}" -n "$negatives" --max-seq-length "$max_seq_length" --seed "$seed" \
  -o "$out/triplets.jsonl"
legalsearch train -d "$out/data" --base "$base" "${recipe[@]}" "${lr[@]}" --triplets "$out/triplets.jsonl" --epochs "$epochs" \
  --max-seq-length "$max_seq_length" --seed "$seed" -o "$out/model" > "$out/train.json"
trained=$(date +%s)
legalsearch bench -d "$out/data" --model "$out/model" --base "$base" --no-onnx --no-speed --seed "$seed" \
  -o "$out/bench"
finished=$(date +%s)
printf '{"synthesize_mine_train_s": %d, "bench_s": %d, "cpu": "%s", "generators": "%s", "max_queries": %s}\n' \
  "$((trained - started))" "$((finished - trained))" "$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)" \
  "$generators" "$max_queries" > "$out/run.json"

#!/usr/bin/env bash
# Detection and staleness figures on the shared labelled corpus, both modes.
# Usage: benchmarks/corpus_score.sh [CORPUS_DIR]   (default: ../shared/corpus/real)
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
corpus="${1:-$here/../shared/corpus/real}"
score="$(dirname "$corpus")/score.py"
py="${PYTHON:-python3}"
for mode in ledger no-ledger; do
  echo "== mode=$mode"
  "$py" "$score" "$corpus" --mode "$mode" --cmd "$py -m brokenlang" | tail -3
done

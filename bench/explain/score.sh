#!/usr/bin/env bash
# The README's faithfulness table: deletion/insertion AUC of the demo model (bin/cvt demo's
# target/demo/best.safetensors) over Fashion-MNIST test images 0-199, per method and fill, the
# random baseline over seeds 0-9 (the method's own figures do not depend on the seed).
# Usage: bench/explain/score.sh [MODEL_FILE] [WORK_DIR]
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
model=${1:-$root/target/demo/best.safetensors}
work=${2:-$root/target/explain-score}
mkdir -p "$work/images"
python3 "$root/bench/explain/fashion_pngs.py" "$work/images"
for method in gradcam last; do
  for fill in black mean; do
    for seed in 0 1 2 3 4 5 6 7 8 9; do
      echo "=== method $method fill $fill seed $seed"
      "$root/bin/cvt" explain --model-file "$model" --method "$method" --score "$work/images" --steps 16 --fill "$fill" --seed "$seed" \
        | grep -E "^($method|random) "
    done
  done
done

#!/usr/bin/env bash
# Our CvT next to the reference PyTorch on this machine, in one run, alternating the two
# (ROUNDS times) so that both see the same machine state.
# usage: bench/compare.sh [MODEL] [SIZE] [BATCHES] [ROUNDS]     e.g. bench/compare.sh cvt-13 224 1,16 2
# Needs Debian's python3-torch and ../shared/reference beside the repository.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
model=${1:-cvt-13} size=${2:-224} batches=${3:-1,16} rounds=${4:-2}
ref=${CVT_REFERENCE_DIR:-$root/../shared/reference}
for round in $(seq "$rounds"); do
  echo "== round $round: DL4J (bin/cvt bench)"
  "$root/bin/cvt" bench --model "$model" --size "$size" --batch "$batches" --threads 2
  echo "== round $round: PyTorch reference"
  OMP_WAIT_POLICY=PASSIVE OMP_NUM_THREADS=2 /usr/bin/python3 "$root/bench/reference_bench.py" "$ref" "$model" "$size" "$batches" 5 2
done
